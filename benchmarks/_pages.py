"""Benchmarks write their measured tables into the documentation pages."""

from __future__ import annotations

import re
from pathlib import Path


def rewrite_blocks(page: Path, tag: str, blocks: dict[str, str]) -> None:
    """Replace each ``<!-- TAG: NAME -->`` ... ``<!-- /TAG -->`` block of ``page`` by ``blocks[NAME]``.

    Raises
    ------
    ValueError
        When the page does not hold exactly one block of a name.
    """
    text = page.read_text(encoding="utf-8")
    for name, block in blocks.items():
        pattern = re.compile(rf"(<!-- {re.escape(tag)}: {re.escape(name)} -->\n)(?:(?!<!--).*?\n)?(<!-- /{re.escape(tag)} -->)", re.S)
        text, n = pattern.subn(lambda m: m[1] + block.rstrip("\n") + "\n" + m[2], text)
        if n != 1:
            raise ValueError(f"{page}: expected one '<!-- {tag}: {name} -->' block, found {n}")
    page.write_text(text, encoding="utf-8")
