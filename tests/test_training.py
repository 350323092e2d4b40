"""The shared training loop's convergence aids (standardisation, schedules,
clipping) and per-star scalar inputs (``meta=``), on tiny data."""

import json
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("keras")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402

import rrlsk  # noqa: E402
from rrlsk import regressors as R  # noqa: E402
from rrlsk.preprocessing import PerStarScalars, PhaseFolder, SequencePadder  # noqa: E402

TINY_GRU = {"units": (4,), "dropout": 0.0, "epochs": 3, "batch_size": 16, "random_state": 0}


@pytest.fixture(scope="module")
def sequences():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(48, 12, 2)).astype(np.float32)
    X[..., 1] = np.linspace(0, 0.6, 12)
    y = X[:, :, 0].mean(axis=1) * 2 - 1.5
    return X, y


@pytest.fixture(scope="module")
def curves():
    X, y = rrlsk.datasets.make_gaia_rrab(60, random_state=3)[:2]
    return X, y


@pytest.mark.parametrize("cls", [R.GRURegressor, R.FCNRegressor], ids=lambda c: c.__name__)
def test_a_shifted_target_shifts_the_predictions_exactly(cls, sequences):
    X, y = sequences
    params = TINY_GRU if cls is R.GRURegressor else {"filters": (4,), "kernel_sizes": (3,), **TINY_GRU}
    params = {k: v for k, v in params.items() if k in cls().get_params()}
    a = cls(**params).fit(X, y)
    b = cls(**params).fit(X, y + 10.0)
    assert b.target_mean_ == pytest.approx(a.target_mean_ + 10.0)
    assert b.target_scale_ == pytest.approx(a.target_scale_)
    # labels travel as float32: y + 10 is rounded to ~1e-6 dex, which a few
    # epochs of training (batch norm in the FCN) amplify to ~1e-4 dex
    np.testing.assert_allclose(b.predict(X), a.predict(X) + 10.0, atol=2e-3)
    # learning curves stay in dex^2 (the same numbers for both)
    np.testing.assert_allclose(b.history_["val_loss"], a.history_["val_loss"], rtol=2e-3)


def test_target_standardisation_uses_the_weights(sequences):
    X, y = sequences
    w = np.where(y > np.median(y), 3.0, 1.0)
    est = R.GRURegressor(**{**TINY_GRU, "epochs": 1}).fit(X, y, sample_weight=w)
    assert est.target_mean_ == pytest.approx(np.average(y, weights=w), rel=1e-6)
    off = R.GRURegressor(**{**TINY_GRU, "epochs": 1}, standardize=False).fit(X, y)
    assert (off.target_mean_, off.target_scale_) == (0.0, 1.0)
    np.testing.assert_array_equal(off.input_scale_, np.ones(2, dtype=np.float32))


def test_input_scaling_keeps_padding_recognisable(curves):
    X, y = curves
    folded = PhaseFolder().fit_transform(X)
    short = SequencePadder().fit(folded)
    long = SequencePadder(max_length=short.max_length_ + 25).fit(folded)
    T_short, T_long = short.transform(folded), long.transform(folded)
    est = R.GRURegressor(**TINY_GRU).fit(T_short, y)
    # statistics come from real steps only: padding does not move them
    real = T_short[~(T_short == -1).all(axis=-1)]
    np.testing.assert_allclose(est.input_mean_, real.mean(axis=0), rtol=1e-5)
    scaled = est._standardize_inputs(T_long)
    assert (scaled[:, short.max_length_ :] == -1).all()
    np.testing.assert_allclose(est.predict(T_long), est.predict(T_short), atol=1e-5)


