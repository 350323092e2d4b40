"""Compiled linear algebra of the P-spline (:mod:`._pspline`), one star at a time.

Banded Cholesky factorisation of the cyclic banded normal matrix (its
profile from :func:`._pspline._profile`), forward triangular solves that
skip the factor's zeros, Householder reduction to tridiagonal form applied
to one vector, and the implicit QL eigenvalue iteration applied to that
vector instead of accumulating eigenvectors. Every kernel works in arrays
the caller allocates once for all stars.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Options of the compiled kernels: reassociated sums (vectorised loops;
#: rounding differs from the written order by a few ulp), no other shortcut;
#: the GIL released, so that threads preprocess chunks side by side
#: (``rrlsk.catalogue.predict_catalogue(n_threads=...)``).
_JIT = {"cache": True, "nogil": True, "fastmath": {"reassoc", "contract"}}
#: Implicit-QL sweeps allowed per eigenvalue before a star is declared failed.
_MAX_SWEEPS = 60


@njit(**_JIT)
def _cholesky(P, first, L):  # pragma: no cover - compiled
    """Lower Cholesky factor of ``P`` (zero left of ``first`` in every row)
    into ``L``; False if ``P`` is not positive definite."""
    K = P.shape[0]
    for i in range(K):
        for j in range(first[i], i + 1):
            acc = P[i, j]
            for k in range(max(first[i], first[j]), j):
                acc -= L[i, k] * L[j, k]
            if j < i:
                L[i, j] = acc / L[j, j]
            elif acc > 0.0:
                L[i, i] = np.sqrt(acc)
            else:
                return False
    return True


@njit(**_JIT)
def _forward(L, first, rhs, out):  # pragma: no cover - compiled
    """``out = L^-1 rhs`` for lower-triangular ``L`` of profile ``first``."""
    for i in range(L.shape[0]):
        acc = rhs[i]
        for k in range(first[i], i):
            acc -= L[i, k] * out[k]
        out[i] = acc / L[i, i]


@njit(**_JIT)
def _forward_rows(L, first, R, out):  # pragma: no cover - compiled
    """``out = L^-1 R`` for lower-triangular ``L`` of profile ``first``, all
    columns of ``R`` at once (row operations: contiguous, vectorised)."""
    K, m = R.shape
    for i in range(K):
        row = out[i]
        for c in range(m):
            row[c] = R[i, c]
        for k in range(first[i], i):
            lik = L[i, k]
            prev = out[k]
            for c in range(m):
                row[c] -= lik * prev[c]
        lii = L[i, i]
        for c in range(m):
            row[c] /= lii


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
