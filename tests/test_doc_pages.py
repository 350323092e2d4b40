"""Every fenced ``python`` and ``bash`` block of the documentation runs as written.

The convention (CONTRIBUTING.md, "Contributing to the docs"):

- a `` ```python `` or `` ```bash `` block runs here, in page order; the
  Python blocks of one page share one namespace, as if pasted one after the
  other into one session, and each page runs in its own empty folder;
- a command the tests must not run (hours of benchmark, a cluster address)
  goes in a `` ```console `` block, output and listings in `` ```text ``;
  the sentence before says what running it costs;
- any other fence language fails :func:`test_every_fence_follows_the_convention`,
  so no block escapes the tests unnoticed.

The pages are parsed by Sybil (its MyST lexers, so ``{code-block} python``
directives run too); each page is one test, so ``pytest -n 2`` never splits a
page's shared namespace across processes.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

sybil = pytest.importorskip("sybil")
from sybil.parsers.myst import CodeBlockParser, PythonCodeBlockParser  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")]
)
RUN = {"python", "bash"}
SHOWN = {"console", "text"}
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$", re.M)
BASH_TIMEOUT_S = 300


def _env() -> dict[str, str]:
    """This tree's rrlsk first on the path, for both Python and the ``rrlsk`` script."""
    path = os.environ.get("PYTHONPATH", "")
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), path) if p),
        TF_CPP_MIN_LOG_LEVEL="3",
        MPLBACKEND="Agg",
    )


def _run_bash(example) -> None:
    """Evaluate a ``bash`` block in the page's folder; fail with its output."""
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", example.parsed],
        capture_output=True, text=True, env=_env(), timeout=BASH_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"exit status {done.returncode}\n--- stdout\n{done.stdout[-3000:]}"
            f"\n--- stderr\n{done.stderr[-3000:]}"
        )


PARSERS = (PythonCodeBlockParser(), CodeBlockParser(language="bash", evaluator=_run_bash))


def _fences(text: str) -> list[tuple[int, str]]:
    """(line, info string) of every opening fence of a Markdown page."""
    opened: list[tuple[int, str]] = []
    closing = None
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        fence, info = match["fence"], match["info"].strip()
        if closing is None:
            opened.append((line, info))
            closing = fence
        elif fence.startswith(closing) and not info:
            closing = None
    return opened


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_fence_follows_the_convention(page):
    wrong = [
        f"line {line}: ```{info}"
        for line, info in _fences(page.read_text(encoding="utf-8"))
        if info.split(" ")[0] not in RUN | SHOWN and not info.startswith("{")
    ]
    assert not wrong, (
        f"{_name(page)}: fences must be ```python or ```bash (run by the tests), "
        f"```console (a command the tests do not run) or ```text (output), "
        f"see CONTRIBUTING.md: {wrong}"
    )


@pytest.fixture
def page_folder(tmp_path, monkeypatch):
    """An empty working folder for one page; scikit-learn's settings restored after."""
    import sklearn

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    with sklearn.config_context():
        yield tmp_path


def run_page(page: Path, name: str) -> None:
    """Run a page's blocks in order; the first that raises fails, named by page and line."""
    document = sybil.Document.parse(str(page), *PARSERS)
    document.namespace["__name__"] = "__main__"
    for example in document:
        try:
            example.evaluate()
        except Exception as err:
            raise AssertionError(
                f"{name}, block at line {example.line}: raised {type(err).__name__}: {err}"
            ) from err


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_page_runs_as_written(page, page_folder):
    run_page(page, _name(page))


def test_a_failing_block_fails_naming_page_and_line(page_folder):
    page = page_folder / "page.md"
    page.write_text(
        "```console\n$ exit 3\n```\n\n```python\nx = 1\n```\n\n"
        "```bash\ntest -f made.txt || touch made.txt\n```\n\n"
        "```python\nassert x == 2, 'x is not 2'\n```\n"
    )
    with pytest.raises(AssertionError, match=r"page\.md, block at line 13: raised AssertionError: x is not 2"):
        run_page(page, "page.md")
    assert (page_folder / "made.txt").exists()  # the bash block ran, in the page's folder
    page.write_text("```bash\necho before; false; echo after\n```\n")
    with pytest.raises(AssertionError, match=r"(?s)line 1: raised AssertionError: exit status 1.*before"):
        run_page(page, "page.md")
