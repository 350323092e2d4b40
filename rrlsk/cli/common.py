"""Small helpers shared by the commands: output, and checks of paths given on the command line."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["note_if_shadowed", "print_table", "refuse_overwriting_inputs", "say", "with_labels"]


def say(*parts) -> None:
    """Print ``parts`` to stdout at once (flushed: progress bars write to stderr in between)."""
    print(*parts, flush=True)


def print_table(frame, floatfmt: str = ".4f") -> None:
    """Print a DataFrame whole, up to 120 characters wide, its floats formatted by ``floatfmt``."""
    import pandas as pd

    with pd.option_context("display.width", 120, "display.max_columns", 30,
                           "display.float_format", lambda v: format(v, floatfmt)):
        say(frame.to_string())


def refuse_overwriting_inputs(output: str | os.PathLike, option: str, inputs: Sequence[tuple[str, object]]) -> None:
    """Refuse an output file that is one of the command's input files, or inside an input folder.

    Parameters
    ----------
    output : path
        The file the command will write.
    option : str
        The option naming it, for the message (``"--csv"``).
    inputs : sequence of (str, path or None)
        What each input is (``"the model file"``) and its path; None for
        inputs not given.

    Raises
    ------
    ValueError
        Naming the output, the option and the input it would overwrite.
    """
    target = Path(output).resolve()
    for what, path in inputs:
        if path is None:
            continue
        source = Path(path).resolve()
        if target == source or (source.is_dir() and source in target.parents):
            where = "is" if target == source else "is inside"
            raise ValueError(f"{option} {output} {where} {what} ({path}); writing there would destroy "
                             f"or mix with an input: give {option} another path")


def note_if_shadowed(model: str | None) -> None:
    """Tell the user when a registered pretrained name is also a file here (the name wins)."""
    from ..pretrained import is_pretrained_name

    if model and is_pretrained_name(model) and Path(model).exists():
        print(f"rrlsk: note: {model!r} is a registered pretrained model and also a file here; using the "
              f"pretrained model (write ./{model} for the file)", file=sys.stderr)


def with_labels(X, sample_info):
    """X plus the label columns ``feh``, ``feh_error`` (for Parquet files)."""
    return X.join(sample_info[["feh", "feh_error"]])
