"""cross_validate_report and compare against hand computations."""

import io

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from rrlsk import metrics
from rrlsk.evaluation import (
    CrossValidationReport,
    compare,
    cross_validate_models,
    cross_validate_report,
    load_reports,
    save_reports,
    write_table_a1,
)
from rrlsk.model_selection import BinnedStratifiedKFold, RepeatedBinnedStratifiedKFold

FIT_CALLS = []


class HistoryRidge(Ridge):
    """Ridge that records its training weights and keeps a Keras-like history_."""

    def fit(self, X, y, sample_weight=None):
        FIT_CALLS.append((np.asarray(X)[:, 0].copy(), sample_weight))
        super().fit(X, y, sample_weight=sample_weight)
        self.history_ = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}
        return self


def data(n=90, seed=0):
    """X[:, 0] is the row position; the label is linear in the other columns."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 2))
    y = features @ [0.3, -0.2] - 1.5 + rng.normal(0, 0.05, n)
    index = pd.Index(np.arange(n, dtype=np.int64) + 10**18, name="source_id")
    X = pd.DataFrame(np.c_[np.arange(n), features], index=index, columns=["position", "a", "b"])
    return X, pd.Series(y, index=index, name="feh"), 1.0 / rng.uniform(0.05, 0.2, n) ** 2


def test_fold_metrics_by_hand():
    X, y, w_eval = data()
    w_train = 3.0 + np.arange(len(y))
    cv = BinnedStratifiedKFold(3, random_state=0)
    model = Ridge(alpha=0.5)
    report = cross_validate_report(model, X, y, cv=cv, train_weight=w_train, eval_weight=w_eval)
    assert report.metrics == ["r2", "wr2", "wrmse", "wmae", "rmse", "mae", "medae"]
    for row, (train, test) in zip(report.folds.itertuples(), cv.split(X, y)):
        fitted = clone(model).fit(X.iloc[train], y.iloc[train], sample_weight=w_train[train])
        pred = fitted.predict(X.iloc[test])
        assert row.validation_wrmse == pytest.approx(metrics.wrmse(y.iloc[test], pred, w_eval[test]))
        assert row.validation_mae == pytest.approx(metrics.mae(y.iloc[test], pred))
        assert row.train_r2 == pytest.approx(metrics.r2(y.iloc[train], fitted.predict(X.iloc[train])))
        assert row.n_validation == len(test) and row.fit_time >= 0
        assert np.allclose(report.oof["pred_0"].iloc[test], pred)
    summary = report.summary
    assert summary.loc["wmae", ("validation", "mean")] == pytest.approx(report.folds["validation_wmae"].mean())
    assert summary.loc["rmse", ("train", "std")] == pytest.approx(report.folds["train_rmse"].std(ddof=0))
    assert report.oof.index.equals(X.index) and np.allclose(report.oof["eval_weight"], w_eval)


def test_train_weight_reaches_final_step_and_histories():
    X, y, _ = data()
    w_train = 3.0 + np.arange(len(y))
    FIT_CALLS.clear()
    model = make_pipeline(FunctionTransformer(), HistoryRidge())
    report = cross_validate_report(model, X, y, cv=3, random_state=0, train_weight=w_train, return_estimators=True)
    assert len(FIT_CALLS) == 3
    for position, weight in FIT_CALLS:
        assert np.array_equal(weight, 3.0 + position)
    assert len(report.estimators) == 3 and report.estimators[0][-1].coef_.shape == (3,)
    assert report.histories == [{"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}] * 3
    assert "wrmse" not in report.metrics
    no_models = cross_validate_report(model, X, y, cv=3, random_state=0)
    assert no_models.estimators is None


def test_repeats_give_oof_columns_and_in_fold():
    X, y, _ = data()
    cv = RepeatedBinnedStratifiedKFold(3, 2, random_state=1)
    report = cross_validate_report(Ridge(), X, y, cv=cv)
    assert list(report.folds["repeat"]) == [0, 0, 0, 1, 1, 1]
    oof = report.oof
    assert list(oof.columns) == ["y_true", "pred_0", "pred_1", "pred_mean"]
    assert oof[["pred_0", "pred_1"]].notna().all().all()
    assert np.allclose(oof["pred_mean"], oof[["pred_0", "pred_1"]].mean(axis=1))
    assert not np.allclose(oof["pred_0"], oof["pred_1"])
    # each row trained in 2 of 3 splits per repeat: in-fold mean of 4 fits
    fits = [clone(Ridge()).fit(X.iloc[tr], y.iloc[tr]) for tr, _ in cv.split(X, y)]
    star = X.iloc[[0]]
    expected = np.mean([f.predict(star)[0] for (tr, _), f in zip(cv.split(X, y), fits) if 0 in tr])
    assert report.in_fold["pred_mean"].iloc[0] == pytest.approx(expected)
    again = cross_validate_report(Ridge(), X, y, cv=cv)
    assert again.oof.equals(report.oof)


def test_tables_and_compare():
    X, y, w_eval = data()
    a = cross_validate_report(Ridge(alpha=0.1), X, y, cv=3, random_state=0, eval_weight=w_eval)
    b = cross_validate_report(Ridge(alpha=100.0), X, y, cv=3, random_state=0)
    md = a.to_markdown(digits=3)
    mean, std = a.summary.loc["rmse", ("validation", "mean")], a.summary.loc["rmse", ("validation", "std")]
    assert "| RMSE | " in md and f"{mean:.3f}±{std:.3f}" in md
    assert md.splitlines()[0] == "| metric | train | validation |"
    tex = a.to_latex(caption="GRU", label="tab:a1")
    assert r"\caption{GRU}" in tex and r"$R^2$" in tex and r"$\pm$" in tex and tex.count(r"\\") == 8
    back = pd.read_csv(io.StringIO(a.to_csv()))
    assert len(back) == 14
    row = back[(back.metric == "wmae") & (back.split == "train")].iloc[0]
    assert row["mean"] == pytest.approx(a.summary.loc["wmae", ("train", "mean")])

    both = compare({"fine": a, "stiff": b})
    assert list(both.summary.columns.get_level_values("model").unique()) == ["fine", "stiff"]
    md = both.to_markdown()
    assert md.splitlines()[0] == "| metric | fine train | fine validation | stiff train | stiff validation |"
    assert "| wRMSE |" in md and md.count("–") == 6  # stiff has no weighted metrics
    assert r"\multicolumn{2}{c}{stiff}" in both.to_latex()
    long = pd.read_csv(io.StringIO(both.to_csv()))
    assert set(long.columns) == {"model", "metric", "split", "mean", "std"}
    assert len(long) == 14 + 8
    stiff_r2 = long[(long.model == "stiff") & (long.metric == "r2") & (long.split == "validation")]["mean"].iloc[0]
    assert stiff_r2 < a.summary.loc["r2", ("validation", "mean")]


def test_csv_to_file(tmp_path):
    X, y, _ = data(40)
    path = tmp_path / "a1.csv"
    assert cross_validate_report(Ridge(), X, y, cv=2, random_state=0).to_csv(path) is None
    assert pd.read_csv(path).shape == (8, 4)


def test_errors():
    X, y, w_eval = data(30)
    bad = w_eval.copy()
    bad[[2, 5]] = -1.0
    with pytest.raises(ValueError, match=rf"eval_weight is negative, NaN or infinite in source_id {y.index[2]}, {y.index[5]}$"):
        cross_validate_report(Ridge(), X, y, eval_weight=bad)
    with pytest.raises(ValueError, match="cv must be"):
        cross_validate_report(Ridge(), X, y, cv="kfold")
    with pytest.raises(ValueError, match="at least one report"):
        compare({})


def test_reports_round_trip_through_folders(tmp_path):
    X, y, w_eval = data()
    model = make_pipeline(FunctionTransformer(), HistoryRidge())
    report = cross_validate_report(model, X, y, cv=3, random_state=0, eval_weight=w_eval)
    back = CrossValidationReport.from_folder(report.to_folder(tmp_path / "one"))
    pd.testing.assert_frame_equal(back.folds, report.folds)
    pd.testing.assert_frame_equal(back.oof, report.oof, check_index_type=False)
    pd.testing.assert_frame_equal(back.in_fold, report.in_fold, check_index_type=False)
    assert back.histories == report.histories and back.estimators is None
    assert back.to_markdown() == report.to_markdown()

    ridge = cross_validate_report(Ridge(), X, y, cv=3, random_state=0)
    save_reports({"z_first": ridge, "a_second": report}, tmp_path / "run")
    loaded = load_reports(tmp_path / "run")
    assert list(loaded) == ["z_first", "a_second"]  # the order given, not the folders'
    pd.testing.assert_frame_equal(loaded["z_first"].folds, ridge.folds)
    with pytest.raises(FileNotFoundError, match="models.json"):
        load_reports(tmp_path / "one")


def test_several_models_on_the_same_folds_in_the_order_given():
    X, y, w_eval = data()
    w_train = 1.0 + np.arange(len(y))
    cv = BinnedStratifiedKFold(3, random_state=1)
    models = {"strong": Ridge(alpha=10.0), "weak": Ridge(alpha=0.1)}
    reports = cross_validate_models(models, X, y, cv=cv, train_weight=w_train, eval_weight=w_eval)
    assert list(reports) == ["strong", "weak"]
    for name, model in models.items():
        alone = cross_validate_report(model, X, y, cv=cv, train_weight=w_train, eval_weight=w_eval)
        pd.testing.assert_frame_equal(reports[name].folds.drop(columns=["fit_time", "predict_time"]),
                                      alone.folds.drop(columns=["fit_time", "predict_time"]))
    assert list(compare(reports).summary.columns.get_level_values(0).unique()) == ["strong", "weak"]
    assert not hasattr(models["strong"], "coef_")  # cloned, never fitted itself
    assert cross_validate_models({}, X, y) == {}


def test_table_a1_and_figures_written_to_a_folder(tmp_path):
    X, y, w_eval = data()
    reports = {"stiff": cross_validate_report(Ridge(alpha=100.0), X, y, cv=3, random_state=0),
               "fine": cross_validate_report(Ridge(alpha=0.1), X, y, cv=3, random_state=0, eval_weight=w_eval)}
    table = write_table_a1(reports, tmp_path / "run")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["table_a1.csv", "table_a1.md"]
    assert (tmp_path / "run" / "table_a1.md").read_text() == table.to_markdown() == compare(reports).to_markdown()
    long = pd.read_csv(tmp_path / "run" / "table_a1.csv")
    assert list(long["model"].unique()) == ["stiff", "fine"]
    write_table_a1(reports, tmp_path / "run", figures=True)
    figures = sorted(p.name for p in (tmp_path / "run" / "figures").iterdir())
    assert "fine_predictions.png" in figures and "stiff_residuals.png" in figures
    with pytest.raises(ValueError, match="at least one report"):
        write_table_a1({}, tmp_path / "empty")
