"""The scikeras regressors: training contract, reproducibility, weights,
scikit-learn integration, persistence and input checks (tiny data)."""

import subprocess
import sys
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("keras")
import sklearn  # noqa: E402
from sklearn.base import clone, is_regressor  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from rrlsk import regressors as R  # noqa: E402

ALL = [
    R.FCNRegressor,
    R.ResNetRegressor,
    R.InceptionTimeRegressor,
    R.LSTMRegressor,
    R.GRURegressor,
    R.BiLSTMRegressor,
    R.BiGRURegressor,
    R.ConvLSTMRegressor,
    R.ConvGRURegressor,
    R.TransformerRegressor,
]
# The smallest networks of each family, to keep the tests fast.
TINY = {
    R.FCNRegressor: {"filters": (4,), "kernel_sizes": (3,)},
    R.ResNetRegressor: {"filters": (4,), "kernel_sizes": (3,)},
    R.InceptionTimeRegressor: {"depth": 1, "filters": 2, "kernel_sizes": (5,), "bottleneck": 2},
    R.LSTMRegressor: {"units": (3,), "dropout": 0.1},
    R.GRURegressor: {"units": (3,), "dropout": 0.1},
    R.BiLSTMRegressor: {"units": (3,), "dropout": 0.1},
    R.BiGRURegressor: {"units": (3,), "dropout": 0.1},
    R.ConvLSTMRegressor: {"filters": (4,), "kernel_sizes": (3,), "units": (3,), "dropout": 0.1},
    R.ConvGRURegressor: {"filters": (4,), "kernel_sizes": (3,), "units": (3,), "dropout": 0.1},
    R.TransformerRegressor: {"d_model": 4, "num_heads": 1, "ff_dim": 4, "n_blocks": 1},
}
FAST = {"epochs": 2, "batch_size": 16, "random_state": 0}


def tiny(cls=R.GRURegressor, **params):
    return cls(**{**TINY[cls], **FAST, **params})


