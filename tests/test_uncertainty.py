"""CalibratedRegressor: coverage, heteroscedasticity, degraded copies, nesting, persistence, errors."""

import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold

import rrlsk
from rrlsk.degrade import LightCurveDegrader
from rrlsk.domain import curve_features
from rrlsk.ensemble import FoldEnsembleRegressor
from rrlsk.uncertainty import ONE_SIGMA, CalibratedRegressor, make_calibrated_ensemble

N_TRAIN, N_TEST = 1000, 1500


@pytest.fixture(scope="module")
def stars():
    """Simulated stars with spectroscopic-like labels: train part, test part."""
    X, y, info = rrlsk.datasets.make_gaia_rrab(N_TRAIN + N_TEST, labels="spectroscopic", random_state=3)
    train, test = slice(0, N_TRAIN), slice(N_TRAIN, None)
    return (X.iloc[train], y.iloc[train], info.iloc[train]), (X.iloc[test], y.iloc[test], info.iloc[test])


@pytest.fixture(scope="module")
def difficulty_model(stars):
    (X, y, _), _ = stars
    return CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def degraded_model(stars):
    """A calibrated fold ensemble whose calibration also saw degraded copies."""
    (X, y, info), _ = stars
    ensemble = FoldEnsembleRegressor(rrlsk.make_pipeline("fourier_linear"), cv=3, random_state=0)
    model = CalibratedRegressor(ensemble, random_state=0, degrade=LightCurveDegrader(random_state=0))
    return model.fit(X.iloc[:600], y.iloc[:600], y_err=info["feh_error"].iloc[:600])


@pytest.fixture(scope="module")
def classical_model(stars):
    """Intervals inverted through the line against [Fe/H], one difficulty model per confidence."""
    (X, y, info), _ = stars
    model = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0, interval="classical",
                                difficulty_quantiles=(ONE_SIGMA, 0.95))
    return model.fit(X, y, y_err=info["feh_error"])


@pytest.fixture(scope="module")
def rich_and_degraded():
    """Well-observed stars (>= 50 epochs, G < 18, like the paper's sample) to
    train on, and sparser, fainter copies of 494 other such stars to test on."""
    X, y, info = rrlsk.datasets.make_gaia_rrab(6000, labels="spectroscopic", random_state=4)
    rich = ((info["n_epochs"] >= 50) & (info["mean_g"] < 18)).to_numpy()
    X, y, info = X[rich], y[rich], info[rich]
    X_test, copies = LightCurveDegrader(n_copies=3, random_state=99).degrade(X.iloc[1500:])
    truth = info["feh_true"].to_numpy()[1500:][copies["origin"]]
    return (X.iloc[:1500], y.iloc[:1500], info["feh_error"].iloc[:1500]), (X_test, copies, truth)


def tolerance(confidence, n_calibration, n_test):
    """Three standard deviations of the coverage measured on n_test stars
    after calibrating on n_calibration stars (both binomial)."""
    return 3 * np.sqrt(confidence * (1 - confidence) * (1 / n_calibration + 1 / n_test))


def coverage(lower, upper, truth):
    return float(np.mean((truth >= lower) & (truth <= upper)))


def test_intervals_cover_new_labels(stars, difficulty_model):
    _, (X, y, _) = stars
    n_cal = len(difficulty_model.calibration_)
    info = difficulty_model.calibration_info()  # by default copies teach the difficulty model only
    assert n_cal == N_TRAIN // 4 and info["n_degraded"] == 0 and info["degraded_copies"] == "difficulty"
    feh, std = difficulty_model.predict(X, return_std=True)
    assert np.allclose(feh, difficulty_model.predict(X))
    assert abs(np.mean(np.abs(y - feh) <= std) - ONE_SIGMA) < tolerance(ONE_SIGMA, n_cal, N_TEST)
    for confidence in (0.68, 0.95):
        lower, upper = difficulty_model.predict_interval(X, confidence)
        assert abs(coverage(lower, upper, y) - confidence) < tolerance(confidence, n_cal, N_TEST)


