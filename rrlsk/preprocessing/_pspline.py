"""Batched periodic penalised cubic B-spline with per-star GCV smoothing.

The smoothing spline of Eq. 2 (Monti et al. 2024),
``sum_i (y_i - f(x_i))^2 + lam * int_0^1 f''(x)^2 dx``, restricted to
periodic cubic splines on ``n_knots`` uniform knots in ``[0, 1)`` (phase
0 == phase 1). Each star's normal equations ``A = B^T B`` (n_knots x n_knots)
and ``b = B^T y`` are accumulated for all stars at once with
``np.bincount``; the penalty ``Omega`` (exact integral of ``f''^2``) is the
same circulant matrix for every star.

All candidate penalties are solved at once by a simultaneous
diagonalisation. With ``M = A + kappa Omega`` (positive definite;
``kappa = tr A / tr Omega`` per star), ``M = L L^T`` and
``L^-1 A L^-T = V diag(mu) V^T`` (``0 <= mu <= 1``):

``A + lam Omega = L V diag(mu + rho (1 - mu)) V^T L^T``, ``rho = lam / kappa``,

so for every ``rho`` the trace of the hat matrix is
``sum mu / d``, the residual sum of squares
``y.y - 2 sum z^2 / d + sum mu z^2 / d^2`` (``z = V^T L^-1 b``,
``d = mu + rho (1 - mu)``) and the generalised cross-validation score
``n RSS / (n - tr H)^2`` (as in ``scipy.interpolate.make_smoothing_spline``)
cost O(n_knots) per star. One batched Cholesky, inverse and ``eigh`` per
star; no per-star Python loop. Points of equal phase are merged for the
score (as scipy requires); the search has a floor (``FLOOR_SPACING``).
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

# Stars per batch: CHUNK_STARS * n_knots^2 doubles, a few copies, bound memory.
from .._ragged import CHUNK_STARS

__all__ = ["basis_matrix", "penalty_matrix", "fit_periodic_spline"]

# log10(rho) candidates above each star's floor for the GCV search.
_LOG_RHO_STEPS = np.arange(0.0, 8.01, 0.25)
# Eigenvalues of L^-1 A L^-T below this are directions without data.
_MU_FLOOR = 1e-10
# GCV searches lam >= n (FLOOR_SPACING / n)^4: the smoothing spline's
# equivalent kernel, (lam / n)^(1/4) phase wide, at least half the mean
# spacing of the n (unique) points. Below it a P-spline with few points per
# knot acts as an unpenalised regression spline whose weakly constrained
# directions give spurious GCV optima (curves oscillating wildly across
# phase gaps: 1,500 of the 13,323 DR2 curves without the floor); the floor
# costs < 1 mmag on densely sampled noiseless curves. docs/preprocessing.md.
FLOOR_SPACING = 0.5


def _local_basis(x: np.ndarray, n_knots: int) -> tuple[np.ndarray, np.ndarray]:
    """First basis index and the 4 non-zero uniform cubic B-spline values."""
    s = np.mod(x, 1.0) * n_knots
    j = np.floor(s).astype(np.int64)
    u = s - j
    j %= n_knots
    u2, u3 = u * u, u * u * u
    vals = np.stack(
        [(1 - u) ** 3, 3 * u3 - 6 * u2 + 4, -3 * u3 + 3 * u2 + 3 * u + 1, u3], axis=-1
    ) / 6.0
    return j, vals


def basis_matrix(x: np.ndarray, n_knots: int) -> np.ndarray:
    """Dense periodic cubic B-spline basis, shape ``(len(x), n_knots)``.

    Parameters
    ----------
    x : ndarray of shape (n,)
        Phases, cycles (taken mod 1).
    n_knots : int
        Number of uniform knots (= basis functions) per cycle.
    """
    j, vals = _local_basis(np.asarray(x, dtype=np.float64), n_knots)
    out = np.zeros((len(j), n_knots))
    cols = (j[:, None] + np.arange(4)) % n_knots
    np.add.at(out, (np.arange(len(j))[:, None], cols), vals)
    return out


def penalty_matrix(n_knots: int) -> np.ndarray:
    """``Omega[i, k] = int_0^1 B_i''(x) B_k''(x) dx`` for the periodic basis.

    Exact: ``f''`` is piecewise linear, integrated with 2-point
    Gauss-Legendre quadrature per knot interval.
    """
    gauss = 0.5 + np.array([-0.5, 0.5]) / np.sqrt(3.0)
    d2 = np.stack([1 - gauss, 3 * gauss - 2, -3 * gauss + 1, gauss], axis=-1)  # (2, 4)
    local = 0.5 * d2.T @ d2 * float(n_knots) ** 3  # int over one interval, d/dx = K d/du
    omega = np.zeros((n_knots, n_knots))
    idx = (np.arange(n_knots)[:, None] + np.arange(4)) % n_knots
    np.add.at(omega, (idx[:, :, None], idx[:, None, :]), local)
    return omega


def _normal_equations(phase, y, star_of, n_stars, n_knots):
    j, vals = _local_basis(phase, n_knots)
    cols = (j[:, None] + np.arange(4)) % n_knots  # (n_pts, 4)
    flat_ab = (star_of[:, None, None] * n_knots + cols[:, :, None]) * n_knots + cols[:, None, :]
    A = np.bincount(
        flat_ab.ravel(), weights=(vals[:, :, None] * vals[:, None, :]).ravel(),
        minlength=n_stars * n_knots * n_knots,
    ).reshape(n_stars, n_knots, n_knots)
    b = np.bincount(
        (star_of[:, None] * n_knots + cols).ravel(), weights=(vals * y[:, None]).ravel(),
        minlength=n_stars * n_knots,
    ).reshape(n_stars, n_knots)
    return A, b


def _gcv_choice(mu, z2, yy, n, log_rho_min):
    """Best log10(rho) per star on a grid from ``log_rho_min`` up, refined
    by a parabola through the best grid point and its neighbours."""
    rss0, s = _rss_terms(mu, z2, yy)
    grid = log_rho_min[:, None] + _LOG_RHO_STEPS
    scores = np.empty(grid.shape)
    for k in range(grid.shape[1]):
        scores[:, k] = _gcv(mu, s, rss0, n, 10.0 ** grid[:, k])
    rows = np.arange(len(n))
    best = np.argmin(scores, axis=1)
    inner = np.clip(best, 1, grid.shape[1] - 2)
    s0, s1, s2 = (scores[rows, inner + d] for d in (-1, 0, 1))
    curv = s0 - 2 * s1 + s2
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.where((curv > 0) & np.isfinite(curv), 0.5 * (s0 - s2) / curv, 0.0)
    refined = grid[rows, inner] + np.clip(step, -1.0, 1.0) * (_LOG_RHO_STEPS[1] - _LOG_RHO_STEPS[0])
    refined = np.maximum(refined, log_rho_min)
    better = _gcv(mu, s, rss0, n, 10.0**refined) <= scores[rows, best]
    return np.where(better, refined, grid[rows, best])


def _rss_terms(mu, z2, yy):
    """Split RSS(rho) = rss0 + sum s_k (rho (1 - mu_k) / d_k)^2 (no cancellation).

    ``rss0`` is the unpenalised least-squares residual and ``s = z^2 / mu``
    (0 for directions the data do not constrain).
    """
    supported = mu > _MU_FLOOR
    s = np.where(supported, z2 / np.where(supported, mu, 1.0), 0.0)
    rss0 = yy - s.sum(axis=1)
    rss0 = np.where(rss0 > 1e-12 * yy, rss0, 0.0)
    return rss0, s


def _gcv(mu, s, rss0, n, rho):
    """GCV score ``n RSS / (n - tr H)^2`` for one rho or one rho per star."""
    rho = np.asarray(rho, dtype=np.float64)
    if rho.ndim == 1:
        rho = rho[:, None]
    d = mu + rho * (1.0 - mu)
    trace = np.sum(np.where(mu > _MU_FLOOR, mu / d, 0.0), axis=1)
    rss = rss0 + np.sum(s * (rho * (1.0 - mu) / d) ** 2, axis=1)
    dof = n - trace
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(dof > 1e-9 * n, n * rss / dof**2, np.inf)


def fit_periodic_spline(
    phase: np.ndarray,
    mag: np.ndarray,
    offsets: np.ndarray,
    grid: np.ndarray,
    n_knots: int,
    lam: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Smooth every star with a periodic P-spline and evaluate it on ``grid``.

    Parameters
    ----------
    phase, mag : ndarray of shape (n_values,)
        Flat phases (cycles) and magnitudes (mag) of all stars.
    offsets : ndarray of int64, shape (n_stars + 1,)
        Star boundaries (:func:`rrlsk._ragged.flatten`).
    grid : ndarray of shape (n_grid,)
        Common evaluation phases, cycles.
    n_knots : int
        Uniform knots per cycle.
    lam : float or None
        Fixed ``lam`` of Eq. 2 (phase in cycles, magnitudes in mag); None
        chooses it per star by generalised cross-validation.

    Returns
    -------
    curves : ndarray of shape (n_stars, n_grid)
        Smoothed magnitudes on the grid, mag.
    lam : ndarray of shape (n_stars,)
        The smoothing parameter used for each star.
    """
    n_stars = len(offsets) - 1
    omega = penalty_matrix(n_knots)
    design = basis_matrix(grid, n_knots)  # (n_grid, K)
    curves = np.empty((n_stars, len(grid)))
    lams = np.empty(n_stars)
    with threadpool_limits(1, user_api="blas"):
        for lo in range(0, n_stars, CHUNK_STARS):
            hi = min(lo + CHUNK_STARS, n_stars)
            curves[lo:hi], lams[lo:hi] = _fit_chunk(
                phase[offsets[lo] : offsets[hi]], mag[offsets[lo] : offsets[hi]],
                offsets[lo : hi + 1] - offsets[lo], omega, design, lam,
            )
    return curves, lams


