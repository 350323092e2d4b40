"""Binned stratified k-fold splitters and the paper's grid."""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, ParameterGrid, cross_validate

from rrlsk import metrics
from rrlsk.model_selection import (
    PAPER_PARAM_GRID,
    BinnedStratifiedKFold,
    RepeatedBinnedStratifiedKFold,
    bin_labels,
    grid_search,
    paper_param_grid,
    parse_param_grid,
    search_results,
)


def skewed_feh(n=400, seed=0):
    """Peaked [Fe/H] with thin tails, like the RRab sample (dex)."""
    rng = np.random.default_rng(seed)
    core = rng.normal(-1.5, 0.3, n - 6)
    tails = np.array([-3.4, -3.1, -2.9, 0.1, 0.25, 0.4])
    return pd.Series(np.r_[core, tails], index=pd.Index(np.arange(n) + 10**15, name="source_id"), name="feh")


@pytest.mark.parametrize("kwargs", [{"n_bins": 10}, {"bin_size": 0.2}, {}])
def test_folds_match_whole_distribution(kwargs):
    y = skewed_feh()
    cv = BinnedStratifiedKFold(5, random_state=0, **kwargs)
    strata = cv.bin_labels(y)
    assert np.bincount(strata).min() >= 5
    tests = [test for _, test in cv.split(np.zeros(len(y)), y)]
    assert np.array_equal(np.sort(np.concatenate(tests)), np.arange(len(y)))
    counts = np.array([np.bincount(strata[t], minlength=strata.max() + 1) for t in tests])
    assert (counts.max(axis=0) - counts.min(axis=0)).max() <= 1
    for t in tests:
        assert ks_2samp(y.to_numpy()[t], y.to_numpy()).statistic < 0.1


def test_strata_ordered_and_tails_merged():
    y = skewed_feh()
    strata = bin_labels(y, min_count=5, bin_size=0.1)
    order = np.argsort(y.to_numpy(), kind="stable")
    assert np.all(np.diff(strata[order]) >= 0)
    counts = np.bincount(strata)
    assert counts.min() >= 5
    # the three metal-poor tail stars do not form a stratum of their own
    assert counts[0] > 3


def test_quantile_bins_equal_counts():
    y = np.linspace(-3, 0, 100)
    assert np.array_equal(np.bincount(bin_labels(y, min_count=2, n_bins=4)), [25, 25, 25, 25])


def test_tiny_sample_single_stratum():
    assert np.array_equal(bin_labels(np.arange(7.0), min_count=5, n_bins=10), np.zeros(7))


def test_same_seed_same_folds_and_shuffle():
    y = skewed_feh()
    a = [t.tolist() for _, t in BinnedStratifiedKFold(5, random_state=3).split(y, y)]
    b = [t.tolist() for _, t in BinnedStratifiedKFold(5, random_state=3).split(y, y)]
    c = [t.tolist() for _, t in BinnedStratifiedKFold(5, random_state=4).split(y, y)]
    assert a == b and a != c


def test_repeated_structure():
    y = skewed_feh(200)
    cv = RepeatedBinnedStratifiedKFold(4, 3, n_bins=5, random_state=0)
    assert cv.get_n_splits() == 12
    splits = list(cv.split(np.zeros(200), y))
    assert len(splits) == 12
    for r in range(3):
        tests = np.concatenate([t for _, t in splits[4 * r:4 * (r + 1)]])
        assert np.array_equal(np.sort(tests), np.arange(200))
    assert not np.array_equal(splits[0][1], splits[4][1])
    again = list(RepeatedBinnedStratifiedKFold(4, 3, n_bins=5, random_state=0).split(y, y))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(splits, again))
    assert "n_bins=5" in repr(cv) and "n_repeats=3" in repr(cv)
    assert pickle.loads(pickle.dumps(cv)).get_n_splits() == 12


def test_usable_as_cv_in_sklearn():
    y = skewed_feh(150)
    X = np.c_[y + np.random.default_rng(1).normal(0, 0.1, 150)]
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, cv=BinnedStratifiedKFold(3, random_state=0))
    search.fit(X, y)
    assert search.n_splits_ == 3
    res = cross_validate(Ridge(), X, y, cv=RepeatedBinnedStratifiedKFold(3, 2, random_state=0))
    assert len(res["test_score"]) == 6 and np.all(res["test_score"] > 0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_bins": 4, "bin_size": 0.1}, "either n_bins or bin_size"),
        ({"n_bins": 0}, "'n_bins' parameter"),
        ({"bin_size": -0.1}, "'bin_size' parameter"),
    ],
)
def test_bad_parameters(kwargs, message):
    y = skewed_feh(50)
    with pytest.raises(ValueError, match=message):
        list(BinnedStratifiedKFold(5, **kwargs).split(y, y))
    with pytest.raises(ValueError, match=message):
        RepeatedBinnedStratifiedKFold(5, 2, **kwargs).split(y, y)


def test_bad_labels_name_source_ids():
    y = skewed_feh(50)
    y.iloc[[3, 7]] = np.nan
    with pytest.raises(ValueError, match=str(y.index[3])):
        BinnedStratifiedKFold(5).split(y, y)
    with pytest.raises(ValueError, match="y=None"):
        BinnedStratifiedKFold(5).split(y, None)
    with pytest.raises(ValueError, match="49 labels"):
        BinnedStratifiedKFold(5).split(np.zeros(50), y.iloc[:49].fillna(0))


