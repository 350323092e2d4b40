"""The named pretrained models: the Dékány & Grebel (2022) G and Ks ensembles.

The checks against the published results need ``../shared/data/dekany2022``
(marked ``realdata``, skipped when absent); the rest run anywhere.
"""

import json
import os
import pickle
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DR2_TARBALL, SHARED_DATA
from scipy.stats import binned_statistic, norm
from sklearn.base import clone

import rrlsk
from rrlsk import pretrained
from rrlsk.catalogue import load_fitted, predict_catalogue, predict_table, read_predictions
from rrlsk.cli import main
from rrlsk.pretrained._sequences import sequences_binned, sequences_g
from rrlsk.pretrained._weights import read_ensemble, write_ensemble
from rrlsk.pretrained.dekany2022 import DekanyEnsembleRegressor

DEKANY = SHARED_DATA / "dekany2022"
#: Stars whose held-out G model crosses its published prediction more than once: the first two
#: twice within 0.01 d of period (no sign change on the coarse grid), the third 0.2 d apart.
SEVERAL_CROSSINGS = [5969924075306575872, 5969244164768160640, 5827048930163474560]


def synthetic(n: int = 6, n_points: int = 40, seed: int = 0) -> pd.DataFrame:
    """Small RRab-like G curves (Gaia times, no mag_err)."""
    rng = np.random.default_rng(seed)
    period = rng.uniform(0.45, 0.7, n)
    time = np.sort(rng.uniform(1700.0, 2700.0, (n, n_points)), axis=1)
    angle = 2 * np.pi * time / period[:, None]
    mag = (15.0 + 0.35 * np.sin(angle + 1.0) + 0.12 * np.sin(2 * angle + 2.0) + 0.05 * np.sin(3 * angle + 0.5)
           + rng.normal(0.0, 0.01, time.shape))
    return pd.DataFrame({"time": list(time), "mag": list(mag), "period": period, "epoch": 1700.0},
                        index=pd.Index(np.arange(1, n + 1, dtype=np.int64), name="source_id"))


# --------------------------------------------------------------------------
# The registry (no TensorFlow, no shared data)
# --------------------------------------------------------------------------


def test_names_and_metadata():
    assert pretrained.names() == ("rrlsk-gaia-g", "dekany2022-g", "dekany2022-ks")
    for name, band in (("dekany2022-g", "G"), ("dekany2022-ks", "Ks")):
        info = pretrained.describe(name)
        assert info["band"] == band
        assert "ApJS 261, 33" in info["citation"] and "MIT" in info["licence"]
        assert info["summary"] and info["training_data"]
        assert Path(info["files"]).is_file()
    licence = Path(pretrained.describe("dekany2022-g")["files"]).with_name("LICENSE-dekany2022").read_text()
    assert "Istvan Dekany" in licence and "Permission is hereby granted" in licence
    assert rrlsk.load_pretrained is pretrained.load_pretrained


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"unknown pretrained model 'dekany2022-gg'; did you mean 'dekany2022-g'"):
        pretrained.load_pretrained("dekany2022-gg")
    with pytest.raises(ValueError, match="registered: rrlsk-gaia-g, dekany2022-g, dekany2022-ks"):
        pretrained.describe("nothing-like-it")


def test_register_refuses_taken_names_and_paths():
    entry = pretrained._registry.get("dekany2022-g")
    with pytest.raises(ValueError, match="already registered"):
        pretrained.register(entry)
    for bad in ("models/x", "x.joblib", "Upper"):
        with pytest.raises(ValueError, match="lower case"):
            pretrained.register(pretrained.PretrainedModel(bad, "G", "", "", "", "", loader=print))


