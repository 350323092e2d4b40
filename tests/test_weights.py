"""density_weights against values computed by hand, and its properties."""

import numpy as np
import pytest
from scipy.stats import gaussian_kde

from rrlsk.weights import density_weights

# Hand computation for y = [0, 1, 3] (dex): mean 4/3, sample std
# sqrt(7/3) = 1.527525; Scott's bandwidth h = std * 3**(-1/5) = 1.226208;
# rho(y_i) = sum_j phi((y_i - y_j) / h) / (3 h) with phi the unit normal
# density = [0.191656, 0.214895, 0.142565] /dex; w = 1 / rho, min-max
# scaled to [floor, 1].
Y3 = np.array([0.0, 1.0, 3.0])


def test_three_labels_by_hand():
    # floor 0.01: 0.01 + 0.99 * (1/rho - min) / (max - min) = [0.2466, 0.01, 1]
    np.testing.assert_allclose(density_weights(Y3, threshold=0.0), [0.246611, 0.01, 1.0], atol=2e-6)


def test_tail_held_at_the_last_dense_label_by_hand():
    # threshold 0.167 /dex: y = 3 (rho 0.1426) is a tail above y_hi = 1, so
    # it gets 1 / rho(1); the weights [1/0.1917, 1/0.2149, 1/0.2149] scale
    # to [1, floor, floor]
    np.testing.assert_allclose(density_weights(Y3, threshold=0.167), [1.0, 0.01, 0.01], atol=1e-12)


def test_label_errors_by_hand():
    # w = 1 / (rho err**2) with err = [0.1, 0.2, 0.1] dex:
    # [521.77, 116.34, 701.44] -> floor 0.05: [0.708284, 0.05, 1]
    weights = density_weights(Y3, y_err=np.array([0.1, 0.2, 0.1]), threshold=0.0, floor=0.05)
    np.testing.assert_allclose(weights, [0.708284, 0.05, 1.0], atol=2e-6)


@pytest.fixture
def labels():
    rng = np.random.default_rng(0)
    y = np.concatenate([rng.normal(-1.5, 0.4, 900), rng.uniform(-3, 0.5, 100)])
    err = rng.uniform(0.05, 0.4, y.size)
    return y, err


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
