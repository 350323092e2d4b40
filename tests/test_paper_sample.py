"""make_paper_sample: the simulated sample selected with the paper's cuts."""

import numpy as np
import pandas as pd
import pytest

from rrlsk.datasets import make_paper_sample


@pytest.fixture(scope="module")
def paper_sample():
    return make_paper_sample(60, random_state=3)


def test_every_star_passes_the_papers_cuts(paper_sample):
    X, y, info = paper_sample
    assert len(X) == len(y) == len(info) == 60
    assert (info["feh_error"] <= 0.4).all()
    assert (info["amplitude_fit"] <= 1.4).all()
    assert (info["n_epochs"] >= 50).all()
    assert (info["phi31_fit_error"] <= 0.1).all()
    assert all(len(t) >= 50 for t in X["time"])
    assert X.index.equals(y.index) and X.index.is_monotonic_increasing


def test_selection_table_counts_add_up(paper_sample):
    cuts = pd.DataFrame(paper_sample[2].attrs["selection"])
    assert cuts["cut"].iloc[0] == "input"
    np.testing.assert_array_equal(cuts["n_remaining"].iloc[:-1].to_numpy() - cuts["n_removed"].iloc[1:].to_numpy(),
                                  cuts["n_remaining"].iloc[1:].to_numpy())
    assert cuts["n_remaining"].iloc[-1] >= 60


def test_same_seed_same_sample(paper_sample):
    X, y, _ = make_paper_sample(60, random_state=3)
    pd.testing.assert_series_equal(y, paper_sample[1])
    np.testing.assert_array_equal(X["mag"].iloc[7], paper_sample[0]["mag"].iloc[7])


def test_cuts_can_be_changed_and_impossible_cuts_are_explained():
    _, _, info = make_paper_sample(20, random_state=1, min_epochs=100)
    assert (info["n_epochs"] >= 100).all()
    with pytest.raises(ValueError, match="fewer than the 5 wanted"):
        make_paper_sample(5, random_state=1, min_epochs=10_000)
    with pytest.raises(ValueError, match="n_stars"):
        make_paper_sample(0)
