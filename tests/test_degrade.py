"""LightCurveDegrader: determinism, epoch counts, noise law, mapping back, errors."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

import rrlsk
from rrlsk.datasets import RRabPopulation
from rrlsk.degrade import LightCurveDegrader
from rrlsk.photometry import GaiaGNoise, transit_sigma
from rrlsk.preprocessing import check_light_curves


@pytest.fixture(scope="module")
def sample():
    return rrlsk.datasets.make_gaia_rrab(400, random_state=7)


def test_same_seed_same_copies(sample):
    X, _, _ = sample
    a, info_a = LightCurveDegrader(n_copies=2, random_state=1).degrade(X)
    b, info_b = clone(LightCurveDegrader(n_copies=2, random_state=1)).degrade(X)
    c, _ = LightCurveDegrader(n_copies=2, random_state=2).degrade(X)
    for column in ("time", "mag", "mag_err"):
        assert all(np.array_equal(u, v) for u, v in zip(a[column], b[column]))
    assert info_a.equals(info_b)
    assert not all(len(u) == len(v) and np.array_equal(u, v) for u, v in zip(a["mag"], c["mag"]))


def test_epochs_kept_within_bounds_and_in_time_order(sample):
    X, _, _ = sample
    n = X["mag"].map(len).to_numpy()
    X_deg, info = LightCurveDegrader(n_copies=3, min_epochs=25, random_state=0).degrade(X)
    kept = info["n_epochs"].to_numpy()
    origin = info["origin"].to_numpy()
    assert np.array_equal(X_deg["mag"].map(len).to_numpy(), kept)
    assert np.all(kept >= np.minimum(25, n[origin])) and np.all(kept <= n[origin])
    rich = n[origin] >= 50
    assert (kept == 25).any() and (kept[rich] < n[origin][rich]).mean() > 0.9  # most copies lose epochs
    for copy, star in zip(X_deg.itertuples(), origin):
        assert np.all(np.diff(copy.time) > 0) and np.isin(copy.time, X["time"].iat[star]).all()
    assert check_light_curves(X_deg)["ok"].all()
    # a star with fewer epochs than min_epochs keeps all of them
    _, info = LightCurveDegrader(min_epochs=1000, random_state=0).degrade(X)
    assert np.array_equal(info["n_epochs"].to_numpy(), n)


def test_dimming_follows_the_noise_law(sample):
    X, _, truth = sample
    X_deg, info = LightCurveDegrader(n_copies=2, max_dimming=3.0, random_state=0).degrade(X)
    origin, dimming = info["origin"].to_numpy(), info["dimming"].to_numpy()
    assert dimming.min() >= 0 and dimming.max() <= 3.0
    ratio = np.empty(len(X_deg))
    pulls = []
    for i, (copy, star) in enumerate(zip(X_deg.itertuples(), origin)):
        where = np.searchsorted(X["time"].iat[star], copy.time)
        mag, err = X["mag"].iat[star][where], X["mag_err"].iat[star][where]
        assert np.all(copy.mag_err >= err)
        ratio[i] = np.median(copy.mag_err / err)
        extra = np.sqrt(copy.mag_err**2 - err**2)
        pulls.append((copy.mag - mag - dimming[i])[extra > 0] / extra[extra > 0])
    assert np.corrcoef(ratio, dimming)[0, 1] > 0.8  # errors grow with the dimming
    pulls = np.concatenate(pulls)
    assert abs(pulls.mean()) < 0.05 and abs(pulls.std() - 1) < 0.05  # the added noise has the new errors
    # at its new magnitude a copy has the errors of a simulated star there
    population = RRabPopulation()
    new_g = truth["mean_g"].to_numpy()[origin] + dimming
    copies = X_deg["mag_err"].map(np.median).to_numpy() / transit_sigma(population, new_g)
    stars = X["mag_err"].map(np.median).to_numpy() / transit_sigma(population, truth["mean_g"].to_numpy())
    assert abs(np.median(copies) / np.median(stars) - 1) < 0.05


def test_noise_law_is_the_simulators(sample):
    """The default law is the default population's; a population or a bare law may be given."""
    X, _, _ = sample
    assert GaiaGNoise() == GaiaGNoise(*(getattr(RRabPopulation(), f) for f in GaiaGNoise.__dataclass_fields__))
    from rrlsk.datasets._population import transit_sigma as old_home  # old code and pickles name it there

    assert old_home is transit_sigma
    default, _ = LightCurveDegrader(random_state=0).degrade(X)
    for law in (GaiaGNoise(), RRabPopulation()):
        same, _ = LightCurveDegrader(population=law, random_state=0).degrade(X)
        assert all(np.array_equal(u, v) for u, v in zip(default["mag_err"], same["mag_err"]))
    # a law limited by its floor barely grows the errors of a fainter copy
    floor, _ = LightCurveDegrader(population=GaiaGNoise(noise_floor=1.0), random_state=0).degrade(X)
    median_error = {name: np.median(np.concatenate(copies["mag_err"].to_list())) for name, copies in
                    (("star", X), ("floor", floor), ("default", default))}
    assert abs(median_error["floor"] / median_error["star"] - 1) < 0.05 < median_error["default"] / median_error["star"] - 1


def test_no_dimming_keeps_magnitudes(sample):
    X, _, _ = sample
    X_deg, info = LightCurveDegrader(max_dimming=0.0, random_state=0).degrade(X)
    for copy, star in zip(X_deg.itertuples(), info["origin"]):
        where = np.searchsorted(X["time"].iat[star], copy.time)
        assert np.array_equal(copy.mag, X["mag"].iat[star][where])
        assert np.array_equal(copy.mag_err, X["mag_err"].iat[star][where])


def test_copies_map_back_to_their_stars(sample):
    X, y, _ = sample
    X_deg, info = LightCurveDegrader(n_copies=2, random_state=0).degrade(X)
    assert X_deg.index.is_unique and (X_deg.index < 0).all() and X_deg.index.name == X.index.name
    assert info.index.equals(X_deg.index)
    origin = info["origin"].to_numpy()
    assert np.array_equal(origin, np.tile(np.arange(len(X)), 2))
    assert np.array_equal(info["copy"].to_numpy(), np.repeat([0, 1], len(X)))
    assert np.array_equal(info["origin_id"].to_numpy(), X.index.to_numpy()[origin])
    for column in ("period", "epoch", "type"):
        assert np.array_equal(X_deg[column].to_numpy(), X[column].to_numpy()[origin])
    assert np.array_equal(np.asarray(y)[origin], y.loc[info["origin_id"]].to_numpy())


def test_errors(sample):
    X, _, _ = sample
    with pytest.raises(ValueError, match="mag_err"):
        LightCurveDegrader().degrade(X.drop(columns="mag_err"))
    X_rejected, _, _ = rrlsk.datasets.make_gaia_rrab(5, random_state=0, keep_rejected=True)
    with pytest.raises(ValueError, match="rejected"):
        LightCurveDegrader().degrade(X_rejected)
    short = X.iloc[:3].copy()
    short["mag_err"] = [e[:-1] for e in short["mag_err"]]
    with pytest.raises(ValueError, match="differ in length"):
        LightCurveDegrader().degrade(short)
    for params in ({"n_copies": 0}, {"min_epochs": 0}, {"max_dimming": -1.0}, {"population": "gaia"}):
        with pytest.raises(InvalidParameterError):
            LightCurveDegrader(**params).degrade(X)
