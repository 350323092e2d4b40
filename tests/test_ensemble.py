"""FoldEnsembleRegressor: fold models, spread, out-of-fold predictions."""

import pickle

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from rrlsk.ensemble import FoldEnsembleRegressor
from rrlsk.model_selection import BinnedStratifiedKFold, RepeatedBinnedStratifiedKFold

FIT_CALLS = []


class SpyRidge(Ridge):
    """Ridge recording (row positions, sample_weight) of every fit; X[:, 0] is the position."""

    def fit(self, X, y, sample_weight=None):
        FIT_CALLS.append((np.asarray(X)[:, 0].copy(), sample_weight))
        return super().fit(X, y, sample_weight=sample_weight)


def table_features(table):
    """Light-curve table -> (position, amplitude) features."""
    amplitude = np.fromiter((np.ptp(m) for m in table["mag"]), float, len(table))
    return np.c_[table["position"].to_numpy(float), amplitude]


def light_curve_table(n=80, seed=0):
    """Toy light-curve table whose amplitude encodes [Fe/H] (dex)."""
    rng = np.random.default_rng(seed)
    y = rng.normal(-1.5, 0.4, n)
    amplitude = 0.8 - 0.2 * (y + 1.5) + rng.normal(0, 0.02, n)
    phase = np.linspace(0, 1, 30, endpoint=False)
    index = pd.Index(np.arange(n, dtype=np.int64) + 5 * 10**17, name="source_id")
    X = pd.DataFrame({"position": np.arange(n), "period": rng.uniform(0.4, 0.8, n)}, index=index)
    X["mag"] = pd.Series([15 + a / 2 * np.sin(2 * np.pi * phase) for a in amplitude], index=index, dtype=object)
    return X, pd.Series(y, index=index, name="feh")


def pipeline():
    return make_pipeline(FunctionTransformer(table_features), SpyRidge(alpha=1e-3))


def test_fold_models_mean_std_and_oof():
    X, y = light_curve_table()
    cv = BinnedStratifiedKFold(4, random_state=1)
    ens = FoldEnsembleRegressor(pipeline(), cv=cv).fit(X, y)
    assert ens.n_splits_ == len(ens.estimators_) == 4
    each = np.stack([est.predict(X) for est in ens.estimators_])
    mean, std = ens.predict(X, return_std=True)
    assert np.allclose(mean, each.mean(axis=0)) and np.allclose(std, each.std(axis=0))
    assert np.all(std > 0)
    # out-of-fold predictions: each row by the one model that did not see it
    for (train, test), est in zip(cv.split(X, y), ens.estimators_):
        assert np.allclose(ens.oof_prediction_[test], est.predict(X.iloc[test]))
        assert np.allclose(est[-1].coef_, clone(pipeline()).fit(X.iloc[train], y.iloc[train])[-1].coef_)
    assert np.corrcoef(ens.oof_prediction_, y)[0, 1] > 0.9


def test_sample_weight_subset_to_folds():
    X, y = light_curve_table()
    w = 3.0 + np.arange(len(y))
    FIT_CALLS.clear()
    FoldEnsembleRegressor(pipeline(), cv=3, random_state=0).fit(X, y, sample_weight=w)
    assert len(FIT_CALLS) == 3
    for position, weight in FIT_CALLS:
        assert np.array_equal(weight, 3.0 + position)
    assert np.array_equal(np.sort(np.concatenate([p for p, _ in FIT_CALLS])), np.repeat(np.arange(80), 2))


