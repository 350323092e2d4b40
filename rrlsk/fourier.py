"""Vectorised least-squares Fourier decomposition of many light curves.

Conventions
-----------
Phase ``phi`` is in cycles (``[0, 1)``), phase 0 at the epoch of maximum
light. A fit of order ``K`` stores, per star, the linear coefficients

``coefs = [a0, a1, b1, a2, b2, ..., aK, bK]`` (shape ``(n_stars, 2K + 1)``)

of ``m(phi) = a0 + sum_k a_k sin(2 pi k phi) + b_k cos(2 pi k phi)``
(magnitudes). :func:`fourier_parameters` turns them into amplitudes and
phases in one of two conventions:

* ``"sine"``: ``m = A0 + sum_k A_k sin(2 pi k phi + phi_k)``, so
  ``a_k = A_k cos(phi_k)``, ``b_k = A_k sin(phi_k)``. This is the
  convention of most metallicity relations (Jurcsik & Kovacs 1996;
  Nemec et al. 2013; the G-band relation of arXiv:2605.13811).
* ``"cosine"``: ``m = A0 + sum_k A_k cos(2 pi k phi + phi_k)``, the
  convention of the Gaia DR3 ``vari_rrlyrae`` table (``phi21_g``,
  ``phi31_g``).

Phase differences are ``phi_k1 = phi_k - k phi_1 (mod 2 pi)`` in
``[0, 2 pi)``; amplitude ratios ``R_k1 = A_k / A_1``. Between the two
conventions ``phi_k(cos) = phi_k(sin) - pi/2``, hence
``phi21(sin) = phi21(cos) - pi/2`` and ``phi31(sin) = phi31(cos) + pi``
(mod 2 pi); amplitudes and ``R_k1`` are the same.

The fit accumulates each star's normal equations from the sums
``sum_i w_i cos(2 pi m phi_i)`` and ``sum_i w_i sin(2 pi m phi_i)``,
``m = 0..2K`` (product-to-sum identities), with ``np.add.reduceat`` over
the flat ragged arrays, flags ill-posed systems by the pivots of a batched
Cholesky factorisation and solves all systems in one batched
``np.linalg.solve``.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from .base.ragged import CHUNK_STARS

__all__ = [
    "FourierFitInfo",
    "fit_fourier",
    "evaluate_fourier",
    "fourier_parameters",
    "n_coefficients",
]

# Points per chunk when building per-point harmonics (bounds memory).
_CHUNK_POINTS = 1 << 16
# Ridge added to the Jacobi-scaled normal matrix; a squared Cholesky pivot
# below 10 * _RCOND declares
# the star's system ill-posed (phases too clumped for the order).
_RCOND = 1e-10


class FourierFitInfo(NamedTuple):
    """Diagnostics of :func:`fit_fourier`, one entry per star.

    Parameters
    ----------
    n_epochs : ndarray of int64
        Number of observed points of the star (``n_points``, its former
        name, still reads it, with a ``FutureWarning``).
    ok : ndarray of bool
        True where the fit is defined (enough points, well-posed system);
        the coefficients of the other stars are NaN.
    rms : ndarray of float
        Weighted root-mean-square residual about the fit, magnitudes
        (``sqrt(sum w r^2 / sum w)``); NaN where not ``ok``.
    """

    n_epochs: np.ndarray
    ok: np.ndarray
    rms: np.ndarray

    @property
    def n_points(self) -> np.ndarray:
        """Former name of :attr:`n_epochs` (``n_points`` is the spline grid's length elsewhere)."""
        warnings.warn(
            "FourierFitInfo.n_points is renamed n_epochs (observed points per star); "
            "n_points will be removed in a future release",
            FutureWarning,
            stacklevel=2,
        )
        return self.n_epochs


def n_coefficients(order: int) -> int:
    """Count the linear coefficients of a Fourier series: ``2 * order + 1``.

    Parameters
    ----------
    order : int
        Number of harmonics.

    Returns
    -------
    int
        Length of one star's ``coefs`` row.
    """
    return 2 * int(order) + 1


def _check_order(order) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"order must be an integer >= 1, got {order!r}")
    return int(order)


