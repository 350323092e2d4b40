"""The report of a cross-validation: per-split metrics summarised as the
paper's Table A1, several models side by side, and saved to a folder.

Summaries are the mean and the standard deviation (``ddof=0``) of the
per-split metrics over all splits (all repeats together), as in Table A1 of
Monti et al. (2024).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._atomic import write_atomic

__all__ = [
    "REPORTS_INDEX",
    "CrossValidationReport",
    "Comparison",
    "compare",
    "load_reports",
    "save_reports",
    "write_table_a1",
]

#: Row order of the tables (Table A1 order, then the extras).
METRIC_ORDER = ("r2", "wr2", "wrmse", "wmae", "rmse", "mae", "medae")
SPLITS = ("train", "validation")
_LABELS = {
    "r2": ("R²", "$R^2$"),
    "wr2": ("wR²", "w$R^2$"),
    "wrmse": ("wRMSE", "wRMSE"),
    "wmae": ("wMAE", "wMAE"),
    "rmse": ("RMSE", "RMSE"),
    "mae": ("MAE", "MAE"),
    "medae": ("medAE", "medAE"),
}


def _format(mean: float, std: float, digits: int, pm: str) -> str:
    if not np.isfinite(mean):
        return "–"
    return f"{mean:.{digits}f}{pm}{std:.{digits}f}"


class _Table:
    """Rendering shared by a report and a comparison.

    ``summary`` has one row per metric and columns whose last level is
    ``("mean", "std")``; the levels above it become the table's header.
    """

    summary: pd.DataFrame

    def _cells(self, digits: int, pm: str) -> pd.DataFrame:
        means = self.summary.xs("mean", axis=1, level=-1)
        stds = self.summary.xs("std", axis=1, level=-1)
        cells = pd.DataFrame(index=means.index, columns=means.columns, dtype=object)
        for column in means.columns:
            cells[column] = [_format(m, s, digits, pm) for m, s in zip(means[column], stds[column])]
        return cells

    def to_markdown(self, digits: int = 4) -> str:
        """The table in GitHub Markdown, cells ``mean±std``.

        Parameters
        ----------
        digits : int, default=4
            Decimals shown.

        Returns
        -------
        str
        """
        cells = self._cells(digits, "±")
        headers = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in cells.columns]
        lines = ["| metric | " + " | ".join(headers) + " |", "|---|" + "---:|" * len(headers)]
        for name, row in cells.iterrows():
            lines.append(f"| {_LABELS[name][0]} | " + " | ".join(row) + " |")
        return "\n".join(lines) + "\n"

    def to_latex(self, digits: int = 4, caption: str | None = None, label: str | None = None) -> str:
        """The table as a LaTeX ``table`` with a booktabs ``tabular``.

        Parameters
        ----------
        digits : int, default=4
            Decimals shown.
        caption, label : str, optional
            ``\\caption`` and ``\\label`` of the table.

        Returns
        -------
        str
            Needs ``\\usepackage{booktabs}``.
        """
        cells = self._cells(digits, r"$\pm$")
        columns = cells.columns
        lines = [r"\begin{table}", r"\centering"]
        if caption:
            lines.append(rf"\caption{{{caption}}}")
        if label:
            lines.append(rf"\label{{{label}}}")
        lines += [r"\begin{tabular}{l" + "r" * len(columns) + "}", r"\toprule"]
        if isinstance(columns, pd.MultiIndex):
            groups = [(name, sum(1 for _ in block)) for name, block in _runs(columns.get_level_values(0))]
            lines.append(" & " + " & ".join(rf"\multicolumn{{{n}}}{{c}}{{{g}}}" for g, n in groups) + r" \\")
            rules, start = [], 2
            for _, n in groups:
                rules.append(rf"\cmidrule(lr){{{start}-{start + n - 1}}}")
                start += n
            lines.append(" ".join(rules))
            lines.append("Metric & " + " & ".join(columns.get_level_values(-1)) + r" \\")
        else:
            lines.append("Metric & " + " & ".join(map(str, columns)) + r" \\")
        lines.append(r"\midrule")
        for name, row in cells.iterrows():
            lines.append(f"{_LABELS[name][1]} & " + " & ".join(row) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
        return "\n".join(lines) + "\n"

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """The table in tidy CSV: one row per (model,) metric and split.

        Columns: ``[model,] metric, split, mean, std``; metrics a model
        lacks (weighted ones without evaluation weights) are left out.

        Parameters
        ----------
        path : str or Path, optional
            File to write; ``None`` returns the text instead.

        Returns
        -------
        str or None
        """
        long = self.summary.stack(list(range(self.summary.columns.nlevels - 1)), future_stack=True)
        names = [n for n in ("model", "split") if n in self.summary.columns.names]
        long = long.reset_index().rename(columns={"index": "metric"})
        long = long[[*(["model"] if "model" in names else []), "metric", "split", "mean", "std"]]
        return long.dropna(subset=["mean"]).to_csv(path, index=False)


def _runs(values):
    """Consecutive runs of equal values: (value, run)."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            yield values[start], values[start:i]
            start = i


