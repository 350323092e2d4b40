"""The ``rrlsk`` command: simulate, select, train, validate, predict, report.

Run ``rrlsk --help`` or ``rrlsk <command> --help`` for every option. Each
command exits with status 0 on success, 1 with a one-line reason on bad
input or a failed step (``--debug`` shows the traceback instead), and 2 on
a malformed command line.

The commands only adapt options to library calls: ``parser`` builds the
command line, one module runs each command or family of commands
(``train``, ``cv``, ``predict``, ``info``, ``demo``, ``sample``),
``training`` turns the training options into library objects, and ``app``
holds :func:`main`.
"""

from __future__ import annotations

# the public names of the one-module rrlsk.cli of old, importable from here as before
from .app import main
from .arguments import models_help
from .cv import RUN_REPORTS, cmd_cv, cmd_report, load_reports, make_report
from .defaults import (CATALOGUES, DENSITY_THRESHOLD, GAIA_FORMATS, N_POINTS, NETWORK_DEFAULTS, NETWORK_DROPOUT,
                       RR_TYPES, TRANSFORMER_LEARNING_RATE)
from .demo import DEMO_BASELINE, DEMO_DEFAULT, DEMO_LABELS, DEMO_QUICK, cmd_demo
from .errors import CLI_REMEDIES
from .info import cmd_info
from .native_logs import NATIVE_LOG_LINE
from .parser import build_parser
from .predict import cmd_predict
from .sample import cmd_select, cmd_simulate
from .train import cmd_train
from .training import parse_grid

__all__ = ["main", "build_parser"]

#: Names that moved to :mod:`rrlsk.io`, kept here as aliases (read on first use: importing
#: rrlsk.io costs a second that ``rrlsk --help`` need not pay).
_MOVED_TO_IO = ("PLAIN_CSV_ARRAYS", "is_plain_csv", "read_plain_csv")


def __getattr__(name: str):
    if name in _MOVED_TO_IO:
        from .. import io

        return getattr(io, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
