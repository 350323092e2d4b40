"""Simulated Gaia DR3 RRab samples with known truth, writers of Gaia-format
files, and a small demo sample.

- :func:`make_gaia_rrab`: ``(X, y, sample_info)`` of simulated RRab stars.
- :class:`RRabPopulation`: every astrophysical and instrumental parameter.
- :func:`to_gaia_files`: write a sample as the Gaia archive serves it.
- :func:`load_demo`: a fixed 1,000-star sample for examples.
- :func:`feh_from_phi31`: the P-phi31-[Fe/H] relation used for the labels.
"""

from ._demo import load_demo
from ._files import to_gaia_files
from ._population import PHI31_MIN, RRabPopulation, feh_from_phi31, unwrap_phi31
from ._simulate import make_gaia_rrab

__all__ = [
    "PHI31_MIN",
    "RRabPopulation",
    "feh_from_phi31",
    "load_demo",
    "make_gaia_rrab",
    "to_gaia_files",
    "unwrap_phi31",
]
