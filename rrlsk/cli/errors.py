"""What the shell sees of a failed command: one line, its remedies in command-line terms."""

from __future__ import annotations

import re

__all__ = ["CLI_REMEDIES", "reason"]

#: Remedies that the library's messages give in Python terms, and what to do at the shell instead.
CLI_REMEDIES = (
    (re.compile(r"cannot find the \[Fe/H\] column among (.*); pass it explicitly"),
     r"cannot find the [Fe/H] column among \1; name it with --feh-column"),
    (re.compile(r"cannot find the \[Fe/H\] error column among (.*); pass it explicitly"),
     r"cannot find the [Fe/H] error column among \1; name it with --feh-error-column"),
    (re.compile(r" \(or pass drop_rejected=False\)"),
     " (Gaia epoch photometry has them; a plain light-curve CSV has no band column: one row per "
     "observation with source_id, time, mag, optionally mag_err, and period, epoch or --rrlyrae)"),
    (re.compile(r"pass --labels FILE \(labels=FILE in Python\)"), "pass --labels FILE"),
)


def reason(err: BaseException) -> str:
    """One line for the shell: the error's first line, its remedies in command-line terms."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        return f"{err.filename}: {err.strerror[0].lower()}{err.strerror[1:]}"
    text = str(err).strip().splitlines()
    text = text[0] if text else ""
    for pattern, remedy in CLI_REMEDIES:
        text = pattern.sub(remedy, text)
    if isinstance(err, (ValueError, FileNotFoundError)):
        return text or type(err).__name__
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
