"""Streamed, resumable catalogue prediction (rrlsk.catalogue)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import BayesianRidge, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from rrlsk.catalogue import PREDICTION_COLUMNS, predict_catalogue, predict_table, read_predictions
from rrlsk.ensemble import FoldEnsembleRegressor
from rrlsk.io import write_parquet
from rrlsk.uncertainty import ONE_SIGMA, CalibratedRegressor

TESTS = Path(__file__).resolve().parent
BOOM_EPOCH = -999.0  # a star with this epoch makes the model raise


def make_table(n_stars, seed=0, first_id=1000):
    """Tiny light-curve table: sinusoids with ragged lengths (30-49 points)."""
    rng = np.random.default_rng(seed)
    period = rng.uniform(0.45, 0.8, n_stars)
    amplitude = rng.uniform(0.3, 1.0, n_stars)
    times, mags, errs = [], [], []
    for p, a, n in zip(period, amplitude, rng.integers(30, 50, n_stars)):
        t = np.sort(rng.uniform(1700.0, 2700.0, n))
        times.append(t)
        mags.append(15.0 + a * np.sin(2 * np.pi * t / p) + rng.normal(0, 0.01, n))
        errs.append(np.full(n, 0.01))
    index = pd.Index(np.arange(first_id, first_id + n_stars, dtype=np.int64), name="source_id")
    return pd.DataFrame(
        {
            "time": pd.Series(times, index=index, dtype=object),
            "mag": pd.Series(mags, index=index, dtype=object),
            "mag_err": pd.Series(errs, index=index, dtype=object),
            "period": period,
            "epoch": rng.uniform(0.0, 1.0, n_stars),
        },
        index=index,
    )


def features(X, sleep=0.0):
    """Per-star mean and std of mag and the period; raises on BOOM_EPOCH."""
    if (X["epoch"] == BOOM_EPOCH).any():
        raise ValueError(f"boom: epoch {BOOM_EPOCH}")
    time.sleep(sleep)
    return np.column_stack(
        [[np.mean(m) for m in X["mag"]], [np.std(m) for m in X["mag"]], X["period"].to_numpy()]
    )


class NaNForLongPeriods(Ridge):
    """Ridge that returns NaN for periods above 0.75 d."""

    def predict(self, X):
        return np.where(X[:, 2] > 0.75, np.nan, super().predict(X))


def truth(X):
    return 2.0 * X["period"].to_numpy() - 0.5 * np.array([np.std(m) for m in X["mag"]]) - 2.5


def make_model(sleep=0.0, final=None):
    X = make_table(80, seed=123, first_id=1)
    model = Pipeline(
        [("features", FunctionTransformer(features, kw_args={"sleep": sleep})), ("reg", final or Ridge(alpha=1e-3))]
    )
    return model.fit(X, truth(X))


@pytest.fixture
def catalogue(tmp_path):
    X = make_table(60)
    path = tmp_path / "curves.parquet"
    write_parquet(X, path)
    return X, path


def test_predict_table_skips_and_fails_only_the_culprits():
    model = make_model()
    X = make_table(20)
    X.at[1003, "mag"] = X.at[1003, "mag"][:3]  # too few points
    X.loc[1007, "period"] = np.nan  # no period
    X.loc[1011, "epoch"] = BOOM_EPOCH  # passes the checks, breaks the model
    out = predict_table(model, X)
    assert list(out.columns) == list(PREDICTION_COLUMNS[1:])
    assert out.index.equals(X.index)
    assert out.loc[[1003, 1007], "status"].tolist() == ["skipped", "skipped"]
    assert (out.loc[[1003, 1007], "reason"].str.len() > 0).all()
    assert out.loc[1011, "status"] == "failed"
    assert "ValueError: boom" in out.loc[1011, "reason"]
    good = X.index.difference([1003, 1007, 1011])
    assert (out.loc[good, "status"] == "ok").all() and (out.loc[good, "reason"] == "").all()
    np.testing.assert_allclose(out.loc[good, "feh"], model.predict(X.loc[good]), rtol=1e-12)
    assert out.loc[[1003, 1007, 1011], "feh"].isna().all()
    assert out["feh_std"].isna().all()  # Ridge gives no uncertainty


def test_non_finite_predictions_are_failures():
    X = make_table(30)
    out = predict_table(make_model(final=NaNForLongPeriods(alpha=1e-3)), X)
    long = X["period"].to_numpy() > 0.75
    assert long.any() and (~long).any()
    assert (out.loc[long, "status"] == "failed").all()
    assert (out.loc[long, "reason"] == "model returned a non-finite [Fe/H]").all()
    assert (out.loc[~long, "status"] == "ok").all() and np.isfinite(out.loc[~long, "feh"]).all()


def test_calibrated_uncertainty_in_table_and_catalogue(catalogue, tmp_path):
    X = make_table(200, seed=5, first_id=1)
    ensemble = FoldEnsembleRegressor(make_model(), cv=3, random_state=0)
    model = CalibratedRegressor(ensemble, spread="ensemble", random_state=0).fit(X, truth(X) + np.random.default_rng(0).normal(0, 0.05, len(X)))
    mean, std = model.predict(X.iloc[:10], return_std=True)
    out = predict_table(model, X.iloc[:10])
    np.testing.assert_allclose(out["feh"], mean, rtol=1e-12)
    np.testing.assert_allclose(out["feh_std"], std, rtol=1e-12)
    lower, upper = model.predict_interval(X.iloc[:10], ONE_SIGMA)
    np.testing.assert_allclose(out["feh_lower"], lower, rtol=1e-12)
    np.testing.assert_allclose(out["feh_upper"], upper, rtol=1e-12)
    assert (std > 0).all()
    _, path = catalogue
    predict_catalogue(model, path, tmp_path / "out", chunk_size=25, progress=False)
    got = read_predictions(tmp_path / "out")
    assert got[["feh_std", "feh_lower", "feh_upper"]].notna().all().all()
    pd.testing.assert_frame_equal(got, predict_table(model, catalogue[0]), check_index_type=True)


@pytest.mark.parametrize("final", [BayesianRidge(), None])
def test_uncalibrated_uncertainty_columns_are_nan(final):
    model = make_model(final=final)
    if final is None:  # a fold ensemble's raw spread is not an uncertainty
        X = make_table(60, seed=5, first_id=1)
        model = FoldEnsembleRegressor(model, cv=3, random_state=0).fit(X, truth(X))
    out = predict_table(model, make_table(10))
    assert list(out.columns) == list(PREDICTION_COLUMNS[1:])
    assert out["feh"].notna().all()
    assert out[["feh_std", "feh_lower", "feh_upper"]].isna().all().all()


def test_predict_catalogue_round_trip(catalogue, tmp_path):
    X, path = catalogue
    X.loc[1005, "epoch"] = BOOM_EPOCH
    write_parquet(X, path)
    model = make_model()
    summary = predict_catalogue(model, path, tmp_path / "out", chunk_size=16, progress=False)
    assert (summary.n_ok, summary.n_failed, summary.n_already_done) == (59, 1, 0)
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) == 4  # ceil(60 / 16)
    got = read_predictions(tmp_path / "out")
    expected = predict_table(model, X)
    pd.testing.assert_frame_equal(got, expected, check_index_type=True)
    assert set(summary.seconds) == {"read", "check", "model", "write", "wall"}

    again = predict_catalogue(model, path, tmp_path / "out", chunk_size=7, progress=False)
    assert (again.n_failed, again.n_written, again.n_already_done) == (1, 1, 59)  # failed stars are retried
    pd.testing.assert_frame_equal(read_predictions(tmp_path / "out"), expected)


def test_parallel_matches_single_process(catalogue, tmp_path):
    """Workers, threads (the default: two chunks in flight) and one chunk at a time write the same rows."""
    X, path = catalogue
    model = make_model(final=BayesianRidge())
    predict_catalogue(model, path, tmp_path / "one", chunk_size=9, n_threads=1, progress=False)
    for name, kwargs in (("threads", {}), ("workers", {"n_jobs": 2})):
        summary = predict_catalogue(model, path, tmp_path / name, chunk_size=9, progress=False, **kwargs)
        assert summary.n_ok == 60
        pd.testing.assert_frame_equal(read_predictions(tmp_path / name), read_predictions(tmp_path / "one"))


def test_model_files_are_loaded_where_they_run(catalogue, tmp_path):
    import joblib

    from rrlsk.persistence import save_model

    X, path = catalogue
    model = make_model(final=BayesianRidge())
    joblib.dump(model, tmp_path / "plain.joblib")
    save_model(model, tmp_path / "rrlsk.model")
    expected = predict_table(model, X)
    for name, n_jobs in (("plain.joblib", 1), ("rrlsk.model", 2)):
        out = tmp_path / f"out-{name}"
        predict_catalogue(tmp_path / name, path, out, chunk_size=25, n_jobs=n_jobs, progress=False)
        pd.testing.assert_frame_equal(read_predictions(out), expected)
    with pytest.raises(ValueError, match="missing.joblib: model file not found"):
        predict_catalogue(tmp_path / "missing.joblib", path, tmp_path / "x", progress=False)


def start_run(path, out, sleep, chunk_size, n_jobs=1):
    """``predict_catalogue`` with a slow model in a child process (to kill it)."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        from test_batch import make_model
        from rrlsk.catalogue import predict_catalogue
        predict_catalogue(make_model(sleep={sleep}), {str(path)!r}, {str(out)!r}, chunk_size={chunk_size},
                          n_jobs={n_jobs}, progress=False)
        """
    )
    return subprocess.Popen([sys.executable, "-c", script])


def test_resumes_after_sigkill(catalogue, tmp_path):
    X, path = catalogue
    out = tmp_path / "out"
    child = start_run(path, out, sleep=0.4, chunk_size=8)
    try:
        deadline = time.monotonic() + 60
        while len(list(out.glob("part-*.parquet"))) < 2:
            assert child.poll() is None, "child finished before it could be killed"
            assert time.monotonic() < deadline, "child wrote no parts in 60 s"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    n_before = len(read_predictions(out))
    assert 16 <= n_before < 60

    model = make_model(sleep=0.4)  # the killed run's model: resuming checks its content
    summary = predict_catalogue(model, path, out, chunk_size=8, progress=False)
    assert summary.n_already_done == n_before
    assert summary.n_written == 60 - n_before
    got = read_predictions(out)  # raises on a source_id written twice
    assert got.index.tolist() == X.index.tolist()
    pd.testing.assert_frame_equal(got, predict_table(model, X))
    assert not list(out.glob(".tmp-*"))


def test_memory_is_bounded_by_chunk_not_catalogue(tmp_path):
    model = make_model()
    peaks = []
    for n_stars in (300, 3000):
        path = tmp_path / f"c{n_stars}.parquet"
        write_parquet(make_table(n_stars), path)
        tracemalloc.start()
        predict_catalogue(model, path, tmp_path / f"out{n_stars}", chunk_size=100, progress=False)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_stale_temporary_files_are_ignored_and_removed(catalogue, tmp_path):
    X, path = catalogue
    out = tmp_path / "out"
    predict_catalogue(make_model(), path, out, chunk_size=50, progress=False)
    (out / ".tmp-part-0001-000000.parquet").write_bytes(b"half a file")
    assert len(read_predictions(out)) == 60
    predict_catalogue(make_model(), path, out, chunk_size=50, progress=False)
    assert not list(out.glob(".tmp-*"))


def test_bad_arguments(catalogue, tmp_path):
    X, path = catalogue
    model = make_model()
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        predict_catalogue(model, path, tmp_path / "a", chunk_size=0)
    with pytest.raises(ValueError, match="n_jobs"):
        predict_catalogue(model, path, tmp_path / "a", n_jobs=0)
    with pytest.raises(ValueError, match="n_threads must be a positive integer"):
        predict_catalogue(model, path, tmp_path / "a", n_threads=0)
    with pytest.raises(NotFittedError):
        predict_catalogue(Pipeline([("reg", Ridge())]), path, tmp_path / "a")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"foreign.*not empty"):
        predict_catalogue(model, path, foreign, progress=False)
    with pytest.raises(ValueError, match="not an rrlsk prediction directory"):
        read_predictions(foreign)


@pytest.mark.slow
def test_keras_pipeline_travels_to_two_workers(catalogue, tmp_path):
    import rrlsk

    X, path = catalogue
    model = rrlsk.make_pipeline("gru", epochs=1, batch_size=16, random_state=0).fit(X, truth(X))
    predict_catalogue(model, path, tmp_path / "two", chunk_size=30, n_jobs=2, progress=False)
    got = read_predictions(tmp_path / "two")
    assert got["status"].isin(["ok", "flagged"]).all()  # a 1-epoch GRU may predict outside its labels' range
    np.testing.assert_allclose(got["feh"], model.predict(X), rtol=1e-5)


def test_gaia_archive_files_with_rrlyrae_catalogue(tmp_path):
    from rrlsk.datasets import make_gaia_rrab, to_gaia_files

    X, _, info = make_gaia_rrab(25, random_state=3)
    paths = to_gaia_files(X, info, tmp_path / "gaia", format="csv", per_star=True)
    model = make_model()
    summary = predict_catalogue(
        model, paths["epoch_photometry"], tmp_path / "out", chunk_size=10, rrlyrae=paths["vari_rrlyrae"], progress=True
    )
    assert summary.n_written == 25
    got = read_predictions(tmp_path / "out")
    expected = predict_table(model, X).sort_index()
    assert got.index.equals(expected.index)
    np.testing.assert_allclose(got["feh"], expected["feh"], rtol=1e-9)


# ---------------------------------------------------------------- nothing lost, nothing silently wrong


def test_unit_mistakes_and_absurd_predictions_are_flagged_never_ok(catalogue, tmp_path):
    from sklearn.dummy import DummyRegressor

    from rrlsk.domain import record_training_domain
    from rrlsk.io.gaia import G_ZEROPOINT

    X, path = catalogue
    model = record_training_domain(make_model(), X, truth(X))
    bad = X.copy()
    bad["period"] = bad["period"].astype(float)
    bad.loc[1000, "period"] *= 24  # hours
    bad.at[1001, "mag"] = 10 ** (-0.4 * (bad.at[1001, "mag"] - G_ZEROPOINT))  # fluxes in mag
    write_parquet(bad, path)
    predict_catalogue(model, path, tmp_path / "out", progress=False)
    got = read_predictions(tmp_path / "out")
    assert got.loc[[1000, 1001], "status"].tolist() == ["flagged", "flagged"]
    assert "hours instead of days" in got.at[1000, "reason"]
    assert "fluxes in the mag column" in got.at[1001, "reason"]
    assert got.loc[[1000, 1001], "outside_training_domain"].all()
    assert (got.drop(index=[1000, 1001])["status"] == "ok").all()
    assert not got.drop(index=[1000, 1001])["outside_training_domain"].any()

    # a model trained with learning_rate 1e6 predicts 976,653 dex for every star
    absurd = Pipeline([("features", FunctionTransformer(features)), ("reg", DummyRegressor(constant=976_653.0,
                                                                                            strategy="constant"))])
    absurd.fit(X, truth(X))
    table = predict_table(absurd, X)
    assert (table["status"] == "flagged").all()
    assert table["reason"].str.contains("outside the physical range").all()


def test_a_table_without_a_needed_column_stops_before_any_prediction(catalogue, tmp_path):
    X, path = catalogue
    write_parquet(X.drop(columns="epoch"), path)
    with pytest.raises(ValueError, match=r"curves.parquet: light-curve table lacks column\(s\) \['epoch'\]"):
        predict_catalogue(make_model(), path, tmp_path / "out", progress=False)
    assert not list((tmp_path / "out").glob("part-*"))
    write_parquet(X, path)  # fixed: the same command now predicts every star
    assert predict_catalogue(make_model(), path, tmp_path / "out", progress=False).n_ok == 60


def test_resuming_with_another_model_file_is_refused(catalogue, tmp_path):
    import joblib

    X, path = catalogue
    joblib.dump(make_model(), tmp_path / "a.joblib")
    joblib.dump(make_model(final=BayesianRidge()), tmp_path / "b.joblib")
    predict_catalogue(tmp_path / "a.joblib", path, tmp_path / "out", progress=False)
    with pytest.raises(ValueError, match=r"another model.*a.joblib.*b.joblib.*mix two models"):
        predict_catalogue(tmp_path / "b.joblib", path, tmp_path / "out", progress=False)
    manifest = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert len(manifest["runs"]) == 1 and len(manifest["runs"][0]["model"]["sha256"]) == 64
    assert predict_catalogue(tmp_path / "a.joblib", path, tmp_path / "out", progress=False).n_already_done == 60


def test_truncated_model_file_is_named(catalogue, tmp_path):
    import joblib

    X, path = catalogue
    joblib.dump(make_model(), tmp_path / "m.joblib")
    data = (tmp_path / "m.joblib").read_bytes()
    for name, content in (("cut.joblib", data[: len(data) // 2]), ("empty.joblib", b""),
                          ("random.joblib", os.urandom(4096))):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=rf"{name}: cannot load the model .*truncated, corrupt or not a model"):
            predict_table(tmp_path / name, X)


def test_a_folder_in_use_is_refused_and_a_stale_lock_taken_over(catalogue, tmp_path):
    from rrlsk._lock import FolderInUse

    X, path = catalogue
    out = tmp_path / "out"
    child = start_run(path, out, sleep=0.3, chunk_size=8)
    try:
        deadline = time.monotonic() + 60
        while not (out / "_lock").exists():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        with pytest.raises(FolderInUse, match=rf"in use by another rrlsk predict run \(pid {child.pid} on host"):
            predict_catalogue(make_model(), path, out, chunk_size=8, progress=False)
        os.kill(child.pid, signal.SIGKILL)  # leaves a stale lock behind
    finally:
        child.wait()
    assert (out / "_lock").exists()
    summary = predict_catalogue(make_model(sleep=0.3), path, out, chunk_size=8, progress=False)
    assert summary.n_written + summary.n_already_done == 60
    assert len(read_predictions(out)) == 60 and not (out / "_lock").exists()


def test_workers_die_with_their_parent(catalogue, tmp_path):
    psutil = pytest.importorskip("psutil")  # comes with distributed (the test extra)

    X, path = catalogue
    out = tmp_path / "out"
    child = start_run(path, out, sleep=0.5, chunk_size=4, n_jobs=2)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("part-*.parquet")):
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        workers = psutil.Process(child.pid).children(recursive=True)
        assert workers
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, f"orphan workers: {alive}"


def test_every_star_read_from_gaia_files_gets_one_row(tmp_path):
    from rrlsk.datasets import make_gaia_rrab, to_gaia_files
    from rrlsk.io import read_vari_rrlyrae

    X, y, info = make_gaia_rrab(6, random_state=3)
    paths = to_gaia_files(X, info, tmp_path / "gaia", format="csv", per_star=True)
    epoch = sorted(Path(paths["epoch_photometry"]).iterdir())
    ids = X.index.tolist()
    nan_star = next(p for p in epoch if str(ids[0]) in p.name)  # every transit NaN
    lines = nan_star.read_text().splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        row[header.index("time")] = ""
    nan_star.write_text("\n".join([lines[0], *[",".join(r) for r in rows]]) + "\n")
    empty_star = next(p for p in epoch if str(ids[1]) in p.name)
    empty_star.write_text(lines[0] + "\n")  # header only
    catalogue = read_vari_rrlyrae(paths["vari_rrlyrae"])
    catalogue.loc[ids[2], "pf"] = np.nan
    catalogue = catalogue.drop(index=ids[3])
    model = make_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no star may vanish into a warning
        summary = predict_catalogue(model, paths["epoch_photometry"], tmp_path / "out", chunk_size=2,
                                    rrlyrae=catalogue.reset_index(), progress=False)
    got = read_predictions(tmp_path / "out")
    assert got.index.tolist() == sorted(ids)
    assert summary.n_skipped >= 4 and summary.n_written == 6
    assert "no valid G-band transit" in got.at[ids[0], "reason"]
    assert "file holds no transit rows" in got.at[ids[1], "reason"]
    assert got.at[ids[2], "reason"] == "no period (pf or p1_o) or epoch_g in vari_rrlyrae"
    assert got.at[ids[3], "reason"] == "no row in vari_rrlyrae"
    assert (got.loc[ids[:4], "status"] == "skipped").all()


def test_write_atomic_leaves_no_partial_file(tmp_path):
    from rrlsk._atomic import write_atomic

    target = tmp_path / "predictions.csv"
    target.write_text("old, complete\n")

    def half_then_fail(tmp):
        tmp.write_text("source_id,feh\n12345")
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, half_then_fail)
    assert target.read_text() == "old, complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["predictions.csv"]


def test_several_parquet_files_and_a_folder(catalogue, tmp_path):
    X, _ = catalogue
    folder = tmp_path / "parts"
    folder.mkdir()
    write_parquet(X.iloc[:25], folder / "a.parquet")
    X.iloc[25:].reset_index().to_parquet(folder / "b.parquet")  # written by pandas
    model = make_model()
    for name, source in (("folder", folder), ("files", sorted(folder.iterdir()))):
        summary = predict_catalogue(model, source, tmp_path / name, chunk_size=10, progress=False)
        assert summary.n_ok == 60
        pd.testing.assert_frame_equal(read_predictions(tmp_path / name), predict_table(model, X))


def test_resuming_with_another_in_memory_model_or_router_is_refused(catalogue, tmp_path):
    import joblib

    from rrlsk import PerTypeRegressor

    X, path = catalogue
    model = make_model()
    joblib.dump(model, tmp_path / "a.joblib")
    predict_catalogue(model, path, tmp_path / "out", progress=False)
    other = make_model(final=Ridge(alpha=2.0))  # same classes, other content
    with pytest.raises(ValueError, match=r"another model \(sklearn.pipeline.Pipeline, sha256 [0-9a-f]{64}\).*mix two"):
        predict_catalogue(other, path, tmp_path / "out", progress=False)
    again = predict_catalogue(joblib.load(tmp_path / "a.joblib"), path, tmp_path / "out", progress=False)
    assert again.n_already_done == 60  # the same model, loaded again

    routed = X.assign(type="RRab")
    write_parquet(routed, path)
    predict_catalogue(PerTypeRegressor({"RRab": joblib.load(tmp_path / "a.joblib")}), path, tmp_path / "r",
                      progress=False)
    with pytest.raises(ValueError, match=r"another model \(rrlsk.per_type.PerTypeRegressor"):
        predict_catalogue(PerTypeRegressor({"RRab": other}), path, tmp_path / "r", progress=False)


def test_degenerate_times_epochs_in_jd_and_half_precision_are_never_ok(tmp_path):
    X = make_table(8)
    ids = X.index
    X.at[ids[0], "time"] = np.full(len(X.at[ids[0], "time"]), 2000.0)  # all times equal
    X.loc[ids[1], "epoch"] = X.loc[ids[1], "epoch"] + 2455197.5  # epoch in JD, times in Gaia's system
    X.loc[ids[2], "epoch"] = X.loc[ids[2], "epoch"] + 55197.0  # in MJD
    X.at[ids[3], "time"] = X.at[ids[3], "time"].astype(np.float16)
    table = predict_table(make_model(), X)
    assert table.loc[ids[0], "status"] == "skipped" and "time values all equal" in table.loc[ids[0], "reason"]
    assert (table.loc[ids[1:3], "status"] == "flagged").all()
    assert table.loc[ids[1:3], "reason"].str.contains(r"epoch .* d; expected the times' system.*JD or MJD").all()
    assert table.loc[ids[3], "status"] == "skipped" and "time is float16" in table.loc[ids[3], "reason"]
    assert (table.loc[ids[4:], "status"] == "ok").all()
    half = X.iloc[4:].assign(period=X["period"].iloc[4:].astype(np.float16))
    table = predict_table(make_model(), half)
    assert (table["status"] == "skipped").all() and table["reason"].str.contains("period is float16").all()


@pytest.mark.filterwarnings("ignore:X has feature names")
def test_table_level_model_errors_stop_with_one_message(catalogue, tmp_path):
    from sklearn.linear_model import LinearRegression

    from rrlsk.preprocessing import PerStarScalars, PhaseFolder

    X, path = catalogue
    X = X.assign(parallax=np.linspace(0.1, 1.0, len(X)))
    with_meta = Pipeline([("fold", PhaseFolder()), ("meta", PerStarScalars(["parallax"])),
                          ("features", FunctionTransformer(lambda T: T[["meta_parallax", "period"]].to_numpy())),
                          ("reg", Ridge())]).fit(X, truth(X))
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['parallax'\] that the model needs"):
        predict_table(with_meta, X.drop(columns="parallax"))
    write_parquet(X.drop(columns="parallax"), path)
    with pytest.raises(ValueError, match=r"curves.parquet: light-curve table lacks column\(s\) \['parallax'\].*"
                                         r"nothing was predicted"):
        predict_catalogue(with_meta, path, tmp_path / "out", progress=False)
    not_rrlsk = LinearRegression().fit(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match=r"the model failed on every star with the same error \(ValueError: "):
        predict_table(not_rrlsk, X)


def test_a_table_error_in_a_later_file_names_it_and_keeps_the_stars_before(catalogue, tmp_path):
    X, path = catalogue
    write_parquet(make_table(10, first_id=5000).drop(columns="epoch"), tmp_path / "later.parquet")
    with pytest.raises(ValueError, match=r"later.parquet: light-curve table lacks column\(s\) \['epoch'\].*the 60 "
                                         r"star\(s\) read before it are written in .*out: fix the file"):
        predict_catalogue(make_model(), [path, tmp_path / "later.parquet"], tmp_path / "out", chunk_size=20,
                          progress=False)
    assert len(read_predictions(tmp_path / "out")) == 60


def test_the_old_import_paths_still_work():
    import pickle

    import rrlsk
    import rrlsk.batch
    import rrlsk.catalogue
    import rrlsk.catalogue.dask
    import rrlsk.dask

    for name in rrlsk.batch.__all__:
        assert getattr(rrlsk.batch, name) is getattr(rrlsk.catalogue, name), name
    for name in rrlsk.dask.__all__:
        assert getattr(rrlsk.dask, name) is getattr(rrlsk.catalogue.dask, name), name
    assert rrlsk.predict_catalogue is rrlsk.catalogue.predict_catalogue is rrlsk.batch.predict_catalogue
    assert pickle.loads(b"crrlsk.batch\nBatchSummary\n.") is rrlsk.catalogue.BatchSummary  # as old pickles name it
    from rrlsk.batch import PREDICTION_COLUMNS as old  # noqa: N811
    from rrlsk.dask import predict_dask  # noqa: F401

    assert old == PREDICTION_COLUMNS
