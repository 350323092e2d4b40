"""CachedFit: a search run twice fits once, and gives the same scores."""

import pickle

import numpy as np
import pytest
import sklearn
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import Ridge, SGDRegressor
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, KFold

from rrlsk.model_selection import CachedFit

FITS = []


class CountingRidge(Ridge):
    def fit(self, X, y, sample_weight=None):
        FITS.append(self.alpha)
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, X @ [0.3, -0.2, 0.1] - 1.5 + rng.normal(0, 0.05, 60)


def test_a_search_run_again_fits_nothing_and_scores_the_same(data, tmp_path):
    X, y = data
    FITS.clear()
    grid = {"estimator__alpha": [0.1, 1.0, 10.0]}
    first = GridSearchCV(CachedFit(CountingRidge(), tmp_path), grid, cv=KFold(3), refit=False).fit(X, y)
    assert len(FITS) == 9  # 3 candidates x 3 folds
    assert len(list(tmp_path.glob("*.npz"))) == 9 and len(list(tmp_path.glob("*.json"))) == 9
    again = GridSearchCV(CachedFit(CountingRidge(), tmp_path), grid, cv=KFold(3), refit=False).fit(X, y)
    assert len(FITS) == 9
    np.testing.assert_array_equal(again.cv_results_["mean_test_score"], first.cv_results_["mean_test_score"])
    # the scores are those of the estimator itself
    plain = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, cv=KFold(3), refit=False).fit(X, y)
    np.testing.assert_allclose(first.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"])


def test_the_key_holds_parameters_rows_and_weights(data, tmp_path):
    X, y = data
    FITS.clear()
    model = CachedFit(CountingRidge(alpha=1.0), tmp_path)
    keys = {model.fit(X, y).fit_key_}
    model.predict(X[:5])
    keys.add(model.fit(X[:50], y[:50]).fit_key_)
    keys.add(CachedFit(CountingRidge(alpha=2.0), tmp_path).fit(X, y).fit_key_)
    keys.add(model.fit(X, y, sample_weight=np.linspace(1, 2, 60)).fit_key_)
    assert len(keys) == 4 and FITS == [1.0]  # fitting records only; predicting fits
    model.fit(X, y)
    np.testing.assert_array_equal(model.predict(X[:5]), Ridge().fit(X, y).predict(X[:5]))
    assert model.n_cached_ == 1 and FITS == [1.0]
    model.predict(X[5:9])  # other rows: predicted by one fit of the estimator
    model.predict(X[9:12])
    assert FITS == [1.0, 1.0] and model.n_cached_ == 1


def test_routed_weights_reach_the_estimator(data, tmp_path):
    X, y = data
    w = np.where(np.arange(60) < 30, 1.0, 5.0)
    with sklearn.config_context(enable_metadata_routing=True):
        model = CachedFit(Ridge().set_fit_request(sample_weight=True), tmp_path)
        prediction = model.fit(X, y, sample_weight=w).predict(X[:4])
    np.testing.assert_allclose(prediction, Ridge().fit(X, y, sample_weight=w).predict(X[:4]))


def test_halving_search_over_a_resource_resumes(data, tmp_path):
    X, y = data
    search = HalvingGridSearchCV(
        CachedFit(SGDRegressor(tol=None, random_state=0), tmp_path),
        {"estimator__alpha": [1e-4, 1e-2, 1.0]}, resource="estimator__max_iter",
        min_resources=5, max_resources=45, factor=3, cv=KFold(3), refit=False, random_state=0,
    )
    first = search.fit(X, y)
    kept = sorted(tmp_path.glob("*.npz"))
    again = HalvingGridSearchCV(**first.get_params(deep=False)).fit(X, y)
    assert sorted(tmp_path.glob("*.npz")) == kept
    assert again.best_params_ == first.best_params_ and again.n_resources_ == first.n_resources_ == [5, 15]


def test_a_saved_model_that_never_fitted_says_so(data, tmp_path):
    X, y = data
    model = pickle.loads(pickle.dumps(CachedFit(Ridge(), tmp_path).fit(X, y)))
    with pytest.raises(ValueError, match="saved before its estimator was fitted.*call fit again"):
        model.predict(X[:3])
    fitted = CachedFit(Ridge(), tmp_path / "other").fit(X, y)
    fitted.predict(X[:3])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict(X[3:6]), fitted.predict(X[3:6]))


def test_bad_parameters_are_refused(data, tmp_path):
    X, y = data
    with pytest.raises(ValueError, match="estimator"):
        CachedFit("ridge", tmp_path).fit(X, y)
    with pytest.raises(ValueError, match="directory"):
        CachedFit(Ridge(), 3).fit(X, y)


def test_it_takes_what_its_estimator_takes(tmp_path):
    get_tags = pytest.importorskip("sklearn.utils").__dict__.get("get_tags")
    if get_tags is None:
        pytest.skip("scikit-learn < 1.6 has no tags")
    from rrlsk.preprocessing import PhaseFolder

    assert get_tags(CachedFit(Ridge(), tmp_path)).input_tags.two_d_array is True
    assert get_tags(CachedFit(PhaseFolder(), tmp_path)).input_tags.two_d_array is False
