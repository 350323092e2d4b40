"""Training sample weights that flatten the [Fe/H] distribution
(Monti et al. 2024, Section 3 / 4.1; after Dekany & Grebel 2022)."""

from __future__ import annotations

import numbers

import numpy as np
from scipy.stats import gaussian_kde

__all__ = ["density_weights"]


def density_weights(y, y_err=None, threshold: float = 0.5, floor: float = 0.01) -> np.ndarray:
    """Inverse-density sample weights of the labels.

    1. ``rho = gaussian_kde(y)(y)``: Gaussian kernel density of the labels
       (Scott's bandwidth), evaluated at each label, in 1/dex (it
       integrates to 1 over [Fe/H]).
    2. ``w_d = 1 / rho``, held flat in the tails: labels below (above) the
       smallest (largest) label whose density exceeds ``threshold`` get
       the weight of that label, ``1 / rho(y_lo)`` (``1 / rho(y_hi)``), so
       the sparse tails do not get unbounded weights. ``threshold`` is an
       absolute density (1/dex), as in the paper's code
       (``calculate_sample_weights(..., by_density=0.5)`` of
       github.com/LorenzoMonti/metallicity_rrls); a Gaussian-like [Fe/H]
       distribution of width sigma peaks at about 0.4 / sigma per dex.
    3. ``w = w_d / y_err**2`` when errors are given.
    4. min-max scaled to ``[floor, 1]`` (all ones if every weight is equal).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels, [Fe/H] in dex.
    y_err : array-like of shape (n_samples,), optional
        1-sigma label errors, dex (> 0).
    threshold : float, default 0.5
        Density (1/dex) above which ``1 / rho`` is used as is.
    floor : float, default 0.01
        Smallest weight after scaling, in ``[0, 1)``.

    Returns
    -------
    ndarray of shape (n_samples,)
        Weights in ``[floor, 1]``, the largest for the rarest (and most
        precise) labels. A ``pandas.Series`` ``y`` gives a plain array in the
        same order.

    Raises
    ------
    ValueError
        For fewer than 2 distinct labels, non-finite labels or errors,
        errors <= 0, mismatched lengths, a ``threshold`` above the density
        of every label, or a ``floor`` outside ``[0, 1)``.
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    if y.size < 2 or np.unique(y).size < 2:
        raise ValueError("density_weights needs at least 2 distinct labels")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"labels contain NaN/inf at positions {np.flatnonzero(~np.isfinite(y))[:10].tolist()}")
    if not isinstance(threshold, numbers.Real) or not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a finite density >= 0 (1/dex), got {threshold!r}")
    if not isinstance(floor, numbers.Real) or not 0 <= floor < 1:
        raise ValueError(f"floor must be in [0, 1), got {floor!r}")

    kde = gaussian_kde(y, bw_method="scott")
    rho = kde(y)
    dense = rho > threshold
    if not dense.any():
        raise ValueError(
            f"no label has a density above threshold={threshold} /dex (max {rho.max():.3g} /dex); "
            "lower the threshold"
        )
    y_lo, y_hi = y[dense].min(), y[dense].max()
    weights = 1.0 / rho
    weights[y < y_lo] = 1.0 / kde(y_lo)[0]
    weights[y > y_hi] = 1.0 / kde(y_hi)[0]

    if y_err is not None:
        err = np.asarray(y_err, dtype=np.float64).ravel()
        if err.shape != y.shape:
            raise ValueError(f"y_err has {err.size} values for {y.size} labels")
        bad = ~np.isfinite(err) | (err <= 0)
        if bad.any():
            raise ValueError(f"y_err must be finite and > 0; bad at positions {np.flatnonzero(bad)[:10].tolist()}")
        weights = weights / err**2

    span = weights.max() - weights.min()
    if span <= 0:
        return np.ones_like(weights)
    return floor + (1.0 - floor) * (weights - weights.min()) / span
