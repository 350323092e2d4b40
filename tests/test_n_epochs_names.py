"""``n_points`` is the spline grid's length; a star's observed points are ``n_epochs``.

The observed count used to be called ``n_points`` too; its former name still
reads it (a deprecated copy of the column, a ``FutureWarning`` elsewhere).
"""

import numpy as np
import pytest

from rrlsk.datasets import light_curve_statistics, load_dekany2022_demo, make_gaia_rrab, subsample_epochs
from rrlsk.fourier import fit_fourier
from rrlsk.preprocessing import PhaseFolder, check_light_curves


@pytest.fixture(scope="module")
def sample():
    return make_gaia_rrab(12, random_state=0)


def test_check_light_curves_counts_epochs_and_keeps_the_old_column(sample):
    X = sample[0]
    report = check_light_curves(X)
    lengths = X["mag"].map(len).to_numpy()
    np.testing.assert_array_equal(report["n_epochs"], lengths)
    np.testing.assert_array_equal(report["n_points"], report["n_epochs"])


def test_dekany2022_info_names_the_observed_count():
    _, _, info = load_dekany2022_demo()
    assert {"n_epochs", "n_points"} <= set(info.columns)
    assert (info["n_points"] == info["n_epochs"]).all()


def test_fourier_info_and_subsampling_keep_their_old_names(sample):
    X = sample[0]
    folded = PhaseFolder().fit_transform(X)
    phase = np.concatenate(folded["phase"].to_list())
    mag = np.concatenate(folded["mag"].to_list())
    offsets = np.concatenate([[0], np.cumsum(folded["mag"].map(len))])
    _, info = fit_fourier(phase, mag, offsets, 4, return_info=True)
    with pytest.warns(FutureWarning, match="renamed n_epochs"):
        np.testing.assert_array_equal(info.n_points, info.n_epochs)
    stats = light_curve_statistics(phase, mag, offsets)
    assert (stats["n_epochs"] == stats["n_points"]).all()
    want = np.full(len(X), 20)
    with pytest.warns(FutureWarning, match="renamed n_epochs"):
        old = subsample_epochs(X, n_points=want, random_state=0)
    new = subsample_epochs(X, want, random_state=0)
    for a, b in zip(old, new):
        np.testing.assert_array_equal(a, b)
