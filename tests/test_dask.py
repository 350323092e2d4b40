"""Dask scale-out (rrlsk.catalogue.dask) on a 2-worker LocalCluster."""

import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

pytest.importorskip("distributed")

from distributed import Client, LocalCluster  # noqa: E402
from test_batch import BOOM_EPOCH, make_model, make_table, truth  # noqa: E402

from rrlsk.catalogue import predict_table  # noqa: E402
from rrlsk.catalogue.dask import dask_backend, predict_dask, read_parquet_dask  # noqa: E402
from rrlsk.io import read_parquet, write_parquet  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        yield client


@pytest.fixture
def curves(tmp_path):
    X = make_table(120)
    X.at[1004, "mag"] = X.at[1004, "mag"][:3]  # skipped: too few points
    X.loc[1009, "epoch"] = BOOM_EPOCH  # failed: the model raises
    path = tmp_path / "curves.parquet"
    write_parquet(X, path, row_group_size=20)
    return X, path


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"rrlsk\[dask\]"):
        with dask_backend():
            pass


def test_dask_backend_needs_a_client(monkeypatch):
    import rrlsk.catalogue.dask

    monkeypatch.setattr(rrlsk.catalogue.dask, "_current_client", lambda: None)  # as if none were running
    with pytest.raises(ValueError, match="needs a distributed.Client"):
        with dask_backend():
            pass


def test_predict_dask_without_cluster_matches_predict_table(curves):
    # Runs before the module's cluster exists (tests run in file order): dask's local scheduler.
    X, path = curves
    model = make_model()
    got = predict_dask(model, read_parquet_dask(path)).compute().sort_index()
    pd.testing.assert_frame_equal(got, predict_table(model, X))


def test_read_parquet_dask_round_trip(curves):
    X, path = curves
    ddf = read_parquet_dask(path, partition_size=40)
    assert ddf.npartitions > 1
    got = ddf.compute().sort_index()
    assert got.index.name == "source_id" and got.index.dtype == np.int64
    assert list(got.columns) == list(read_parquet(path).columns)
    for column in ("time", "mag", "mag_err"):
        for a, b in zip(got[column], X[column]):
            assert a.dtype == np.float64
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(got["period"], X["period"])


def test_predict_dask_on_cluster_matches_predict_table(client, curves):
    X, path = curves
    model = make_model()
    ddf = read_parquet_dask(path, partition_size=40)
    got = predict_dask(model, ddf).compute().sort_index()
    expected = predict_table(model, X)
    pd.testing.assert_frame_equal(got, expected)
    assert got.loc[1004, "status"] == "skipped" and got.loc[1009, "status"] == "failed"


def test_predict_dask_loads_a_model_file_on_the_workers(client, curves, tmp_path):
    import joblib

    X, path = curves
    model = make_model()
    joblib.dump(model, tmp_path / "model.joblib")
    got = predict_dask(tmp_path / "model.joblib", read_parquet_dask(path, partition_size=40)).compute()
    pd.testing.assert_frame_equal(got.sort_index(), predict_table(model, X))


def test_grid_search_on_cluster_equals_local(client):
    X = make_table(60)
    y = truth(X)
    grid = {"reg__alpha": [1e-3, 1e-1, 10.0]}
    local = GridSearchCV(make_model(), grid, cv=KFold(3)).fit(X, y)
    with dask_backend(client):
        remote = GridSearchCV(make_model(), grid, cv=KFold(3), n_jobs=-1).fit(X, y)
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-12)
    assert remote.best_params_ == local.best_params_


@pytest.mark.slow
def test_keras_pipeline_survives_the_trip(client, tmp_path):
    import rrlsk

    X = make_table(48)
    y = pd.Series(truth(X), index=X.index, name="feh")
    cv = KFold(2)
    pipe = rrlsk.make_pipeline("gru", epochs=1, batch_size=16, random_state=0)
    with dask_backend(client):
        result = cross_validate(
            pipe, X, y, cv=cv, n_jobs=-1, return_estimator=True, scoring="neg_mean_absolute_error"
        )
    # Fitted on the workers, scored there, pickled back: the same scores here.
    for fitted, (_, test), score in zip(result["estimator"], cv.split(X), result["test_score"]):
        local = -np.mean(np.abs(fitted.predict(X.iloc[test]) - y.iloc[test]))
        assert local == pytest.approx(score, rel=1e-5)
    # And a fitted Keras pipeline scattered to the workers predicts the same.
    path = tmp_path / "curves.parquet"
    write_parquet(X, path, row_group_size=16)
    got = predict_dask(fitted, read_parquet_dask(path, partition_size=16)).compute().sort_index()
    assert got["status"].isin(["ok", "flagged"]).all()  # a 1-epoch GRU may predict outside its labels' range
    np.testing.assert_allclose(got["feh"], fitted.predict(X), rtol=1e-5)