def test_calibration_info_of_a_model_pickled_before_degraded_copies(difficulty_model):
    import copy

    old = copy.deepcopy(difficulty_model)
    old.calibration_ = old.calibration_.drop(columns="degraded")  # as pickled by rrlsk before degrade=
    assert old.calibration_info() == difficulty_model.calibration_info()


def test_a_model_pickled_before_classical_intervals_predicts_the_same(difficulty_model):
    import copy

    old = copy.deepcopy(difficulty_model)
    for name in ("difficulty_models_", "calibration_scales_", "intercept_", "slope_", "interval", "difficulty_quantiles",
                 "difficulty_target"):
        delattr(old, name)  # as pickled by rrlsk before interval= and difficulty_quantiles=
    old.scale_floor_ = float(old.scale_floor_[0])
    assert old.factor(0.9) == difficulty_model.factor(0.9)
    assert old.calibration_info()["interval"] == "prediction"


def test_classical_intervals_hold_at_both_ends_of_the_true_feh(stars, difficulty_model, classical_model):
    """A shrinking model (Fourier-parameter ridge: slope 0.68 against the
    truth) under-covers the metal-poor and metal-rich ends and over-covers the
    middle; inverted through its line, the estimate is unbiased and its
    intervals cover both alike."""
    (X, y, info), (X_test, _, info_test) = stars
    truth = info_test["feh_true"].to_numpy()
    ends = (truth < np.quantile(truth, 0.2)) | (truth > np.quantile(truth, 0.8))
    prediction = clone(difficulty_model).set_params(interval="prediction", difficulty_target="abs")
    prediction = prediction.fit(X, y, y_err=info["feh_error"])
    gaps = {}
    for name, model in (("prediction", prediction), ("classical", classical_model)):
        feh, std = model.predict(X_test, return_std=True)
        np.testing.assert_allclose(feh, model.predict(X_test))
        covered = np.abs(truth - feh) <= std
        gaps[name] = covered[~ends].mean() - covered[ends].mean()
        gaps[name + " slope"] = np.polyfit(truth, feh, 1)[0]
    assert 0.6 < classical_model.slope_ < 0.8 and prediction.slope_ == 1.0
    assert gaps["prediction slope"] < 0.75 and abs(gaps["classical slope"] - 1) < 0.06
    # three standard deviations of the difference of two binomial shares at 68 %
    noise = 3 * np.sqrt(ONE_SIGMA * (1 - ONE_SIGMA) * (1 / ends.sum() + 1 / (~ends).sum()))
    assert gaps["prediction"] > noise > abs(gaps["classical"])
    info_ = classical_model.calibration_info()
    assert info_["interval"] == "classical" and info_["slope"] == classical_model.slope_
    assert info_["difficulty_quantiles"] == [ONE_SIGMA, 0.95]


def test_one_difficulty_model_per_quantile(stars, classical_model):
    _, (X, y, info) = stars
    assert len(classical_model.difficulty_models_) == 2
    assert classical_model.calibration_scales_.shape == (len(classical_model.calibration_), 2)
    halves = {c: np.subtract(*classical_model.predict_interval(X, c)[::-1]) / 2 for c in (0.5, ONE_SIGMA, 0.8, 0.95)}
    assert all((halves[a] < halves[b]).all() for a, b in ((0.5, ONE_SIGMA), (ONE_SIGMA, 0.8), (0.8, 0.95)))
    _, std = classical_model.predict(X, return_std=True)
    np.testing.assert_allclose(halves[ONE_SIGMA], std)
    ratio = halves[0.95] / halves[ONE_SIGMA]
    assert ratio.std() > 0.1  # the tails' shape follows each star, not a fixed 1.96
    lower, upper = classical_model.predict_interval(X, 0.95)
    truth = info["feh_true"].to_numpy()
    assert abs(coverage(lower, upper, truth) - 0.95) < tolerance(0.95, len(classical_model.calibration_), N_TEST)