def test_registry_and_loading_do_not_import_tensorflow():
    code = ("import sys, rrlsk, rrlsk.pretrained as p; p.names(); p.describe('dekany2022-ks'); "
            "rrlsk.load_pretrained('dekany2022-g'); import rrlsk.batch, rrlsk.catalogue, rrlsk.cli; "
            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_missing_or_damaged_weights_are_named(tmp_path, monkeypatch):
    missing = tmp_path / "none.npz"
    with pytest.raises(ValueError, match=f"{missing}: weights file not found"):
        DekanyEnsembleRegressor(weights=missing).fit()
    shipped = pretrained._registry.data_path("dekany2022_g.npz")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(shipped.read_bytes()[:5000])
    with pytest.raises(ValueError, match=f"{truncated}: cannot read the weights"):
        DekanyEnsembleRegressor(weights=truncated).fit()
    members, metadata = read_ensemble(shipped)
    from rrlsk.pretrained._weights import member_keys

    arrays = [dict(zip(member_keys(k), m)) for k, m in enumerate(members)]
    arrays[3]["m3.head.kernel"] = arrays[3]["m3.head.kernel"][:5]
    wrong = tmp_path / "wrong.npz"
    write_ensemble(wrong, arrays, metadata)
    with pytest.raises(ValueError, match=rf"{wrong}: array m3.head.kernel has shape \(5, 1\)"):
        DekanyEnsembleRegressor(weights=wrong).fit()
    with pytest.raises(ValueError, match="holds the 'G' ensemble, not band='Ks'"):
        DekanyEnsembleRegressor("Ks", weights=shipped).fit()
    # the registered name reports the shipped file it could not read
    monkeypatch.setattr("rrlsk.pretrained.dekany2022.data_path", lambda filename: truncated)
    with pytest.raises(ValueError, match=f"{truncated}: cannot read"):
        rrlsk.load_pretrained("dekany2022-g")


def test_conversion_writes_identical_bytes(tmp_path):
    members, metadata = read_ensemble(pretrained._registry.data_path("dekany2022_ks.npz"))
    from rrlsk.pretrained._weights import member_keys

    arrays = [dict(zip(member_keys(k), m)) for k, m in enumerate(members)]
    write_ensemble(tmp_path / "a.npz", arrays, metadata)
    write_ensemble(tmp_path / "b.npz", arrays, metadata)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert (tmp_path / "a.npz").read_bytes() == pretrained._registry.data_path("dekany2022_ks.npz").read_bytes()


def test_other_band_is_refused():
    X = synthetic(3)
    model = rrlsk.load_pretrained("dekany2022-g")
    for band in ("G", "g", ["G", None, "G"]):
        model.encode(X.assign(band=band))
    with pytest.raises(ValueError, match=r"band 'Ks' \(column 'band'\) but this is the G-band"):
        model.encode(X.assign(band=["G", "Ks", "G"]))
    X.attrs["band"] = "K"
    with pytest.raises(ValueError, match=r"band 'K' \(X.attrs\['band'\]\)"):
        model.encode(X)
    rrlsk.load_pretrained("dekany2022-ks").encode(X)


# --------------------------------------------------------------------------
# The published input recipe
# --------------------------------------------------------------------------


def test_g_sequences_recipe():
    phase = np.concatenate([[0.5, 0.1, 0.3], np.linspace(0, 0.99, 90)])
    mag = np.concatenate([[1.0, 2.0, 3.0], np.arange(90.0)])
    offsets = np.array([0, 3, 93])
    out = sequences_g(phase, mag, offsets, np.array([0.5, 2.0]), 80)
    assert out.dtype == np.float32 and out.shape == (2, 80, 2)
    np.testing.assert_allclose(out[0, :3], [[0.05, 0.0], [0.15, 1.0], [0.25, -1.0]], atol=1e-7)
    assert (out[0, 3:] == -1).all()
    np.testing.assert_allclose(out[1, :, 0], 2 * np.linspace(0, 0.99, 90)[:80], rtol=1e-6)
    np.testing.assert_allclose(out[1, :, 1], np.arange(80.0) - 44.5)  # centred on all 90 points


def test_binned_sequences_match_binned_statistic():
    rng = np.random.default_rng(1)
    lengths = rng.integers(5, 60, 30)
    # six-decimal phases, as in the published files, some exactly on bin edges
    phases = [np.round(np.concatenate([rng.uniform(0, 1, n - 2), [0.02, 0.18]]), 6) for n in lengths]
    mags = [rng.normal(15, 0.2, n) for n in lengths]
    period = rng.uniform(0.4, 0.8, lengths.size)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    out = sequences_binned(np.concatenate(phases), np.concatenate(mags), offsets, period, 60, 1.2)
    edges = np.linspace(0, 1.2, 61)
    for i, (ph, m) in enumerate(zip(phases, mags)):
        extended_phase = np.concatenate([ph, ph[ph < 0.2] + 1])
        extended_mag = np.concatenate([m, m[ph < 0.2]])
        mean_phase = binned_statistic(extended_phase, extended_phase, "mean", bins=edges).statistic
        mean_mag = binned_statistic(extended_phase, extended_mag, "mean", bins=edges).statistic
        kept = np.isfinite(mean_phase)
        n = kept.sum()
        np.testing.assert_allclose(out[i, :n, 0], mean_phase[kept] * period[i], rtol=1e-6)
        np.testing.assert_allclose(out[i, :n, 1], mean_mag[kept] - mean_mag[kept].mean(), atol=1e-5)
        assert (out[i, n:] == -1).all()


def test_alignment_does_not_depend_on_the_epoch():
    X = synthetic(5)
    model = rrlsk.load_pretrained("dekany2022-g")
    shifted = X.assign(epoch=X["epoch"] + np.array([0.1, 0.2, 0.3, 0.4, 0.5]) * X["period"])
    np.testing.assert_allclose(model.encode(X), model.encode(shifted), atol=2e-5)
    # the aligned first harmonic is A1 sin(2 pi phase): its fitted phase is zero
    seq = model.encode(X)
    valid = seq[:, :, 0] != -1
    phase = (seq[:, :, 0] / X["period"].to_numpy()[:, None])[valid]
    offsets = np.concatenate([[0], np.cumsum(valid.sum(1))])
    coefs = rrlsk.fourier.fit_fourier(phase, seq[:, :, 1][valid], offsets, 4)
    np.testing.assert_allclose(np.arctan2(coefs[:, 2], coefs[:, 1]), 0.0, atol=1e-4)


def test_too_few_points_to_align_are_named():
    X = synthetic(3)
    X.at[2, "time"], X.at[2, "mag"] = X.at[2, "time"][:5], X.at[2, "mag"][:5]
    with pytest.raises(ValueError, match="fewer than 9 points"):
        rrlsk.load_pretrained("dekany2022-g").encode(X)
    rrlsk.load_pretrained("dekany2022-g", prealigned=True).encode(X)


# --------------------------------------------------------------------------
# Prediction (TensorFlow)
# --------------------------------------------------------------------------


def test_predict_contract():
    X = synthetic(6)
    assert "mag_err" not in X
    model = rrlsk.load_pretrained("dekany2022-g")
    each = model.predict_members(X)
    assert each.shape == (6, 10) and np.isfinite(each).all()
    feh, std = model.predict(X, return_std=True)
    np.testing.assert_allclose(feh, each.mean(1))
    np.testing.assert_allclose(std, each.std(1, ddof=0))
    np.testing.assert_allclose(model.predict(X), feh)
    lower, upper = model.predict_interval(X, confidence=0.9)
    np.testing.assert_allclose(upper - feh, norm.ppf(0.95) * std, rtol=1e-6)
    np.testing.assert_allclose(feh - lower, norm.ppf(0.95) * std, rtol=1e-6)
    with pytest.raises(ValueError, match="confidence"):
        model.predict_interval(X, confidence=1.5)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).predict(X), feh, atol=1e-6)
    refitted = clone(model).fit()
    assert refitted.get_params() == model.get_params() and refitted.n_members_ == 10
    for ours, theirs in zip(refitted.members_weights_, model.members_weights_):
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="band"):
        DekanyEnsembleRegressor(band="V").fit()


