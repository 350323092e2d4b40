"""Preprocessing transformers on synthetic curves with known truth."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from rrlsk.preprocessing import (
    MASK_VALUE,
    FourierFeatures,
    MeanMagSubtractor,
    PhaseFolder,
    SequenceEncoder,
    SequencePadder,
    SplineResampler,
    check_light_curves,
    from_sktime,
    to_sktime,
)
from rrlsk.preprocessing.spline import exact_smoothing_spline

# RRab-like sine-convention Fourier series: A_k (mag), phi_k (rad)
AMPS = np.array([0.30, 0.15, 0.10, 0.06, 0.04])
PHIS = np.array([0.5, 2.0, 4.1, 6.0, 1.7])


def rrab(phase, mean=15.0, amps=AMPS, phis=PHIS):
    k = np.arange(1, len(amps) + 1)
    return mean + np.sum(amps * np.sin(2 * np.pi * np.multiply.outer(phase, k) + phis), axis=-1)


def table(n_stars=5, n_points=60, period=0.6, epoch=0.3, seed=0, noise=0.0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_stars):
        t = np.sort(rng.uniform(0, 900, n_points + i))
        phase = np.mod((t - epoch) / period, 1.0)
        mag = rrab(phase, mean=15.0 + i) + noise * rng.standard_normal(len(t))
        rows.append({"time": t, "mag": mag, "mag_err": np.full(len(t), 0.01), "period": period,
                     "epoch": epoch, "extra": i})
    return pd.DataFrame(rows, index=pd.Index(np.arange(100, 100 + n_stars), name="source_id"))


def test_phase_folder_known_sinusoid():
    X = table(n_stars=3)
    out = PhaseFolder().fit_transform(X)
    for (_, row), (_, raw) in zip(out.iterrows(), X.iterrows()):
        expected = np.mod((raw["time"] - 0.3) / 0.6, 1.0)
        np.testing.assert_allclose(np.sort(expected), row["phase"], atol=1e-9)
        assert np.all(np.diff(row["phase"]) >= 0)
        assert np.all((row["phase"] >= 0) & (row["phase"] < 1))
        # arrays re-ordered together: mag still matches the phase
        np.testing.assert_allclose(row["mag"], rrab(row["phase"], mean=row["mean"] if "mean" in row else 15.0 + row["extra"]), atol=1e-9)
    assert out["extra"].tolist() == X["extra"].tolist()


def test_phase_folder_maximum_alignment():
    X = table(n_stars=3)
    X.loc[101, "epoch"] = np.nan  # not needed to find maximum light
    grid = np.arange(100000) / 100000
    peak = grid[np.argmin(rrab(grid))]  # phase of maximum light in the epoch fold
    out = PhaseFolder(align="maximum", order=5).fit_transform(X)
    # star 101 is folded at epoch 0 instead of 0.3 d: maximum 0.3 / 0.6 cycle later
    np.testing.assert_allclose(out["phase_shift"], [peak, np.mod(peak + 0.5, 1.0), peak], atol=2e-3)
    row = out.iloc[0]
    np.testing.assert_allclose(row["mag"], rrab(np.mod(row["phase"] + peak, 1.0), 15.0), atol=0.02)



def test_phase_folder_first_phase_alignment():
    """align='first_phase' zeroes the first Fourier phase (sine convention), whatever the epoch."""
    from rrlsk.fourier import fit_fourier

    X = table(n_stars=3)
    X.loc[101, "epoch"] = np.nan
    out = PhaseFolder(align="first_phase", order=5).fit_transform(X)
    phase, offsets = np.concatenate(out["phase"].to_numpy()), np.cumsum([0, *map(len, out["phase"])])
    coefs = fit_fourier(phase, np.concatenate(out["mag"].to_numpy()), offsets, 5)
    np.testing.assert_allclose(np.arctan2(coefs[:, 2], coefs[:, 1]), 0.0, atol=1e-9)
    assert (coefs[:, 1] > 0).all()  # A1 sin(2 pi phase) with A1 > 0
    # star 101 is folded at epoch 0 instead of 0.3 d: its shift is 0.3 / 0.6 cycle more
    shift = out["phase_shift"].to_numpy()
    np.testing.assert_allclose(np.mod(shift[1] - shift[0], 1.0), 0.5, atol=1e-6)

def test_spline_recovers_noiseless_curve_within_1_mmag():
    X = table(n_stars=4, n_points=120)
    # 120+ points: the GCV floor (half the mean point spacing) costs < 0.3
    # mmag here (3 mmag at 60 points). GCV for the batched spline; scipy's GCV stops short of lam -> 0 on
    # noiseless data, so the exact method gets a tiny fixed lam.
    for method, smoothing in (("pspline", "gcv"), ("exact", 1e-12)):
        chain = make_pipeline(PhaseFolder(), SplineResampler(n_points=100, smoothing=smoothing, method=method),
                              MeanMagSubtractor())
        out = chain.fit_transform(X)
        grid = np.arange(100) / 100
        truth = rrab(grid, mean=0.0) - rrab(grid, mean=0.0).mean()
        for curve in out["mag"]:
            assert np.abs(curve - truth).max() < 1e-3, method
        np.testing.assert_allclose(out["mean_mag"], 15.0 + np.arange(4), atol=1e-3)
        assert "time" not in out and "mag_err" not in out
        np.testing.assert_array_equal(out["phase"].iloc[2], grid)


def test_spline_gcv_noisy_curve_close_to_truth_and_to_exact():
    X = PhaseFolder().fit_transform(table(n_stars=3, n_points=150, noise=0.01, seed=3))
    fast = SplineResampler().fit_transform(X)
    exact = SplineResampler(method="exact").fit_transform(X)
    truth = rrab(np.arange(100) / 100)
    for i in range(3):
        assert np.sqrt(np.mean((fast["mag"].iloc[i] - i - truth) ** 2)) < 0.01
        assert np.abs(fast["mag"].iloc[i] - exact["mag"].iloc[i]).max() < 0.03
    assert (fast["spline_lam"] > 0).all()


def test_spline_handles_duplicated_phases():
    x = np.linspace(0, 1, 30, endpoint=False)
    phase = np.concatenate([x, x[:10]])  # 10 duplicated phases
    mag = rrab(phase) + np.where(np.arange(40) >= 30, 0.01, 0.0)
    order = np.argsort(phase, kind="stable")
    X = pd.DataFrame({"phase": [phase[order]], "mag": [mag[order]], "period": [0.5]},
                     index=pd.Index([7], name="source_id"))
    for method in ("pspline", "exact"):
        out = SplineResampler(n_points=50, method=method).fit_transform(X)
        assert np.all(np.isfinite(out["mag"].iloc[0]))
        assert np.abs(out["mag"].iloc[0] - rrab(np.arange(50) / 50)).max() < 0.05


def test_exact_spline_merges_duplicates_before_scipy():
    phase = np.array([0.1, 0.1, 0.3, 0.5, 0.5, 0.7, 0.8, 0.9])
    mag = np.array([1.0, 2.0, 0.0, 1.0, 1.0, 0.5, 0.2, 0.1])
    curve, _ = exact_smoothing_spline(phase, mag, np.array([0.1]), lam=1e-12)
    np.testing.assert_allclose(curve, [1.5], atol=1e-6)  # through the average of the duplicates


def test_spline_n_points_max_learns_longest_curve():
    X = PhaseFolder().fit_transform(table(n_stars=3, n_points=20))
    res = SplineResampler(n_points="max").fit(X)
    assert res.n_points_ == 22 and res.phase_grid_.shape == (22,)


def test_spline_fixed_lambda_matches_exact_method():
    X = PhaseFolder().fit_transform(table(n_stars=2, n_points=40, noise=0.02, seed=5))
    a = SplineResampler(smoothing=1e-5, n_knots=64).fit_transform(X)
    b = SplineResampler(smoothing=1e-5, method="exact").fit_transform(X)
    for i in range(2):
        assert np.abs(a["mag"].iloc[i] - b["mag"].iloc[i]).max() < 0.01


def test_mean_subtractor_inverse_and_double_application():
    X = PhaseFolder().fit_transform(table(n_stars=2))
    sub = MeanMagSubtractor().fit(X)
    out = sub.transform(X)
    np.testing.assert_allclose(out["mean_mag"], [np.mean(m) for m in X["mag"]])
    np.testing.assert_allclose(np.concatenate(sub.inverse_transform(out)["mag"].to_list()),
                               np.concatenate(X["mag"].to_list()))
    with pytest.raises(ValueError, match="already has a 'mean_mag'"):
        sub.transform(out)


def test_encoder_shape_channels_and_unequal_lengths():
    X = table(n_stars=3)
    chain = make_pipeline(PhaseFolder(), SplineResampler(n_points=50), MeanMagSubtractor(), SequenceEncoder())
    tensor = chain.fit_transform(X)
    assert tensor.shape == (3, 50, 2) and tensor.dtype == np.float32
    np.testing.assert_allclose(tensor[0, :, 1], np.arange(50) / 50 * 0.6, rtol=1e-6)
    np.testing.assert_allclose(tensor[:, :, 0].mean(axis=1), 0.0, atol=1e-5)
    with pytest.raises(ValueError, match="SequencePadder"):
        SequenceEncoder().fit(PhaseFolder().fit_transform(X))


def test_padder_pads_with_mask_and_truncates_with_warning():
    X = MeanMagSubtractor().fit_transform(PhaseFolder().fit_transform(table(n_stars=3, n_points=10)))
    pad = SequencePadder().fit(X)
    assert pad.max_length_ == 12 and MASK_VALUE == -1.0
    tensor = pad.transform(X)
    assert tensor.shape == (3, 12, 2)
    np.testing.assert_array_equal(tensor[0, 10:], MASK_VALUE)
    np.testing.assert_allclose(tensor[0, :10, 0], X["mag"].iloc[0], rtol=1e-6)
    np.testing.assert_allclose(tensor[1, :11, 1], X["phase"].iloc[1] * 0.6, rtol=1e-6)
    with pytest.warns(UserWarning, match="truncated.*102"):
        short = SequencePadder(max_length=11).fit(X).transform(X)
    assert short.shape == (3, 11, 2)


def test_check_light_curves_reports_each_problem():
    X = table(n_stars=6, n_points=20)
    X.at[101, "mag"] = X.at[101, "mag"].copy()
    X.at[101, "mag"][3] = np.nan
    X.at[102, "period"] = -0.5
    X.at[103, "time"] = X.at[103, "time"][:-1]
    X.at[104, "mag"] = X.at[104, "mag"][:4]
    X.at[104, "time"] = X.at[104, "time"][:4]
    X.at[104, "mag_err"] = X.at[104, "mag_err"][:4]
    X.at[105, "epoch"] = np.nan
    report = check_light_curves(X, min_points=8, required=("time", "mag", "period", "epoch"))
    assert report["ok"].tolist() == [True, False, False, False, False, False]
    assert report.loc[100, "reason"] == ""
    assert "mag has NaN/inf" in report.loc[101, "reason"]
    assert "period <= 0" in report.loc[102, "reason"]
    assert "time and mag differ in length" in report.loc[103, "reason"]
    assert "fewer than 8 points" in report.loc[104, "reason"]
    assert "epoch is NaN" in report.loc[105, "reason"]
    with pytest.raises(ValueError, match=r"101: mag has NaN"):
        PhaseFolder().fit(X)
    with pytest.raises(ValueError, match="lacks column"):
        check_light_curves(X.drop(columns=["mag"]))


def test_fourier_features_recover_r21_phi31():
    X = PhaseFolder().fit_transform(table(n_stars=2, n_points=80))
    feats = FourierFeatures(order=5).fit_transform(X)
    assert list(feats.columns) == ["period", "amplitude", "A1", "R21", "R31", "phi21", "phi31"]
    np.testing.assert_allclose(feats["R21"], AMPS[1] / AMPS[0], atol=1e-8)
    np.testing.assert_allclose(feats["R31"], AMPS[2] / AMPS[0], atol=1e-8)
    np.testing.assert_allclose(feats["phi21"], np.mod(PHIS[1] - 2 * PHIS[0], 2 * np.pi), atol=1e-8)
    np.testing.assert_allclose(feats["phi31"], np.mod(PHIS[2] - 3 * PHIS[0], 2 * np.pi), atol=1e-8)
    np.testing.assert_allclose(feats["A1"], AMPS[0], atol=1e-8)
    grid = np.arange(4096) / 4096
    np.testing.assert_allclose(feats["amplitude"], np.ptp(rrab(grid)), atol=1e-4)
    assert (feats.index == X.index).all()
    cos = FourierFeatures(order=5, convention="cosine").fit_transform(X)
    np.testing.assert_allclose(np.mod(cos["phi31"] + np.pi, 2 * np.pi), feats["phi31"], atol=1e-8)


def test_sktime_round_trip():
    tensor = np.random.default_rng(0).random((4, 30, 2)).astype(np.float32)
    np3d = to_sktime(tensor)
    assert np3d.shape == (4, 2, 30)
    np.testing.assert_array_equal(from_sktime(np3d), tensor)
    nested = to_sktime(tensor, format="nested_univ", index=[5, 6, 7, 8])
    assert list(nested.columns) == ["mag", "phase_period"] and list(nested.index) == [5, 6, 7, 8]
    np.testing.assert_allclose(nested.iloc[2, 1].to_numpy(), tensor[2, :, 1])
    np.testing.assert_allclose(from_sktime(nested), tensor)
    with pytest.raises(ValueError, match="format"):
        to_sktime(tensor, format="pd-multiindex")


@pytest.mark.filterwarnings("ignore:SequencePadder.*truncated:UserWarning")
@pytest.mark.parametrize(
    "est",
    [PhaseFolder(align="maximum"), SplineResampler(n_points=30), MeanMagSubtractor(),
     SequenceEncoder(), SequencePadder(max_length=5), FourierFeatures()],
)
def test_sklearn_contract(est):
    assert clone(est).get_params() == est.get_params()
    X = MeanMagSubtractor().fit_transform(SplineResampler(n_points=30).fit_transform(
        PhaseFolder().fit_transform(table(n_stars=2))))
    if isinstance(est, PhaseFolder):
        X = table(n_stars=2)
    elif isinstance(est, MeanMagSubtractor):
        X = X.drop(columns=["mean_mag"])
    with pytest.raises(NotFittedError):
        est.transform(X)
    fitted = clone(est).fit(X)
    again = pickle.loads(pickle.dumps(fitted))
    a, b = fitted.transform(X), again.transform(X)
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    else:
        np.testing.assert_array_equal(a, b)


def test_pipeline_set_output_passes_through():
    pipe = make_pipeline(PhaseFolder(), SplineResampler(n_points=20), FourierFeatures(order=3))
    pipe.set_output(transform="pandas")
    out = pipe.fit_transform(table(n_stars=2))
    assert isinstance(out, pd.DataFrame) and out.shape == (2, 7)


@pytest.mark.parametrize(
    "est, message",
    [(SplineResampler(n_points=1), "n_points"), (SplineResampler(method="akima"), "method"),
     (SplineResampler(smoothing=-1.0), "smoothing"), (PhaseFolder(align="min"), "align"),
     (SequencePadder(max_length=0), "max_length"), (FourierFeatures(order=2), "order")],
)
def test_bad_parameters_raise(est, message):
    X = PhaseFolder().fit_transform(table(n_stars=2))
    with pytest.raises(ValueError, match=message):
        est.fit(X)


def test_sktime_regressor_accepts_both_formats():
    from sktime.regression.dummy import DummyRegressor

    tensor = np.random.default_rng(1).random((6, 20, 2)).astype(np.float32)
    y = np.linspace(-2.0, -0.5, 6)
    for fmt in ("numpy3D", "nested_univ"):
        pred = DummyRegressor().fit(to_sktime(tensor, fmt), y).predict(to_sktime(tensor[:2], fmt))
        np.testing.assert_allclose(pred, y.mean())


def test_spline_unsorted_phases_give_the_sorted_curve():
    rng = np.random.default_rng(3)
    phase = np.concatenate([rng.random(40), np.full(3, 0.25)])  # 3 repeats of one phase: merged by GCV
    mag = rrab(phase) + 0.01 * rng.standard_normal(len(phase))
    shuffled = rng.permutation(len(phase))
    order = np.argsort(phase, kind="stable")
    X = pd.DataFrame({"phase": [phase[order], phase[shuffled]], "mag": [mag[order], mag[shuffled]],
                      "period": 0.5}, index=pd.Index([1, 2], name="source_id"))
    out = SplineResampler().fit_transform(X)
    np.testing.assert_allclose(out["mag"].iloc[1], out["mag"].iloc[0], rtol=0, atol=1e-9)
    assert out["spline_lam"].iloc[1] == pytest.approx(out["spline_lam"].iloc[0], rel=1e-6)
    assert np.abs(out["mag"].iloc[0] - rrab(np.arange(100) / 100)).max() < 0.05


def _stars(*cells):
    phase = np.concatenate([c[0] for c in cells])
    mag = np.concatenate([c[1] for c in cells])
    return phase, mag, np.cumsum([0] + [len(c[0]) for c in cells])


def test_pspline_linalg_error_names_the_failing_stars():
    from rrlsk.preprocessing._pspline import fit_periodic_spline

    good = (np.linspace(0, 1, 30, endpoint=False), rrab(np.linspace(0, 1, 30, endpoint=False)))
    empty = (np.empty(0), np.empty(0))  # no data: A = 0, so A + kappa Omega = 0
    grid = np.arange(10) / 10
    phase, mag, offsets = _stars(good, empty, good, empty)
    with pytest.raises(np.linalg.LinAlgError, match=r"position\(s\) \[1, 3\]$"):
        fit_periodic_spline(phase, mag, offsets, grid, 32)
    # a fixed lam of 0 leaves a star with one phase (4 basis functions touched) singular
    one_phase = (np.full(12, 0.5), np.linspace(15, 15.1, 12))
    phase, mag, offsets = _stars(good, good, one_phase)
    with pytest.raises(np.linalg.LinAlgError, match=r"position\(s\) \[2\]$"):
        fit_periodic_spline(phase, mag, offsets, grid, 32, lam=0.0)
    curves, lams = fit_periodic_spline(phase, mag, offsets, grid, 32, lam=1e-6)  # penalised: fine
    assert np.isfinite(curves).all() and lams == pytest.approx(1e-6, rel=1e-12)
    phase, mag, offsets = _stars(*[empty] * 12, good)
    with pytest.raises(np.linalg.LinAlgError, match=r"\[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\] and 2 more$"):
        fit_periodic_spline(phase, mag, offsets, grid, 32)


def _gcv_scores_dense(phase, mag, lams, n_knots=32):
    """GCV scores of the P-spline, brute force (dense numpy solves, merged duplicates)."""
    from rrlsk.preprocessing._pspline import penalty_matrix

    def basis(x):
        s = np.mod(x, 1.0) * n_knots
        j = np.floor(s)
        u = s - j
        vals = np.stack([(1 - u) ** 3, 3 * u**3 - 6 * u**2 + 4, -3 * u**3 + 3 * u**2 + 3 * u + 1, u**3], -1) / 6
        out = np.zeros((len(x), n_knots))
        np.put_along_axis(out, (j.astype(int)[:, None] + np.arange(4)) % n_knots, vals, axis=1)
        return out

    y = mag - mag.mean()
    B = basis(phase)
    A, b, omega = B.T @ B, B.T @ y, penalty_matrix(n_knots)
    ux, inv = np.unique(phase, return_inverse=True)
    counts = np.bincount(inv)
    ybar = np.bincount(inv, y) / counts
    scores = []
    for lam in lams:
        S = A + lam * omega
        rss = np.sum(counts * (ybar - basis(ux) @ np.linalg.solve(S, b)) ** 2)
        scores.append(len(ux) * rss / (len(ux) - np.trace(np.linalg.solve(S, A))) ** 2)
    return np.array(scores)


@pytest.mark.parametrize("n, noise", [(45, 0.02), (200, 0.0)], ids=["noisy", "noiseless"])
def test_pspline_gcv_choice_is_the_dense_score_minimum(n, noise):
    # noisy: scored from the tridiagonal form; noiseless (tiny residuals): from the eigenvalues
    rng = np.random.default_rng(11)
    phase = np.sort(rng.random(n))
    mag = rrab(phase) + noise * rng.standard_normal(n)
    X = pd.DataFrame({"phase": [phase], "mag": [mag], "period": 0.5}, index=pd.Index([1], name="source_id"))
    lam = SplineResampler().fit_transform(X)["spline_lam"].iloc[0]
    lam_min = n * (0.5 / n) ** 4  # the search's floor (n unique phases)
    grid = lam_min * 10.0 ** np.arange(0.0, 8.01, 0.25)
    scores = _gcv_scores_dense(phase, mag, np.append(grid, lam))
    assert lam >= lam_min * (1 - 1e-12)
    assert scores[-1] <= scores[:-1].min() * (1 + 1e-9)  # no grid penalty scores better
    assert abs(np.log10(lam / grid[np.argmin(scores[:-1])])) <= 0.25 + 1e-9  # within a grid step
