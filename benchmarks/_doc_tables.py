"""Benchmarks write their tables into the documentation, never copied by hand.

A page marks each generated table with ``<!-- NAME.py: TABLE -->`` and
``<!-- /NAME.py -->`` lines; :func:`rewrite` replaces what lies between
them, and :func:`provenance` is the sentence every such table starts with:
the exact command, the date and the machine load.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


class Run:
    """When and under what load a benchmark ran; :meth:`provenance` says it.

    Create it at the start of the run, call :meth:`finish` at the end.
    """

    def __init__(self, script: str, argv: Sequence[str] | None = None) -> None:
        self.script = script
        self.argv = list(sys.argv[1:] if argv is None else argv)
        self.date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        self.load_start = os.getloadavg()[0]
        self.load_end: float | None = None

    def finish(self) -> None:
        self.load_end = os.getloadavg()[0]

    @property
    def command(self) -> str:
        niceness = os.nice(0)
        words = (["nice", "-n", str(niceness)] if niceness else []) + ["python", f"benchmarks/{self.script}"]
        return " ".join(words + [shlex.quote(a) for a in self.argv])

    def provenance(self) -> str:
        """``Made by `COMMAND` on DATE (N cores, load average A at the start and B at the end).``"""
        end = self.load_end if self.load_end is not None else os.getloadavg()[0]
        return (
            f"Made by `{self.command}` on {self.date} ({os.cpu_count()} cores, load average "
            f"{self.load_start:.1f} at the start and {end:.1f} at the end)."
        )


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A Markdown table; ``align`` has one ``l``/``r`` per column (default: all left)."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(str(cell) for cell in line) + " |" for line in lines)


def rewrite(page: str | os.PathLike, script: str, tables: Mapping[str, str], *, partial: bool = False) -> None:
    """Replace each ``<!-- SCRIPT: NAME -->`` ... ``<!-- /SCRIPT -->`` block of ``page``.

    Parameters
    ----------
    page : path
        The Markdown page, rewritten in place.
    script : str
        The benchmark's file name, e.g. ``"convergence.py"``.
    tables : mapping
        Block name -> the Markdown that goes between its markers.
    partial : bool
        When a script writes blocks on several pages: replace only the blocks
        whose markers ``page`` has (at least one).

    Raises
    ------
    ValueError
        When a table's markers are missing (with ``partial``: when all are)
        or appear more than once.
    """
    page = Path(page)
    text = page.read_text(encoding="utf-8")
    if partial:
        tables = {name: table for name, table in tables.items() if f"<!-- {script}: {name} -->" in text}
        if not tables:
            raise ValueError(f"{page}: no '<!-- {script}: NAME -->' block")
    for name, table in tables.items():
        start, end = re.escape(f"<!-- {script}: {name} -->"), re.escape(f"<!-- /{script} -->")
        pattern = re.compile(rf"({start}\n)(?:.*?\n)??({end})", re.S)
        text, n = pattern.subn(lambda m: m[1] + table + "\n" + m[2], text)
        if n != 1:
            raise ValueError(f"{page}: expected one '<!-- {script}: {name} -->' block, found {n}")
    page.write_text(text, encoding="utf-8")
