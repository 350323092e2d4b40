"""rrlsk.io.read_plain_csv: one row per observation, per-star values repeated."""

import numpy as np
import pandas as pd
import pytest

from rrlsk.io import PLAIN_CSV_ARRAYS, is_plain_csv, read_plain_csv


@pytest.fixture
def plain(tmp_path):
    frame = pd.DataFrame({"Source_ID": [5, 3, 5, 3, 5], "TIME": [3.0, 2.0, 1.0, 1.0, 2.0],
                          "mag": [15.3, 16.2, 15.1, 16.0, 15.2], "period": [0.6, 0.3, 0.6, 0.3, 0.6]})
    frame.to_csv(tmp_path / "curves.csv", index=False)
    return tmp_path / "curves.csv"


def test_a_plain_csv_becomes_a_light_curve_table_sorted_by_star_and_time(plain):
    X = read_plain_csv(plain)
    assert X.index.tolist() == [3, 5] and X.index.dtype == np.int64 and X.index.name == "source_id"
    assert X.loc[5, "time"].tolist() == [1.0, 2.0, 3.0]
    assert X.loc[5, "mag"].tolist() == [15.1, 15.2, 15.3]
    assert X["period"].tolist() == [0.3, 0.6]
    assert "mag_err" not in X and set(PLAIN_CSV_ARRAYS) >= {"time", "mag"}


def test_only_plain_light_curve_csvs_are_recognised(plain, tmp_path):
    assert is_plain_csv(plain)
    pd.read_csv(plain).assign(band="G").to_csv(tmp_path / "gaia.csv", index=False)
    pd.read_csv(plain).drop(columns="mag").to_csv(tmp_path / "nomag.csv", index=False)
    assert not any(is_plain_csv(tmp_path / name) for name in ("gaia.csv", "nomag.csv", "none.csv"))
    assert not is_plain_csv(tmp_path)


def test_bad_plain_csvs_are_named(plain, tmp_path):
    pd.read_csv(plain).drop(columns="mag").to_csv(tmp_path / "nomag.csv", index=False)
    with pytest.raises(ValueError, match=r"nomag.csv: a light-curve CSV has the columns .*\['mag'\] missing"):
        read_plain_csv(tmp_path / "nomag.csv")
    frame = pd.read_csv(plain)
    frame.loc[0, "period"] = 0.7
    frame.to_csv(tmp_path / "varying.csv", index=False)
    with pytest.raises(ValueError, match=r"varying.csv: \['period'\] differ within a star"):
        read_plain_csv(tmp_path / "varying.csv")