def test_variance_target_covers_the_truth_when_label_errors_differ(stars):
    """Labels whose errors differ from star to star (0.05 or 0.30 dex, at
    random): the variance target takes each star's own label variance out of
    its squared residual, and the intervals cover the truth."""
    (X, y, info), (X_test, _, info_test) = stars
    rng = np.random.default_rng(0)
    y_err = rng.choice([0.05, 0.30], size=len(y))
    noisy = info["feh_true"].to_numpy() + rng.normal(0.0, y_err)
    model = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0, interval="classical",
                                difficulty_target="variance").fit(X, noisy, y_err=y_err)
    assert model.label_variance_ == 0.0 and model.calibration_info()["difficulty_target"] == "variance"
    assert model.difficulty_.get_params()["loss"] == "squared_error"
    feh, std = model.predict(X_test, return_std=True)
    truth = info_test["feh_true"].to_numpy()
    assert abs(np.mean(np.abs(truth - feh) <= std) - ONE_SIGMA) < tolerance(ONE_SIGMA, len(model.calibration_), N_TEST)
    lower, upper = model.predict_interval(X_test, 0.95)
    assert abs(coverage(lower, upper, truth) - 0.95) < tolerance(0.95, len(model.calibration_), N_TEST)


def test_overconfident_ensemble_spread_is_corrected(stars):
    (X, y, _), (X_test, y_test, _) = stars
    ensemble = FoldEnsembleRegressor(rrlsk.make_pipeline("fourier_linear"), cv=4, random_state=0)
    model = CalibratedRegressor(ensemble, spread="ensemble", random_state=0).fit(X, y)
    feh, raw = model.estimator_.predict(X_test, return_std=True)
    assert np.mean(np.abs(y_test - feh) <= raw) < 0.2  # the raw fold spread is far too small
    _, std = model.predict(X_test, return_std=True)
    assert model.std_factor_ > 5
    n_cal = len(model.calibration_)
    assert abs(np.mean(np.abs(y_test - feh) <= std) - ONE_SIGMA) < tolerance(ONE_SIGMA, n_cal, N_TEST)


def test_sparser_fainter_stars_get_wider_intervals(stars, difficulty_model):
    _, (X, _, _) = stars
    _, std = difficulty_model.predict(X, return_std=True)
    features = curve_features(X)
    noise_per_star = features["scatter"] / np.sqrt(features["n_points"])
    assert spearmanr(std, noise_per_star)[0] > 0.1
    assert spearmanr(std, features["n_points"])[0] < -0.1


def test_degraded_copies_widen_and_calibrate_sparse_faint_stars(rich_and_degraded):
    """Trained on well-observed stars only, the intervals of sparse, faint
    stars are too narrow; calibrated with degraded copies, they widen and
    cover as wanted (within three binomial sigmas, counting the test stars,
    not their copies, as independent)."""
    (X, y, y_err), (X_test, copies, truth) = rich_and_degraded
    hard = ((copies["n_epochs"] < 30) | (copies["dimming"] > 2)).to_numpy()
    easy = ((copies["n_epochs"] >= 50) & (copies["dimming"] < 1)).to_numpy()
    covered, std = {}, {}
    for degrade in (None, LightCurveDegrader(random_state=0)):
        model = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0, degrade=degrade,
                                    interval="prediction", difficulty_target="abs")
        model.fit(X, y, y_err=y_err)
        feh, std[degrade is None] = model.predict(X_test, return_std=True)
        lower, upper = model.predict_interval(X_test, 0.95)
        covered[degrade is None] = (np.mean(np.abs(truth - feh) <= std[degrade is None]),
                                    coverage(lower, upper, truth))
    info = model.calibration_info()
    assert info["n_degraded"] == info["n_calibration"] == len(X) // 4
    n_test = copies["origin"].nunique()
    tol68, tol95 = tolerance(ONE_SIGMA, info["n_calibration"], n_test), tolerance(0.95, info["n_calibration"], n_test)
    assert covered[True][1] < 0.95 - tol95  # without copies: too narrow
    assert abs(covered[False][0] - ONE_SIGMA) < tol68 and abs(covered[False][1] - 0.95) < tol95
    assert covered[False][0] > covered[True][0] and covered[False][1] > covered[True][1]
    assert np.median(std[False][hard]) > 1.2 * np.median(std[False][easy])
    assert np.median(std[False][hard]) > np.median(std[True][hard])


