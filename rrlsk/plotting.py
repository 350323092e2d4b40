"""The paper's figures, with matplotlib.

Every function builds a :class:`matplotlib.figure.Figure` without pyplot
(no global state, safe on headless machines with the Agg backend), returns
it, and writes a PNG when given ``path``. In notebooks the returned figure
displays itself.

* :func:`plot_label_distribution` - [Fe/H] histogram, KDE and density
  weights (Monti et al. 2024, Fig. 3);
* :func:`plot_light_curves` - folded raw curves with their resampled
  spline (Fig. 2);
* :func:`plot_learning_curves` - training loss and the loss on the
  inner early-stopping split, one colour per fold (Fig. 5);
* :func:`plot_predictions` - predicted vs label (or true) [Fe/H] and
  residual histograms, training and validation (Fig. 6);
* :func:`plot_residuals` - residuals against [Fe/H] with running
  percentiles;
* :func:`plot_report` - the set for a :class:`~rrlsk.evaluation.CrossValidationReport`;
* :func:`plot_reports` - the sets of several models, file names prefixed
  with each model's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.stats import gaussian_kde
from sklearn.utils import check_random_state

from . import metrics as _metrics
from ._atomic import write_atomic

__all__ = [
    "plot_label_distribution",
    "plot_light_curves",
    "plot_learning_curves",
    "plot_predictions",
    "plot_residuals",
    "plot_report",
    "plot_reports",
]

FEH_LABEL = "[Fe/H] [dex]"
#: What the reference values ``y_true`` of a figure are -> the word its axes use.
Y_KINDS = {"label": "label", "true": "true"}
TRAIN_COLOR = "tab:red"
VALIDATION_COLOR = "tab:green"
DPI = 150


def _save(fig: Figure, path) -> Figure:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=DPI))
    return fig


def _pair(y_true, y_pred, sample_weight=None, *, what: str):
    t = np.asarray(y_true, dtype=np.float64).ravel()
    p = np.asarray(y_pred, dtype=np.float64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"{what}: y_true has {t.size} values but y_pred has {p.size}")
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).ravel()
    if w is not None and w.shape != t.shape:
        raise ValueError(f"{what}: sample_weight has {w.size} values but y_true has {t.size}")
    keep = np.isfinite(t) & np.isfinite(p)
    if not keep.any():
        raise ValueError(f"{what}: no finite (y_true, y_pred) pairs to plot")
    return t[keep], p[keep], None if w is None else w[keep]


def _reference(y_kind: str) -> str:
    """The axes' word for the reference [Fe/H]: ``"label"`` or ``"true"``."""
    if y_kind not in Y_KINDS:
        raise ValueError(f"y_kind must be one of {sorted(Y_KINDS)} (what y_true holds), got {y_kind!r}")
    return Y_KINDS[y_kind]


def _metrics_text(t, p, w) -> str:
    text = f"R²={_metrics.r2(t, p):.3f}, RMSE={_metrics.rmse(t, p):.3f}, MAE={_metrics.mae(t, p):.3f}"
    if w is not None:
        text += f", wRMSE={_metrics.wrmse(t, p, w):.3f}"
    return text


def plot_label_distribution(y, weights=None, *, bins: int = 30, path=None) -> Figure:
    """Plot the histogram of [Fe/H] with its KDE and the training (density) weights.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        [Fe/H] labels, dex.
    weights : array-like of shape (n_samples,), optional
        Density weights of the labels (:func:`rrlsk.density_weights`),
        drawn on a second axis, normalised to a maximum of 1.
    bins : int, default=30
        Histogram bins.
    path : str or Path, optional
        Where to write the PNG.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (also written to ``path`` when given).
    """
    values = np.asarray(y, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size < 2:
        raise ValueError("plot_label_distribution needs at least two finite labels")
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.hist(values, bins=bins, density=True, color="tab:blue", alpha=0.6, label=f"{values.size} stars")
    grid = np.linspace(values.min(), values.max(), 256)
    ax.plot(grid, gaussian_kde(values)(grid), color="tab:green", lw=2, label="Gaussian KDE")
    ax.set_xlabel(FEH_LABEL)
    ax.set_ylabel("probability density [dex$^{-1}$]")
    handles, labels = ax.get_legend_handles_labels()
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64).ravel()
        raw = np.asarray(y, dtype=np.float64).ravel()
        if w.shape != raw.shape:
            raise ValueError(f"weights has {w.size} values but y has {raw.size}")
        keep = np.isfinite(raw) & np.isfinite(w)
        twin = ax.twinx()
        twin.scatter(raw[keep], w[keep] / w[keep].max(), s=4, color="k", label="density weight (normalised)")
        twin.set_ylabel("normalised sample weight")
        twin.set_ylim(0, 1.05)
        h, lab = twin.get_legend_handles_labels()
        handles, labels = handles + h, labels + lab
    ax.legend(handles, labels, loc="upper left", fontsize="small")
    return _save(fig, path)


