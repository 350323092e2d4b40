"""Periodic penalised cubic B-spline with per-star GCV smoothing.

The smoothing spline of Eq. 2 (Monti et al. 2024),
``sum_i (y_i - f(x_i))^2 + lam * int_0^1 f''(x)^2 dx``, restricted to
periodic cubic splines on ``n_knots`` uniform knots in ``[0, 1)`` (phase
0 == phase 1). Each star's normal equations ``A = B^T B`` (n_knots x n_knots)
and ``b = B^T y``; the penalty ``Omega`` (exact integral of ``f''^2``) is the
same circulant matrix for every star. Both are cyclic banded: only entries
at a cyclic distance of at most 3 knots are non-zero.

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
cost O(n_knots) per star. Points of equal phase are merged for the score
(as scipy requires); the search has a floor (``FLOOR_SPACING``).

The eigenvalues are needed only where that difference is not accurate.
In the tridiagonal basis of ``L^-1 A L^-T`` (``T``, with ``w`` the image
of ``L^-1 b``) ``S = (1 - rho) T + rho I`` is tridiagonal, so the same
score needs, per candidate ``rho``, one O(n_knots) factorisation
``S = U D U^T`` (``U`` unit lower bidiagonal): ``x = S^-1 w``, ``RSS = y.y - 2 w.x + x.T x`` and
``tr H = tr(T S^-1)`` from the diagonal and first off-diagonal of
``S^-1`` (Takahashi's recurrence). All candidates are factorised together
(independent recurrences, vectorised across ``rho``). ``RSS`` is then a
difference of large numbers, accurate to about ``1e-16 y.y`` only: where
the smallest candidate ``RSS`` falls below ``_RSS_FLOOR y.y`` (noiseless or
interpolated curves; no simulated or DR2 star comes within a factor 40)
the star takes the eigenvalue route above instead, whose residual is the
least-squares residual plus positive terms.

Everything per star is one compiled pass (:func:`_fit_stars`, numba, no
Python loop over stars, no per-star allocation): it accumulates ``A`` and
``b``, factors ``M`` (the Cholesky factor of a cyclic banded matrix is
banded but for its last three rows, :func:`_profile`), forms
``L^-1 A L^-T`` by row-wise triangular solves that skip those zeros,
reduces it to tridiagonal form by Householder reflections (applied to
``L^-1 b`` too), scores the candidate penalties from the tridiagonal form
(or, below the floor, finds the eigenvalues ``mu`` by implicit QL, applying
every rotation to ``L^-1 b`` instead of accumulating eigenvectors: the GCV
sums need only ``mu`` and ``z**2``), solves the chosen penalty's system
``A + lam Omega`` by a banded Cholesky and evaluates the curve on the
output grid from the four non-zero basis functions of each grid phase.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._banded import _JIT, _cholesky, _forward, _forward_rows, _implicit_ql, _tridiagonalise
from ._gcv import _gcv_choice, _gcv_tridiagonal, _parabola

__all__ = ["penalty_matrix", "fit_periodic_spline"]

# log10(rho) candidates above each star's floor for the GCV search.
_LOG_RHO_STEPS = np.arange(0.0, 8.01, 0.25)
# Smallest RSS / y.y of the candidate penalties for which the tridiagonal
# route's RSS (a difference, error ~1e-16 y.y) is used; below it the star is
# scored from eigenvalues. Smallest values measured: 4.4e-5 (20,000 simulated
# stars), 1.5e-4 (13,323 DR2 curves).
_RSS_FLOOR = 1e-6
# GCV searches lam >= n (FLOOR_SPACING / n)^4: the smoothing spline's
# equivalent kernel, (lam / n)^(1/4) phase wide, at least half the mean
# spacing of the n (unique) points. Below it a P-spline with few points per
# knot acts as an unpenalised regression spline whose weakly constrained
# directions give spurious GCV optima (curves oscillating wildly across
# phase gaps: 1,500 of the 13,323 DR2 curves without the floor); the floor
# costs < 1 mmag on densely sampled noiseless curves. docs/preprocessing.md.
FLOOR_SPACING = 0.5
#: Half-bandwidth of the cyclic banded normal and penalty matrices (cubic B-splines).
_BAND = 3


def penalty_matrix(n_knots: int) -> np.ndarray:
    """``Omega[i, k] = int_0^1 B_i''(x) B_k''(x) dx`` for the periodic basis.

    Exact: ``f''`` is piecewise linear, integrated with 2-point
    Gauss-Legendre quadrature per knot interval.

    Parameters
    ----------
    n_knots : int
        Number of uniform knots (= basis functions) per cycle.

    Returns
    -------
    ndarray of shape (n_knots, n_knots)
        The penalty, mag^-2 cycles^-3 per unit coefficient (phase in cycles).
    """
    gauss = 0.5 + np.array([-0.5, 0.5]) / np.sqrt(3.0)
    d2 = np.stack([1 - gauss, 3 * gauss - 2, -3 * gauss + 1, gauss], axis=-1)  # (2, 4)
    local = 0.5 * d2.T @ d2 * float(n_knots) ** 3  # int over one interval, d/dx = K d/du
    omega = np.zeros((n_knots, n_knots))
    idx = (np.arange(n_knots)[:, None] + np.arange(4)) % n_knots
    np.add.at(omega, (idx[:, :, None], idx[:, None, :]), local)
    return omega


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
        Star boundaries (:func:`rrlsk.base.flatten`).
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

    Raises
    ------
    numpy.linalg.LinAlgError
        When a star's normal equations are not positive definite (or its
        eigenvalues do not converge), naming the stars' positions.
    """
    n_stars = len(offsets) - 1
    curves = np.empty((n_stars, len(grid)))
    lams = np.empty(n_stars)
    failed = np.zeros(n_stars, dtype=np.bool_)
    _fit_stars(
        np.ascontiguousarray(phase, dtype=np.float64), np.ascontiguousarray(mag, dtype=np.float64),
        np.ascontiguousarray(offsets, dtype=np.int64), penalty_matrix(n_knots),
        np.ascontiguousarray(grid, dtype=np.float64), np.nan if lam is None else float(lam),
        _LOG_RHO_STEPS, curves, lams, failed,
    )
    if failed.any():
        where = np.flatnonzero(failed)
        raise np.linalg.LinAlgError(
            "penalised spline: normal equations not positive definite for the star(s) at "
            f"position(s) {where[:10].tolist()}" + (f" and {len(where) - 10} more" if len(where) > 10 else "")
        )
    return curves, lams


