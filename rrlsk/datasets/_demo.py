"""A fixed small simulated sample for examples and the README."""

from __future__ import annotations

import pandas as pd

from ._population import RRabPopulation
from ._simulate import make_gaia_rrab

__all__ = ["load_demo"]

#: Stars, seed and population of the demo sample.
DEMO_N_STARS = 1000
DEMO_RANDOM_STATE = 2024
DEMO_POPULATION = RRabPopulation(epochs_range=(50, 250))


def load_demo(*, return_info: bool = False):
    """A fixed sample of 1,000 simulated Gaia DR3 RRab stars (no files).

    Built by :func:`make_gaia_rrab` with photometric labels, as in the paper
    (the label is the G-band P-phi31-[Fe/H] relation applied to each star's
    measured curve, so a model that reads the curve well can reach the
    label's own precision), and with at least 50 G epochs per star, the
    paper's cut.

    Parameters
    ----------
    return_info : bool, default False
        Also return ``sample_info`` (truth, label errors, fit diagnostics).

    Returns
    -------
    X : pandas.DataFrame
        Light-curve table (see :func:`make_gaia_rrab`).
    y : pandas.Series
        [Fe/H] labels, dex.
    sample_info : pandas.DataFrame
        Only if ``return_info``: the per-star truth and label errors (see
        :func:`make_gaia_rrab`).
    """
    X, y, info = make_gaia_rrab(
        DEMO_N_STARS, labels="photometric", random_state=DEMO_RANDOM_STATE, population=DEMO_POPULATION
    )
    return (X, y, info) if return_info else (X, y)
