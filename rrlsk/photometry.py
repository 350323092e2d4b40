"""Gaia G photometric noise: the error of one transit as a function of magnitude.

One law serves the simulator (:class:`rrlsk.datasets.RRabPopulation`, whose
``noise_*`` fields default to :class:`GaiaGNoise`'s) and the degrader
(:class:`rrlsk.degrade.LightCurveDegrader`, which moves stars to fainter
magnitudes with the errors the law gives there). The per-transit G error,
mag, of a star of noise factor ``f`` at magnitude ``G`` is

``sigma(G) = f sqrt(noise_floor**2 + (noise_at_g17 10**(0.2 (G - 17)))**2
+ (noise_background_g17 10**(0.4 (G - 17)))**2)``:

a floor, a photon-limited term and a background-limited term. The defaults
give about 2 mmag at G = 13, 12 mmag at 17 and 60 mmag at 20, tuned to the
residual scatter of the Gaia DR2 RR Lyrae curves (docs/realism.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["GaiaGNoise", "NoiseLaw", "transit_sigma"]


@runtime_checkable
class NoiseLaw(Protocol):
    """Whatever holds the three coefficients of the G noise law, mag.

    :class:`GaiaGNoise` and :class:`rrlsk.datasets.RRabPopulation` do
    (``isinstance(obj, NoiseLaw)`` is true for both).

    Attributes
    ----------
    noise_floor : float
        Error floor, mag.
    noise_at_g17 : float
        Photon-limited error at G = 17, mag.
    noise_background_g17 : float
        Background-limited error at G = 17, mag.
    """

    noise_floor: float
    noise_at_g17: float
    noise_background_g17: float


@dataclass(frozen=True)
class GaiaGNoise:
    """The coefficients of the Gaia G per-transit noise law (see :mod:`rrlsk.photometry`).

    Parameters
    ----------
    noise_floor : float, default 0.001
        Error floor, mag.
    noise_at_g17 : float, default 0.012
        Photon-limited error at G = 17, mag; scales as ``10**(0.2 (G - 17))``.
    noise_background_g17 : float, default 0.0025
        Background-limited error at G = 17, mag; scales as ``10**(0.4 (G - 17))``.

    Examples
    --------
    >>> from rrlsk.photometry import GaiaGNoise, transit_sigma
    >>> transit_sigma(GaiaGNoise(), [13.0, 17.0, 20.0]).round(3)
    array([0.002, 0.012, 0.062])
    """

    noise_floor: float = 0.001
    noise_at_g17: float = 0.012
    noise_background_g17: float = 0.0025


def transit_sigma(law: NoiseLaw, mag: np.ndarray, star_factor: float | np.ndarray = 1.0) -> np.ndarray:
    """Per-transit G error at the given magnitudes.

    Parameters
    ----------
    law : GaiaGNoise or RRabPopulation
        The coefficients (any :class:`NoiseLaw`).
    mag : array-like of float
        G magnitudes, mag.
    star_factor : float or array-like of float, default 1.0
        Per-star noise factor ``f`` (dimensionless), broadcast against ``mag``.

    Returns
    -------
    numpy.ndarray
        The errors ``sigma(G)``, mag, shaped like ``mag`` (broadcast with
        ``star_factor``).
    """
    mag = np.asarray(mag)
    photon = law.noise_at_g17 * 10.0 ** (0.2 * (mag - 17.0))
    background = law.noise_background_g17 * 10.0 ** (0.4 * (mag - 17.0))
    return star_factor * np.sqrt(law.noise_floor**2 + photon**2 + background**2)
