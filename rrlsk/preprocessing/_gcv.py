"""Compiled generalised cross-validation of the P-spline's penalty (:mod:`._pspline`).

Two routes to the same score ``n RSS / (n - tr H)^2`` of every candidate
penalty: from the eigenvalues of ``L^-1 A L^-T`` (:func:`_gcv_choice`) or
from its tridiagonal form, one factorisation per candidate
(:func:`_gcv_tridiagonal`); :func:`_parabola` refines the best candidate.
See :mod:`._pspline` for the algebra and when each route is taken.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._banded import _JIT

# Eigenvalues of L^-1 A L^-T below this are directions without data.
_MU_FLOOR = 1e-10


@njit(**_JIT)
def _gcv(mu, s, rss0, n, rho):  # pragma: no cover - compiled
    """GCV score ``n RSS / (n - tr H)^2`` of one star at ``rho``, with
    ``RSS = rss0 + sum s_k (rho (1 - mu_k) / d_k)^2`` (no cancellation)."""
    trace = 0.0
    excess = 0.0
    for k in range(mu.shape[0]):
        d = mu[k] + rho * (1.0 - mu[k])
        if mu[k] > _MU_FLOOR:
            trace += mu[k] / d
        t = rho * (1.0 - mu[k]) / d
        excess += s[k] * (t * t)
    dof = n - trace
    if dof > 1e-9 * n:
        return n * (rss0 + excess) / (dof * dof)
    return np.inf


@njit(**_JIT)
def _parabola(scores, log_rho_min, steps):  # pragma: no cover - compiled
    """Index of the lowest grid score (the first of equal ones) and the
    log10(rho) of the minimum of the parabola through it and its
    neighbours (moved by at most one grid step, not below ``log_rho_min``)."""
    n_steps = steps.shape[0]
    best = 0
    for k in range(n_steps):
        if scores[k] < scores[best]:
            best = k
    inner = min(max(best, 1), n_steps - 2)
    s0, s1, s2 = scores[inner - 1], scores[inner], scores[inner + 1]
    curv = s0 - 2.0 * s1 + s2
    step = 0.5 * (s0 - s2) / curv if curv > 0.0 and np.isfinite(curv) else 0.0
    refined = (log_rho_min + steps[inner]) + min(max(step, -1.0), 1.0) * (steps[1] - steps[0])
    return best, max(refined, log_rho_min)


@njit(**_JIT)
def _gcv_choice(mu, z, yy, n, log_rho_min, steps, s, scores):  # pragma: no cover - compiled
    """Best log10(rho) of one star on the grid ``log_rho_min + steps`` from
    its eigenvalues, refined by :func:`_parabola` (kept if it scores no worse).

    ``s`` and ``scores`` are scratch (``len(mu)``, ``len(steps)``). The
    residual is split as ``rss0 + sum s_k (...)^2``: ``rss0`` the
    unpenalised least-squares residual and ``s = z^2 / mu`` (0 for
    directions the data do not constrain).
    """
    total = 0.0
    for k in range(mu.shape[0]):
        s[k] = z[k] * z[k] / mu[k] if mu[k] > _MU_FLOOR else 0.0
        total += s[k]
    rss0 = yy - total
    if not rss0 > 1e-12 * yy:
        rss0 = 0.0
    for k in range(steps.shape[0]):
        scores[k] = _gcv(mu, s, rss0, n, 10.0 ** (log_rho_min + steps[k]))
    best, refined = _parabola(scores, log_rho_min, steps)
    if _gcv(mu, s, rss0, n, 10.0**refined) <= scores[best]:
        return refined
    return log_rho_min + steps[best]


@njit(**_JIT)
def _gcv_tridiagonal(d, e, w, yy, n, rho, work, scores):  # pragma: no cover - compiled
    """GCV scores of one star at every ``rho[r]`` from the tridiagonal form.

    ``T`` has diagonal ``d`` and off-diagonal ``e`` (``e[K - 1]`` unused),
    ``w`` is ``L^-1 b`` in its basis. For each ``rho``, ``S = (1 - rho) T +
    rho I = U D U^T`` (``U`` unit lower bidiagonal with multipliers ``l_i``,
    pivots ``D``, top down); ``x = S^-1 w``; ``Z = S^-1`` on the diagonal
    and first off-diagonal bottom up (``Z[i, i+1] = -l_i Z[i+1, i+1]``, ``Z[i, i] =
    1 / D_i - l_i Z[i, i+1]``); ``tr H = tr(T Z)`` and ``RSS = y.y - 2 w.x
    + x.T x``. The loops over ``rho`` are innermost: independent
    recurrences the compiler vectorises.

    Parameters
    ----------
    d, e, w : ndarray of shape (K,)
        The tridiagonal matrix (dimensionless, eigenvalues in [0, 1]) and
        the transformed right-hand side, mag.
    yy : float
        Weighted sum of squares of the merged, centred magnitudes, mag^2.
    n : float
        Number of unique phases.
    rho : ndarray of shape (R,)
        Candidate ``lam / kappa``.
    work : ndarray of shape (4, K, R)
        Scratch.
    scores : ndarray of shape (>= R,)
        Out: the GCV scores ``n RSS / (n - tr H)^2`` (mag^2; inf where
        ``n - tr H <= 1e-9 n``).

    Returns
    -------
    float
        The smallest ``RSS`` of the candidates, mag^2.
    """
    K = d.shape[0]
    R = rho.shape[0]
    pivot, lower, x, sums = work[0], work[1], work[2], work[3]
    for r in range(R):
        pivot[0, r] = (1.0 - rho[r]) * d[0] + rho[r]
        x[0, r] = w[0]
    for i in range(1, K):
        for r in range(R):
            off = (1.0 - rho[r]) * e[i - 1]
            li = off / pivot[i - 1, r]
            lower[i - 1, r] = li
            pivot[i, r] = (1.0 - rho[r]) * d[i] + rho[r] - li * off
            x[i, r] = w[i] - li * x[i - 1, r]
    # sums rows: tr(T Z), w.x, x.T x, Z[i+1, i+1] of the previous row
    for r in range(R):
        zii = 1.0 / pivot[K - 1, r]
        xi = x[K - 1, r] * zii
        x[K - 1, r] = xi
        sums[0, r] = d[K - 1] * zii
        sums[1, r] = w[K - 1] * xi
        sums[2, r] = d[K - 1] * xi * xi
        sums[3, r] = zii
    for i in range(K - 2, -1, -1):
        for r in range(R):
            inv = 1.0 / pivot[i, r]
            li = lower[i, r]
            zij = -li * sums[3, r]
            zii = inv - li * zij
            xi = x[i, r] * inv - li * x[i + 1, r]
            x[i, r] = xi
            sums[0, r] += d[i] * zii + 2.0 * e[i] * zij
            sums[1, r] += w[i] * xi
            sums[2, r] += d[i] * xi * xi + 2.0 * e[i] * xi * x[i + 1, r]
            sums[3, r] = zii
    smallest = np.inf
    for r in range(R):
        rss = yy - 2.0 * sums[1, r] + sums[2, r]
        smallest = min(smallest, rss)
        dof = n - sums[0, r]
        scores[r] = n * rss / (dof * dof) if dof > 1e-9 * n else np.inf
    return smallest