@dataclass
class CrossValidationReport(_Table):
    """Result of :func:`cross_validate_report`.

    Parameters
    ----------
    folds : DataFrame
        One row per split: ``split``, ``repeat``, ``n_train``, ``n_validation``,
        ``fit_time`` and ``predict_time`` (s), then ``train_<metric>`` and
        ``validation_<metric>`` for each metric.
    oof : DataFrame
        Out-of-fold predictions, indexed like ``X`` (``source_id``):
        ``y_true``; ``pred_0`` ... ``pred_{R-1}``, one column per repeat
        (a repeat is a set of splits whose validation rows do not overlap);
        ``pred_mean``, their mean; ``eval_weight`` when given.
    in_fold : DataFrame
        Indexed like ``X``: ``y_true`` and ``pred_mean``, the mean
        prediction of the models that were trained on the row (the training
        side of Fig. 6); ``eval_weight`` when given.
    histories : list of dict
        Per-split training histories (``{"loss": [...], "val_loss": [...]}``)
        of models that keep a ``history_`` (scikeras); empty otherwise.
    estimators : list or None
        The fitted split models, when asked for.
    """

    folds: pd.DataFrame
    oof: pd.DataFrame
    in_fold: pd.DataFrame
    histories: list = field(default_factory=list)
    estimators: list | None = None

    @property
    def metrics(self) -> list[str]:
        """Names of the metrics computed, in table order."""
        return [m for m in METRIC_ORDER if f"validation_{m}" in self.folds.columns]

    @property
    def summary(self) -> pd.DataFrame:
        """Mean and std (``ddof=0``) over splits of each metric.

        Rows: metrics; columns: ``(split, stat)`` with split in
        ``train``/``validation`` and stat in ``mean``/``std``.
        """
        data = {}
        for split in SPLITS:
            values = self.folds[[f"{split}_{m}" for m in self.metrics]].to_numpy(dtype=float)
            data[(split, "mean")] = values.mean(axis=0)
            data[(split, "std")] = values.std(axis=0)
        out = pd.DataFrame(data, index=pd.Index(self.metrics, name="metric"))
        out.columns.names = ["split", "stat"]
        return out

    def to_folder(self, folder) -> Path:
        """Write the report to a folder that :meth:`from_folder` reads back.

        ``folds.csv`` (per-split metrics and times), ``oof.csv`` and
        ``in_fold.csv`` (predictions, indexed by ``source_id``) and
        ``histories.json`` (training losses per split); each file is written
        atomically. The fitted ``estimators`` are not saved.

        Parameters
        ----------
        folder : str or Path
            Created if missing; files already there are replaced.

        Returns
        -------
        Path
            ``folder``.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / "folds.csv", lambda tmp: self.folds.to_csv(tmp, index=False))
        write_atomic(folder / "oof.csv", self.oof.to_csv)
        write_atomic(folder / "in_fold.csv", self.in_fold.to_csv)
        write_atomic(folder / "histories.json", lambda tmp: tmp.write_text(json.dumps(self.histories)))
        return folder

    @classmethod
    def from_folder(cls, folder) -> CrossValidationReport:
        """Read a report written by :meth:`to_folder`.

        Parameters
        ----------
        folder : str or Path
            The report's folder.

        Returns
        -------
        CrossValidationReport
            Without ``estimators``.
        """
        folder = Path(folder)
        return cls(
            folds=pd.read_csv(folder / "folds.csv"),
            oof=pd.read_csv(folder / "oof.csv", index_col=0),
            in_fold=pd.read_csv(folder / "in_fold.csv", index_col=0),
            histories=json.loads((folder / "histories.json").read_text()),
        )


@dataclass
class Comparison(_Table):
    """Several reports side by side (see :func:`compare`).

    Parameters
    ----------
    reports : dict of str to CrossValidationReport
        The models, in column order.
    """

    reports: dict

    @property
    def summary(self) -> pd.DataFrame:
        """Rows: metrics; columns ``(model, split, stat)``; missing metrics are nan."""
        frames = {name: report.summary for name, report in self.reports.items()}
        out = pd.concat(frames, axis=1, names=["model"])
        order = [m for m in METRIC_ORDER if m in out.index]
        return out.loc[order]


def compare(reports: Mapping[str, CrossValidationReport]) -> Comparison:
    """Stack cross-validation reports of several models into one table.

    Parameters
    ----------
    reports : mapping of str to CrossValidationReport
        Model name -> its report; the order gives the column order.

    Returns
    -------
    Comparison
        With ``summary``, ``to_markdown()``, ``to_latex()``, ``to_csv()``.
    """
    if not reports:
        raise ValueError("compare needs at least one report")
    bad = [name for name, r in reports.items() if not isinstance(r, CrossValidationReport)]
    if bad:
        raise ValueError(f"not CrossValidationReport objects: {bad}")
    return Comparison(dict(reports))


#: File stem of :func:`write_table_a1`'s tables (``table_a1.md``, ``table_a1.csv``).
TABLE_A1 = "table_a1"


def write_table_a1(reports: Mapping[str, CrossValidationReport], folder, *, figures: bool = False) -> Comparison:
    """Write Table A1 of several models, and optionally their figures, to a folder.

    Parameters
    ----------
    reports : mapping of str to CrossValidationReport
        Model name -> its report; the order gives the column order.
    folder : str or Path
        Output folder, created if missing. Receives ``table_a1.md``
        (Markdown, :meth:`Comparison.to_markdown`) and ``table_a1.csv``
        (long format: model, metric, split, mean, std; metrics in dex
        except the dimensionless R²), each written atomically.
    figures : bool, default False
        Also write each model's figures as PNG files,
        ``folder/figures/<model>_<figure>.png``
        (:func:`rrlsk.plotting.plot_reports`).

    Returns
    -------
    Comparison
        The table written (:func:`compare` of ``reports``).

    Raises
    ------
    ValueError
        No report, or a value that is not a :class:`CrossValidationReport`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.linear_model import Ridge
    >>> import numpy as np
    >>> from rrlsk.evaluation import cross_validate_report
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 2))
    >>> y = X @ [0.3, -0.2] - 1.5
    >>> report = cross_validate_report(Ridge(), X, y, cv=3, random_state=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     table = write_table_a1({"ridge": report}, folder)
    ...     sorted(path.name for path in Path(folder).iterdir())
    ['table_a1.csv', 'table_a1.md']
    """
    table = compare(reports)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    markdown = table.to_markdown()
    write_atomic(folder / f"{TABLE_A1}.md", lambda tmp: tmp.write_text(markdown))
    write_atomic(folder / f"{TABLE_A1}.csv", table.to_csv)
    if figures:
        from ..plotting import plot_reports

        plot_reports(reports, folder / "figures", y_kind="label")  # cross-validated against the labels
    return table


#: The file that lists the reports of a folder written by :func:`save_reports`.
REPORTS_INDEX = "models.json"


def save_reports(reports: Mapping[str, CrossValidationReport], folder) -> Path:
    """Write several models' reports, one sub-folder each, in order.

    Parameters
    ----------
    reports : mapping of str to CrossValidationReport
        Model name -> its report (:meth:`CrossValidationReport.to_folder`
        writes ``folder/<name>/``).
    folder : str or Path
        Created if missing.

    Returns
    -------
    Path
        ``folder``; its :data:`REPORTS_INDEX`, written last, lists the models
        and marks the reports complete.
    """
    folder = Path(folder)
    for name, report in reports.items():
        report.to_folder(folder / name)
    write_atomic(folder / REPORTS_INDEX, lambda tmp: tmp.write_text(json.dumps(list(reports))))
    return folder


def load_reports(folder) -> dict[str, CrossValidationReport]:
    """Read the reports written by :func:`save_reports`, in their order.

    Parameters
    ----------
    folder : str or Path
        Folder given to :func:`save_reports`.

    Returns
    -------
    dict of str to CrossValidationReport
        Model name -> report.

    Raises
    ------
    FileNotFoundError
        ``folder`` has no :data:`REPORTS_INDEX` (no complete set of reports).
    """
    folder = Path(folder)
    index = folder / REPORTS_INDEX
    if not index.is_file():
        raise FileNotFoundError(f"{index}: no such file; not a folder written by save_reports")
    return {name: CrossValidationReport.from_folder(folder / name) for name in json.loads(index.read_text())}