def test_by_default_sparse_faint_stars_inside_the_training_box_are_covered():
    """The default calibration (degrade="auto") sees degraded copies wherever
    the table has point errors, so the sparse, faint stars that the training
    domain still calls "ok" get wider intervals that cover them. Measured
    here (SVR, 2,500 simulated stars of the whole population): without
    copies their error is 1.57x that of rich, bright stars, their std 1.05x,
    and 91.5 % of them are inside their 95 % intervals; with them, 1.16x and
    95.7 %, while the held-out stars alone set the calibration factor."""
    from rrlsk.domain import find_training_domain, plausibility

    X, y, info = rrlsk.datasets.make_gaia_rrab(5000, labels="spectroscopic", random_state=4)
    X_test, info_test, truth = X.iloc[2500:], info.iloc[2500:], info["feh_true"].to_numpy()[2500:]
    model = CalibratedRegressor(rrlsk.make_pipeline("svr"), random_state=0).fit(X.iloc[:2500], y.iloc[:2500])
    assert isinstance(model.degrade_, LightCurveDegrader) and model.calibration_info()["degraded_copies"] == "difficulty"
    feh, std = model.predict(X_test, return_std=True)
    ok = ~plausibility(X_test, feh, domain=find_training_domain(model))["flagged"].to_numpy()
    hard = ok & ((info_test["n_epochs"] < 35) & (info_test["mean_g"] > 18.5)).to_numpy()
    easy = ok & ((info_test["n_epochs"] >= 50) & (info_test["mean_g"] < 17.5)).to_numpy()
    assert hard.sum() > 80
    lower, upper = model.predict_interval(X_test[hard], 0.95)
    assert coverage(lower, upper, truth[hard]) > 0.93
    assert np.median(std[hard]) > 1.1 * np.median(std[easy])


def test_auto_degrade_needs_point_errors(stars):
    (X, y, _), _ = stars
    model = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0).fit(
        X.drop(columns="mag_err").iloc[:400], y.iloc[:400])
    assert model.degrade_ is None and model.calibration_info()["degraded_copies"] == "none"


def test_label_errors_give_intervals_for_the_truth(stars, difficulty_model):
    (X, y, info), (X_test, _, info_test) = stars
    model = clone(difficulty_model).set_params(interval="prediction", difficulty_target="abs")
    model = model.fit(X, y, y_err=info["feh_error"])
    feh, std = model.predict(X_test, return_std=True)
    _, std_labels = difficulty_model.predict(X_test, return_std=True)
    assert np.median(std) < np.median(std_labels)  # label noise 0.10-0.15 dex taken out
    error = np.abs(info_test["feh_true"].to_numpy() - feh)
    assert abs(np.mean(error <= std) - ONE_SIGMA) < tolerance(ONE_SIGMA, len(model.calibration_), N_TEST)


def test_intervals_nested_and_symmetric(stars, difficulty_model):
    _, (X, _, _) = stars
    X = X.iloc[:200]
    low50, up50 = difficulty_model.predict_interval(X, 0.5)
    low90, up90 = difficulty_model.predict_interval(X, 0.9)
    assert np.all(low90 < low50) and np.all(up50 < up90)
    feh, std = difficulty_model.predict(X, return_std=True)
    low, up = difficulty_model.predict_interval(X, ONE_SIGMA)
    np.testing.assert_allclose(low, feh - std)
    np.testing.assert_allclose(up, feh + std)