@njit(**_JIT)
def _basis(x, n_knots, vals):  # pragma: no cover - compiled
    """First basis index of phase ``x`` (cycles); its 4 non-zero uniform cubic
    B-spline values (basis functions ``j .. j + 3`` mod ``n_knots``) into ``vals``."""
    s = (x - np.floor(x)) * n_knots
    j = np.floor(s)
    u = s - j
    u2 = u * u
    u3 = u2 * u
    vals[0] = (1.0 - u) ** 3 / 6.0
    vals[1] = (3.0 * u3 - 6.0 * u2 + 4.0) / 6.0
    vals[2] = (-3.0 * u3 + 3.0 * u2 + 3.0 * u + 1.0) / 6.0
    vals[3] = u3 / 6.0
    return int(j) % n_knots


@njit(**_JIT)
def _profile(n_knots):  # pragma: no cover - compiled
    """First non-zero column of each row of the Cholesky factor of a cyclic
    banded matrix (half-bandwidth ``_BAND``): the band, except that the last
    ``_BAND`` rows, which the cyclic corner reaches, are full."""
    first = np.empty(n_knots, dtype=np.int64)
    for i in range(n_knots):
        first[i] = 0 if i >= n_knots - _BAND else max(0, i - _BAND)
    return first


@njit(**_JIT)
def _merged_sums(phase, mag, lo, hi, centre, order):  # pragma: no cover - compiled
    """GCV's view of one star's centred magnitudes (``mag - centre``): points
    of equal phase merged (mean magnitude, weight = count), as scipy's
    ``make_smoothing_spline`` sees the data.

    Returns the weighted sum of squares ``sum_g n_g ybar_g^2`` (mag^2) and
    the number of unique phases. ``order`` is scratch of at least
    ``hi - lo`` entries.
    """
    m = hi - lo
    for r in range(m):
        order[r] = lo + r
    for q in range(lo + 1, hi):
        if phase[q] < phase[q - 1]:  # PhaseFolder's output is sorted: this is rare
            order[:m] = lo + np.argsort(phase[lo:hi], kind="mergesort")
            break
    yy = 0.0
    n = 0.0
    group_sum = mag[order[0]] - centre
    group_n = 1.0
    for r in range(1, m):
        q = order[r]
        if phase[q] != phase[order[r - 1]]:
            yy += group_sum * group_sum / group_n
            n += 1.0
            group_sum = 0.0
            group_n = 0.0
        group_sum += mag[q] - centre
        group_n += 1.0
    return yy + group_sum * group_sum / group_n, n + 1.0


