"""Period-phi31-[Fe/H] relations in the Gaia G band, by name.

A relation ``[Fe/H] = c0 + c1 P + c2 phi31`` (P in d, sine-convention
phi31 in rad, unwrapped by :func:`unwrap_phi31`) is a published
calibration, not part of a model or of the simulator: the classical
baseline (:class:`rrlsk.baselines.PeriodPhi31Relation`) and the simulator
(:mod:`rrlsk.datasets`) both take theirs from :data:`RELATIONS`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["PHI31_MIN", "RELATIONS", "Relation", "get_relation", "unwrap_phi31"]

#: Sine-convention phi31 values are unwrapped into ``[PHI31_MIN, PHI31_MIN + 2 pi)``
#: rad before entering a relation (RRab G-band phi31 lie in about 3.8-7.7 rad,
#: which straddles 2 pi).
PHI31_MIN: float = 2.0


def unwrap_phi31(phi31) -> np.ndarray:
    """Map sine-convention phi31 onto the branch the relations are written for.

    Parameters
    ----------
    phi31 : array-like
        Sine-convention phi31, rad, on any branch.

    Returns
    -------
    ndarray of float64
        The same angles in ``[PHI31_MIN, PHI31_MIN + 2 pi)``, rad.

    Examples
    --------
    >>> float(unwrap_phi31(-1.0))
    5.283185307179586
    """
    return PHI31_MIN + np.mod(np.asarray(phi31, dtype=np.float64) - PHI31_MIN, 2.0 * np.pi)


class Relation(NamedTuple):
    """One period-phi31-[Fe/H] relation.

    Parameters
    ----------
    coefficients : tuple of float
        ``(c0, c1, c2)`` of ``[Fe/H] = c0 + c1 P + c2 phi31`` (dex, dex/d,
        dex/rad).
    scatter : float
        Scatter of [Fe/H] about the relation, dex.
    star_type : str
        ``"RRab"`` or ``"RRc"``.
    source : str
        Where the coefficients come from.
    """

    coefficients: tuple[float, float, float]
    scatter: float
    star_type: str
    source: str

    def feh(self, period, phi31) -> np.ndarray:
        """Apply the relation.

        Parameters
        ----------
        period : array-like
            Period, d.
        phi31 : array-like
            Sine-convention phi31, rad (any branch). For Gaia's
            cosine-convention ``phi31_g`` add pi.

        Returns
        -------
        ndarray of float64
            [Fe/H], dex.

        Examples
        --------
        >>> round(float(RELATIONS["rrab_g"].feh(0.5, 5.0)), 3)
        -1.7
        """
        c0, c1, c2 = self.coefficients
        return c0 + c1 * np.asarray(period, dtype=np.float64) + c2 * unwrap_phi31(phi31)


#: The relations by name.
RELATIONS: dict[str, Relation] = {
    "rrab_g": Relation(
        (-6.93, -6.04, 1.65),
        0.25,
        "RRab",
        "arXiv:2605.13811: G band, Gaia DR3, calibrated on 72 RRab with "
        "high-resolution spectroscopic [Fe/H], RMS 0.26 dex",
    ),
    "rrc_g": Relation(
        (-2.94, -8.0, 1.0),
        0.21,
        "RRc",
        "assumed: the signs of the published G-band RRc relations (Muraveva et al., "
        "arXiv:2407.05815; Li et al., arXiv:2206.07668), whose coefficients could not "
        "be retrieved here; scatter: the RMS of Muraveva et al.'s RRc relation",
    ),
}


def get_relation(name: str) -> Relation:
    """Look a relation up by name.

    Parameters
    ----------
    name : str
        A key of :data:`RELATIONS`.

    Returns
    -------
    Relation
        The relation.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if name not in RELATIONS:
        raise ValueError(f"unknown relation {name!r}; choose one of {sorted(RELATIONS)}")
    return RELATIONS[name]
