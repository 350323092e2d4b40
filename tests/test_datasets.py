"""Tests of the simulated Gaia DR3 RRab sample (rrlsk.datasets)."""

import time

import numpy as np
import pandas as pd
import pytest

from rrlsk import _ragged
from rrlsk.datasets import (
    REALISM_STATISTICS,
    RRabPopulation,
    feh_from_phi31,
    light_curve_statistics,
    load_demo,
    make_gaia_rrab,
    subsample_epochs,
    to_gaia_files,
    unwrap_phi31,
)
from rrlsk.fourier import evaluate_fourier, fit_fourier, fourier_parameters
from rrlsk.io import read_gaia_dr3, read_vari_rrlyrae

ARRAYS = ("time", "mag", "mag_err")

# noiseless, unmodulated, densely sampled stars: the truth must come back exactly
CLEAN = RRabPopulation(
    noise_floor=0.0, noise_at_g17=1e-9, noise_background_g17=0.0, noise_star_spread=0.0,
    outlier_fraction=0.0, blazhko_fraction=0.0, period_error=0.0, relation_scatter=0.0,
    epochs_median=120, epochs_range=(100, 150), label_order=8,
)


@pytest.fixture(scope="module")
def sample():
    return make_gaia_rrab(300, random_state=11)


def _same_frames(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if not (a.index.equals(b.index) and list(a.columns) == list(b.columns)):
        return False
    for column in a.columns:
        if a[column].dtype == object:
            if not all(np.array_equal(u, v) for u, v in zip(a[column], b[column])):
                return False
        elif not pd.api.types.is_numeric_dtype(a[column]):
            if not a[column].equals(b[column]):
                return False
        elif not np.array_equal(a[column].to_numpy(), b[column].to_numpy(), equal_nan=True):
            return False
    return True


def test_same_seed_same_sample_other_seed_other(sample):
    X, y, info = sample
    X2, y2, info2 = make_gaia_rrab(300, random_state=11)
    assert _same_frames(X, X2) and y.equals(y2) and _same_frames(info, info2)
    X3, _, _ = make_gaia_rrab(300, random_state=12)
    assert not np.array_equal(X["period"], X3["period"])


def test_single_star_and_generator_seed():
    X, y, info = make_gaia_rrab(1, random_state=np.random.default_rng(3))
    assert X.shape == (1, 6) and np.isfinite(y).all() and info["n_epochs"].iloc[0] >= 18


def test_light_curve_table_contract(sample):
    X, y, info = sample
    pop = RRabPopulation()
    assert list(X.columns) == [*ARRAYS, "period", "epoch", "type"] and (X["type"] == "RRab").all()
    assert X.index.name == "source_id" and X.index.dtype == np.int64
    assert X.index.is_monotonic_increasing and X.index.is_unique
    assert y.name == "feh" and y.index.equals(X.index) and info.index.equals(X.index)
    for t, m, e in zip(X["time"], X["mag"], X["mag_err"]):
        assert t.dtype == m.dtype == e.dtype == np.float64 and len(t) == len(m) == len(e)
        assert np.all(np.diff(t) > 0)
    time_flat, offsets = _ragged.flatten(X["time"].to_numpy())
    assert pop.time_range[0] <= time_flat.min() and time_flat.max() <= pop.time_range[1]
    np.testing.assert_array_equal(np.diff(offsets), info["n_epochs"])
    assert info["n_epochs"].add(info["n_rejected"]).between(*pop.epochs_range).all()
    # Gaia's two fields of view: many consecutive transits 106.5 min apart
    gaps = np.diff(time_flat)[np.diff(np.repeat(np.arange(len(X)), np.diff(offsets))) == 0]
    assert np.mean(np.isclose(gaps, 106.5 / 1440.0, atol=1e-9)) > 0.3
    assert info["feh_true"].between(*pop.feh_range).all()
    assert info["period_true"].between(*pop.period_range).all()
    assert info["amplitude"].between(*pop.amplitude_range).all()
    assert info["mean_g"].between(*pop.mean_g_range).all()
    assert np.isfinite(y).all() and (info["feh_error"] > 0).all()


def test_population_is_rrab_like():
    _, _, info = make_gaia_rrab(3000, random_state=5)
    assert -1.7 < info["feh_true"].median() < -1.35
    assert info["feh_true"].quantile(0.01) < -2.4 and info["feh_true"].quantile(0.99) > -0.6
    assert 0.55 < info["period_true"].mean() < 0.61
    # metal-poor stars pulsate longer; larger amplitude at shorter period (Bailey)
    assert np.corrcoef(info["feh_true"], info["period_true"])[0, 1] < -0.2
    assert np.corrcoef(np.log10(info["period_true"]), info["amplitude"])[0, 1] < -0.3
    assert 0.25 < info["feh_error"].median() < 0.4


def test_noise_grows_with_magnitude(sample):
    X, _, info = sample
    err = np.array([np.median(e) for e in X["mag_err"]])
    g = info["mean_g"].to_numpy()
    assert np.median(err[np.abs(g - 13.5) < 1]) < 0.004
    assert 0.008 < np.median(err[np.abs(g - 17) < 0.5]) < 0.018
    assert np.median(err[g > 19.5]) > 0.035


def test_known_truth_is_recovered_and_epoch_is_maximum_light():
    X, y, info = make_gaia_rrab(40, random_state=3, population=CLEAN)
    phase, offsets = _ragged.flatten(
        [np.mod((t - e) / p, 1.0) for t, e, p in zip(X["time"], X["epoch"], X["period"])]
    )
    mag, _ = _ragged.flatten(X["mag"].to_numpy())
    coefs = fit_fourier(phase, mag, offsets, CLEAN.order)
    par = fourier_parameters(coefs)
    np.testing.assert_allclose(par["R21"], info["R21"], atol=1e-6)
    np.testing.assert_allclose(par["R31"], info["R31"], atol=1e-6)
    np.testing.assert_allclose(par["phi21"], info["phi21"], atol=1e-5)
    np.testing.assert_allclose(unwrap_phi31(par["phi31"]), info["phi31"], atol=1e-5)
    np.testing.assert_allclose(par["amplitude"], info["amplitude"], atol=1e-5)
    np.testing.assert_allclose(par["int_average"], info["mean_g"], atol=1e-6)
    # phase 0 is maximum brightness (minimum magnitude)
    grid = np.linspace(-0.05, 0.05, 1001)
    curves = evaluate_fourier(coefs, grid)
    assert np.all(np.abs(grid[np.argmin(curves, axis=1)]) <= 2e-4)
    # without scatter or noise, photometric labels are the truth
    np.testing.assert_allclose(y, info["feh_true"], atol=1e-5)


def test_photometric_labels_follow_their_relation(sample):
    X, y, info = sample
    pop = RRabPopulation()
    np.testing.assert_allclose(y, feh_from_phi31(X["period"], info["phi31_fit"], pop.relation), atol=1e-12)
    c0, c1, c2 = pop.relation
    np.testing.assert_allclose(y, c0 + c1 * X["period"] + c2 * info["phi31_fit"], atol=1e-12)
    expected = np.sqrt(pop.relation_scatter**2 + (c2 * info["phi31_fit_error"]) ** 2
                       + (c1 * pop.period_error) ** 2)
    np.testing.assert_allclose(info["feh_error"], expected)
    # the noiseless phi31 sits on the relation up to its intrinsic scatter
    resid = feh_from_phi31(info["period_true"], info["phi31"]) - info["feh_true"]
    assert abs(resid.std() - pop.relation_scatter) < 0.05


def test_spectroscopic_labels_same_curves(sample):
    X, _, _ = sample
    Xs, ys, infos = make_gaia_rrab(300, labels="spectroscopic", random_state=11)
    assert _same_frames(X, Xs)
    assert infos["feh_error"].between(0.10, 0.15).all()
    pull = (ys - infos["feh_true"]) / infos["feh_error"]
    assert 0.8 < pull.std() < 1.2 and abs(pull.mean()) < 0.2


def test_keep_rejected_holds_the_flagged_transits(sample):
    X, _, info = sample
    Xr, _, _ = make_gaia_rrab(300, random_state=11, keep_rejected=True)
    assert "rejected" in Xr
    np.testing.assert_array_equal([r.sum() for r in Xr["rejected"]], info["n_rejected"])
    assert info["n_rejected"].sum() > 0
    for column in ARRAYS:
        for full, flags, kept in zip(Xr[column], Xr["rejected"], X[column]):
            np.testing.assert_array_equal(full[~flags], kept)


@pytest.mark.parametrize("fmt, per_star", [("csv", False), ("ecsv", False), ("votable", True), ("fits", False)])
def test_gaia_files_round_trip(tmp_path, fmt, per_star):
    X, y, info = make_gaia_rrab(12, random_state=4)
    Xr, _, info_r = make_gaia_rrab(12, random_state=4, keep_rejected=True)
    paths = to_gaia_files(Xr, info_r, tmp_path, format=fmt, per_star=per_star)
    X2, y2, info2 = read_gaia_dr3(paths["epoch_photometry"], paths["vari_rrlyrae"], labels=paths["labels"])
    assert _same_frames(X, X2[X.columns])
    assert y.equals(y2)
    np.testing.assert_array_equal(info2["n_rejected"], info["n_rejected"])
    table = read_vari_rrlyrae(paths["vari_rrlyrae"])
    # Gaia's cosine convention: phi31_g = phi31(sine) - pi
    np.testing.assert_allclose(np.mod(table["phi31_g"] + np.pi, 2 * np.pi),
                               np.mod(info["phi31_fit"], 2 * np.pi), atol=1e-5)
    np.testing.assert_array_equal(table["num_clean_epochs_g"], info["n_epochs"])
    np.testing.assert_allclose(table["metallicity"], y, atol=1e-5)
    assert (table["best_classification"] == "RRab").all()
    if per_star:
        assert len(list(paths["epoch_photometry"].iterdir())) == 12
    # the folder layout alone is enough for the reader
    X3, y3, _ = read_gaia_dr3(tmp_path)
    assert _same_frames(X, X3[X.columns]) and y.equals(y3)


def test_gaia_files_flux_matches_zero_point(tmp_path):
    from astropy.table import Table

    from rrlsk.io.gaia import G_ZEROPOINT

    X, _, info = make_gaia_rrab(3, random_state=1)
    paths = to_gaia_files(X, info, tmp_path, format="fits")
    rows = Table.read(paths["epoch_photometry"])
    np.testing.assert_allclose(-2.5 * np.log10(rows["flux"]) + G_ZEROPOINT, rows["mag"], atol=1e-10)
    assert set(rows["band"]) == {"G"} and not rows["rejected_by_variability"].any()


def test_load_demo_is_fixed_small_and_paper_like():
    start = time.perf_counter()
    X, y = load_demo()
    assert time.perf_counter() - start < 2.0
    X2, y2, info = load_demo(return_info=True)
    assert len(X) == 1000 and _same_frames(X, X2) and y.equals(y2)
    assert (info["n_epochs"] + info["n_rejected"] >= 50).all()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_stars": 0}, "n_stars"),
        ({"n_stars": 2.5}, "n_stars"),
        ({"labels": "psychic"}, "labels"),
        ({"population": {"order": 3}}, "RRabPopulation"),
        ({"population": RRabPopulation(period_range=(0.9, 0.4))}, "period_range"),
        ({"population": RRabPopulation(label_order=12)}, "label_order"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_gaia_rrab(**{"n_stars": 5, **kwargs})


def test_to_gaia_files_bad_arguments(tmp_path, sample):
    X, _, info = sample
    with pytest.raises(ValueError, match="format"):
        to_gaia_files(X, info, tmp_path, format="parquet")
    with pytest.raises(ValueError, match="mag_err"):
        to_gaia_files(X.drop(columns="mag_err"), info, tmp_path)
    with pytest.raises(ValueError, match="phi31_fit"):
        to_gaia_files(X, info.drop(columns="phi31_fit"), tmp_path)


def test_subsample_epochs_caps_and_folds(sample):
    X, _, info = sample
    want = np.full(len(X), 25)
    phase, mag, offsets = subsample_epochs(X, want, random_state=0)
    np.testing.assert_array_equal(np.diff(offsets), np.minimum(want, info["n_epochs"]))
    assert phase.min() >= 0 and phase.max() < 1
    first = set(X["mag"].iloc[0])
    assert set(mag[offsets[0]:offsets[1]]) <= first


def test_medians_match_real_dr2_curves(dr2_curves):
    """Simulated curves, cut to DR2-like point counts, have the real DR2
    curves' median amplitude, R21, R31, phi21, phi31 and residual scatter
    (within 10 %)."""
    rng = np.random.default_rng(0)
    ids = rng.choice(sorted(dr2_curves), size=min(2000, len(dr2_curves)), replace=False)
    phase, offsets = _ragged.flatten([dr2_curves[i][0] for i in ids])
    mag, _ = _ragged.flatten([dr2_curves[i][1] for i in ids])
    real = light_curve_statistics(phase, mag, offsets)
    X, _, _ = make_gaia_rrab(2000, random_state=1)
    sim = light_curve_statistics(*subsample_epochs(X, rng.choice(np.diff(offsets), len(X)), 1))
    for name in REALISM_STATISTICS:
        ratio = sim[name].median() / real[name].median()
        assert abs(ratio - 1) < 0.10, f"{name}: simulated/real median = {ratio:.3f}"