@njit(**_JIT)
def _fit_stars(phase, mag, offsets, omega, grid, lam, steps, curves, lams, failed):  # pragma: no cover - compiled
    """Smooth every star and evaluate it on ``grid`` (see the module docstring).

    Parameters
    ----------
    phase, mag : ndarray of shape (n_values,)
        Flat phases (cycles) and magnitudes (mag).
    offsets : ndarray of int64, shape (n_stars + 1,)
        Star boundaries.
    omega : ndarray of shape (n_knots, n_knots)
        Penalty matrix (:func:`penalty_matrix`).
    grid : ndarray of shape (n_grid,)
        Evaluation phases, cycles.
    lam : float
        Fixed ``lam``, or NaN to choose it per star by GCV.
    steps : ndarray of shape (n_steps,)
        log10(rho) candidates above each star's floor (``_LOG_RHO_STEPS``).
    curves, lams, failed : ndarray
        Outputs, shapes ``(n_stars, n_grid)``, ``(n_stars,)``,
        ``(n_stars,)``: the curves (mag), the ``lam`` used, and True where
        the normal equations are not positive definite or QL did not
        converge (then the star's curve and ``lam`` are NaN).
    """
    K = omega.shape[0]
    first = _profile(K)
    tr_omega = 0.0
    for i in range(K):
        tr_omega += omega[i, i]
    A = np.empty((K, K))
    M = np.empty((K, K))
    L = np.zeros((K, K))  # stays zero outside the profile, which back substitution reads
    Y = np.empty((K, K))
    C = np.empty((K, K))
    b = np.empty(K)
    w = np.empty(K)
    e = np.empty(K)
    mu = np.empty(K)
    coef = np.empty(K)
    s = np.empty(K)
    scores = np.empty(steps.shape[0])
    rho = np.empty(steps.shape[0])
    work = np.empty((4, K, steps.shape[0]))
    rho_one = np.empty(1)
    work_one = np.empty((4, K, 1))
    vals = np.empty(4)
    longest = 0
    for star in range(offsets.shape[0] - 1):
        longest = max(longest, offsets[star + 1] - offsets[star])
    order = np.empty(longest, dtype=np.int64)
    grid_first = np.empty(grid.shape[0], dtype=np.int64)
    grid_vals = np.empty((grid.shape[0], 4))
    for g in range(grid.shape[0]):
        grid_first[g] = _basis(grid[g], K, grid_vals[g])
    gcv = np.isnan(lam)
    for star in range(offsets.shape[0] - 1):
        lo, hi = offsets[star], offsets[star + 1]
        centre = 0.0
        for q in range(lo, hi):
            centre += mag[q]
        centre /= max(hi - lo, 1)  # a star without points: A = 0, reported as failed
        A[:] = 0.0
        b[:] = 0.0
        for q in range(lo, hi):
            j = _basis(phase[q], K, vals)
            yq = mag[q] - centre
            for a in range(4):
                ja = (j + a) % K
                b[ja] += vals[a] * yq
                for c in range(4):
                    A[ja, (j + c) % K] += vals[a] * vals[c]
        tr_a = 0.0
        for i in range(K):
            tr_a += A[i, i]
        kappa = tr_a / tr_omega
        if gcv:
            for i in range(K):
                for jj in range(K):
                    M[i, jj] = A[i, jj] + kappa * omega[i, jj]
            ok = _cholesky(M, first, L)
            if ok:
                _forward(L, first, b, w)
                _forward_rows(L, first, A, Y)  # Y = L^-1 A
                for i in range(K):  # M <- Y^T = A L^-T
                    for jj in range(K):
                        M[i, jj] = Y[jj, i]
                _forward_rows(L, first, M, C)  # C = L^-1 A L^-T
                _tridiagonalise(C, w, mu, e)
            if not ok:
                failed[star] = True
                curves[star] = np.nan
                lams[star] = np.nan
                continue
            yy, n = _merged_sums(phase, mag, lo, hi, centre, order)
            log_rho_min = np.log10(n * (FLOOR_SPACING / n) ** 4.0 / kappa)
            for k in range(steps.shape[0]):
                rho[k] = 10.0 ** (log_rho_min + steps[k])
            if _gcv_tridiagonal(mu, e, w, yy, n, rho, work, scores) >= _RSS_FLOOR * yy:
                best, refined = _parabola(scores, log_rho_min, steps)
                best_score = scores[best]
                rho_one[0] = 10.0**refined
                _gcv_tridiagonal(mu, e, w, yy, n, rho_one, work_one, scores)
                log_rho = refined if scores[0] <= best_score else log_rho_min + steps[best]
            else:  # RSS too small for the difference: scores from the eigenvalues
                if not _implicit_ql(mu, e, w):
                    failed[star] = True
                    curves[star] = np.nan
                    lams[star] = np.nan
                    continue
                for k in range(K):
                    mu[k] = min(max(mu[k], 0.0), 1.0)
                log_rho = _gcv_choice(mu, w, yy, n, log_rho_min, steps, s, scores)
            lam_star = 10.0**log_rho * kappa
        else:
            lam_star = lam / kappa * kappa
        for i in range(K):
            for jj in range(K):
                M[i, jj] = A[i, jj] + lam_star * omega[i, jj]
        if not _cholesky(M, first, L):
            failed[star] = True
            curves[star] = np.nan
            lams[star] = np.nan
            continue
        _forward(L, first, b, coef)
        for i in range(K - 1, -1, -1):  # back substitution with L^T
            acc = coef[i]
            for k in range(i + 1, K):
                acc -= L[k, i] * coef[k]
            coef[i] = acc / L[i, i]
        for g in range(grid.shape[0]):
            acc = 0.0
            for a in range(4):
                acc += grid_vals[g, a] * coef[(grid_first[g] + a) % K]
            curves[star, g] = acc + centre
        lams[star] = lam_star