def plot_light_curves(
    X_raw_folded: pd.DataFrame,
    X_resampled: pd.DataFrame | None = None,
    *,
    n: int = 6,
    source_ids: Sequence | None = None,
    random_state=None,
    path=None,
) -> Figure:
    """Phase-folded G light curves, raw points and resampled curve.

    Parameters
    ----------
    X_raw_folded : DataFrame
        Light-curve table after ``PhaseFolder``: per-row ``phase`` and
        ``mag`` arrays (``mag_err`` drawn as error bars when present).
    X_resampled : DataFrame, optional
        The same stars after ``SplineResampler`` (``phase`` grid, ``mag``),
        possibly after ``MeanMagSubtractor`` (its ``mean_mag`` is added back
        so that both share the G axis).
    n : int, default=6
        Number of stars, when ``source_ids`` is not given.
    source_ids : sequence, optional
        Stars to draw.
    random_state : int, RandomState instance or None, default=None
        ``None`` draws the first ``n`` stars; a seed draws ``n`` at random.
    path : str or Path, optional
        Where to write the PNG.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per star, magnitude axis inverted (brighter up).
    """
    missing = [c for c in ("phase", "mag") if c not in X_raw_folded.columns]
    if missing:
        raise ValueError(f"X_raw_folded lacks column(s) {missing}: fold it with PhaseFolder first")
    if X_resampled is not None:
        missing = [c for c in ("phase", "mag") if c not in X_resampled.columns]
        if missing:
            raise ValueError(f"X_resampled lacks column(s) {missing}")
    available = X_raw_folded.index if X_resampled is None else X_raw_folded.index.intersection(X_resampled.index)
    if source_ids is None:
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if random_state is None:
            source_ids = list(available[:n])
        else:
            rng = check_random_state(random_state)
            source_ids = list(available[np.sort(rng.choice(len(available), min(n, len(available)), replace=False))])
    else:
        absent = [s for s in source_ids if s not in available]
        if absent:
            raise ValueError(f"source_id(s) {absent[:10]} not in the light-curve table(s)")
    if not source_ids:
        raise ValueError("no stars to plot")
    ncols = min(3, len(source_ids))
    nrows = -(-len(source_ids) // ncols)
    fig = Figure(figsize=(3.6 * ncols, 2.8 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat[len(source_ids):]:
        ax.set_visible(False)
    for ax, sid in zip(axes.flat, source_ids):
        row = X_raw_folded.loc[sid]
        err = row["mag_err"] if "mag_err" in X_raw_folded.columns else None
        ax.errorbar(row["phase"], row["mag"], yerr=err, fmt=".", ms=3, color="k", elinewidth=0.5, label="Gaia G")
        if X_resampled is not None:
            res = X_resampled.loc[sid]
            offset = res["mean_mag"] if "mean_mag" in X_resampled.columns else 0.0
            ax.plot(res["phase"], np.asarray(res["mag"]) + offset, color="tab:red", lw=1.5, label="resampled spline")
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_title(f"source_id {sid}", fontsize="small")
        ax.set_xlabel("phase")
        ax.set_ylabel("G [mag]")
    axes.flat[0].legend(fontsize="x-small")
    return _save(fig, path)


def _as_histories(histories) -> list[dict]:
    if isinstance(histories, Mapping):
        if "loss" in histories:
            return [histories]
        histories = list(histories.values())
    out = [h for h in histories if isinstance(h, Mapping) and "loss" in h]
    if len(out) != len(histories) or not out:
        raise ValueError("histories must be dicts with a 'loss' list (Keras/scikeras history_), one per fold")
    return out


#: Line style of each loss in :func:`plot_learning_curves`, and its name in the legend.
LOSS_STYLES = {"loss": ("-", "training loss"), "val_loss": ("--", "inner-split loss (early stopping)")}


def plot_learning_curves(histories, *, log: bool = False, path=None) -> Figure:
    """Training loss and inner-split loss per epoch, one colour per fold.

    The second curve is the loss on the inner split that the network holds
    out of its own training data for early stopping and learning-rate
    reduction (``validation_fraction``), not on the fold's validation
    stars.

    Parameters
    ----------
    histories : dict or sequence of dict
        One ``{"loss": [...], "val_loss": [...]}`` per fold (a single one,
        a list, or a dict of name -> history), as kept by scikeras in
        ``history_`` and by :attr:`CrossValidationReport.histories`.
    log : bool, default=False
        Logarithmic loss axis.
    path : str or Path, optional
        Where to write the PNG.

    Returns
    -------
    matplotlib.figure.Figure
        One colour per fold (named by the dict's keys, else ``fold 1``,
        ``fold 2``, ...), solid for the training loss, dashed for the
        inner-split loss; the legend names both.
    """
    names = list(histories) if isinstance(histories, Mapping) and "loss" not in histories else None
    runs = _as_histories(histories)
    names = [str(n) for n in names] if names else [f"fold {i + 1}" for i in range(len(runs))]
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    colors = [f"C{i % 10}" for i in range(len(runs))]
    for name, color, history in zip(names, colors, runs):
        for key, (style, _) in LOSS_STYLES.items():
            if key in history and len(history[key]):
                epochs = np.arange(1, len(history[key]) + 1)
                ax.plot(epochs, history[key], color=color, ls=style, lw=1.2, label=name if key == "loss" else None)
    handles, labels = ax.get_legend_handles_labels()
    for key, (style, text) in LOSS_STYLES.items():
        if any(key in history for history in runs):
            handles.append(Line2D([], [], color="k", ls=style, lw=1.2))
            labels.append(text)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (weighted MSE) [dex$^2$]")
    if log:
        ax.set_yscale("log")
    ax.set_title(f"{len(runs)} fold(s)", fontsize="small")
    ax.legend(handles, labels, fontsize="x-small", ncol=2 if len(runs) > 6 else 1)
    return _save(fig, path)


def plot_predictions(
    y_true,
    y_pred,
    *,
    y_true_train=None,
    y_pred_train=None,
    sample_weight=None,
    sample_weight_train=None,
    bins: int = 40,
    y_kind: str = "label",
    path=None,
) -> Figure:
    """Predicted against label (or true) [Fe/H] and histograms of the residuals.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Validation (out-of-fold) reference values and predictions, dex.
        Pairs with a non-finite member are left out.
    y_true_train, y_pred_train : array-like, optional
        Training reference values and in-fold predictions, drawn behind.
    sample_weight, sample_weight_train : array-like, optional
        Evaluation weights; add wRMSE to the legend.
    bins : int, default=40
        Bins of the residual histograms.
    y_kind : {"label", "true"}, default="label"
        What ``y_true`` holds: the stars' (noisy) [Fe/H] labels, or the
        true [Fe/H] of simulated stars; the axes say so ("label [Fe/H]",
        "predicted - label").
    path : str or Path, optional
        Where to write the PNG.

    Returns
    -------
    matplotlib.figure.Figure
        Left: scatter with the 1:1 line; right: residual
        (predicted - label, or predicted - true) histograms. Metrics are
        in the legends.
    """
    reference = _reference(y_kind)
    sets = []
    if (y_true_train is None) != (y_pred_train is None):
        raise ValueError("give both y_true_train and y_pred_train, or neither")
    if y_true_train is not None:
        sets.append(("training", TRAIN_COLOR, *_pair(y_true_train, y_pred_train, sample_weight_train, what="training")))
    sets.append(("validation", VALIDATION_COLOR, *_pair(y_true, y_pred, sample_weight, what="validation")))
    fig = Figure(figsize=(11, 4.6), layout="constrained")
    scatter, hist = fig.subplots(1, 2)
    lo = min(min(t.min(), p.min()) for _, _, t, p, _ in sets)
    hi = max(max(t.max(), p.max()) for _, _, t, p, _ in sets)
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    edges = np.histogram_bin_edges(np.concatenate([p - t for _, _, t, p, _ in sets]), bins=bins)
    for name, color, t, p, w in sets:
        label = f"{name} ({t.size}): {_metrics_text(t, p, w)}"
        scatter.scatter(t, p, s=6, alpha=0.5, color=color, lw=0, label=label)
        hist.hist(p - t, bins=edges, density=True, histtype="step", lw=1.5, color=color,
                  label=f"{name}: median={np.median(p - t):+.3f}, σ={np.std(p - t):.3f}")
    scatter.plot([lo, hi], [lo, hi], color="k", lw=1, ls="--", label="1:1")
    scatter.set_xlim(lo, hi)
    scatter.set_ylim(lo, hi)
    scatter.set_aspect("equal")
    scatter.set_xlabel(f"{reference} {FEH_LABEL}")
    scatter.set_ylabel(f"predicted {FEH_LABEL}")
    scatter.legend(fontsize="x-small", loc="upper left")
    hist.axvline(0.0, color="k", lw=1, ls="--")
    hist.set_xlabel(f"Δ[Fe/H] = predicted - {reference} [dex]")
    hist.set_ylabel("probability density [dex$^{-1}$]")
    hist.legend(fontsize="x-small")
    return _save(fig, path)


def plot_residuals(y_true, y_pred, *, n_bins: int = 10, y_kind: str = "label", path=None) -> Figure:
    """Plot the residuals (predicted - label, or - true) against label (or true) [Fe/H].

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Reference values and (out-of-fold) predictions, dex.
    n_bins : int, default=10
        Number of quantile bins of ``y_true`` for the running median and
        16th-84th percentile band.
    y_kind : {"label", "true"}, default="label"
        What ``y_true`` holds: [Fe/H] labels, or the true [Fe/H] of
        simulated stars; the axes say so.
    path : str or Path, optional
        Where to write the PNG.

    Returns
    -------
    matplotlib.figure.Figure
        The regression to the mean at the metal-poor and metal-rich ends
        shows as a tilt of the median.
    """
    reference = _reference(y_kind)
    t, p, _ = _pair(y_true, y_pred, what="residuals")
    residual = p - t
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(t, residual, s=5, alpha=0.4, color="tab:blue", lw=0, label=f"{t.size} stars")
    stats = (
        pd.DataFrame({"t": t, "r": residual, "bin": pd.qcut(t, q=n_bins, labels=False, duplicates="drop")})
        .groupby("bin")
        .agg(t=("t", "median"), q16=("r", lambda r: np.percentile(r, 16)), q50=("r", "median"),
             q84=("r", lambda r: np.percentile(r, 84)))
    )
    ax.plot(stats["t"], stats["q50"], color="k", lw=1.5, marker="o", ms=3, label="median")
    ax.fill_between(stats["t"], stats["q16"], stats["q84"], color="k", alpha=0.15, label="16th-84th percentile")
    ax.axhline(0.0, color="tab:red", lw=1, ls="--")
    ax.set_xlabel(f"{reference} {FEH_LABEL}")
    ax.set_ylabel(f"Δ[Fe/H] = predicted - {reference} [dex]")
    ax.legend(fontsize="small", title=_metrics_text(t, p, None), title_fontsize="x-small")
    return _save(fig, path)


def plot_report(report, directory, *, prefix: str = "", y_kind: str = "label") -> dict[str, Path]:
    """Write the figures of a cross-validation report as PNG files.

    Parameters
    ----------
    report : CrossValidationReport
        From :func:`rrlsk.evaluation.cross_validate_report`.
    directory : str or Path
        Created if needed.
    prefix : str, default=""
        Prepended to every file name (for example the model's name).
    y_kind : {"label", "true"}, default="label"
        What the report's ``y_true`` holds: the [Fe/H] labels it was
        cross-validated against, or the true [Fe/H] of simulated stars.

    Returns
    -------
    dict of str to Path
        ``predictions`` (training in-fold and validation out-of-fold),
        ``residuals`` (out-of-fold), ``label_distribution`` and, when the
        models kept training histories, ``learning_curves``.
    """
    directory = Path(directory)
    oof, in_fold = report.oof, report.in_fold
    weighted = "eval_weight" in oof.columns
    paths = {name: directory / f"{prefix}{name}.png" for name in ("predictions", "residuals", "label_distribution")}
    plot_predictions(
        oof["y_true"], oof["pred_mean"], y_true_train=in_fold["y_true"], y_pred_train=in_fold["pred_mean"],
        sample_weight=oof["eval_weight"] if weighted else None,
        sample_weight_train=in_fold["eval_weight"] if weighted else None,
        y_kind=y_kind, path=paths["predictions"],
    )
    plot_residuals(oof["y_true"], oof["pred_mean"], y_kind=y_kind, path=paths["residuals"])
    plot_label_distribution(oof["y_true"], path=paths["label_distribution"])
    if report.histories:
        paths["learning_curves"] = directory / f"{prefix}learning_curves.png"
        plot_learning_curves(report.histories, path=paths["learning_curves"])
    return paths


def plot_reports(reports: Mapping, directory, *, y_kind: str = "label") -> dict[str, dict[str, Path]]:
    """Write the figures of several models' cross-validation reports as PNG files.

    Parameters
    ----------
    reports : mapping of str to CrossValidationReport
        Model name -> its report (for example from
        :func:`rrlsk.evaluation.cross_validate_models`).
    directory : str or Path
        Created if needed; each model's figures are
        ``directory/<model>_<figure>.png`` (:func:`plot_report` with the
        prefix ``"<model>_"``), [Fe/H] axes in dex.
    y_kind : {"label", "true"}, default="label"
        What the reports' ``y_true`` holds (see :func:`plot_report`).

    Returns
    -------
    dict of str to dict of str to Path
        Model name -> the paths :func:`plot_report` wrote for it.
    """
    return {name: plot_report(report, directory, prefix=f"{name}_", y_kind=y_kind) for name, report in reports.items()}