def test_paper_grid():
    assert len(ParameterGrid(PAPER_PARAM_GRID)) == 60
    grid = paper_param_grid("gru")
    assert grid["gru__learning_rate"] == [0.001, 0.01, 0.1]
    assert set(grid) == {"gru__dropout", "gru__learning_rate", "gru__batch_size"}
    grid["gru__dropout"].append(0.9)
    assert PAPER_PARAM_GRID["dropout"] == (0.1, 0.2, 0.4, 0.6)
    assert paper_param_grid() == {k: list(v) for k, v in PAPER_PARAM_GRID.items()}
    with pytest.raises(ValueError, match="step_name"):
        paper_param_grid("")


def test_parse_param_grid_reads_numbers_text_and_paper():
    assert parse_param_grid("dropout=0.1,0.2; batch_size=128,256;", "gru") == {
        "gru__dropout": [0.1, 0.2], "gru__batch_size": [128, 256]}
    assert parse_param_grid("kernel=rbf,linear;C=1e3", "svr") == {"svr__kernel": ["rbf", "linear"], "svr__C": [1000.0]}
    assert parse_param_grid(" Paper ", "lstm") == paper_param_grid("lstm")


def test_parse_param_grid_finds_nested_parameters_of_the_step():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    step = make_pipeline(StandardScaler(), SVR())
    assert parse_param_grid("C=1,10;with_mean=0", "model", step) == {
        "model__svr__C": [1, 10], "model__standardscaler__with_mean": [0]}
    assert parse_param_grid("svr__kernel=rbf", "model", step) == {"model__svr__kernel": ["rbf"]}


@pytest.mark.parametrize("text, message", [
    ("alpha", "expected name=v1,v2 but got 'alpha'"),
    ("alpha=0.1;=3", "expected name=v1,v2 but got '=3'"),
    ("alpha=1;tol= ", "expected name=v1,v2 but got 'tol='"),
    (" ; ", "empty grid; give 'paper' or name=v1,v2;name=v3"),
    ("alpha=1;gamma_x=1", "model has no parameter 'gamma_x'"),
    ("alpha=0.1,abc,1", "alpha=abc is not a number; model's alpha takes numbers (default 1.0)"),
])
def test_parse_param_grid_errors_name_the_bad_part(text, message):
    assert parse_param_grid("alpha=0.1;tol=1e-3", "model", Ridge()) == {"model__alpha": [0.1], "model__tol": [0.001]}
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_param_grid(text, "model", Ridge())


def test_parse_param_grid_names_the_candidates_of_an_ambiguous_name():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with pytest.raises(ValueError, match=r"model has no parameter 'copy' \(ambiguous: \["):
        parse_param_grid("copy=1", "model", make_pipeline(StandardScaler(), StandardScaler()))


def ridge_data(n=120, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = pd.Series(-1.5 + X @ [0.3, -0.2, 0.0] + rng.normal(0, 0.1, n), name="feh")
    return X, y, rng.uniform(1.0, 4.0, n), 1.0 / rng.uniform(0.05, 0.3, n) ** 2


def test_grid_search_routes_both_weights_and_ranks_by_refit():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, w_train, w_eval = ridge_data()
    grid = parse_param_grid("alpha=0.01,100", "ridge")
    cv = BinnedStratifiedKFold(3, random_state=0)
    search = grid_search(make_pipeline(StandardScaler(), Ridge()), grid, X, y, cv=cv, refit="wrmse",
                         train_weight=w_train, eval_weight=w_eval)
    table = search_results(search)
    assert list(table.columns) == ["r2", "r2_std", "wrmse", "wrmse_std", "rmse", "rmse_std", "mae", "mae_std"]
    assert table.index[0] == str(search.best_params_) and table["wrmse"].is_monotonic_increasing
    train, test = next(iter(cv.split(X, y)))
    fitted = make_pipeline(StandardScaler(), Ridge(alpha=0.01)).fit(
        X[train], y.iloc[train], ridge__sample_weight=w_train[train])
    expected = metrics.wrmse(y.iloc[test], fitted.predict(X[test]), w_eval[test])
    assert search.cv_results_["split0_test_wrmse"][0] == pytest.approx(-expected)

    unweighted = search_results(grid_search(Ridge(), {"alpha": [1, 2]}, X, y, cv=cv))
    assert list(unweighted.columns) == ["r2", "r2_std", "rmse", "rmse_std", "mae", "mae_std"]


def test_grid_search_says_why_every_fit_failed():
    X, y, _, _ = ridge_data()
    with pytest.raises(ValueError, match=r"All the 6 fits failed.* Cause: .*alpha"):
        grid_search(Ridge(), {"alpha": [-1.0, -2.0]}, X, y, cv=BinnedStratifiedKFold(3, random_state=0))


def test_parse_param_grid_refuses_a_repeated_name():
    from sklearn.svm import SVR

    with pytest.raises(ValueError, match=r"'C' is given twice; give all its values once, as C=v1,v2"):
        parse_param_grid("C=1;C=2", "svr")
    with pytest.raises(ValueError, match=r"'C' is given twice"):
        parse_param_grid("C=1; gamma=0.1; C=2", "svr", SVR())


def test_check_labels_of_model_selection_is_a_deprecated_alias():
    from rrlsk.base import check_labels_and_weights
    from rrlsk.model_selection import check_labels

    X = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=pd.Index([7, 8, 9], name="source_id"))
    y, w = pd.Series([0.1, 0.2, -0.3], index=X.index), [1.0, 0.0, 2.0]
    with pytest.warns(FutureWarning, match="check_labels_and_weights"):
        old = check_labels(X, y, w, weight_name="train_weight")
    new = check_labels_and_weights(X, y, w, weight_name="train_weight")
    for a, b in zip(old, new):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="train_weight is negative, NaN or infinite in source_id 8"):
        check_labels_and_weights(X, y, [1.0, -1.0, 1.0], weight_name="train_weight")
