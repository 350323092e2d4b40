"""Simulated Gaia DR3 RR Lyrae samples with known truth, writers of
Gaia-format files, and a small demo sample.

- :func:`make_gaia_rrab`: ``(X, y, sample_info)`` of simulated RRab stars.
- :func:`make_gaia_rrc`: the same for first-overtone (RRc) stars.
- :func:`make_gaia_catalogue`: RRab and RRc stars mixed in one table.
- :class:`RRabPopulation`, :class:`RRcPopulation`: every astrophysical and
  instrumental parameter.
- :func:`to_gaia_files`: write a sample as the Gaia archive serves it.
- :func:`make_paper_sample`: the same, selected with the paper's cuts.
- :func:`load_demo`: a fixed 1,000-star sample for examples.
- :func:`feh_from_phi31`: the P-phi31-[Fe/H] relation used for the labels.
- :func:`load_dekany2022`: the 4,013 real labelled Gaia DR2 RRab stars of
  Dékány & Grebel (2022), with their folds and the published out-of-fold
  predictions; :func:`dekany2022_sample` their shipped table,
  :func:`fetch_dekany2022` the optional download of their light curves,
  :func:`load_dekany2022_demo` 300 of them shipped with rrlsk.
- :func:`light_curve_statistics`, :func:`subsample_epochs`: compare
  simulated and real curves like with like (docs/realism.md).
"""

from ._catalogue import make_gaia_catalogue
from ._dekany2022 import (
    DEKANY2022_CITATION,
    dekany2022_sample,
    fetch_dekany2022,
    load_dekany2022,
    load_dekany2022_demo,
    read_folded_curves,
)
from ._demo import load_demo
from ._files import to_gaia_files
from ._paper import make_paper_sample
from ._population import PHI31_MIN, RRabPopulation, feh_from_phi31, unwrap_phi31
from ._population_rrc import RRC_FRACTION_DR3, RRcPopulation
from ._realism import REALISM_STATISTICS, light_curve_statistics, subsample_epochs
from ._simulate import make_gaia_rrab, make_gaia_rrc

__all__ = [
    "DEKANY2022_CITATION",
    "PHI31_MIN",
    "REALISM_STATISTICS",
    "RRC_FRACTION_DR3",
    "RRabPopulation",
    "RRcPopulation",
    "dekany2022_sample",
    "feh_from_phi31",
    "fetch_dekany2022",
    "light_curve_statistics",
    "load_dekany2022",
    "load_dekany2022_demo",
    "load_demo",
    "make_gaia_catalogue",
    "make_gaia_rrab",
    "make_gaia_rrc",
    "make_paper_sample",
    "read_folded_curves",
    "subsample_epochs",
    "to_gaia_files",
    "unwrap_phi31",
]
