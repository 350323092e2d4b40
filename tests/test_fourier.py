"""Tests of the vectorised Fourier decomposition (rrlsk.fourier)."""

import warnings

import numpy as np
import pytest

from rrlsk._ragged import flatten
from rrlsk.fourier import evaluate_fourier, fit_fourier, fourier_parameters, n_coefficients

TWO_PI = 2.0 * np.pi
# sine-convention truth: m = A0 + sum A_k sin(2 pi k phase + phi_k)
A0 = 15.3
AMPS = np.array([0.32, 0.16, 0.11, 0.07, 0.04])
PHIS = np.array([1.1, 5.9, 3.3, 0.4, 2.2])


def _sine_curve(phase, amps=AMPS, phis=PHIS):
    k = np.arange(1, len(amps) + 1)
    return A0 + np.sum(amps * np.sin(TWO_PI * np.multiply.outer(phase, k) + phis), axis=-1)


@pytest.fixture
def noiseless():
    rng = np.random.default_rng(3)
    phases = [rng.random(n) for n in (40, 23, 200)]
    phase, offsets = flatten(phases)
    return phase, _sine_curve(phase), offsets


def test_exact_recovery_sine_convention(noiseless):
    phase, mag, offsets = noiseless
    coefs = fit_fourier(phase, mag, offsets, order=5)
    assert coefs.shape == (3, n_coefficients(5))
    par = fourier_parameters(coefs, convention="sine")
    np.testing.assert_allclose(par["A0"], A0, atol=1e-10)
    np.testing.assert_allclose(par[["A1", "A2", "A3", "A4", "A5"]], np.tile(AMPS, (3, 1)), atol=1e-10)
    np.testing.assert_allclose(par["R21"], AMPS[1] / AMPS[0], atol=1e-10)
    np.testing.assert_allclose(par["R31"], AMPS[2] / AMPS[0], atol=1e-10)
    np.testing.assert_allclose(par["phi21"], (PHIS[1] - 2 * PHIS[0]) % TWO_PI, atol=1e-9)
    np.testing.assert_allclose(par["phi31"], (PHIS[2] - 3 * PHIS[0]) % TWO_PI, atol=1e-9)


def test_cosine_convention_matches_independent_cosine_truth():
    # a curve written directly in the cosine convention
    amps, psis = np.array([0.3, 0.12, 0.09]), np.array([0.7, 2.0, 4.5])
    phase = np.linspace(0, 1, 60, endpoint=False)
    k = np.arange(1, 4)
    mag = 16.0 + np.sum(amps * np.cos(TWO_PI * np.multiply.outer(phase, k) + psis), axis=-1)
    coefs = fit_fourier(phase, mag, np.array([0, 60]), order=3)
    cos = fourier_parameters(coefs, convention="cosine").iloc[0]
    sin = fourier_parameters(coefs, convention="sine").iloc[0]
    assert cos["phi31"] == pytest.approx((psis[2] - 3 * psis[0]) % TWO_PI, abs=1e-9)
    assert cos["phi21"] == pytest.approx((psis[1] - 2 * psis[0]) % TWO_PI, abs=1e-9)
    # documented conversions: phi31(sin) = phi31(cos) + pi, phi21(sin) = phi21(cos) - pi/2
    assert sin["phi31"] == pytest.approx((cos["phi31"] + np.pi) % TWO_PI, abs=1e-9)
    assert sin["phi21"] == pytest.approx((cos["phi21"] - np.pi / 2) % TWO_PI, abs=1e-9)
    assert sin["R21"] == pytest.approx(cos["R21"]) == pytest.approx(0.4)


def test_matches_per_star_lstsq_with_weights_and_rms():
    rng = np.random.default_rng(7)
    phases = [rng.random(n) for n in (30, 55)]
    errs = [rng.uniform(0.01, 0.05, len(p)) for p in phases]
    mags = [_sine_curve(p) + rng.normal(0, e) for p, e in zip(phases, errs)]
    phase, offsets = flatten(phases)
    mag, _ = flatten(mags)
    err, _ = flatten(errs)
    coefs, info = fit_fourier(phase, mag, offsets, 4, weights=err**-2, return_info=True)
    for i, (p, m, e) in enumerate(zip(phases, mags, errs)):
        design = np.column_stack(
            [np.ones_like(p)]
            + [f(TWO_PI * k * p) for k in range(1, 5) for f in (np.sin, np.cos)]
        )
        ref = np.linalg.lstsq(design / e[:, None], m / e, rcond=None)[0]
        np.testing.assert_allclose(coefs[i], ref, atol=1e-9)
        resid = m - design @ ref
        assert info.rms[i] == pytest.approx(np.sqrt(np.sum(resid**2 / e**2) / np.sum(e**-2)), rel=1e-6)
    np.testing.assert_array_equal(info.n_epochs, [30, 55])