def test_same_seed_same_model_and_grid_search(stars):
    (X, y, _), _ = stars
    X, y = X.iloc[:600], y.iloc[:600]
    base = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=1)
    a, b = clone(base).fit(X, y), clone(base).fit(X, y)
    np.testing.assert_array_equal(a.predict_interval(X, 0.9), b.predict_interval(X, 0.9))
    search = GridSearchCV(base, {"estimator__features__order": [3, 4], "calibration_size": [0.3]}, cv=KFold(2))
    search.fit(X, y)
    assert search.best_estimator_.estimator_.named_steps["features"].order in (3, 4)
    assert search.best_estimator_.get_params()["estimator__features__order"] in (3, 4)


def test_degrade_clones_and_grid_searches(stars, degraded_model):
    (X, y, info), _ = stars
    X, y, y_err = X.iloc[:600], y.iloc[:600], info["feh_error"].iloc[:600]
    copy = clone(degraded_model)
    assert copy.get_params()["degrade__max_dimming"] == 3.0 and copy.degrade is not degraded_model.degrade
    copy.fit(X, y, y_err=y_err)
    np.testing.assert_array_equal(copy.predict_interval(X, 0.9), degraded_model.predict_interval(X, 0.9))
    assert degraded_model.calibration_["degraded"].sum() == degraded_model.calibration_info()["n_calibration"] == 150
    search = GridSearchCV(copy, {"degrade__max_dimming": [1.0, 2.0]}, cv=KFold(2)).fit(X, y)
    assert search.best_estimator_.degrade.max_dimming == search.best_params_["degrade__max_dimming"]


