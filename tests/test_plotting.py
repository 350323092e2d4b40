"""Figures: content, labels, files."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.linear_model import Ridge

from rrlsk import metrics, plotting
from rrlsk.evaluation import cross_validate_report

PNG = b"\x89PNG\r\n\x1a\n"


def feh(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.normal(-1.5, 0.4, n)
    return y, y + rng.normal(0, 0.1, n)


def curve_tables(curves):
    """Raw folded table and a resampled (mean-subtracted) table from {source_id: (phase, mag)}."""
    index = pd.Index(list(curves), name="source_id")
    grid = np.linspace(0, 1, 50, endpoint=False)
    raw = pd.DataFrame(index=index)
    raw["phase"] = pd.Series([c[0] for c in curves.values()], index=index, dtype=object)
    raw["mag"] = pd.Series([c[1] for c in curves.values()], index=index, dtype=object)
    res = pd.DataFrame({"mean_mag": [np.mean(c[1]) for c in curves.values()]}, index=index)
    res["phase"] = pd.Series([grid] * len(index), index=index, dtype=object)
    res["mag"] = pd.Series([np.interp(grid, *c) - np.mean(c[1]) for c in curves.values()], index=index, dtype=object)
    return raw, res


def toy_curves(n=4):
    rng = np.random.default_rng(1)
    phase = np.sort(rng.uniform(0, 1, 30))
    return {10**15 + i: (phase, 15 + i - 0.4 * np.sin(2 * np.pi * phase)) for i in range(n)}


def test_label_distribution(tmp_path):
    y, _ = feh()
    weights = 1 / np.exp(-0.5 * ((y + 1.5) / 0.4) ** 2)
    path = tmp_path / "fig3.png"
    fig = plotting.plot_label_distribution(y, weights, path=path)
    assert isinstance(fig, Figure) and path.read_bytes()[:8] == PNG
    ax, twin = fig.axes
    assert ax.get_xlabel() == "[Fe/H] [dex]"
    offsets = twin.collections[0].get_offsets()
    assert offsets[:, 1].max() == pytest.approx(1.0)
    assert offsets[np.argmax(offsets[:, 1]), 0] == pytest.approx(y[np.argmax(weights)])
    with pytest.raises(ValueError, match="weights has 3 values"):
        plotting.plot_label_distribution(y, weights[:3])


def test_light_curves_toy():
    raw, res = curve_tables(toy_curves())
    fig = plotting.plot_light_curves(raw, res, n=3)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3
    ax = visible[1]
    assert ax.yaxis_inverted() and ax.get_ylabel() == "G [mag]" and ax.get_xlabel() == "phase"
    assert str(raw.index[1]) in ax.get_title()
    # the resampled curve is drawn at the raw magnitudes (mean added back)
    line = ax.get_lines()[-1]
    assert np.allclose(line.get_ydata(), np.interp(line.get_xdata(), *toy_curves()[raw.index[1]]))
    picked = plotting.plot_light_curves(raw, n=2, random_state=0)
    assert len([a for a in picked.axes if a.get_visible()]) == 2


def test_light_curves_errors():
    raw, res = curve_tables(toy_curves())
    with pytest.raises(ValueError, match="PhaseFolder"):
        plotting.plot_light_curves(raw.drop(columns="phase"))
    with pytest.raises(ValueError, match="123"):
        plotting.plot_light_curves(raw, res, source_ids=[123])


@pytest.mark.realdata
def test_light_curves_real_dr2(dr2_curves, tmp_path):
    curves = dict(list(dr2_curves.items())[:6])
    raw, res = curve_tables(curves)
    fig = plotting.plot_light_curves(raw, res, path=tmp_path / "fig2.png")
    assert len(fig.axes) == 6 and (tmp_path / "fig2.png").stat().st_size > 10_000


def test_learning_curves():
    histories = [{"loss": [1.0, 0.5, 0.3], "val_loss": [1.2, 0.6, 0.4]}, {"loss": [0.9, 0.4], "val_loss": [1.0, 0.5]}]
    fig = plotting.plot_learning_curves(histories, log=True)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 4 and ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2, 3]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "fold 1", "fold 2", "training loss", "inner-split loss (early stopping)"]
    train_1, inner_1, train_2, inner_2 = ax.get_lines()
    assert train_1.get_color() == inner_1.get_color() != train_2.get_color() == inner_2.get_color()
    assert train_1.get_linestyle() == "-" and inner_1.get_linestyle() == "--"
    named = plotting.plot_learning_curves({"repeat 0, fold 0": histories[0], "repeat 0, fold 1": histories[1]})
    assert [t.get_text() for t in named.axes[0].get_legend().get_texts()][:2] == ["repeat 0, fold 0", "repeat 0, fold 1"]
    assert len(plotting.plot_learning_curves(histories[0]).axes[0].get_lines()) == 2
    with pytest.raises(ValueError, match="'loss'"):
        plotting.plot_learning_curves([{"mae": [1.0]}])


def test_predictions_metrics_in_legend():
    y, pred = feh()
    y_tr, pred_tr = feh(seed=1)
    w = np.linspace(1, 2, len(y))
    fig = plotting.plot_predictions(y, pred, y_true_train=y_tr, y_pred_train=pred_tr, sample_weight=w)
    scatter, hist = fig.axes
    texts = [t.get_text() for t in scatter.get_legend().get_texts()]
    assert f"RMSE={metrics.rmse(y, pred):.3f}" in texts[1] and f"wRMSE={metrics.wrmse(y, pred, w):.3f}" in texts[1]
    assert texts[0].startswith("training (200)") and "wRMSE" not in texts[0]
    one_to_one = scatter.get_lines()[0]
    assert np.array_equal(one_to_one.get_xdata(), one_to_one.get_ydata())
    assert scatter.get_xlabel() == "label [Fe/H] [dex]" and scatter.get_ylabel() == "predicted [Fe/H] [dex]"
    assert hist.get_xlabel() == "Δ[Fe/H] = predicted - label [dex]"
    nan_pred = pred.copy()
    nan_pred[:10] = np.nan  # rows never validated are left out
    texts = [t.get_text() for t in plotting.plot_predictions(y, nan_pred).axes[0].get_legend().get_texts()]
    assert texts[0].startswith("validation (190)")
    with pytest.raises(ValueError, match="both y_true_train and y_pred_train"):
        plotting.plot_predictions(y, pred, y_true_train=y)


def test_residuals_running_median():
    y = np.linspace(-3, 0, 300)
    pred = y + 0.1 * (y + 1.5)  # tilted residuals
    ax = plotting.plot_residuals(y, pred, n_bins=6).axes[0]
    median = ax.get_lines()[0]
    assert len(median.get_xdata()) == 6
    assert np.allclose(median.get_ydata(), 0.1 * (median.get_xdata() + 1.5), atol=1e-3)


def test_plot_report(tmp_path):
    y, _ = feh(120)
    X = np.c_[y + np.random.default_rng(2).normal(0, 0.1, 120)]
    report = cross_validate_report(Ridge(), X, y, cv=3, random_state=0, eval_weight=np.ones(120))
    paths = plotting.plot_report(report, tmp_path / "figs", prefix="ridge_")
    assert set(paths) == {"predictions", "residuals", "label_distribution"}
    for path in paths.values():
        assert path.name.startswith("ridge_") and path.read_bytes()[:8] == PNG
    report.histories = [{"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}]
    assert plotting.plot_report(report, tmp_path)["learning_curves"].exists()


def test_plot_reports_prefixes_each_model(tmp_path):
    y, _ = feh(90)
    X = np.c_[y + np.random.default_rng(3).normal(0, 0.1, 90)]
    reports = {name: cross_validate_report(Ridge(alpha=alpha), X, y, cv=3, random_state=0)
               for name, alpha in (("a", 0.1), ("b", 10.0))}
    paths = plotting.plot_reports(reports, tmp_path / "figs")
    assert list(paths) == ["a", "b"]
    assert paths["b"]["residuals"] == tmp_path / "figs" / "b_residuals.png"
    for model_paths in paths.values():
        for path in model_paths.values():
            assert path.read_bytes()[:8] == PNG


def test_axes_say_whether_labels_or_the_truth_were_plotted(tmp_path):
    y, pred = feh()
    scatter, hist = plotting.plot_predictions(y, pred, y_kind="true").axes
    assert scatter.get_xlabel() == "true [Fe/H] [dex]" and hist.get_xlabel() == "Δ[Fe/H] = predicted - true [dex]"
    ax = plotting.plot_residuals(y, pred).axes[0]
    assert ax.get_xlabel() == "label [Fe/H] [dex]" and ax.get_ylabel() == "Δ[Fe/H] = predicted - label [dex]"
    ax = plotting.plot_residuals(y, pred, y_kind="true").axes[0]
    assert ax.get_xlabel() == "true [Fe/H] [dex]" and ax.get_ylabel() == "Δ[Fe/H] = predicted - true [dex]"
    with pytest.raises(ValueError, match="y_kind must be one of"):
        plotting.plot_residuals(y, pred, y_kind="truth")


def test_reports_figures_name_labels_as_labels(tmp_path, monkeypatch):
    from rrlsk.evaluation import write_table_a1

    y, _ = feh(90)
    X = np.c_[y + np.random.default_rng(4).normal(0, 0.1, 90)]
    report = cross_validate_report(Ridge(), X, y, cv=3, random_state=0)
    drawn = []
    original = plotting.plot_residuals
    monkeypatch.setattr(plotting, "plot_residuals", lambda *a, **k: drawn.append(original(*a, **k)) or drawn[-1])
    write_table_a1({"ridge": report}, tmp_path, figures=True)  # what `rrlsk demo` and `rrlsk report` draw
    plotting.plot_report(report, tmp_path, y_kind="true")
    assert [fig.axes[0].get_ylabel() for fig in drawn] == [
        "Δ[Fe/H] = predicted - label [dex]", "Δ[Fe/H] = predicted - true [dex]"]