def test_routed_train_weight_in_grid_search():
    X, y = light_curve_table()
    w_train = 3.0 + np.arange(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        ens = FoldEnsembleRegressor(pipeline(), cv=2, random_state=0).set_fit_request(sample_weight="train_weight")
        FIT_CALLS.clear()
        search = GridSearchCV(ens, {"estimator__spyridge__alpha": [1e-3, 1.0]}, cv=KFold(2))
        search.fit(X, y, train_weight=w_train)
    assert len(FIT_CALLS) == 2 * 2 * 2 + 2
    for position, weight in FIT_CALLS:
        assert np.array_equal(weight, 3.0 + position)


def test_repeated_cv_averages_repeats():
    X, y = light_curve_table()
    ens = FoldEnsembleRegressor(pipeline(), cv=RepeatedBinnedStratifiedKFold(3, 2, random_state=0)).fit(X, y)
    assert ens.n_splits_ == 6
    by_repeat = np.zeros((2, len(y)))
    for i, ((_, test), est) in enumerate(zip(ens.cv.split(X, y), ens.estimators_)):
        by_repeat[i // 3, test] = est.predict(X.iloc[test])
    assert np.allclose(ens.oof_prediction_, by_repeat.mean(axis=0))


def test_predict_out_of_fold_uses_the_models_that_never_saw_the_star():
    X, y = light_curve_table()
    cv = RepeatedBinnedStratifiedKFold(4, 2, random_state=0)
    ens = FoldEnsembleRegressor(pipeline(), cv=cv).fit(X, y)
    assert [list(test) for test in ens.test_folds_] == [list(test) for _, test in cv.split(X, y)]
    assert np.allclose(ens.predict_out_of_fold(X, np.arange(len(X))), ens.oof_prediction_)
    # new rows made from training stars 3, 3 and 10: predicted by the models that left those stars out
    copies = X.iloc[[3, 3, 10]].assign(mag=[m + 0.01 for m in X["mag"].iloc[[3, 3, 10]]])
    expected = [np.mean([est.predict(copies.iloc[[i]])[0] for est, test in zip(ens.estimators_, ens.test_folds_)
                         if star in test]) for i, star in enumerate([3, 3, 10])]
    assert np.allclose(ens.predict_out_of_fold(copies, [3, 3, 10]), expected)
    with pytest.raises(NotFittedError):
        FoldEnsembleRegressor(pipeline()).predict_out_of_fold(copies, [3, 3, 10])


def test_reproducible_clone_pickle():
    X, y = light_curve_table()
    a = FoldEnsembleRegressor(pipeline(), cv=5, random_state=7).fit(X, y)
    b = FoldEnsembleRegressor(pipeline(), cv=5, random_state=7).fit(X, y)
    assert np.array_equal(a.oof_prediction_, b.oof_prediction_)
    c = clone(a)
    assert not hasattr(c, "estimators_") and c.get_params()["random_state"] == 7
    c.set_params(estimator__spyridge__alpha=5.0)
    assert c.estimator[-1].alpha == 5.0 and a.estimator[-1].alpha == 1e-3
    restored = pickle.loads(pickle.dumps(a))
    assert np.array_equal(restored.predict(X), a.predict(X))
    assert a.score(X, y) > 0.8


def test_errors():
    X, y = light_curve_table(20)
    with pytest.raises(NotFittedError):
        FoldEnsembleRegressor(Ridge()).predict(X)
    y_bad = y.copy()
    y_bad.iloc[4] = np.nan
    with pytest.raises(ValueError, match=str(y.index[4])):
        FoldEnsembleRegressor(pipeline()).fit(X, y_bad)
    with pytest.raises(ValueError, match="sample_weight is negative"):
        FoldEnsembleRegressor(pipeline()).fit(X, y, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match="cv must be an integer or a splitter"):
        FoldEnsembleRegressor(pipeline(), cv="five").fit(X, y)
    with pytest.raises(ValueError, match=r"cv must be an integer or a splitter.*at least 2\), got 1"):
        FoldEnsembleRegressor(pipeline(), cv=1).fit(X, y)
    with pytest.raises(ValueError, match="'n_jobs' parameter"):
        FoldEnsembleRegressor(pipeline(), n_jobs="all").fit(X, y)
    with pytest.raises(ValueError, match="one label per row"):
        FoldEnsembleRegressor(pipeline()).fit(X, y.iloc[:10])


def test_from_fitted_equals_fit_and_checks_the_models():
    """Fold models fitted one at a time assemble into the ensemble fit would make."""
    from sklearn.model_selection import PredefinedSplit

    rng = np.random.default_rng(3)
    X = rng.normal(size=(90, 3))
    y = X @ [0.3, -0.2, 0.1] - 1.5 + rng.normal(0, 0.05, 90)
    cv = PredefinedSplit(np.arange(90) % 3)
    fitted = FoldEnsembleRegressor(Ridge(), cv=cv).fit(X, y)
    models = [Ridge().fit(X[train], y[train]) for train, _ in cv.split(X, y)]
    assembled = FoldEnsembleRegressor.from_fitted(Ridge(), cv, models, X, y)
    np.testing.assert_allclose(assembled.oof_prediction_, fitted.oof_prediction_)
    np.testing.assert_allclose(assembled.predict(X[:5], return_std=True), fitted.predict(X[:5], return_std=True))
    assert [t.tolist() for t in assembled.test_folds_] == [t.tolist() for t in fitted.test_folds_]
    np.testing.assert_array_equal(clone(assembled).get_params()["cv"].test_fold, cv.test_fold)
    with pytest.raises(ValueError, match="2 fold models for the 3 splits"):
        FoldEnsembleRegressor.from_fitted(Ridge(), cv, models[:2], X, y)
