"""Parquet light-curve tables: exact round trips and bounded streaming."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rrlsk.io import iter_parquet, read_parquet, write_parquet


def make_table(n=7, seed=1):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 9, n)
    X = pd.DataFrame(
        {
            "time": [np.sort(rng.uniform(1700, 2700, k)) for k in lengths],
            "mag": [rng.normal(15, 0.3, k) for k in lengths],
            "mag_err": [rng.uniform(1e-3, 1e-2, k) for k in lengths],
            "period": rng.uniform(0.4, 0.8, n),
            "epoch": rng.uniform(1700, 1701, n),
            "n_kept": lengths.astype(np.int64),
            "best_classification": pd.array(["RRab"] * n, dtype="str"),
            "flag": rng.random(n) < 0.5,
        },
        index=pd.Index(5978423987417346304 - np.arange(n, dtype=np.int64) * 10**12, name="source_id"),
    )
    X.attrs["n_dropped"] = {"rejected": 12, "nan": 3}
    return X


def assert_identical(X, Y):
    pd.testing.assert_frame_equal(X, Y)
    assert X.attrs == Y.attrs
    for name in ("time", "mag", "mag_err"):
        if name in X:
            for a, b in zip(X[name], Y[name]):
                assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_round_trip_is_exact(tmp_path):
    X = make_table()
    path = tmp_path / "lc.parquet"
    write_parquet(X, path)
    Y = read_parquet(path)
    assert_identical(X, Y)
    assert Y.dtypes.equals(X.dtypes) and Y.index.dtype == np.int64
    schema = pq.read_schema(path)
    assert pa.types.is_list(schema.field("time").type)
    assert schema.field("time").type.value_type == pa.float64()
    assert schema.field("source_id").type == pa.int64()
    Y["mag"].iloc[0][:] = 0.0  # arrays read back are writable and independent of the file
    assert_identical(read_parquet(path), X)


def test_columns_and_float32_arrays(tmp_path):
    X = make_table()
    X["phase"] = [np.linspace(0, 1, 5, endpoint=False, dtype=np.float32) for _ in range(len(X))]
    path = tmp_path / "lc.parquet"
    write_parquet(X, path)
    Y = read_parquet(path, columns=["phase", "period"])
    assert list(Y.columns) == ["phase", "period"]
    assert Y["phase"].iloc[0].dtype == np.float32
    np.testing.assert_array_equal(Y["period"], X["period"])
    with pytest.raises(ValueError, match=r"no column\(s\) \['nope'\]"):
        read_parquet(path, columns=["nope"])


def test_iter_parquet_chunks_cover_the_table(tmp_path):
    X = make_table(n=23)
    path = tmp_path / "lc.parquet"
    write_parquet(X, path, row_group_size=5)
    chunks = list(iter_parquet(path, chunk_size=4))
    assert all(len(c) <= 4 for c in chunks)
    assert sum(len(c) for c in chunks) == 23
    assert_identical(pd.concat(chunks).__finalize__(X), X)
    with pytest.raises(ValueError, match="chunk_size"):
        next(iter_parquet(path, chunk_size=0))


def test_bad_tables_are_refused(tmp_path):
    X = make_table()
    with pytest.raises(ValueError, match="index must be integer 'source_id'"):
        write_parquet(X.reset_index(drop=True), tmp_path / "a.parquet")
    bad = X.copy()
    bad.at[bad.index[2], "mag"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=f"'mag' is not a 1-D array for 1 star.*{X.index[2]}"):
        write_parquet(bad, tmp_path / "b.parquet")
    dup = pd.concat([X, X.iloc[:1]])
    with pytest.raises(ValueError, match=f"duplicated 1 star.*{X.index[0]}"):
        write_parquet(dup, tmp_path / "c.parquet")
    X.reset_index().to_parquet(tmp_path / "pandas.parquet")  # written by pandas: read all the same
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "pandas.parquet"), X)
    X.reset_index(drop=True).to_parquet(tmp_path / "foreign.parquet")
    with pytest.raises(ValueError, match="foreign.parquet: no source_id column or index"):
        read_parquet(tmp_path / "foreign.parquet")


@pytest.mark.realdata
def test_round_trip_real_dr2_curves(tmp_path, dr2_curves):
    ids = sorted(dr2_curves)[:200]
    X = pd.DataFrame(
        {"phase": [dr2_curves[i][0] for i in ids], "mag": [dr2_curves[i][1] for i in ids]},
        index=pd.Index(np.array(ids, dtype=np.int64), name="source_id"),
    )
    write_parquet(X, tmp_path / "dr2.parquet")
    assert_identical(read_parquet(tmp_path / "dr2.parquet"), X)