def test_too_few_points_and_degenerate_phases_give_nan():
    rng = np.random.default_rng(1)
    phases = [
        rng.random(30),  # fine
        rng.random(6),  # fewer than 2*3+1 points
        np.repeat([0.1, 0.6], 10),  # 20 points at only two phases
        np.empty(0),  # no points
    ]
    phase, offsets = flatten(phases)
    coefs, info = fit_fourier(phase, _sine_curve(phase), offsets, 3, return_info=True)
    np.testing.assert_array_equal(info.ok, [True, False, False, False])
    assert np.isfinite(coefs[0]).all()
    assert np.isnan(coefs[1:]).all()
    par = fourier_parameters(coefs)
    assert par.loc[1:, "phi31"].isna().all()


def test_evaluate_and_peak_to_peak():
    phase = np.linspace(0, 1, 80, endpoint=False)
    mag = _sine_curve(phase)
    coefs = fit_fourier(phase, mag, np.array([0, 80]), 5)
    grid = np.linspace(0, 1, 7)
    np.testing.assert_allclose(evaluate_fourier(coefs, grid)[0], _sine_curve(grid), atol=1e-10)
    np.testing.assert_allclose(
        evaluate_fourier(np.vstack([coefs, coefs]), np.vstack([grid, grid[::-1]]))[1],
        _sine_curve(grid[::-1]),
        atol=1e-10,
    )
    dense = _sine_curve(np.linspace(0, 1, 200_001))
    assert fourier_parameters(coefs)["amplitude"].iloc[0] == pytest.approx(np.ptp(dense), abs=1e-5)


def test_low_order_has_nan_r31_and_index_is_kept():
    phase = np.linspace(0, 1, 20, endpoint=False)
    coefs = fit_fourier(phase, _sine_curve(phase, AMPS[:2], PHIS[:2]), np.array([0, 20]), 2)
    par = fourier_parameters(coefs, index=[123])
    assert par.index.tolist() == [123]
    assert np.isnan(par.loc[123, "phi31"]) and np.isfinite(par.loc[123, "phi21"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"order": 0}, "order"),
        ({"order": 2, "weights": -np.ones(10)}, "weights"),
        ({"order": 2, "offsets": np.array([0, 4])}, "offsets"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"phase": np.linspace(0, 1, 10), "mag": np.ones(10), "offsets": np.array([0, 10])}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        fit_fourier(**args)
    with pytest.raises(ValueError, match="convention"):
        fourier_parameters(np.ones((1, 5)), convention="tangent")


def test_intensity_average_and_ragged_evaluation():
    phase = np.linspace(0, 1, 64, endpoint=False)
    coefs = fit_fourier(phase, _sine_curve(phase), np.array([0, 64]), 5)
    dense = _sine_curve(np.linspace(0, 1, 100_000, endpoint=False))
    expected = -2.5 * np.log10(np.mean(10 ** (-0.4 * dense)))
    assert fourier_parameters(coefs)["int_average"].iloc[0] == pytest.approx(expected, abs=1e-9)
    # intensity mean is brighter than the magnitude mean of a varying star
    assert expected < A0
    two = np.vstack([coefs, coefs + np.eye(1, coefs.shape[1])])  # second star 1 mag fainter
    flat, offsets = flatten([np.array([0.1, 0.7]), np.array([0.3])])
    np.testing.assert_allclose(
        evaluate_fourier(two, flat, offsets),
        [_sine_curve(0.1), _sine_curve(0.7), _sine_curve(0.3) + 1.0],
        atol=1e-10,
    )
    with pytest.raises(ValueError, match="offsets"):
        evaluate_fourier(two, flat, np.array([0, 3]))


def test_intensity_average_is_finite_for_fluxes_given_as_magnitudes():
    # a flux curve of amplitude 20,000 passed as "magnitudes": 10**(0.4 * 20000)
    # overflows; the log-sum-exp mean stays finite, between the brightest grid
    # point and that point's flux alone averaged over the 1024-point grid
    coefs = np.array([[50_000.0, 20_000.0, 0.0]])  # A0, sine and cosine terms of one harmonic
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params = fourier_parameters(coefs)
    brightest = 50_000.0 - 20_000.0
    assert np.isfinite(params["int_average"].iloc[0])
    assert brightest <= params["int_average"].iloc[0] <= brightest + 2.5 * np.log10(1024)
