"""density_weights against a direct scipy/numpy computation."""

import numpy as np
import pytest
from scipy.stats import gaussian_kde

from rrlsk.weights import density_weights


def direct(y, y_err, threshold, floor):
    kde = gaussian_kde(y)
    rho = kde(y)
    w = 1.0 / rho
    lo, hi = y[rho > threshold].min(), y[rho > threshold].max()
    w[y < lo] = 1.0 / kde(lo)[0]
    w[y > hi] = 1.0 / kde(hi)[0]
    if y_err is not None:
        w = w / y_err**2
    return floor + (1 - floor) * (w - w.min()) / (w.max() - w.min())


@pytest.fixture
def labels():
    rng = np.random.default_rng(0)
    y = np.concatenate([rng.normal(-1.5, 0.4, 900), rng.uniform(-3, 0.5, 100)])
    err = rng.uniform(0.05, 0.4, y.size)
    return y, err


def test_matches_direct_formula(labels):
    y, err = labels
    np.testing.assert_allclose(density_weights(y), direct(y, None, 0.5, 0.01), rtol=1e-12)
    np.testing.assert_allclose(density_weights(y, err, 0.3, 0.05), direct(y, err, 0.3, 0.05), rtol=1e-12)


def test_tails_flat_range_and_rarity(labels):
    y, _ = labels
    w = density_weights(y)
    assert w.min() == pytest.approx(0.01) and w.max() == pytest.approx(1.0)
    rho = gaussian_kde(y)(y)
    tail = y < y[rho > 0.5].min()
    assert tail.sum() > 5 and np.ptp(w[tail]) == 0.0  # held flat below the dense region
    assert w[np.argmin(np.abs(y + 1.5))] < w[np.argmin(np.abs(y + 0.7))]  # peak weighs less


def test_errors():
    y = np.array([-1.0, -1.2, -1.5, -2.0])
    with pytest.raises(ValueError, match="threshold"):
        density_weights(y, threshold=100.0)
    with pytest.raises(ValueError, match="y_err"):
        density_weights(y, y_err=np.array([0.1, 0.0, 0.1, 0.1]))
    with pytest.raises(ValueError, match="distinct"):
        density_weights(np.ones(5))
    with pytest.raises(ValueError, match="NaN"):
        density_weights(np.array([-1.0, np.nan, -2.0]))
    with pytest.raises(ValueError, match="floor"):
        density_weights(y, floor=1.0)
