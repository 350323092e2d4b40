"""Every example runs, in its tiny mode, as a user would run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")

#: a line each example prints when it worked
EXPECTED = {
    "quickstart.py": "held-out stars: RMSE",
    "gaia_files_to_prediction.py": "stars predicted",
    "grid_search_paper.py": "best:",
    "compare_networks.py": "| wRMSE |",
    "batch_prediction.py": "already done",
}


def test_every_example_is_checked():
    assert {p.name for p in EXAMPLES} == set(EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_tiny(script, tmp_path):
    out = subprocess.run([sys.executable, str(script), "--tiny"], capture_output=True, text=True,
                         env=ENV, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert EXPECTED[script.name] in out.stdout, out.stdout[-3000:]
    assert list(tmp_path.iterdir()) == [], "examples must not litter the working directory"
