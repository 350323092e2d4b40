"""``rrlsk cv`` and ``rrlsk report``: cross-validated Table A1 of one or several models, in a run folder."""

from __future__ import annotations

from pathlib import Path

from .common import say
from .training import cv_splitter, eval_weights, pipeline, read_labelled, training_weights

__all__ = ["RUN_REPORTS", "cmd_cv", "cmd_report", "load_reports", "make_report"]

#: Sub-folder of a run folder (``rrlsk demo``, ``rrlsk cv``) holding the reports.
RUN_REPORTS = "reports"


def load_reports(run: Path) -> dict:
    """Read the reports of a run folder (:func:`rrlsk.evaluation.load_reports`)."""
    from ..evaluation import REPORTS_INDEX
    from ..evaluation import load_reports as load

    if not (run / RUN_REPORTS / REPORTS_INDEX).is_file():
        raise ValueError(f"{run}: no {RUN_REPORTS}/{REPORTS_INDEX}; not a run folder of 'rrlsk demo' or 'rrlsk cv'")
    return load(run / RUN_REPORTS)


def make_report(run: Path, reports: dict | None = None, *, figures: bool = True) -> str:
    """Table A1 in Markdown of a run folder, written there (:func:`rrlsk.evaluation.write_table_a1`)."""
    from ..evaluation import write_table_a1

    reports = load_reports(run) if reports is None else reports
    return write_table_a1(reports, run, figures=figures).to_markdown()


def cmd_cv(args) -> int:
    """Run ``rrlsk cv``."""
    from ..evaluation import cross_validate_models, save_reports

    X, y, feh_error = read_labelled(args)
    out = Path(args.out)
    say(f"cross-validating {', '.join(args.models)} on {len(X)} stars "
        f"({args.splits} folds x {args.repeats} repeat(s), {args.n_bins} [Fe/H] bins)")
    reports = cross_validate_models(
        {model: pipeline(args, model) for model in args.models}, X, y, cv=cv_splitter(args),
        train_weight=training_weights(args.weights, y, feh_error, args.density_threshold),
        eval_weight=eval_weights(feh_error), progress=not args.quiet,
    )
    save_reports(reports, out / RUN_REPORTS)
    say(make_report(out, reports, figures=False))
    say(f"wrote the reports and table_a1.md to {out}/ (figures: rrlsk report {out})")
    return 0


def cmd_report(args) -> int:
    """Run ``rrlsk report``."""
    run = Path(args.run)
    if not run.is_dir():
        raise FileNotFoundError(f"{run}: no such run folder")
    say(make_report(run))
    say(f"wrote {run / 'table_a1.md'}, {run / 'table_a1.csv'} and figures in {run / 'figures'}/")
    return 0
