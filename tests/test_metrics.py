"""Metrics against hand computations; weight routing through sklearn."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from rrlsk import metrics
from rrlsk.model_selection import BinnedStratifiedKFold

Y_TRUE = np.array([-1.0, -2.0, -1.5, -0.5])
Y_PRED = np.array([-1.1, -1.8, -1.5, -1.0])  # errors -0.1, 0.2, 0, -0.5
W = np.array([1.0, 2.0, 3.0, 4.0])


def test_unweighted_by_hand():
    assert metrics.rmse(Y_TRUE, Y_PRED) == pytest.approx(np.sqrt((0.01 + 0.04 + 0 + 0.25) / 4))
    assert metrics.mae(Y_TRUE, Y_PRED) == pytest.approx(0.8 / 4)
    assert metrics.medae(Y_TRUE, Y_PRED) == pytest.approx(0.15)
    # mean -1.25; total SS 0.0625 + 0.5625 + 0.0625 + 0.5625 = 1.25
    assert metrics.r2(Y_TRUE, Y_PRED) == pytest.approx(1 - 0.30 / 1.25)


def test_weighted_by_hand():
    assert metrics.wrmse(Y_TRUE, Y_PRED, W) == pytest.approx(np.sqrt((0.01 + 0.08 + 0 + 1.0) / 10))
    assert metrics.wmae(Y_TRUE, Y_PRED, W) == pytest.approx((0.1 + 0.4 + 0 + 2.0) / 10)
    ybar = (-1.0 - 4.0 - 4.5 - 2.0) / 10  # -1.15
    total = 1 * 0.15**2 + 2 * 0.85**2 + 3 * 0.35**2 + 4 * 0.65**2
    assert metrics.wr2(Y_TRUE, Y_PRED, W) == pytest.approx(1 - 1.09 / total)
    # equal weights give the unweighted values
    ones = np.full(4, 7.0)
    for w_name, name in [("wrmse", "rmse"), ("wmae", "mae"), ("wr2", "r2")]:
        assert getattr(metrics, w_name)(Y_TRUE, Y_PRED, ones) == pytest.approx(getattr(metrics, name)(Y_TRUE, Y_PRED))


def test_metric_errors():
    with pytest.raises(ValueError, match="wrmse needs sample_weight"):
        metrics.wrmse(Y_TRUE, Y_PRED, None)
    with pytest.raises(ValueError, match="y_pred has 3"):
        metrics.rmse(Y_TRUE, Y_PRED[:3])
    with pytest.raises(ValueError, match="sample_weight is negative"):
        metrics.mae(Y_TRUE, Y_PRED, -W)
    assert np.isnan(metrics.r2(np.ones(3), np.zeros(3)))


def test_evaluation_weights():
    err = pd.Series([0.1, 0.2], index=pd.Index([11, 22], name="source_id"))
    assert np.allclose(metrics.evaluation_weights(err), [100.0, 25.0])
    with pytest.raises(ValueError, match=r"feh_error is zero, negative, NaN or infinite in index 22, 33"):
        metrics.evaluation_weights(pd.Series([0.1, 0.0, np.nan], index=[11, 22, 33]))


def test_scorers_sign_and_names():
    X = np.c_[Y_TRUE]
    model = Ridge(alpha=1e-9).fit(X, Y_PRED)
    got = {name: scorer(model, X, Y_TRUE) for name, scorer in metrics.scorers().items()}
    assert set(got) == set(metrics.UNWEIGHTED)
    pred = model.predict(X)
    assert got["rmse"] == pytest.approx(-metrics.rmse(Y_TRUE, pred))
    assert got["r2"] == pytest.approx(metrics.r2(Y_TRUE, pred))


def test_weighted_scorers_need_routing():
    with sklearn.config_context(enable_metadata_routing=False):
        with pytest.raises(RuntimeError, match="enable_metadata_routing=True"):
            metrics.scorers(eval_weight=True)
        with pytest.raises(RuntimeError, match="enable_metadata_routing=True"):
            metrics.route_weights(Ridge())


# --- routing spies --------------------------------------------------------
# X[:, 0] is the row position; training weights are 3 + position and
# evaluation weights 1 + y**2, so each receiver can check what it got.

FIT_CALLS = []
SCORE_CALLS = []


class SpyRidge(Ridge):
    def fit(self, X, y, sample_weight=None):
        FIT_CALLS.append((np.asarray(X)[:, 0].copy(), None if sample_weight is None else np.asarray(sample_weight)))
        return super().fit(X, y, sample_weight=sample_weight)


def spy_wrmse(y_true, y_pred, sample_weight=None):
    SCORE_CALLS.append((np.asarray(y_true).copy(), None if sample_weight is None else np.asarray(sample_weight)))
    return metrics.wrmse(y_true, y_pred, sample_weight)


def routing_data(n=60):
    rng = np.random.default_rng(0)
    y = rng.normal(-1.5, 0.4, n)
    X = np.c_[np.arange(n, dtype=float), y + rng.normal(0, 0.05, n)]
    return X, y, 3.0 + np.arange(n), 1.0 + y**2


def check_spies(w_train_of, w_eval_of, n_fits, n_scores):
    assert len(FIT_CALLS) >= n_fits and len(SCORE_CALLS) >= n_scores
    for position, weight in FIT_CALLS:
        assert weight is not None and np.array_equal(weight, w_train_of(position))
    for y_true, weight in SCORE_CALLS:
        assert weight is not None and np.allclose(weight, w_eval_of(y_true))


@pytest.mark.parametrize("pipeline", [False, True])
def test_routing_grid_search_and_cross_validate(pipeline):
    X, y, w_train, w_eval = routing_data()
    with sklearn.config_context(enable_metadata_routing=True):
        model = make_pipeline(FunctionTransformer(), SpyRidge()) if pipeline else SpyRidge()
        assert metrics.route_weights(model) is model
        scoring = metrics.scorers(eval_weight=True)
        assert set(scoring) == set(metrics.UNWEIGHTED + metrics.WEIGHTED)
        scoring["spy"] = sklearn.metrics.make_scorer(spy_wrmse, greater_is_better=False).set_score_request(
            sample_weight="eval_weight"
        )
        cv = BinnedStratifiedKFold(3, random_state=0)
        FIT_CALLS.clear()
        SCORE_CALLS.clear()
        grid = {"spyridge__alpha" if pipeline else "alpha": [0.1, 1.0]}
        search = GridSearchCV(model, grid, cv=cv, scoring=scoring, refit="wrmse")
        search.fit(X, y, train_weight=w_train, eval_weight=w_eval)
        check_spies(lambda pos: 3.0 + pos, lambda yt: 1.0 + yt**2, n_fits=7, n_scores=6)
        assert search.best_score_ == pytest.approx(search.cv_results_["mean_test_wrmse"].max())
        assert search.best_score_ < 0

        FIT_CALLS.clear()
        SCORE_CALLS.clear()
        res = cross_validate(model, X, y, cv=cv, scoring=scoring, return_train_score=True,
                             params={"train_weight": w_train, "eval_weight": w_eval})
        check_spies(lambda pos: 3.0 + pos, lambda yt: 1.0 + yt**2, n_fits=3, n_scores=6)
        assert np.all(res["test_wrmse"] < 0)
        # unweighted and weighted RMSE differ once weights reach the scorer
        assert not np.allclose(res["test_wrmse"], res["test_rmse"])


def test_missing_eval_weight_is_reported():
    X, y, w_train, _ = routing_data(30)
    with sklearn.config_context(enable_metadata_routing=True):
        model = metrics.route_weights(Ridge())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = cross_validate(model, X, y, cv=KFold(3), scoring=metrics.scorers(eval_weight=True),
                                 params={"train_weight": w_train})
    assert any("wrmse needs sample_weight" in str(w.message) for w in caught)
    assert np.all(np.isnan(res["test_wrmse"])) and np.all(np.isfinite(res["test_rmse"]))