def test_predict_catalogue_and_cli_take_a_name(tmp_path, capsys):
    X = synthetic(8)
    dense = synthetic(1, n_points=150, seed=3)  # more than 80 points: outside the G training domain
    dense.index = pd.Index([99], name="source_id")
    source = tmp_path / "curves.parquet"
    rrlsk.io.write_parquet(pd.concat([X, dense]), source)
    summary = predict_catalogue("dekany2022-g", source, tmp_path / "out", progress=False)
    assert summary.n_ok + summary.n_flagged == 9
    table = read_predictions(tmp_path / "out")
    assert np.isfinite(table["feh_std"]).all() and (table["feh_std"] >= 0).all()
    assert table.loc[99, "outside_training_domain"] and "n_points" in table.loc[99, "reason"]
    typed = predict_table("dekany2022-g", X.assign(type=["RRab"] * 7 + ["RRc"]))
    assert typed.loc[8, "outside_training_domain"] and "type 'RRc'" in typed.loc[8, "reason"]
    manifest = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert manifest["runs"][0]["model"] == {"file": "dekany2022-g", "pretrained": "dekany2022-g",
                                            "sha256": pretrained.sha256("dekany2022-g")}
    with pytest.raises(ValueError, match="another model"):
        predict_catalogue("dekany2022-ks", source, tmp_path / "out", progress=False)
    assert main(["predict", "dekany2022-g", str(source), "--out", str(tmp_path / "cli"), "--quiet"]) == 0
    np.testing.assert_allclose(read_predictions(tmp_path / "cli")["feh"], table["feh"])
    capsys.readouterr()
    assert main(["info", "dekany2022-ks"]) == 0
    out = capsys.readouterr().out
    assert "band        Ks" in out and "ApJS 261, 33" in out and "MIT" in out and "training" in out


