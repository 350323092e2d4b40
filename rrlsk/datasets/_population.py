"""Astrophysics of the simulated RRab population: metallicity distribution,
period, amplitude, light-curve shape and Gaia photometric noise (the law
itself lives in :mod:`rrlsk.photometry`).

Every choice is a field of :class:`RRabPopulation` so that users can change
it; the docstring of each field says where the default comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import truncnorm

from ..base.ragged import CHUNK_STARS
from ..fourier import _refined_peak, evaluate_fourier
from ..photometry import GaiaGNoise
from ..photometry import transit_sigma as transit_sigma  # the old home of the noise law (pickles, old code)
from ..relations import PHI31_MIN, RELATIONS, unwrap_phi31

__all__ = ["RRabPopulation", "feh_from_phi31", "unwrap_phi31", "PHI31_MIN"]

TWO_PI = 2.0 * np.pi
_GRID = 1024


@dataclass(frozen=True)
class RRabPopulation:
    """Parameters of the simulated Gaia DR3 RRab population.

    Magnitudes are Gaia G (mag), periods in days, phases in rad (sine
    convention, see :mod:`rrlsk.fourier`), metallicities in dex. Every
    parameter is also an attribute of the same name.

    Parameters
    ----------
    mdf_weights, mdf_means, mdf_sigmas : tuple of float
        Gaussian mixture of the metallicity distribution (dex): a halo
        component peaking at -1.55 (the Galactic-halo RR Lyrae MDF peaks at
        [Fe/H] ~ -1.5 to -1.6; Layden 1994, AJ 108, 1016; Muraveva et al.
        2024, arXiv:2407.05815), a metal-poor tail (-2.3) and a small
        metal-rich (thick-disc-like) component (-0.75).
    feh_range : tuple of float
        Truncation of the MDF, dex.
    logp_at_feh_m15, logp_feh_slope, logp_scatter : float
        ``log10 P = logp_at_feh_m15 + logp_feh_slope * ([Fe/H] + 1.5) + N(0, logp_scatter)``:
        metal-poor RRab pulsate longer (Oosterhoff dichotomy; mean RRab
        period ~0.58 d for the halo). Truncated to ``period_range``.
    period_range : tuple of float
        RRab periods, d.
    bailey_scatter : float
        Scatter of the V amplitude about the period-amplitude-metallicity
        (Bailey-diagram) relation of Alcock et al. (2000, AJ 119, 2194),
        ``[Fe/H] = -8.85 (log P + 0.15 A_V) - 2.60``, solved for ``A_V``, mag.
    amp_g_over_v : float
        G-to-V amplitude ratio (G is broader and redder than V); tuned so
        that the median G amplitude matches the real Gaia DR2 curves
        (docs/realism.md).
    amplitude_range : tuple of float
        Peak-to-peak G amplitudes, mag (truncation).
    relation : tuple of float
        ``(c0, c1, c2)`` of the G-band ``[Fe/H] = c0 + c1 P + c2 phi31``
        (sine-convention phi31, rad; P in d). Default: arXiv:2605.13811
        (calibrated on 72 RRab with high-resolution spectroscopy, G band,
        Gaia DR3), ``-6.93 - 6.04 P + 1.65 phi31``, RMS 0.26 dex.
    relation_scatter : float
        Intrinsic scatter of the relation, dex: the true phi31 is the
        relation's value for the true [Fe/H] plus ``N(0, relation_scatter / c2)``.
    r21_at_amp, r21_amp_slope, r21_scatter : float
        ``R21 = r21_at_amp + r21_amp_slope * (amplitude - 0.75) + N(0, r21_scatter)``:
        larger-amplitude RRab have more saw-tooth curves.
    r31_at_r21, r31_r21_slope, r31_scatter : float
        ``R31 = r31_at_r21 + r31_r21_slope * (R21 - r21_at_amp) + N(0, r31_scatter)``.
    r21_range, r31_range : tuple of float
        R21 and R31 are clipped to these ranges (defaults: [0.15, 0.8] and
        [0.05, 0.7], the range of real RRab curves).
    phi21_at_phi31, phi21_phi31_slope, phi21_scatter : float
        ``phi21 = phi21_at_phi31 + phi21_phi31_slope * (phi31 - 5.3) + N(0, phi21_scatter)``, rad.
    order, decay_range, high_phase_scatter : int, tuple of float, float
        Harmonics of the noiseless curves. Harmonics ``k >= 4`` continue the
        shape: ``R_k1 = R31 q^(k-3)`` with ``q = R31 / R21`` (clipped to
        ``decay_range``) and ``phi_k1 = phi31 + (k - 3) (phi31 - phi21)``
        plus ``N(0, high_phase_scatter)`` (rad), which gives the sharp rise
        and slow decline of RRab curves.
    mean_g_mean, mean_g_sigma, mean_g_range : float, float, tuple
        Truncated normal of the intensity-averaged mean G magnitude; the
        defaults follow the real Gaia DR2 RRab curves (median G 17.1).
    noise_floor, noise_at_g17, noise_background_g17, noise_star_spread : float
        Per-transit G error: the law of :mod:`rrlsk.photometry` (floor,
        photon- and background-limited terms at G = 17, mag; defaults those
        of :class:`rrlsk.photometry.GaiaGNoise`, tuned to the residual scatter
        of the DR2 curves, docs/realism.md), times a per-star factor ``f``
        log-normal of ``noise_star_spread`` dex.
    blazhko_fraction, blazhko_period_range, blazhko_amplitude_max, blazhko_phase_max : float, tuple, float, float
        About half of RRab show the Blazhko effect, a quasi-periodic
        modulation of amplitude and phase over tens to hundreds of days
        (Jurcsik et al. 2009, MNRAS 400, 1006; Benko et al. 2014, ApJS 213,
        31). A modulated star's curve is ``A0 + (1 + a sin(2 pi t / P_B + psi))
        * shape(phase + b sin(2 pi t / P_B + psi'))`` with ``P_B`` log-uniform
        in ``blazhko_period_range`` (d), ``a`` uniform up to
        ``blazhko_amplitude_max`` (relative) and ``b`` up to
        ``blazhko_phase_max`` (cycles).
    outlier_fraction, outlier_scale, outlier_flagged : float
        Fraction of transits that are outliers, the scale (mag) of their
        exponential offsets (plus 0.1 mag), and the fraction of outliers
        flagged ``rejected_by_variability``.
    time_range : tuple of float
        Gaia DR3 G photometry, 25 July 2014 to 28 May 2017 (34 months), in
        BJD(TCB) - 2455197.5, d.
    epochs_median, epochs_sigma, epochs_range : float, float, tuple
        Log-normal number of G transits per star (median, sigma of ln),
        truncated to ``epochs_range`` (Gaia DR3 RR Lyrae: 20 to ~250).
    scans_per_visit : float
        Mean number of consecutive scans (6-h spin period apart) in a visit.
        Each scan gives two transits 106.5 min apart (the two fields of view).
    period_error : float
        Error of the published period, d (``pf_error``).
    spectroscopic_error_range : tuple of float
        ``labels="spectroscopic"``: per-star label error, uniform, dex.
    label_order : int
        Harmonics of the fit to the noisy curve from which the photometric
        labels take phi31 (falls back to 3 where it is ill-posed).
    """

    mdf_weights: tuple = (0.80, 0.08, 0.12)
    mdf_means: tuple = (-1.55, -2.3, -0.75)
    mdf_sigmas: tuple = (0.30, 0.30, 0.35)
    feh_range: tuple = (-3.0, 0.3)
    logp_at_feh_m15: float = float(np.log10(0.575))
    logp_feh_slope: float = -0.08
    logp_scatter: float = 0.035
    period_range: tuple = (0.40, 0.90)
    bailey_scatter: float = 0.10
    amp_g_over_v: float = 0.96
    amplitude_range: tuple = (0.3, 1.4)
    relation: tuple = RELATIONS["rrab_g"].coefficients
    relation_scatter: float = RELATIONS["rrab_g"].scatter
    r21_at_amp: float = 0.48
    r21_amp_slope: float = 0.15
    r21_scatter: float = 0.04
    r31_at_r21: float = 0.31
    r31_r21_slope: float = 1.0
    r31_scatter: float = 0.03
    r21_range: tuple = (0.15, 0.8)
    r31_range: tuple = (0.05, 0.7)
    phi21_at_phi31: float = 2.55
    phi21_phi31_slope: float = 0.45
    phi21_scatter: float = 0.12
    order: int = 8
    decay_range: tuple = (0.45, 0.85)
    high_phase_scatter: float = 0.15
    mean_g_mean: float = 17.1
    mean_g_sigma: float = 1.3
    mean_g_range: tuple = (12.0, 20.5)
    noise_floor: float = GaiaGNoise.noise_floor
    noise_at_g17: float = GaiaGNoise.noise_at_g17
    noise_background_g17: float = GaiaGNoise.noise_background_g17
    noise_star_spread: float = 0.1
    blazhko_fraction: float = 0.45
    blazhko_period_range: tuple = (20.0, 200.0)
    blazhko_amplitude_max: float = 0.2
    blazhko_phase_max: float = 0.03
    outlier_fraction: float = 0.01
    outlier_scale: float = 0.3
    outlier_flagged: float = 0.9
    time_range: tuple = (1666.0, 2704.0)
    epochs_median: float = 45.0
    epochs_sigma: float = 0.5
    epochs_range: tuple = (20, 250)
    scans_per_visit: float = 2.0
    period_error: float = 2e-6
    spectroscopic_error_range: tuple = (0.10, 0.15)
    label_order: int = 4

    def validate(self) -> None:
        """Raise ValueError naming the first inconsistent field."""
        checks = [
            ("mdf_weights", len(self.mdf_weights) == len(self.mdf_means) == len(self.mdf_sigmas)
             and np.all(np.asarray(self.mdf_weights) >= 0) and np.sum(self.mdf_weights) > 0),
            ("feh_range", self.feh_range[0] < self.feh_range[1]),
            ("period_range", 0 < self.period_range[0] < self.period_range[1]),
            ("amplitude_range", 0 < self.amplitude_range[0] < self.amplitude_range[1]),
            ("mean_g_range", self.mean_g_range[0] < self.mean_g_range[1]),
            ("time_range", self.time_range[0] < self.time_range[1]),
            ("epochs_range", 3 <= self.epochs_range[0] <= self.epochs_range[1]),
            ("order", isinstance(self.order, (int, np.integer)) and self.order >= 3),
            ("label_order", isinstance(self.label_order, (int, np.integer)) and self.label_order >= 3
             and 2 * self.label_order + 1 <= self.epochs_range[0]),
            ("relation", len(self.relation) == 3 and self.relation[2] != 0),
            ("outlier_fraction", 0 <= self.outlier_fraction < 1),
            ("blazhko_fraction", 0 <= self.blazhko_fraction <= 1),
            ("blazhko_period_range", 0 < self.blazhko_period_range[0] <= self.blazhko_period_range[1]),
            ("outlier_flagged", 0 <= self.outlier_flagged <= 1),
            ("scans_per_visit", self.scans_per_visit >= 1),
            ("spectroscopic_error_range", 0 <= self.spectroscopic_error_range[0] <= self.spectroscopic_error_range[1]),
            ("decay_range", 0 < self.decay_range[0] <= self.decay_range[1] < 1),
            ("r21_range", 0 < self.r21_range[0] <= self.r21_range[1]),
            ("r31_range", 0 < self.r31_range[0] <= self.r31_range[1]),
        ]
        for name, good in checks:
            if not good:
                raise ValueError(f"{type(self).__name__}: invalid {name}={getattr(self, name)!r}")


def _truncnorm(rng, mean, sigma, low, high, size=None):
    mean = np.asarray(mean, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    shape = np.broadcast(mean, sigma).shape if size is None else (size,)
    draws = truncnorm.rvs((low - mean) / sigma, (high - mean) / sigma, loc=mean, scale=sigma,
                          size=shape, random_state=rng)
    return np.asarray(draws, dtype=np.float64).reshape(shape)


def feh_from_phi31(period, phi31, relation=RRabPopulation.relation):
    """[Fe/H] (dex) from a P-phi31-[Fe/H] relation ``c0 + c1 P + c2 phi31``.

    Parameters
    ----------
    period : array-like
        Period, d.
    phi31 : array-like
        Sine-convention phi31, rad (any branch: unwrapped with
        :func:`unwrap_phi31`). For Gaia's cosine-convention ``phi31_g`` add pi.
    relation : tuple of float
        ``(c0, c1, c2)``; default :attr:`RRabPopulation.relation`.

    Returns
    -------
    ndarray of float64
        [Fe/H], dex, one per period.
    """
    c0, c1, c2 = relation
    return c0 + c1 * np.asarray(period, dtype=np.float64) + c2 * unwrap_phi31(phi31)


def draw_feh(pop: RRabPopulation, n: int, rng) -> np.ndarray:
    """True [Fe/H] from the truncated Gaussian-mixture MDF, dex."""
    weights = np.asarray(pop.mdf_weights, dtype=np.float64)
    component = rng.choice(len(weights), size=n, p=weights / weights.sum())
    return _truncnorm(rng, np.asarray(pop.mdf_means)[component], np.asarray(pop.mdf_sigmas)[component],
                      *pop.feh_range)


def draw_period(pop: RRabPopulation, feh: np.ndarray, rng) -> np.ndarray:
    """True period from [Fe/H] with scatter, d."""
    mean = pop.logp_at_feh_m15 + pop.logp_feh_slope * (feh + 1.5)
    low, high = np.log10(pop.period_range)
    return 10.0 ** _truncnorm(rng, mean, np.full_like(mean, pop.logp_scatter), low, high)


def draw_amplitude(pop: RRabPopulation, feh: np.ndarray, period: np.ndarray, rng) -> np.ndarray:
    """Peak-to-peak G amplitude from the Bailey relation of Alcock et al. (2000), mag."""
    amp_v = (-(feh + 2.60) / 8.85 - np.log10(period)) / 0.15
    scale = np.full_like(amp_v, pop.bailey_scatter * pop.amp_g_over_v)
    return _truncnorm(rng, pop.amp_g_over_v * amp_v, scale, *pop.amplitude_range)


def draw_mean_g(pop: RRabPopulation, n: int, rng) -> np.ndarray:
    """Intensity-averaged mean G magnitude, mag."""
    return _truncnorm(rng, pop.mean_g_mean, pop.mean_g_sigma, *pop.mean_g_range, size=n)


def draw_shape(pop: RRabPopulation, feh, period, amplitude, rng):
    """Noiseless light curves as sine-convention Fourier coefficients.

    Returns
    -------
    coefs : ndarray of shape (n, 2 * pop.order + 1)
        ``[a0, a1, b1, ...]`` (see :mod:`rrlsk.fourier`) with ``a0 = 0``,
        maximum light (minimum magnitude) at phase 0 and peak-to-peak
        ``amplitude``.
    shape : dict of ndarray
        ``R21``, ``R31``, ``phi21``, ``phi31`` (rad, phi31 unwrapped as in
        :func:`unwrap_phi31`), ``A1`` (mag) and ``mean_offset`` (mag: the
        intensity-averaged magnitude of the curve minus ``a0``).
    """
    n = len(feh)
    c0, c1, c2 = pop.relation
    phi31 = (feh - c0 - c1 * period) / c2 + rng.normal(0.0, pop.relation_scatter / c2, n)
    r21 = np.clip(pop.r21_at_amp + pop.r21_amp_slope * (amplitude - 0.75) + rng.normal(0, pop.r21_scatter, n),
                  *pop.r21_range)
    r31 = np.clip(pop.r31_at_r21 + pop.r31_r21_slope * (r21 - pop.r21_at_amp) + rng.normal(0, pop.r31_scatter, n),
                  *pop.r31_range)
    phi21 = pop.phi21_at_phi31 + pop.phi21_phi31_slope * (phi31 - 5.3) + rng.normal(0, pop.phi21_scatter, n)

    k = np.arange(1, pop.order + 1)
    decay = np.clip(r31 / r21, *pop.decay_range)
    ratios = np.empty((n, pop.order))
    ratios[:, 0], ratios[:, 1] = 1.0, r21
    ratios[:, 2:] = r31[:, None] * decay[:, None] ** (k[2:] - 3)
    phases = np.empty((n, pop.order))
    phases[:, 0], phases[:, 1], phases[:, 2] = 0.0, phi21, phi31
    phases[:, 3:] = (phi31[:, None] + (k[3:] - 3) * (phi31 - phi21)[:, None]
                     + rng.normal(0, pop.high_phase_scatter, (n, pop.order - 3)))
    coefs = _coefs(ratios, phases)

    # unit-A1 curves on a grid (in chunks of stars): maximum light,
    # peak-to-peak, intensity mean
    grid = np.arange(_GRID) / _GRID
    t_max, a1, mean_offset = np.empty(n), np.empty(n), np.empty(n)
    for lo in range(0, n, CHUNK_STARS):
        part = slice(lo, lo + CHUNK_STARS)
        curves = evaluate_fourier(coefs[part], grid)
        low_index, low_peak = _refined_peak(-curves)  # the minimum of the magnitudes: maximum light
        t_max[part] = low_index / _GRID
        a1[part] = amplitude[part] / (_refined_peak(curves)[1] + low_peak)
        flux = 10.0 ** (-0.4 * a1[part, None] * curves)
        mean_offset[part] = -2.5 * np.log10(flux.mean(axis=1))
    # shift maximum light to phase 0: m'(phase) = m(phase + t_max)
    phases = phases + TWO_PI * k * t_max[:, None]
    coefs = _coefs(ratios * a1[:, None], phases)
    shape = {"A1": a1, "R21": r21, "R31": r31, "phi21": np.mod(phi21, TWO_PI), "phi31": unwrap_phi31(phi31),
             "mean_offset": mean_offset}
    return coefs, shape


def _coefs(amps: np.ndarray, phases: np.ndarray) -> np.ndarray:
    coefs = np.zeros((amps.shape[0], 2 * amps.shape[1] + 1))
    coefs[:, 1::2] = amps * np.cos(phases)
    coefs[:, 2::2] = amps * np.sin(phases)
    return coefs


def draw_blazhko(pop: RRabPopulation, n: int, rng) -> dict:
    """Per-star Blazhko modulation: period (d), relative amplitude and phase
    (cycles) depths, and the two modulation phases (rad); zero depths for
    unmodulated stars."""
    modulated = rng.random(n) < pop.blazhko_fraction
    low, high = np.log(pop.blazhko_period_range)
    return {
        "period": np.exp(rng.uniform(low, high, n)),
        "amplitude": np.where(modulated, rng.uniform(0.0, pop.blazhko_amplitude_max, n), 0.0),
        "phase": np.where(modulated, rng.uniform(0.0, pop.blazhko_phase_max, n), 0.0),
        "psi_amplitude": rng.uniform(0.0, TWO_PI, n),
        "psi_phase": rng.uniform(0.0, TWO_PI, n),
    }