def _fit_chunk(phase, mag, offsets, omega, design, lam):
    n_stars, n_knots = len(offsets) - 1, omega.shape[0]
    lengths = np.diff(offsets)
    star_of = np.repeat(np.arange(n_stars), lengths)
    centre = np.bincount(star_of, weights=mag, minlength=n_stars) / lengths
    y = mag - centre[star_of]
    # GCV as scipy's make_smoothing_spline sees the data: points of equal
    # phase merged (mean magnitude, weight = count). The fit is unchanged;
    # the score counts unique phases and drops the within-duplicate scatter.
    order = np.lexsort((phase, star_of))
    ps, ss = phase[order], star_of[order]
    new = np.empty(len(ps), dtype=bool)
    new[:1] = True
    new[1:] = (ps[1:] != ps[:-1]) | (ss[1:] != ss[:-1])
    group = np.cumsum(new) - 1
    group_sum = np.bincount(group, weights=y[order])
    group_n = np.bincount(group)
    yy = np.bincount(ss[new], weights=group_sum**2 / group_n, minlength=n_stars)
    n = np.bincount(ss[new], minlength=n_stars).astype(np.float64)
    A, b = _normal_equations(phase, y, star_of, n_stars, n_knots)

    kappa = np.trace(A, axis1=1, axis2=2) / np.trace(omega)
    M = A + kappa[:, None, None] * omega
    L_inv = np.linalg.inv(np.linalg.cholesky(M))
    C = L_inv @ A @ np.swapaxes(L_inv, 1, 2)
    mu, V = np.linalg.eigh(C)
    mu = np.clip(mu, 0.0, 1.0)
    z = np.einsum("nki,nk->ni", V, np.einsum("nij,nj->ni", L_inv, b))
    if lam is None:
        log_rho_min = np.log10(n * (FLOOR_SPACING / n) ** 4 / kappa)
        log_rho = _gcv_choice(mu, z * z, yy, n, log_rho_min)
        rho = 10.0**log_rho
    else:
        rho = lam / kappa
    d = mu + rho[:, None] * (1.0 - mu)
    # directions with mu == 0 (unsupported by data) have z == 0
    coef = np.einsum("nji,nj->ni", L_inv, np.einsum("nij,nj->ni", V, z / d))
    return coef @ design.T + centre[:, None], rho * kappa