def test_a_registered_name_beats_a_file_of_that_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("dekany2022-g").write_text("not a model")
    assert isinstance(load_fitted("dekany2022-g"), DekanyEnsembleRegressor)
    for as_file in ("./dekany2022-g", Path("dekany2022-g")):
        with pytest.raises(ValueError, match="dekany2022-g: cannot load the model"):
            load_fitted(as_file)
    assert main(["info", "dekany2022-g"]) == 0
    captured = capsys.readouterr()
    assert "also a file here; using the pretrained model (write ./dekany2022-g" in captured.err
    with pytest.raises(ValueError, match="did you mean the pretrained model 'dekany2022-g'"):
        load_fitted("dekany2022g")


# --------------------------------------------------------------------------
# Against the published results (../shared/data/dekany2022)
# --------------------------------------------------------------------------


def read_dat(path: Path, **kwargs) -> pd.DataFrame:
    """A whitespace table whose column names are on its '#' header line."""
    with open(path) as fh:
        names = fh.readline().lstrip("#").split()
    return pd.read_csv(path, sep=r"\s+", skiprows=1, names=names, **kwargs)


@pytest.fixture(scope="module")
def vvv():
    """The 4,447 published VVV Ks stars: (table with one cycle each, published, raw files)."""
    if not DEKANY.exists():
        pytest.skip("../shared/data/dekany2022 absent")
    stars = read_dat(DEKANY / "vvv_ks_stars.dat", dtype={"id": str})
    published = read_dat(DEKANY / "vvv_ks_published_feh.dat").set_index("ID").loc[stars["Name"]]
    files = {}
    with tarfile.open(DEKANY / "vvv_ks_light_curves.tar.gz") as tar:
        for member in tar:
            if member.isfile():
                files[os.path.basename(member.name).removesuffix("_bin.dat")] = np.loadtxt(tar.extractfile(member))
    raw = [files[i] for i in stars["id"]]
    period = stars["period"].to_numpy()
    one = [r[r[:, 0] < 1] for r in raw]
    X = pd.DataFrame({"time": [c[:, 0] * p for c, p in zip(one, period)], "mag": [c[:, 1] for c in one],
                      "period": period, "epoch": 0.0},
                     index=pd.Index(np.arange(len(stars), dtype=np.int64), name="source_id"))
    return X, published, raw


@pytest.mark.realdata
def test_ks_ensemble_reproduces_the_published_feh(vvv):
    X, published, _ = vvv
    feh, std = rrlsk.load_pretrained("dekany2022-ks", prealigned=True).predict(X, return_std=True)
    d_feh = np.abs(feh - published["[Fe/H]_K"].to_numpy())
    d_std = np.abs(std - published["[Fe/H]_K_e"].to_numpy())
    print(f"Ks, {len(X)} stars: max |d[Fe/H]| {d_feh.max():.6f} dex, max |d std| {d_std.max():.6f} dex")
    assert len(X) == 4447
    assert d_feh.max() < 0.002 and d_std.max() < 0.002