@pytest.mark.parametrize("fitted", ["difficulty_model", "degraded_model", "classical_model"])
def test_joblib_round_trip_in_fresh_process(stars, fitted, request, tmp_path):
    _, (X, _, _) = stars
    model = request.getfixturevalue(fitted)
    X = X.iloc[:50]
    joblib.dump(model, tmp_path / "model.joblib")
    joblib.dump(X, tmp_path / "X.joblib")
    code = textwrap.dedent(f"""
        import joblib, numpy as np
        model, X = joblib.load({str(tmp_path / "model.joblib")!r}), joblib.load({str(tmp_path / "X.joblib")!r})
        np.save({str(tmp_path / "out.npy")!r}, np.array(model.predict_interval(X, 0.9)))
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), np.array(model.predict_interval(X, 0.9)))


def test_errors(stars, difficulty_model):
    (X, y, _), _ = stars
    X, y = X.iloc[:100], y.iloc[:100]
    with pytest.raises(NotFittedError):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear")).predict(X)
    with pytest.raises(ValueError, match="spread must be"):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), spread="gauss").fit(X, y)
    with pytest.raises(ValueError, match="calibration_size"):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), calibration_size=1.5).fit(X, y)
    with pytest.raises(ValueError, match="return_std"):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), spread="ensemble").fit(X, y)
    with pytest.raises(ValueError, match="y_err"):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear")).fit(X, y, y_err=-np.ones(100))
    with pytest.raises(ValueError, match="confidence must be"):
        difficulty_model.predict_interval(X, 1.0)
    with pytest.raises(ValueError, match="cannot calibrate"):
        difficulty_model.predict_interval(X, 0.999)
    with pytest.raises(ValueError, match=r"difficulty_quantiles must be distinct numbers in \(0, 1\), got \(0.5, 1.2\)"):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), difficulty_quantiles=(0.5, 1.2)).fit(X, y)
    with pytest.raises(ValueError, match="need a difficulty model with 'loss' and 'quantile' parameters.*got Ridge"):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), difficulty=Ridge(),
                            difficulty_quantiles=(0.5, 0.9)).fit(X, y)
    with pytest.raises(ValueError, match=r"difficulty_target='variance' models one variance per star, not quantiles"):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), difficulty_target="variance",
                            difficulty_quantiles=(0.5, 0.9)).fit(X, y, y_err=np.full(100, 0.1))
    with pytest.raises(ValueError, match=r"difficulty_target='variance' is for labels with errors: give y_err"):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), difficulty_target="variance").fit(X, y)
    with pytest.raises(ValueError, match="slope against the labels is -?0[.0-9]*: the model has no skill to invert"):
        CalibratedRegressor(DummyRegressor(), interval="classical").fit(X, y)


def test_parameters_are_declared(stars):
    from sklearn.utils._param_validation import InvalidParameterError

    (X, y, _), _ = stars
    X, y = X.iloc[:100], y.iloc[:100]
    base = rrlsk.make_pipeline("fourier_linear")
    assert set(CalibratedRegressor._parameter_constraints) == set(CalibratedRegressor(base).get_params(deep=False))
    for params, message in (({"cv": 1}, "'cv' parameter of CalibratedRegressor"),
                            ({"difficulty": "hgb"}, "'difficulty' parameter"),
                            ({"random_state": "seed"}, "'random_state' parameter"),
                            ({"degrade": "faint"}, "'degrade' parameter"),
                            ({"interval": "bayes"}, "'interval' parameter"),
                            ({"difficulty_target": "mad"}, "'difficulty_target' parameter"),
                            ({"difficulty_quantiles": 0.9}, "'difficulty_quantiles' parameter"),
                            ({"spread": 3}, r"^spread must be 'difficulty' or 'ensemble', got 3$"),
                            ({"calibration_size": 0}, r"^calibration_size must be a fraction in \(0, 1\), got 0$")):
        with pytest.raises(InvalidParameterError, match=message):
            CalibratedRegressor(base, **params).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'estimator' parameter"):
        CalibratedRegressor("ridge").fit(X, y)


def test_make_calibrated_ensemble(stars):
    (X, y, info), _ = stars
    X, y, info = X.iloc[:400], y.iloc[:400], info.iloc[:400]
    fitted_base = rrlsk.make_pipeline("fourier_linear").fit(X, y)
    model = make_calibrated_ensemble(fitted_base, n_folds=3, calibration_size=0.3, random_state=1)
    assert isinstance(model, CalibratedRegressor) and model.spread == "difficulty"
    assert model.calibration_size == 0.3 and model.random_state == 1
    ensemble = model.estimator
    assert isinstance(ensemble, FoldEnsembleRegressor) and ensemble.cv == 3 and ensemble.random_state == 1
    assert ensemble.estimator is not fitted_base  # a clone: only the parameters are used
    model.fit(X, y, y_err=info["feh_error"])
    assert len(model.estimator_.estimators_) == 3
    info_ = model.calibration_info()
    assert info_["n_calibration"] == 120 and info_["label_errors"]
    feh, std = model.predict(X.iloc[:5], return_std=True)
    assert feh.shape == std.shape == (5,) and (std > 0).all()


def test_label_errors_as_large_as_the_residuals_never_give_zero_uncertainties(stars):
    (X, y, info), (X_test, _, info_test) = stars
    model = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0, interval="prediction",
                                difficulty_target="abs")
    with pytest.raises(ValueError, match=r"the label errors \(y_err\) alone cover \d+% .*drop --label-errors"):
        model.fit(X, y, y_err=3 * info["feh_error"])
    with pytest.warns(UserWarning, match=r"explain nearly all of the residuals at confidence\(s\) 0.95.*floor"):
        model.fit(X, y, y_err=2.2 * info["feh_error"])
    _, std = model.predict(X_test, return_std=True)
    lower, upper = model.predict_interval(X_test, 0.95)
    assert (std > 0).all() and (upper - lower > 0).all()
    assert model.factor(0.95) >= 0.1 * np.quantile(
        np.abs(model.calibration_["residual"]) / model.calibration_scales_[:, 0], 0.95)


def test_prefit_fold_ensemble_calibrates_on_its_own_out_of_fold_predictions():
    """cv='prefit' neither refits nor predicts a star with a model that saw it."""
    from sklearn.model_selection import PredefinedSplit

    import rrlsk
    from rrlsk.ensemble import FoldEnsembleRegressor

    X, y, _ = rrlsk.datasets.make_gaia_rrab(900, labels="spectroscopic", random_state=4)
    cv = PredefinedSplit(np.arange(600) % 3)
    ensemble = FoldEnsembleRegressor(rrlsk.make_pipeline("fourier_linear"), cv=cv).fit(X.iloc[:600], y.iloc[:600])
    calibrated = CalibratedRegressor(ensemble, cv="prefit", random_state=0).fit(X.iloc[:600], y.iloc[:600])
    assert calibrated.estimator_ is ensemble  # not cloned, not refitted
    # every calibration residual is an out-of-fold one
    cal = calibrated.calibration_
    rows = y.index[:600].get_indexer(cal.index)
    np.testing.assert_allclose(cal["residual"], y.iloc[:600].to_numpy()[rows] - ensemble.oof_prediction_[rows])
    lower, upper = calibrated.predict_interval(X.iloc[600:], confidence=0.68)
    inside = (lower <= y.iloc[600:]) & (y.iloc[600:] <= upper)
    assert 0.58 < inside.mean() < 0.80
    with pytest.raises(ValueError, match="fit the calibration on the 300 stars"):
        CalibratedRegressor(ensemble, cv="prefit").fit(X.iloc[:300], y.iloc[:300])
    with pytest.raises(ValueError, match="needs a fitted FoldEnsembleRegressor, got Pipeline"):
        CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), cv="prefit").fit(X.iloc[:600], y.iloc[:600])
    with pytest.raises(ValueError, match="needs spread='difficulty'"):
        CalibratedRegressor(ensemble, cv="prefit", spread="ensemble").fit(X.iloc[:600], y.iloc[:600])


def test_too_few_stars_and_zero_label_errors_are_said_in_the_users_terms(stars):
    (X, y, _), _ = stars
    model = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0)
    with pytest.raises(ValueError, match=r"y_err is zero for every star: exact labels need no y_err.*--label-errors"):
        model.fit(X.iloc[:50], y.iloc[:50], y_err=np.zeros(50))
    with pytest.raises(ValueError, match=r"4 stars are too few for calibration_size=0.25: it holds out 1 star\(s\)"):
        model.fit(X.iloc[:4], y.iloc[:4])
    with pytest.raises(ValueError, match=r"leaves 0 to fit the model on .*--calibration-size"):
        clone(model).set_params(calibration_size=0.99).fit(X.iloc[:40], y.iloc[:40])
    ensemble = make_calibrated_ensemble(rrlsk.make_pipeline("fourier_linear"), n_folds=5, calibration_size=0.5)
    with pytest.raises(ValueError, match=r"leaves 4 to fit the model on \(its 5-fold out-of-fold predictions"):
        ensemble.fit(X.iloc[:8], y.iloc[:8])


def test_label_errors_choose_the_setting_that_covers_the_truth(stars):
    (X, y, info), _ = stars
    with_errors = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0)
    with_errors.fit(X, y, y_err=info["feh_error"])
    assert (with_errors.interval_, with_errors.difficulty_target_) == ("classical", "variance")
    assert with_errors.interval == "auto" and with_errors.calibration_info()["interval"] == "classical"
    explicit = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0, interval="classical",
                                   difficulty_target="variance").fit(X, y, y_err=info["feh_error"])
    assert explicit.std_factor_ == with_errors.std_factor_
    plain = clone(with_errors).fit(X, y)
    assert (plain.interval_, plain.difficulty_target_) == ("prediction", "abs")
    quantiles = clone(with_errors).set_params(difficulty_quantiles=(ONE_SIGMA, 0.95)).fit(X, y, y_err=info["feh_error"])
    assert (quantiles.interval_, quantiles.difficulty_target_) == ("classical", "abs")
    with pytest.warns(UserWarning, match="interval='auto' uses prediction intervals: .*no skill to invert"):
        fallback = CalibratedRegressor(DummyRegressor(), random_state=0).fit(X, y, y_err=info["feh_error"])
    assert fallback.interval_ == "prediction"
