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
cost O(n_knots) per star. Points of equal phase are merged for the score
(as scipy requires); the search has a floor (``FLOOR_SPACING``).

Per star, one compiled pass (:func:`_spectra`, numba, no Python loop over
stars) accumulates ``A`` and ``b``, factors ``M``, forms ``L^-1 A L^-T``,
reduces it to tridiagonal form by Householder reflections and finds its
eigenvalues ``mu`` by implicit QL, applying every reflection and rotation
to ``L^-1 b`` instead of accumulating eigenvectors: ``z`` costs one vector,
not a matrix (the GCV sums need only ``mu`` and ``z**2``). The chosen
penalty's coefficients are one Cholesky solve of the banded
``A + lam Omega`` per star (:func:`_solve_penalised`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..base.ragged import CHUNK_STARS

# Stars per batch: CHUNK_STARS * n_knots^2 doubles (the normal matrices) bound memory.

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
    """
    n_stars = len(offsets) - 1
    omega = penalty_matrix(n_knots)
    design = basis_matrix(grid, n_knots)  # (n_grid, K)
    curves = np.empty((n_stars, len(grid)))
    lams = np.empty(n_stars)
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
    # PhaseFolder's output is sorted already: then the (stable) sort is the identity.
    new_star = np.zeros(len(phase), dtype=bool)
    new_star[offsets[:-1][lengths > 0]] = True
    if (np.diff(phase) < 0)[~new_star[1:]].any():
        order = np.lexsort((phase, star_of))
        ps, ss, ys = phase[order], star_of[order], y[order]
    else:
        ps, ss, ys = phase, star_of, y
    new = np.empty(len(ps), dtype=bool)
    new[:1] = True
    new[1:] = (ps[1:] != ps[:-1]) | new_star[1:]
    group = np.cumsum(new) - 1
    group_sum = np.bincount(group, weights=ys)
    group_n = np.bincount(group)
    yy = np.bincount(ss[new], weights=group_sum**2 / group_n, minlength=n_stars)
    n = np.bincount(ss[new], minlength=n_stars).astype(np.float64)
    j, vals = _local_basis(phase, n_knots)
    cols = (j[:, None] + np.arange(4)) % n_knots
    A = np.empty((n_stars, n_knots, n_knots))
    b = np.empty((n_stars, n_knots))
    mu = np.empty((n_stars, n_knots))
    z = np.empty((n_stars, n_knots))
    kappa = np.empty(n_stars)
    _spectra(cols, vals, y, offsets, omega, A, b, mu, z, kappa)
    if not np.isfinite(mu).all():
        raise np.linalg.LinAlgError("penalised spline: normal equations not positive definite")
    mu = np.clip(mu, 0.0, 1.0)
    if lam is None:
        log_rho_min = np.log10(n * (FLOOR_SPACING / n) ** 4 / kappa)
        rho = 10.0 ** _gcv_choice(mu, z * z, yy, n, log_rho_min)
    else:
        rho = lam / kappa
    coef = _solve_penalised(A, b, omega, rho * kappa)
    return coef @ design.T + centre[:, None], rho * kappa


#: Options of the compiled kernels: reassociated sums (vectorised loops;
#: rounding differs from the written order by a few ulp), no other shortcut.
_JIT = {"cache": True, "fastmath": {"reassoc", "contract"}}
#: Implicit-QL sweeps allowed per eigenvalue before a star is declared failed.
_MAX_SWEEPS = 60


@njit(**_JIT)
def _cholesky(P, L):  # pragma: no cover - compiled
    """Lower Cholesky factor of ``P`` into ``L``; False if ``P`` is not positive definite."""
    K = P.shape[0]
    for j in range(K):
        acc = P[j, j]
        for k in range(j):
            acc -= L[j, k] * L[j, k]
        if not acc > 0.0:
            return False
        ljj = np.sqrt(acc)
        L[j, j] = ljj
        for i in range(j + 1, K):
            acc = P[i, j]
            for k in range(j):
                acc -= L[i, k] * L[j, k]
            L[i, j] = acc / ljj
    return True


@njit(**_JIT)
def _forward(L, rhs, out):  # pragma: no cover - compiled
    """``out = L^-1 rhs`` for lower-triangular ``L`` (``rhs`` may be ``out``)."""
    for i in range(L.shape[0]):
        acc = rhs[i]
        for k in range(i):
            acc -= L[i, k] * out[k]
        out[i] = acc / L[i, i]


@njit(**_JIT)
def _tridiagonalise(C, w, d, e):  # pragma: no cover - compiled
    """Householder reduction of symmetric ``C`` (overwritten) to tridiagonal
    ``(d, e)``, every reflection also applied to ``w`` (``w <- Q^T w``)."""
    K = C.shape[0]
    v = np.empty(K)
    p = np.empty(K)
    for k in range(K - 2):
        m = K - k - 1
        alpha = 0.0
        for i in range(m):
            alpha += C[k + 1 + i, k] * C[k + 1 + i, k]
        alpha = np.sqrt(alpha)
        d[k] = C[k, k]
        if alpha == 0.0:
            e[k] = 0.0
            continue
        sign = 1.0 if C[k + 1, k] >= 0.0 else -1.0
        for i in range(m):
            v[i] = C[k + 1 + i, k]
        v[0] += sign * alpha
        vv = 0.0
        for i in range(m):
            vv += v[i] * v[i]
        beta = 2.0 / vv
        e[k] = -sign * alpha
        for i in range(m):  # p = beta C22 v - (beta^2 v.C22 v / 2) v
            acc = 0.0
            for jj in range(m):
                acc += C[k + 1 + i, k + 1 + jj] * v[jj]
            p[i] = beta * acc
        pv = 0.0
        for i in range(m):
            pv += p[i] * v[i]
        h = 0.5 * beta * pv
        for i in range(m):
            p[i] -= h * v[i]
        for i in range(m):  # C22 -= v p^T + p v^T
            for jj in range(m):
                C[k + 1 + i, k + 1 + jj] -= v[i] * p[jj] + p[i] * v[jj]
        vw = 0.0
        for i in range(m):
            vw += v[i] * w[k + 1 + i]
        vw *= beta
        for i in range(m):
            w[k + 1 + i] -= vw * v[i]
    d[K - 2] = C[K - 2, K - 2]
    d[K - 1] = C[K - 1, K - 1]
    e[K - 2] = C[K - 1, K - 2]
    e[K - 1] = 0.0


@njit(**_JIT)
def _implicit_ql(d, e, w):  # pragma: no cover - compiled
    """Eigenvalues of the tridiagonal ``(d, e)`` into ``d`` (implicit QL with
    Wilkinson shifts, as ``tqli`` of Numerical Recipes), every rotation also
    applied to ``w``, which ends as ``U^T w`` (``U``: the eigenvectors).
    Off-diagonals below ``eps * |T|`` count as zero (the absolute accuracy of
    LAPACK's symmetric eigensolvers). False if a sweep limit is reached."""
    K = d.shape[0]
    norm = 0.0
    for i in range(K):
        norm = max(norm, abs(d[i]) + abs(e[i]))
    tol = 2.220446049250313e-16 * norm
    for l in range(K):
        sweeps = 0
        while True:
            m = l
            while m < K - 1 and abs(e[m]) > tol:
                m += 1
            if m == l:
                break
            sweeps += 1
            if sweeps > _MAX_SWEEPS:
                return False
            g = (d[l + 1] - d[l]) / (2.0 * e[l])
            r = np.sqrt(g * g + 1.0)
            g = d[m] - d[l] + e[l] / (g + (r if g >= 0.0 else -r))
            sn = 1.0
            cs = 1.0
            shift = 0.0
            underflow = False
            for i in range(m - 1, l - 1, -1):
                f = sn * e[i]
                bb = cs * e[i]
                r = np.sqrt(f * f + g * g)
                e[i + 1] = r
                if r == 0.0:
                    d[i + 1] -= shift
                    e[m] = 0.0
                    underflow = True
                    break
                sn = f / r
                cs = g / r
                g = d[i + 1] - shift
                r = (d[i] - g) * sn + 2.0 * cs * bb
                shift = sn * r
                d[i + 1] = g + shift
                g = cs * r - bb
                f = w[i + 1]
                w[i + 1] = sn * w[i] + cs * f
                w[i] = cs * w[i] - sn * f
            if underflow:
                continue
            d[l] -= shift
            e[l] = g
            e[m] = 0.0
    return True


@njit(**_JIT)
def _spectra(cols, vals, y, offsets, omega, A, b, mu, z, kappa):  # pragma: no cover - compiled
    """Per star: normal equations, and the eigenvalues ``mu`` of
    ``L^-1 A L^-T`` with ``z = V^T L^-1 b`` (NaN rows where ``M`` is not
    positive definite or QL fails).

    Parameters
    ----------
    cols, vals : ndarray of shape (n_values, 4)
        Basis indices and values of every point (:func:`_local_basis`).
    y : ndarray of shape (n_values,)
        Centred magnitudes, mag.
    offsets : ndarray of int64, shape (n_stars + 1,)
        Star boundaries.
    omega : ndarray of shape (n_knots, n_knots)
        Penalty matrix.
    A, b, mu, z, kappa : ndarray
        Outputs, shapes ``(n_stars, n_knots, n_knots)``, ``(n_stars,
        n_knots)`` (three) and ``(n_stars,)``: ``B^T B``, ``B^T y``, the
        eigenvalues, the projections and ``tr A / tr Omega``.
    """
    K = omega.shape[0]
    tr_omega = 0.0
    for i in range(K):
        tr_omega += omega[i, i]
    M = np.empty((K, K))
    L = np.empty((K, K))
    X = np.empty((K, K))
    C = np.empty((K, K))
    w = np.empty(K)
    e = np.empty(K)
    for s in range(len(offsets) - 1):
        As, bs = A[s], b[s]
        As[:] = 0.0
        bs[:] = 0.0
        for q in range(offsets[s], offsets[s + 1]):
            for a in range(4):
                bs[cols[q, a]] += vals[q, a] * y[q]
                for c in range(4):
                    As[cols[q, a], cols[q, c]] += vals[q, a] * vals[q, c]
        tr_a = 0.0
        for i in range(K):
            tr_a += As[i, i]
        kappa[s] = tr_a / tr_omega
        for i in range(K):
            for jj in range(K):
                M[i, jj] = As[i, jj] + kappa[s] * omega[i, jj]
        ok = _cholesky(M, L)
        if ok:
            _forward(L, bs, w)
            for c in range(K):  # row c of X: column c of L^-1 A
                _forward(L, As[:, c], X[c])
            for c in range(K):  # row c of C: L^-1 (L^-1 A)^T[:, c], C symmetric
                _forward(L, X[:, c], C[c])
            _tridiagonalise(C, w, mu[s], e)
            ok = _implicit_ql(mu[s], e, w)
        if ok:
            z[s] = w
        else:
            mu[s] = np.nan
            z[s] = np.nan


@njit(**_JIT)
def _solve_penalised(A, b, omega, lam):  # pragma: no cover - compiled
    """Coefficients ``(A + lam Omega)^-1 b`` per star (Cholesky), shape ``(n_stars, n_knots)``."""
    n_stars, K = b.shape
    P = np.empty((K, K))
    L = np.empty((K, K))
    coef = np.empty((n_stars, K))
    for s in range(n_stars):
        for i in range(K):
            for jj in range(K):
                P[i, jj] = A[s, i, jj] + lam[s] * omega[i, jj]
        if not _cholesky(P, L):
            coef[s] = np.nan
            continue
        _forward(L, b[s], coef[s])
        for i in range(K - 1, -1, -1):  # back substitution with L^T
            acc = coef[s, i]
            for k in range(i + 1, K):
                acc -= L[k, i] * coef[s, k]
            coef[s, i] = acc / L[i, i]
    return coef