def test_cosine_schedule_warms_up_then_decays(sequences):
    X, y = sequences
    est = R.GRURegressor(**{**TINY_GRU, "epochs": 8}, lr_schedule="cosine", warmup_epochs=2, patience=None).fit(X, y)
    rates = est.history_["learning_rate"]
    assert rates[0] < rates[1] < rates[2] == pytest.approx(est.learning_rate)
    assert all(a > b for a, b in zip(rates[2:], rates[3:]))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lr_schedule": "linear"}, "lr_schedule must be one of"),
        ({"warmup_epochs": -1}, "warmup_epochs must be a non-negative integer"),
        ({"clipnorm": 0.0}, "clipnorm must be > 0"),
        ({"n_meta": 2}, "n_meta=2 leaves no light-curve channel"),
    ],
)
def test_bad_training_parameters_are_named(sequences, params, message):
    X, y = sequences
    with pytest.raises(ValueError, match=message):
        R.GRURegressor(**TINY_GRU, **params).fit(X, y)


def test_paper_schedule_is_exactly_the_papers():
    est = R.GRURegressor.paper_schedule()
    assert (est.learning_rate, est.batch_size, est.epochs, est.patience) == (0.01, 256, 20_000, 1_000)
    assert (est.lr_schedule, est.lr_patience, est.standardize) == ("constant", None, False)


META = ("period", "amplitude", "phi31", "R21")


def meta_pipeline(**params):
    return rrlsk.make_pipeline("gru", meta=META, n_points=20, **{**TINY_GRU, **params})


def test_meta_pipeline_steps_and_tensor(curves):
    X, y = curves
    pipe = meta_pipeline()
    assert [n for n, _ in pipe.steps] == ["domain", "fold", "meta", "spline", "mean", "encode", "gru"]
    assert pipe.named_steps["gru"].n_meta == "auto"  # the meta step's names decide
    T = pipe[:-1].fit_transform(X)
    assert T.shape == (60, 20, 6)
    # the scalars are constant along the curve and equal FourierFeatures' values
    folded = PhaseFolder().fit_transform(X)
    fourier = rrlsk.preprocessing.FourierFeatures().fit_transform(folded)
    np.testing.assert_allclose(T[:, 7, 2:], fourier[list(META)].to_numpy(), rtol=1e-5)
    assert (T[:, :, 2:] == T[:, :1, 2:]).all()
    assert "meta" not in rrlsk.make_pipeline("gru").named_steps


def test_meta_pipeline_clones_grid_searches_and_predicts(curves):
    X, y = curves
    pipe = meta_pipeline(epochs=2)
    assert clone(pipe).get_params()["meta__names"] == META
    search = GridSearchCV(pipe, {"gru__dropout": [0.0, 0.1]}, cv=KFold(2), scoring="neg_mean_absolute_error")
    search.fit(X, y)
    assert search.best_estimator_.predict(X).shape == (60,)
    pipe.set_params(meta__names=("period", "phi31"), encode__meta=("period", "phi31"), gru__n_meta=2)
    assert pipe.fit(X, y).predict(X).shape == (60,)


def test_meta_missing_column_is_named(curves):
    X, y = curves
    with pytest.raises(ValueError, match=r"\['ebv'\] is neither computed from the curve"):
        rrlsk.make_pipeline("gru", meta=("period", "ebv"), **TINY_GRU).fit(X, y)
    table = X.assign(ebv=0.1)
    table.loc[table.index[4], "ebv"] = np.nan
    with pytest.raises(ValueError, match=rf"column 'ebv' is missing or not a finite number for 1 star\(s\), source_id\(s\) \[{table.index[4]}\]"):
        PerStarScalars(["ebv"]).fit_transform(PhaseFolder().fit_transform(table))
    with pytest.raises(ValueError, match="lacks the per-star scalar column"):
        rrlsk.preprocessing.SequenceEncoder(meta=("period",)).fit(PhaseFolder().fit_transform(X))
    with pytest.raises(ValueError, match="not one of"):
        rrlsk.make_pipeline("svr", meta=("period",))