@pytest.mark.realdata
def test_ks_input_from_one_cycle_is_the_published_files_binned(vvv):
    _, _, raw = vvv
    edges = np.linspace(0, 1.2, 61)
    one = [r[r[:, 0] < 1] for r in raw]
    lengths = np.array([len(c) for c in one])
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    ours = sequences_binned(np.concatenate([c[:, 0] for c in one]), np.concatenate([c[:, 1] for c in one]),
                            offsets, np.ones(len(one)), 60, 1.2)
    for i, r in enumerate(raw):
        r = r[r[:, 0] < 1.2]
        mean_phase = binned_statistic(r[:, 0], r[:, 0], "mean", bins=edges).statistic
        mean_mag = binned_statistic(r[:, 0], r[:, 1], "mean", bins=edges).statistic
        kept = np.isfinite(mean_phase)
        np.testing.assert_allclose(ours[i, : kept.sum(), 0], mean_phase[kept], atol=1e-6)
        np.testing.assert_allclose(ours[i, : kept.sum(), 1], mean_mag[kept] - mean_mag[kept].mean(), atol=1e-5)


@pytest.fixture(scope="module")
def dekany_g():
    """The 4,013 labelled G stars, their labels and folds, and the published (star, model) predictions."""
    if not (DEKANY.exists() and DR2_TARBALL.exists()):
        pytest.skip("../shared/data absent")
    X, y, info = rrlsk.datasets.load_dekany2022(DR2_TARBALL)
    published = pd.read_csv(DEKANY / "g_model_published_predictions.csv")
    published = published.pivot(index="source_id", columns="model", values="prediction").loc[X.index]
    return X, y, info, published


@pytest.mark.realdata
def test_each_g_model_reproduces_its_published_predictions(dekany_g):
    X, y, info, published = dekany_g
    each = rrlsk.load_pretrained("dekany2022-g", prealigned=True).predict_members(X)
    diff = np.abs(each - published.to_numpy())
    print(f"G, {diff.size} (star, model) pairs: max |d| per model {np.round(diff.max(0), 6).tolist()} dex")
    assert diff.size == 40_130 and diff.max() < 0.001
    oof = each[np.arange(len(X)), info["fold"].to_numpy()]
    assert abs(np.mean(np.abs(oof - y)) - 0.1351) < 5e-4


@pytest.mark.realdata
def test_g_training_domain_is_the_labelled_samples(dekany_g):
    X, y, _, _ = dekany_g
    shipped = rrlsk.load_pretrained("dekany2022-g").training_domain_
    recorded = rrlsk.domain.TrainingDomain().fit(X, y)
    assert shipped.n_stars_ == 4013 and shipped.label_range_ == recorded.label_range_
    assert shipped.types_ == recorded.types_ == ["RRab"]
    for name, bounds in recorded.ranges_.items():
        np.testing.assert_allclose(shipped.ranges_[name], bounds)


@pytest.mark.realdata
def test_g_alignment_from_arbitrary_epochs_stays_close(dekany_g):
    X, y, _, published = dekany_g
    X = X.iloc[:600]
    shifted = X.assign(epoch=np.random.default_rng(0).uniform(0, 1, len(X)) * X["period"])
    feh = rrlsk.load_pretrained("dekany2022-g").predict(shifted)
    diff = np.abs(feh - published.iloc[:600].mean(axis=1).to_numpy())
    print(f"G re-aligned from random epochs, {len(X)} stars: median |d| {np.median(diff):.4f}, "
          f"95 % {np.quantile(diff, 0.95):.4f} dex")
    assert np.median(diff) < 0.03