@pytest.fixture(scope="module")
def data():
    """64 sequences of 20 steps; [Fe/H] is a linear function of the curve."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 20, 2)).astype(np.float32)
    X[..., 1] = np.linspace(0, 0.6, 20)
    y = pd.Series(X[:, :, 0].mean(axis=1) * 2 - 1.5, index=pd.Index(np.arange(64) + 10**15, name="source_id"), name="feh")
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return tiny().fit(X, y)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_regressor_fits_predicts_and_records_history(cls, data):
    X, y = data
    est = tiny(cls, epochs=3)
    assert is_regressor(est)
    est.fit(X, y)
    pred = est.predict(X)
    assert pred.shape == (64,) and pred.dtype == np.float64 and np.isfinite(pred).all()
    assert set(est.history_) >= {"loss", "val_loss", "learning_rate"}
    assert len(est.history_["loss"]) == 3
    assert est.n_steps_in_ == 20 and est.n_channels_in_ == 2


def test_learns_a_simple_relation(data):
    X, y = data
    est = tiny(R.FCNRegressor, epochs=40, learning_rate=0.03, batch_size=32, patience=None, lr_patience=None)
    est.fit(X, y)
    assert est.score(X, y) > 0.7


def test_same_seed_same_predictions_other_seed_differs(data, fitted):
    X, y = data
    again = tiny().fit(X, y)
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    other = tiny(random_state=1).fit(X, y)
    assert not np.allclose(other.predict(X), fitted.predict(X))


def test_zero_weight_stars_are_as_good_as_absent(data):
    X, y = data
    w = np.ones(len(y))
    w[::2] = 0.0
    weighted = tiny().fit(X, y, sample_weight=w)
    half = tiny().fit(X[1::2], y.iloc[1::2])
    np.testing.assert_allclose(weighted.predict(X), half.predict(X), rtol=1e-6, atol=1e-6)


def test_sample_weight_changes_the_fit(data, fitted):
    X, y = data
    w = np.where(y.to_numpy() > np.median(y), 10.0, 0.1)
    weighted = tiny().fit(X, y, sample_weight=w)
    assert not np.allclose(weighted.predict(X), fitted.predict(X))
    # weights are rescaled to mean 1: a constant factor changes nothing
    scaled = tiny().fit(X, y, sample_weight=7 * w)
    np.testing.assert_allclose(scaled.predict(X), weighted.predict(X), rtol=1e-5, atol=1e-6)


def test_early_stopping_on_inner_validation_restores_best(data):
    X, y = data
    rng = np.random.default_rng(3)
    noise = rng.normal(size=len(y))  # nothing to learn: validation loss stops improving early
    est = tiny(epochs=200, patience=3, lr_patience=None, learning_rate=0.05).fit(X, noise)
    n = len(est.history_["loss"])
    assert n < 200
    assert est.best_epoch_ == n - 3
    assert est.best_epoch_ == int(np.argmin(est.history_["val_loss"])) + 1


def test_inner_split_is_stratified_and_seeded():
    from rrlsk._keras_utils import inner_split

    y = np.linspace(-3, 0.5, 200)
    train, val = inner_split(y, 0.1, seed=0)
    assert len(val) == 20 and len(np.intersect1d(train, val)) == 0 and len(train) + len(val) == 200
    # one validation star from every tenth of the [Fe/H] range
    assert np.array_equal(np.bincount(val * 10 // 200, minlength=10), [2] * 10)
    np.testing.assert_array_equal(inner_split(y, 0.1, seed=0)[1], val)


def test_validation_fraction_zero_trains_all_epochs(data):
    X, y = data
    est = tiny(epochs=4, validation_fraction=0.0, patience=2).fit(X, y)
    assert len(est.history_["loss"]) == 4 and "val_loss" not in est.history_


def test_clone_get_set_params_and_paper_schedule():
    est = R.GRURegressor(dropout=0.4, learning_rate=1e-3)
    params = est.get_params()
    assert params["dropout"] == 0.4 and params["units"] == (20, 16, 8)
    assert "model" not in params and "optimizer" not in params
    copy = clone(est)
    assert copy.get_params() == params
    copy.set_params(batch_size=64, units=(8,))
    assert copy.batch_size == 64 and est.batch_size == 256
    paper = R.GRURegressor.paper_schedule(dropout=0.1)
    assert (paper.learning_rate, paper.batch_size, paper.epochs, paper.patience) == (0.01, 256, 20_000, 1_000)
    assert paper.lr_patience is None and paper.dropout == 0.1


def test_grid_search_in_parallel(data):
    X, y = data
    search = GridSearchCV(tiny(R.FCNRegressor), {"learning_rate": [1e-3, 1e-2]}, cv=2, n_jobs=2)
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict(X).shape == (64,)


def test_metadata_routing_passes_sample_weight(data):
    X, y = data
    w = np.ones(len(y))
    w[::2] = 0.0
    with sklearn.config_context(enable_metadata_routing=True):
        est = tiny().set_fit_request(sample_weight=True)
        pipe = Pipeline([("identity", FunctionTransformer()), ("gru", est)])
        pipe.fit(X, y, sample_weight=w)
    half = tiny().fit(X[1::2], y.iloc[1::2])
    np.testing.assert_allclose(pipe.predict(X), half.predict(X), rtol=1e-6, atol=1e-6)


def test_joblib_round_trip_in_a_fresh_process(data, fitted, tmp_path):
    X, _ = data
    path = tmp_path / "gru.joblib"
    joblib.dump(fitted, path)
    np.save(tmp_path / "X.npy", X)
    code = (
        "import joblib, numpy as np, warnings; warnings.simplefilter('error', UserWarning);"
        f"m = joblib.load({str(path)!r}); np.save({str(tmp_path / 'p.npy')!r}, m.predict(np.load({str(tmp_path / 'X.npy')!r})))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=120)
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), fitted.predict(X), rtol=1e-6)


def test_loading_under_other_versions_warns(fitted, tmp_path):
    path = tmp_path / "est.joblib"
    joblib.dump(fitted, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", R.VersionMismatchWarning)
        est = joblib.load(path)  # same versions: silent
    est.versions_ = {**est.versions_, "keras": "2.0.0"}
    joblib.dump(est, path)
    with pytest.warns(R.VersionMismatchWarning, match="keras 2.0.0 ->"):
        joblib.load(path)


def test_recurrent_nets_take_any_length_conv_nets_only_the_fitted_one(data, fitted):
    X, y = data
    padded = np.concatenate([X, np.full((64, 5, 2), -1.0, np.float32)], axis=1)
    np.testing.assert_allclose(fitted.predict(padded), fitted.predict(X), rtol=1e-5, atol=1e-6)
    fcn = tiny(R.FCNRegressor).fit(X, y)
    with pytest.raises(ValueError, match="25 steps per sequence but this FCNRegressor takes only the 20"):
        fcn.predict(padded)


@pytest.mark.parametrize("cls", [R.GRURegressor, R.FCNRegressor])
def test_catalogue_sized_predictions_are_compiled_and_equal_the_plain_ones(data, cls):
    """At least one batch of stars goes through the XLA-compiled pass, the last batch padded:
    each star's prediction equals Model.predict_on_batch's (float32 rounding) and its own."""
    X, y = data
    est = tiny(cls).fit(X, y)
    big = np.random.default_rng(1).normal(size=(R.NetworkRegressor._predict_batch_size + 5, 20, 2)).astype(np.float32)
    compiled = est.predict(big)
    assert est.model_ in R._INFERENCE
    plain = np.asarray(est.model_.predict_on_batch(est._standardize_inputs(big))).ravel()
    np.testing.assert_allclose(compiled, plain * est.target_scale_ + est.target_mean_, rtol=0, atol=1e-5)
    np.testing.assert_allclose(compiled[-5:], est.predict(big[-5:]), rtol=0, atol=1e-5)


def test_silent_unless_verbose(data, capfd):
    X, y = data
    tiny().fit(X, y).predict(X)
    out, err = capfd.readouterr()
    assert out == ""
    tiny(verbose=1).fit(X, y)
    assert "GRURegressor" in capfd.readouterr().err  # tqdm bar


@pytest.mark.parametrize(
    ("X_bad", "message"),
    [
        (np.zeros((4, 20)), "3-D array"),
        (np.zeros((4, 20, 3)), "3 channels per step but this GRURegressor was fitted on 2"),
        (np.array([[["a", "b"]]]), "numeric array"),
    ],
)
def test_bad_X_at_predict(fitted, X_bad, message):
    with pytest.raises(ValueError, match=message):
        fitted.predict(X_bad)


def test_bad_training_data_names_the_stars(data):
    X, y = data
    X_nan = X.copy()
    X_nan[5, 3, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite values in rows 5"):
        tiny().fit(X_nan, y)
    y_nan = y.copy()
    y_nan.iloc[[2, 7]] = np.nan
    with pytest.raises(ValueError, match=rf"y holds NaN or infinite values in source_id {y.index[2]}, {y.index[7]}"):
        tiny().fit(X, y_nan)
    with pytest.raises(ValueError, match="sample_weight is negative"):
        tiny().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="y has 3 values but X has 64 stars"):
        tiny().fit(X, y[:3])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"batch_size": 0}, "batch_size"),
        ({"patience": 0}, "patience"),
        ({"lr_factor": 1.5}, "lr_factor"),
        ({"verbose": 3}, "verbose"),
    ],
)
def test_bad_training_parameters(data, params, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        tiny(**params).fit(X, y)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        R.GRURegressor().predict(np.zeros((2, 5, 2)))