def test_meta_pipeline_joblib_fresh_process_and_catalogue(curves, tmp_path):
    X, y = curves
    pipe = meta_pipeline().fit(X, y)
    expected = pipe.predict(X)
    joblib.dump(pipe, tmp_path / "meta.joblib")
    X.to_pickle(tmp_path / "X.pkl")
    code = (
        "import joblib, numpy as np, pandas as pd;"
        f"m = joblib.load({str(tmp_path / 'meta.joblib')!r});"
        f"np.save({str(tmp_path / 'p.npy')!r}, m.predict(pd.read_pickle({str(tmp_path / 'X.pkl')!r})))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), expected, rtol=1e-6)

    rrlsk.io.write_parquet(X, tmp_path / "stars.parquet")
    rrlsk.predict_catalogue(pipe, tmp_path / "stars.parquet", tmp_path / "out", progress=False)
    out = rrlsk.catalogue.read_predictions(tmp_path / "out")
    out = out.set_index("source_id") if "source_id" in out.columns else out
    ok = out[out["status"] == "ok"]
    assert len(ok) == len(X)
    np.testing.assert_allclose(ok.loc[X.index, "feh"].to_numpy(), expected, rtol=1e-5)



def _benchmark(name: str):
    import importlib.util
    import sys
    from pathlib import Path

    folder = Path(__file__).parents[1] / "benchmarks"
    if str(folder) not in sys.path:  # as `python benchmarks/NAME.py` would have it, for its helpers
        sys.path.append(str(folder))
    path = folder / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reproduce_paper_split_runs_tiny_and_resumes(tmp_path, capsys):
    module = _benchmark("reproduce_paper")
    argv = ["--split", "--tiny", "--models", "gru", "fcn", "--catalogues", "spline", "--measured", str(tmp_path)]
    module.main([*argv[:4], "gru", *argv[5:]])
    assert [p.name for p in (tmp_path / "photometric").iterdir()] == ["gru-spline.json"]
    capsys.readouterr()
    page, figure = tmp_path / "page.md", tmp_path / "curves.png"
    page.write_text("before\n<!-- reproduce_paper.py: split -->\nold\n<!-- /reproduce_paper.py -->\nafter\n")
    module.main([*argv, "--table", "--markdown", str(page), "--plot", str(figure)])
    table = capsys.readouterr().out
    assert "| gru | spline |" in table and "| fcn |" not in table
    assert "Not run, so not in the table: `fcn` on `spline`." in table
    assert "On `spline`, 1 of 2 networks run: the best is gru" in table
    written = page.read_text()
    assert written.startswith("before\n<!-- reproduce_paper.py: split -->\n| network |")
    assert "\nMade by `" in written and "python benchmarks/reproduce_paper.py --split --tiny" in written
    assert "`fcn` on `spline`" in written and "old" not in written and written.endswith("after\n")
    assert figure.stat().st_size > 10_000


def test_reproduce_paper_cv_records_each_model_and_tables_them(tmp_path, capsys):
    module = _benchmark("reproduce_paper")
    common = ["--tiny", "--labels", "spectroscopic", "--measured", str(tmp_path / "measured")]
    module.main([*common, "--models", "fourier_relation", "--out", str(tmp_path / "out")])
    record = json.loads((tmp_path / "measured" / "spectroscopic" / "fourier_relation.json").read_text())
    assert record["labels"] == "spectroscopic" and record["folds"] == 3 and record["n_stars"] == 200
    assert {"mae", "rmse", "r2"} <= set(record["against_truth"]) and record["validation"]["wmae"]["mean"] > 0
    assert (tmp_path / "out" / "spectroscopic" / "reports" / "fourier_relation.joblib").exists()
    capsys.readouterr()
    module.main([*common, "--table", "--models", "gru_meta", "fourier_relation"])
    table = capsys.readouterr().out
    assert "| fourier_relation | 0." in table and "| the labels themselves |" in table
    assert "| gru_meta |" not in table and "Not run, so not in the table: `gru_meta`." in table
    # the meta-input network: the GRU with the raw fit's Fourier parameters as per-star scalars
    pipe = module.build("gru_meta", module.parse_args(["--tiny"]))
    assert "meta" in pipe.named_steps and pipe[-1].epochs == 2


def test_floor_benchmark_runs_tiny(tmp_path, capsys):
    _benchmark("floor").main(["--tiny", "--out", str(tmp_path / "floor.json")])
    result = pd.read_json(tmp_path / "floor.json", typ="series")
    truth = result["truth_floor_vs_true_feh"]
    # the best predictor from noise-free shape parameters beats the noisy labels against the truth
    assert truth["rmse"] < result["photometric_labels_vs_true_feh"]["rmse"]
    table = "| best predictor from noise-free shape and period (gradient boosting on 2,000 other simulated stars) |"
    assert table in capsys.readouterr().out
    assert {"date", "cores", "load_start", "load"} <= set(result.index)


def test_floor_markdown_rewrites_the_block_from_the_record_only(tmp_path, monkeypatch):
    from pathlib import Path

    module = _benchmark("floor")
    monkeypatch.setattr(module, "make_gaia_rrab", lambda *a, **k: pytest.fail("--markdown must not measure"))
    page = tmp_path / "page.md"
    page.write_text("before\n<!-- floor.py: floors -->\nold\n<!-- /floor.py -->\nafter\n")
    record = Path(__file__).parents[1] / "benchmarks/measured/floor.json"
    module.main(["--markdown", str(page), "--out", str(record)])
    written = page.read_text()
    assert written.startswith("before\n<!-- floor.py: floors -->\n| ") and "old\n" not in written
    assert "measured on a date not recorded (load not recorded; it took 76 s)" in written  # the committed record
    assert "| the photometric labels themselves | true [Fe/H] | 0.2355 | 0.2988 | 0.559 | 0.450 |\n" in written
    assert "| photometric labels | 0.0892 | 0.1229 | 0.946 | 0.529 |\n\nMade by `" in written  # provenance beneath
    assert written.endswith(" points per smoothed curve.\n<!-- /floor.py -->\nafter\n")


def test_convergence_benchmark_runs_tiny(tmp_path, monkeypatch):
    module = _benchmark("convergence")
    monkeypatch.chdir(tmp_path)
    module.main(["--tiny", "--configs", "gru_new_50", "fcn_old", "--out", str(tmp_path / "cache")])
    cached = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert cached == ["fcn_old.json", "gru_new_50.json"]
    module.main(["--plot", "--configs", "gru_new_50", "fcn_old", "--out", str(tmp_path / "cache")])
    assert (tmp_path / "docs" / "figures" / "convergence.png").stat().st_size > 10_000
    result = pd.read_json(tmp_path / "cache" / "gru_new_50.json", typ="series")
    assert result["epochs_run"] == 3 and len(result["curve"]) == 3


def test_convergence_markdown_rewrites_the_blocks_from_records_only(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    module = _benchmark("convergence")
    monkeypatch.setattr(module, "run_config", lambda *a: pytest.fail("--markdown must not train"))
    records = tmp_path / "records"
    records.mkdir()
    shutil.copy(Path(__file__).parents[1] / "benchmarks/measured/convergence/gru_old_50.json", records)
    newer = {"config": "gru_new_50", "n_points": 50, "epochs_run": 12, "best_epoch": 9, "hit_cap": False,
             "cpu_s": 90.0, "mae": 0.2, "rmse": 0.25, "r2": 0.5, "label_sd": 0.5, "date": "2027-01-02 03:04 UTC",
             "cores": 8, "load_start": 1.3, "load": 2.0, "curve": [{"epoch": 1, "mae": 0.3}]}
    (records / "gru_new_50.json").write_text(json.dumps(newer))
    networks, results = tmp_path / "networks.md", tmp_path / "results.md"
    networks.write_text("before\n<!-- convergence.py: configurations -->\nold\n<!-- /convergence.py -->\nafter\n")
    results.write_text("<!-- convergence.py: paper -->\n<!-- /convergence.py -->\n"
                       "<!-- convergence.py: checkpoints -->\nold\n<!-- /convergence.py -->\n")
    module.main(["--markdown", str(networks), str(results), "--configs", "gru_old_50", "gru_new_50",
                 "--out", str(records)])
    written = networks.read_text()
    assert written.startswith("before\n<!-- convergence.py: configurations -->\n| ")
    assert "python benchmarks/convergence.py --markdown" in written and "old\n" not in written
    # each record's own date and load; a record without a date says so
    assert "`gru_old_50` date not recorded (load average 4.6 at the end)" in written
    assert "`gru_new_50` on 2027-01-02 03:04 UTC (8 cores, load average 1.3 at the start and 2.0 at the end)" in written
    # the committed record's figures, as docs/networks.md had them
    assert "plateau halving | 50 | 150 (146, cap) | 5.4 | 0.1010 | 0.1338 | 0.935 | 0.147 |" in written
    assert "| 50 | 12 (9) | 1.5 | 0.2000 | 0.2500 | 0.500 | - |\n\nMade by `" in written  # provenance beneath
    assert written.endswith("the fit reached its epoch cap.\n<!-- /convergence.py -->\nafter\n")
    written = results.read_text()
    assert "old\n" not in written and written.count("Made by `") == 2
    assert "| paper's GRU, real Gaia DR3 (their labels) | about 0.31 | 0.0565 | 0.18 | 0.0765 | 0.9401 |" in written
    assert "(`gru_new_50`) | 0.500 | 0.2000 | 0.40 | 0.2500 | 0.500 |" in written
    assert "plateau halving | 0.169 | 0.147 | 0.115 | 0.101 | 0.1010 (150, cap; 5.4) |" in written
    assert "| - | - | - | - | 0.2000 (12, early-stopped; 1.5) |" in written


def test_doc_tables_partial_rewrite_needs_one_block(tmp_path):
    module = _benchmark("_doc_tables")
    page = tmp_path / "page.md"
    page.write_text("<!-- x.py: a -->\nold\n<!-- /x.py -->\n")
    module.rewrite(page, "x.py", {"a": "new", "b": "elsewhere"}, partial=True)
    assert page.read_text() == "<!-- x.py: a -->\nnew\n<!-- /x.py -->\n"
    with pytest.raises(ValueError, match="expected one"):
        module.rewrite(page, "x.py", {"a": "new", "b": "elsewhere"})
    with pytest.raises(ValueError, match="no '<!-- x.py: NAME -->' block"):
        module.rewrite(page, "x.py", {"b": "elsewhere"}, partial=True)


def test_networks_markdown_rewrites_the_speed_block(tmp_path, monkeypatch, capsys):
    module = _benchmark("networks")
    timed = {"params": 3897, "batch_size": 256, "epoch_rrlsk": 9.61, "epoch_keras": 8.2, "fit_rrlsk": 51.1,
             "outside_fit": 0.6, "fit_keras": 60.1, "predict_per_s": 976.4}
    monkeypatch.setattr(module, "warm_up", lambda X, y: None)  # no training: the rewrite is under test
    monkeypatch.setattr(module, "measure", lambda name, X, y, epochs, repeat, jit: {**timed, "params": len(name)})
    page = tmp_path / "page.md"
    page.write_text("before\n<!-- networks.py: speed -->\nold\n<!-- /networks.py -->\nafter\n")
    module.main(["--n", "32", "--steps", "4", "--epochs", "3", "--repeat", "1", "--nets", "GRU", "ResNet",
                 "--markdown", str(page)])
    assert "| GRU | 3 | 9.61 | 8.20 | 51.1 | 0.60 | 60.1 | 976 |" in capsys.readouterr().out
    written = page.read_text()
    assert written.startswith("before\n<!-- networks.py: speed -->\nMade by `")
    assert "python benchmarks/networks.py --n 32 --steps 4 --epochs 3 --repeat 1 --nets GRU ResNet --markdown" in written
    assert f"Keras {module.keras.__version__} with {module.keras.backend.backend()}" in written and "32 random sequences of 4 steps, batch 256" in written
    assert "| net | params | rrlsk s/epoch | keras s/epoch | rrlsk fit s (3 ep.) |" in written and "old" not in written
    assert written.endswith("| ResNet | 6 | 9.61 | 8.20 | 51.1 | 0.60 | 60.1 | 976 |\n<!-- /networks.py -->\nafter\n")


def test_calibration_variants_runs_tiny_writes_its_blocks_and_reruns_from_the_cache(tmp_path, monkeypatch, capsys):
    module = _benchmark("calibration_variants")
    # the noise floor of a bin is about sqrt(c (1 - c) (1 / n_cal + 1 / n_bin))
    assert module.noise_sd(0.95, 2000, 414) == pytest.approx(np.sqrt(0.95 * 0.05 * (1 / 2000 + 1 / 414)), rel=0.01)
    page = tmp_path / "page.md"
    end = "<!-- /calibration_variants.py -->\n"
    page.write_text(f"before\n<!-- calibration_variants.py: spectroscopic -->\nold\n{end}"
                    f"between\n<!-- calibration_variants.py: photometric -->\n{end}after\n")
    argv = ["--tiny", "--cache", str(tmp_path / "cache"), "--markdown", str(page)]
    module.main(argv)  # also asserts that its scale and factor reproduce CalibratedRegressor's intervals
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        "stars-photometric.parquet", "stars-spectroscopic.parquet"]
    written = page.read_text()
    assert written.startswith("before\n<!-- calibration_variants.py: spectroscopic -->\n| ")
    assert written.count("\n\nMade by `") == 2
    assert "python benchmarks/calibration_variants.py --tiny --cache" in written and "old\n" not in written
    assert written.count("| library | 150 |") == 2 and written.count("| cross-conformal | 600 |") == 2
    assert "| quantile models | 150 |" in written and "chance alone (Monte Carlo) | 150 |" in written
    assert written.count("| classical | 150 |") == written.count("| classical, quantile models | 150 |") == 2
    assert written.count("| classical, variance model | 150 |") == 2
    assert written.count("the classical estimate inverts the line prediction = ") == 2
    assert "| stars | n | noise sd 68 / 95 (points, 150 calibration stars) | library | Mondrian by epochs |" in written
    assert f"\n{end}between\n" in written and written.endswith(f"\n{end}after\n")
    capsys.readouterr()
    monkeypatch.setattr(module, "fit_stars", lambda *a: pytest.fail("a rerun reads the cache"))
    module.main(argv[:3])
    assert "SIMULATED stars, photometric labels, coverage of the labels" in capsys.readouterr().out


def test_uncertainty_benchmark_catalogue_comparison_table():
    module = _benchmark("uncertainty")

    def table(cov68: float, n: int = 10) -> pd.DataFrame:
        return pd.DataFrame({"variable": ["all", "Blazhko"], "bin": ["all", "none"], "n": [n, n], "bias": [0.0, 0.0],
                             "MAE": [0.1, 0.1], "RMSE": [0.1, 0.1], "cov68": [cov68, cov68], "cov95": [0.9, 0.9],
                             "median std": [0.12, 0.12]})

    written = module.degraded_markdown({"plain": table(0.55), "copies": table(0.61)})
    assert written.splitlines()[0] == "| stars | n | plain | copies |"
    assert written.splitlines()[2] == "| all: all | 10 | 55.0 / 90.0 (0.120; 0.100) | 61.0 / 90.0 (0.120; 0.100) |"
    assert "Blazhko" not in written  # only the bins the comparison shows
    with pytest.raises(ValueError, match="count different stars: recompute their stages"):
        module.degraded_markdown({"plain": table(0.55), "copies": table(0.61, n=11)})