@pytest.mark.realdata
def test_period_derivation_recovers_the_shared_periods():
    if not (DEKANY.exists() and DR2_TARBALL.exists()):
        pytest.skip("../shared/data absent")
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "derive_dekany2022_periods.py"
    spec = importlib.util.spec_from_file_location("derive_dekany2022_periods", script)
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    folds, curves, published = derive.read_inputs(DEKANY, DR2_TARBALL)
    # two stars of every fold, and stars whose held-out model crosses its prediction more than once
    picked = folds.groupby(folds).head(2).index.union(pd.Index(SEVERAL_CROSSINGS, dtype=np.int64))
    found = derive.derive_periods(rrlsk.load_pretrained("dekany2022-g", prealigned=True),
                                  derive.unit_sequences(curves, picked), folds.loc[picked].to_numpy(),
                                  published.loc[picked].to_numpy())
    shared = pd.read_csv(DEKANY / "gaia_dr2_dev_sample.csv", index_col="source_id").loc[picked, "period"]
    diff = np.abs(found["period"].to_numpy() - shared.to_numpy())
    print(f"periods of {len(picked)} stars: max |dP| {diff.max():.2e} d, max model difference "
          f"{found['max_abs_diff'].max():.2e} dex; several crossings: {(found['n_roots'] > 1).sum()}")
    assert diff.max() < 1e-4 and found["max_abs_diff"].max() < 0.001
    assert (found["n_roots"].to_numpy()[picked.isin(SEVERAL_CROSSINGS)] > 1).all()


# --------------------------------------------------------------------------
# rrlsk's own model of real stars (shipped; no shared data needed)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rrlsk_gaia_g():
    return rrlsk.load_pretrained("rrlsk-gaia-g")


def test_rrlsk_gaia_g_on_the_shipped_real_stars(rrlsk_gaia_g):
    from rrlsk.metrics import mae
    from rrlsk.pretrained.real_stars import predict_demo_stars

    table = predict_demo_stars()
    # out of fold (each star by the fold models that never saw it), like the published figures
    assert mae(table["feh_label"], table["feh_out_of_fold"]) < 0.15
    assert np.isfinite(table[["feh", "feh_std", "feh_lower", "feh_upper"]].to_numpy()).all()
    assert (table["feh_std"] > 0.02).all() and (table["feh_lower"] < table["feh"]).all()
    info = pretrained.describe("rrlsk-gaia-g")
    assert info["band"] == "G" and "4,013" in info["training_data"] and "MIT" in info["licence"]


def test_rrlsk_gaia_g_any_epoch_and_band(rrlsk_gaia_g):
    from rrlsk.datasets import load_dekany2022_demo

    X, _, _ = load_dekany2022_demo()
    X = X.iloc[:40]
    shifted = X.assign(epoch=np.random.default_rng(0).uniform(-500, 500, len(X)))
    np.testing.assert_allclose(rrlsk_gaia_g.predict(shifted), rrlsk_gaia_g.predict(X), atol=1e-4)
    X.attrs["band"] = "Ks"
    with pytest.raises(ValueError, match=r"band 'Ks' \(X.attrs\['band'\]\) but this is rrlsk-gaia-g"):
        rrlsk_gaia_g.predict(X)


def test_rrlsk_gaia_g_prealigned_folds_every_view_at_the_epoch(rrlsk_gaia_g):
    from sklearn.pipeline import Pipeline

    from rrlsk.datasets import load_dekany2022_demo
    from rrlsk.domain import fitted_parts

    X, _, _ = load_dekany2022_demo()
    X = X.iloc[:40]
    prealigned = rrlsk.load_pretrained("rrlsk-gaia-g", prealigned=True)
    pipelines = [part for part in fitted_parts(prealigned) if isinstance(part, Pipeline)]
    assert len(pipelines) >= 9 and {p.named_steps["fold"].align for p in pipelines} == {"epoch"}
    assert {p.named_steps["fold"].align for p in fitted_parts(rrlsk_gaia_g) if isinstance(p, Pipeline)} == {
        "first_phase"}
    # the shipped curves are published aligned on their first Fourier phase: the two ways nearly agree
    assert np.median(np.abs(prealigned.predict(X) - rrlsk_gaia_g.predict(X))) < 0.01


def test_fold_ensemble_predicts_without_retracing_warnings(rrlsk_gaia_g, caplog):
    """Nine networks predicting in turn trace nine functions: expected, so not a warning."""
    from rrlsk.datasets import load_dekany2022_demo

    X, _, _ = load_dekany2022_demo()
    with caplog.at_level("WARNING", logger="tensorflow"):
        rrlsk_gaia_g.predict(X.iloc[:7])
        rrlsk_gaia_g.predict(X.iloc[:9])
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
