"""The shipped model on the 300 real labelled stars that ship with rrlsk.

What ``rrlsk demo`` ends on: real Gaia DR2 G curves
(:func:`rrlsk.datasets.load_dekany2022_demo`) predicted by ``rrlsk-gaia-g``,
beside their labels and the published model's out-of-fold predictions.
``rrlsk-gaia-g`` is a fold ensemble trained on the whole labelled sample,
these stars included, so its accuracy is shown only out of fold: each star
predicted by the fold models that never saw it, like the published figures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..datasets import dekany2022_sample, load_dekany2022_demo
from ..metrics import mae, r2, rmse

__all__ = ["plot_demo_stars", "predict_demo_stars", "summary"]

#: The shipped model the demo runs.
DEMO_MODEL = "rrlsk-gaia-g"


def predict_demo_stars(name: str = DEMO_MODEL) -> pd.DataFrame:
    """Predict the 300 shipped real stars; their labels and published figures beside.

    Parameters
    ----------
    name : str, default "rrlsk-gaia-g"
        A registered model that is a fold ensemble of the labelled sample
        (its calibrated wrapper's ``estimator_`` has ``predict_out_of_fold``).

    Returns
    -------
    pandas.DataFrame
        Index ``source_id``; ``feh``, ``feh_std``, ``feh_lower``,
        ``feh_upper`` (the model as a user gets it: the ensemble mean, its
        calibrated standard deviation and 68 % interval, dex),
        ``feh_out_of_fold`` (the fold models that never saw the star),
        ``feh_label`` and ``dekany2022_out_of_fold`` (the published model's
        out-of-fold prediction), all dex, and ``n_epochs`` (observed points; ``n_points``, its
        former name, is kept as a deprecated copy).
    """
    from . import load_pretrained

    X, y, info = load_dekany2022_demo()
    model = load_pretrained(name)
    feh, std = model.predict(X, return_std=True)
    lower, upper = model.predict_interval(X, confidence=0.68)
    rows = dekany2022_sample().index.get_indexer(X.index)  # each star's row in the training sample
    return pd.DataFrame(
        {
            "feh": feh, "feh_std": std, "feh_lower": lower, "feh_upper": upper,
            "feh_out_of_fold": model.estimator_.predict_out_of_fold(X, rows),
            "feh_label": y, "dekany2022_out_of_fold": info["dekany_oof"], "n_epochs": info["n_epochs"],
            "n_points": info["n_epochs"],  # deprecated alias of n_epochs
        },
        index=X.index,
    )


def summary(table: pd.DataFrame) -> str:
    """One line per model: out-of-fold MAE, RMSE and R2 against the labels (dex)."""
    lines = []
    for column, what in (("feh_out_of_fold", DEMO_MODEL), ("dekany2022_out_of_fold", "dekany2022-g (published)")):
        y, p = table["feh_label"], table[column]
        lines.append(f"{what:<26} MAE {mae(y, p):.3f}  RMSE {rmse(y, p):.3f}  R2 {r2(y, p):.3f}")
    return "\n".join(lines)


def plot_demo_stars(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Out-of-fold predictions against the labels, rrlsk's and the published model's.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`predict_demo_stars`'s table.
    path : str or path-like
        Where to save the figure (PNG).

    Returns
    -------
    pathlib.Path
        The figure's path.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8.4, 4.2), sharex=True, sharey=True, constrained_layout=True)
    lims = (-2.9, 0.2)
    for ax, (column, title, colour) in zip(axes, (
        ("feh_out_of_fold", DEMO_MODEL, "C0"), ("dekany2022_out_of_fold", "dekany2022-g (published)", "C1"),
    )):
        y, p = table["feh_label"], table[column]
        ax.scatter(y, p, s=8, alpha=0.6, color=colour)
        ax.plot(lims, lims, color="k", lw=0.8)
        ax.set_title(f"{title}\nMAE {mae(y, p):.3f}, R2 {r2(y, p):.3f} dex", fontsize=9)
        ax.set_xlabel("label [Fe/H] (OGLE-IV I-band photometric), dex")
        ax.set_xlim(lims)
        ax.set_ylim(lims)
    axes[0].set_ylabel("out-of-fold predicted [Fe/H], dex")
    fig.suptitle(f"{len(table)} real Gaia DR2 RRab stars (shipped with rrlsk)", fontsize=10)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

