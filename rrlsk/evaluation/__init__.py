"""Cross-validated performance report of one model (the paper's Table A1).

:func:`cross_validate_report` fits a clone of the model on every training
split of a cross-validation, scores it on the training rows and on the
held-out (validation) rows, and keeps the out-of-fold predictions.
Summaries are the mean and the standard deviation (``ddof=0``) of the
per-split metrics over all splits (all repeats together), as in Table A1 of
Monti et al. (2024). Weighted metrics use the evaluation weights of each
split's own rows, never weights pooled over splits. :func:`compare` puts
several models side by side.

Two modules: :mod:`~rrlsk.evaluation.cross_validation` (the fits and
scores) and :mod:`~rrlsk.evaluation.report` (the report, tables, files).
"""

from .cross_validation import cross_validate_models, cross_validate_report
from .report import REPORTS_INDEX, Comparison, CrossValidationReport, compare, load_reports, save_reports, write_table_a1

__all__ = [
    "REPORTS_INDEX",
    "CrossValidationReport",
    "Comparison",
    "cross_validate_models",
    "cross_validate_report",
    "compare",
    "load_reports",
    "save_reports",
    "write_table_a1",
]