def _design(phase: np.ndarray, order: int) -> np.ndarray:
    """Columns ``[1, sin x, cos x, ..., sin Kx, cos Kx]`` with ``x = 2 pi phase``."""
    k = np.arange(1, order + 1)
    x = 2.0 * np.pi * np.multiply.outer(phase, k)
    out = np.empty(phase.shape + (2 * order + 1,))
    out[..., 0] = 1.0
    out[..., 1::2] = np.sin(x)
    out[..., 2::2] = np.cos(x)
    return out


def _segment_sums(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per-star sums of ``values`` rows; zero for stars without points."""
    out = np.zeros((len(starts),) + values.shape[1:])
    has = lengths > 0
    if has.any():
        out[has] = np.add.reduceat(values, starts[has], axis=0)
    return out


def _normal_map(order: int) -> np.ndarray:
    """Linear map from the harmonic sums ``[C[0..2K], S[0..2K]]`` to the
    flattened normal matrix, shape ``(2 * (2K + 1), (2K + 1) ** 2)``.

    Basis ``j`` is ``cos(f_j x)`` or ``sin(f_j x)``; products reduce to
    harmonic sums at ``f_i - f_j`` and ``f_i + f_j``:
    ``cos cos = (C[d] + C[a]) / 2``, ``sin sin = (C[d] - C[a]) / 2``,
    ``sin_i cos_j = (S[a] + S[d]) / 2``, ``cos_i sin_j = (S[a] - S[d]) / 2``,
    with ``C[-m] = C[m]`` and ``S[-m] = -S[m]``.
    """
    p = 2 * order + 1
    freq = np.zeros(p, dtype=np.int64)
    freq[1::2] = freq[2::2] = np.arange(1, order + 1)
    is_sin = np.zeros(p, dtype=bool)
    is_sin[1::2] = True
    fi, fj = np.meshgrid(freq, freq, indexing="ij")
    si, sj = np.meshgrid(is_sin, is_sin, indexing="ij")
    diff, add = (fi - fj).ravel(), (fi + fj).ravel()
    use_sin = (si ^ sj).ravel()
    both_sin = (si & sj).ravel()
    sign_d = np.where(use_sin, np.where(si.ravel(), 1.0, -1.0) * np.sign(diff + 0.5), 1.0)
    sign_a = np.where(both_sin, -1.0, 1.0)
    block = np.where(use_sin, p, 0)
    cols = np.arange(p * p)
    out = np.zeros((2 * p, p * p))
    np.add.at(out, (block + np.abs(diff), cols), 0.5 * sign_d)
    np.add.at(out, (block + add, cols), 0.5 * sign_a)
    return out


def fit_fourier(
    phase: np.ndarray,
    mag: np.ndarray,
    offsets: np.ndarray,
    order: int,
    weights: np.ndarray | None = None,
    *,
    return_info: bool = False,
):
    """Fit a least-squares Fourier series of order ``order`` to every star at once.

    Parameters
    ----------
    phase : ndarray of shape (n_values,)
        Flat phases of all stars, cycles (any real value; only
        ``phase mod 1`` matters). Phase 0 should be maximum light.
    mag : ndarray of shape (n_values,)
        Flat magnitudes, mag.
    offsets : ndarray of int64, shape (n_stars + 1,)
        Star boundaries as returned by :func:`rrlsk.base.flatten`.
    order : int
        Number of harmonics ``K`` (>= 1).
    weights : ndarray of shape (n_values,), optional
        Non-negative point weights (e.g. ``1 / mag_err**2``, mag^-2).
        Default: equal weights.
    return_info : bool, default False
        Also return a :class:`FourierFitInfo`.

    Returns
    -------
    coefs : ndarray of shape (n_stars, 2 * order + 1)
        ``[a0, a1, b1, ..., aK, bK]`` of
        ``m = a0 + sum_k a_k sin(2 pi k phase) + b_k cos(2 pi k phase)``
        (mag). Rows are NaN for stars with fewer than ``2 * order + 1``
        points (with positive weight) or whose phases cannot constrain the
        series (see ``info.ok``).
    info : FourierFitInfo
        Only when ``return_info`` is True.
    """
    order = _check_order(order)
    phase = np.asarray(phase, dtype=np.float64).ravel()
    mag = np.asarray(mag, dtype=np.float64).ravel()
    offsets = np.asarray(offsets, dtype=np.int64).ravel()
    if phase.shape != mag.shape:
        raise ValueError(f"phase and mag differ in length: {phase.size} != {mag.size}")
    if offsets.size < 1 or offsets[0] != 0 or offsets[-1] != phase.size or np.any(np.diff(offsets) < 0):
        raise ValueError("offsets must rise from 0 to len(phase) (see rrlsk.base.flatten)")
    if weights is None:
        w = np.ones_like(mag)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
        if w.shape != mag.shape:
            raise ValueError(f"weights and mag differ in length: {w.size} != {mag.size}")
        if np.any(~np.isfinite(w)) or np.any(w < 0):
            raise ValueError("weights must be finite and non-negative")
    if not (np.all(np.isfinite(phase)) and np.all(np.isfinite(mag))):
        raise ValueError("phase and mag must be finite")

    n_stars = offsets.size - 1
    p = 2 * order + 1
    starts, lengths = offsets[:-1], np.diff(offsets)
    star_of = np.repeat(np.arange(n_stars), lengths)

    # centre magnitudes per star for conditioning (added back to a0)
    sw = _segment_sums(w, starts, lengths)
    swm = _segment_sums(w * mag, starts, lengths)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(sw > 0, swm / sw, 0.0)
    dm = mag - centre[star_of]

    # harmonic sums C[m], S[m] (m = 0..2K), right-hand sides, sum w dm^2,
    # number of positive weights: one flat block per chunk, one reduceat
    n_h = 2 * order + 1
    n_r = order + 1
    width = 2 * n_h + 2 * n_r + 2
    sums = np.zeros((n_stars, width))
    for lo in range(0, phase.size, _CHUNK_POINTS):
        hi = min(lo + _CHUNK_POINTS, phase.size)
        powers = np.empty((hi - lo, n_h), dtype=np.complex128)
        powers[:, 0] = 1.0
        powers[:, 1:] = np.exp(2j * np.pi * phase[lo:hi])[:, None]
        np.cumprod(powers, axis=1, out=powers)
        wk, dmk = w[lo:hi, None], dm[lo:hi, None]
        block = np.empty((hi - lo, width))
        np.multiply(powers.real, wk, out=block[:, :n_h])
        np.multiply(powers.imag, wk, out=block[:, n_h : 2 * n_h])
        np.multiply(block[:, :n_r], dmk, out=block[:, 2 * n_h : 2 * n_h + n_r])
        np.multiply(block[:, n_h : n_h + n_r], dmk, out=block[:, 2 * n_h + n_r : 2 * n_h + 2 * n_r])
        block[:, -2] = w[lo:hi] * dm[lo:hi] ** 2
        block[:, -1] = w[lo:hi] > 0
        # stars overlapping this chunk
        first = np.searchsorted(offsets, lo, side="right") - 1
        last = np.searchsorted(offsets, hi, side="left")
        s_lo = np.clip(starts[first:last], lo, hi) - lo
        s_len = np.clip(offsets[first + 1 : last + 1], lo, hi) - lo - s_lo
        sums[first:last] += _segment_sums(block, s_lo, s_len)
    rhs_c = sums[:, 2 * n_h : 2 * n_h + n_r]
    rhs_s = sums[:, 2 * n_h + n_r : 2 * n_h + 2 * n_r]
    sw2, n_pos = sums[:, -2], sums[:, -1]

    normal = (sums[:, : 2 * n_h] @ _normal_map(order)).reshape(n_stars, p, p)
    rhs = np.empty((n_stars, p))
    rhs[:, 0] = rhs_c[:, 0]
    rhs[:, 1::2] = rhs_s[:, 1:]
    rhs[:, 2::2] = rhs_c[:, 1:]

    ok = n_pos >= p
    # Jacobi scaling; a Cholesky factorisation with a tiny ridge flags the
    # ill-posed systems by their smallest pivot, one batched solve does the rest
    diag = np.einsum("nii->ni", normal)
    ok &= np.all(diag > 0, axis=1)
    scale = 1.0 / np.sqrt(np.where(ok[:, None], diag, 1.0))
    scaled = normal * scale[:, :, None] * scale[:, None, :]
    scaled[~ok] = np.eye(p)
    pivots = np.einsum("nii->ni", np.linalg.cholesky(scaled + _RCOND * np.eye(p)))
    ok &= np.min(pivots, axis=1) ** 2 > 10.0 * _RCOND
    scaled[~ok] = np.eye(p)
    coefs = np.linalg.solve(scaled, (rhs * scale)[..., None])[..., 0] * scale
    coefs[:, 0] += centre
    coefs[~ok] = np.nan

    if not return_info:
        return coefs
    # residual sum of squares from the normal equations (centred magnitudes)
    c_centred = coefs.copy()
    c_centred[:, 0] -= centre
    rss = sw2 - np.einsum("ni,ni->n", c_centred, rhs)
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(np.clip(rss, 0.0, None) / sw)
    rms[~ok] = np.nan
    return coefs, FourierFitInfo(n_epochs=lengths.copy(), ok=ok, rms=rms)


def _order_of(coefs: np.ndarray) -> int:
    p = coefs.shape[-1]
    if p < 3 or p % 2 == 0:
        raise ValueError(f"coefs must have 2 * order + 1 >= 3 columns, got {p}")
    return (p - 1) // 2


def evaluate_fourier(coefs: np.ndarray, phase_grid: np.ndarray, offsets: np.ndarray | None = None) -> np.ndarray:
    """Evaluate fitted Fourier series.

    Parameters
    ----------
    coefs : ndarray of shape (n_stars, 2 * order + 1)
        Coefficients from :func:`fit_fourier` (mag).
    phase_grid : ndarray of shape (n_grid,), (n_stars, n_grid) or (n_values,)
        Phases, cycles: one grid shared by all stars, one row per star, or
        (with ``offsets``) flat ragged phases, star after star.
    offsets : ndarray of int64, shape (n_stars + 1,), optional
        Star boundaries of flat ragged ``phase_grid`` (see
        :func:`rrlsk.base.flatten`).

    Returns
    -------
    ndarray
        Magnitudes, mag: shape (n_stars, n_grid), or (n_values,) with
        ``offsets``.
    """
    coefs = np.atleast_2d(np.asarray(coefs, dtype=np.float64))
    order = _order_of(coefs)
    grid = np.asarray(phase_grid, dtype=np.float64)
    if offsets is not None:
        offsets = np.asarray(offsets, dtype=np.int64)
        if grid.ndim != 1 or offsets.size != coefs.shape[0] + 1 or offsets[0] != 0 or offsets[-1] != grid.size:
            raise ValueError(
                f"ragged phases need 1-D phase_grid and offsets of length n_stars + 1 = {coefs.shape[0] + 1} "
                f"running from 0 to len(phase_grid) = {grid.size}"
            )
        star = np.repeat(np.arange(coefs.shape[0]), np.diff(offsets))
        out = np.empty(grid.size)
        for lo in range(0, grid.size, _CHUNK_POINTS):
            part = slice(lo, lo + _CHUNK_POINTS)
            out[part] = np.einsum("ip,ip->i", _design(grid[part], order), coefs[star[part]])
        return out
    if grid.ndim == 1:
        return coefs @ _design(grid, order).T
    if grid.ndim == 2 and grid.shape[0] == coefs.shape[0]:
        return np.einsum("ngp,np->ng", _design(grid, order), coefs)
    raise ValueError(
        f"phase_grid must be 1-D or (n_stars={coefs.shape[0]}, n_grid), got shape {grid.shape}"
    )


def _refined_peak(curves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row maxima of periodic sampled curves, refined by a parabola.

    The parabola runs through each row's largest sample and its two
    neighbours; where the three do not curve down, the sample itself is
    the peak. A row minimum is the peak of ``-curves``.

    Parameters
    ----------
    curves : ndarray of shape (n_rows, n_grid)
        Periodic curves sampled on an even grid.

    Returns
    -------
    index : ndarray of shape (n_rows,)
        Fractional grid index of each peak.
    value : ndarray of shape (n_rows,)
        Its value.
    """
    n = curves.shape[1]
    rows = np.arange(curves.shape[0])
    i = np.argmax(curves, axis=1)
    y0, y1, y2 = curves[rows, (i - 1) % n], curves[rows, i], curves[rows, (i + 1) % n]
    curv = y0 - 2.0 * y1 + y2
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(curv < 0, 0.5 * (y0 - y2) / curv, 0.0)
        drop = np.where(curv < 0, (y0 - y2) ** 2 / (8.0 * curv), 0.0)
    return i + shift, y1 - drop


def _grid_stats(coefs: np.ndarray, n_grid: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Peak-to-peak amplitude (fine grid + parabolic refinement) and
    intensity-averaged magnitude of each series, mag."""
    grid = np.arange(n_grid) / n_grid
    design = _design(grid, _order_of(coefs)).T
    ptp = np.empty(coefs.shape[0])
    int_average = np.empty(coefs.shape[0])
    for lo in range(0, coefs.shape[0], CHUNK_STARS):
        curves = coefs[lo : lo + CHUNK_STARS] @ design
        ptp[lo : lo + CHUNK_STARS] = _refined_peak(curves)[1] + _refined_peak(-curves)[1]
        centre = coefs[lo : lo + CHUNK_STARS, :1]
        # log of the mean relative flux, as a log-sum-exp: finite even for
        # curves of thousands of "magnitudes" (fluxes passed as magnitudes)
        log_flux = logsumexp(-0.4 * np.log(10.0) * (curves - centre), axis=1) - np.log(n_grid)
        int_average[lo : lo + CHUNK_STARS] = centre[:, 0] - 2.5 * log_flux / np.log(10.0)
    return ptp, int_average


def fourier_parameters(
    coefs: np.ndarray,
    convention: str = "sine",
    *,
    index=None,
) -> pd.DataFrame:
    """Amplitudes, phases and the usual Fourier parameters of fitted series.

    Parameters
    ----------
    coefs : ndarray of shape (n_stars, 2 * order + 1)
        Coefficients from :func:`fit_fourier` (mag).
    convention : {"sine", "cosine"}, default "sine"
        ``"sine"``: ``m = A0 + sum A_k sin(2 pi k phase + phi_k)``;
        ``"cosine"``: ``m = A0 + sum A_k cos(2 pi k phase + phi_k)`` (the
        Gaia DR3 ``vari_rrlyrae`` convention). ``phi31(sin) = phi31(cos) + pi``
        and ``phi21(sin) = phi21(cos) - pi/2`` (mod 2 pi).
    index : array-like, optional
        Index of the returned frame (e.g. the ``source_id`` s).

    Returns
    -------
    pandas.DataFrame
        One row per star with columns ``A0`` (mean magnitude of the series,
        mag), ``A1..AK`` (mag), ``phi1..phiK`` (rad, in ``[0, 2 pi)``),
        ``R21``, ``R31`` (``A_k / A_1``), ``phi21``, ``phi31``
        (``phi_k - k phi_1`` mod 2 pi, rad, in ``[0, 2 pi)``). ``R31`` and
        ``phi31`` are NaN for ``order < 3``; rows of NaN coefficients
        stay NaN. Last come ``amplitude`` (peak-to-peak of the series, mag)
        and ``int_average`` (intensity-averaged magnitude,
        ``-2.5 log10 <10^(-0.4 m)>`` over phase, mag; Gaia's
        ``int_average_g``).
    """
    if convention not in ("sine", "cosine"):
        raise ValueError(f"convention must be 'sine' or 'cosine', got {convention!r}")
    coefs = np.atleast_2d(np.asarray(coefs, dtype=np.float64))
    order = _order_of(coefs)
    a, b = coefs[:, 1::2], coefs[:, 2::2]
    amp = np.hypot(a, b)
    if convention == "sine":
        phi = np.arctan2(b, a)
    else:
        phi = np.arctan2(-a, b)
    phi = np.mod(phi, 2.0 * np.pi)
    cols = {"A0": coefs[:, 0]}
    cols.update({f"A{k}": amp[:, k - 1] for k in range(1, order + 1)})
    cols.update({f"phi{k}": phi[:, k - 1] for k in range(1, order + 1)})
    nan = np.full(coefs.shape[0], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        for k in (2, 3):
            if k <= order:
                cols[f"R{k}1"] = amp[:, k - 1] / amp[:, 0]
                cols[f"phi{k}1"] = np.mod(phi[:, k - 1] - k * phi[:, 0], 2.0 * np.pi)
            else:
                cols[f"R{k}1"] = nan
                cols[f"phi{k}1"] = nan
    cols["amplitude"], cols["int_average"] = _grid_stats(coefs)
    frame = pd.DataFrame(cols, index=index)
    return frame[
        ["A0", *[f"A{k}" for k in range(1, order + 1)], *[f"phi{k}" for k in range(1, order + 1)],
         "R21", "R31", "phi21", "phi31", "amplitude", "int_average"]
    ]
