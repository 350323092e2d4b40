"""Shared pytest fixtures."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DR2_TARBALL = SHARED_DATA / "gaia_dr2_rrab_g_folded.tar.gz"


@pytest.fixture(scope="session")
def dr2_curves(tmp_path_factory):
    """The real Gaia DR2 G-band RRab curves of Dekany & Grebel (2022).

    Returns a dict ``{source_id: (phase, mag)}`` with one cycle per star
    (phase < 1). Skips when ``../shared/data`` is absent.
    """
    if not DR2_TARBALL.exists():
        pytest.skip("real Gaia DR2 curves not available (../shared/data)")
    from rrlsk.datasets import read_folded_curves

    return read_folded_curves(DR2_TARBALL)
