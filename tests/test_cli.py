"""The ``rrlsk`` command, driven as a user drives it: subprocesses, real files."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from rrlsk.cli import main, parse_grid
from rrlsk.persistence import model_info, save_model

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")


def rrlsk(*args, cwd=None, check=True):
    """Run ``python -m rrlsk.cli ARGS``; returns the CompletedProcess."""
    out = subprocess.run([sys.executable, "-m", "rrlsk.cli", *map(str, args)], capture_output=True,
                         text=True, env=ENV, cwd=cwd, timeout=300)
    if check and out.returncode != 0:
        raise AssertionError(f"rrlsk {' '.join(map(str, args))} failed:\n{out.stdout}\n{out.stderr}")
    return out


#: TensorFlow 2.21's C++ start-up logs, written to stderr whatever TF_CPP_MIN_LOG_LEVEL says
TF_LOG = re.compile(r"^([IWE]\d{4} |WARNING: All log messages before absl)")


def assert_one_line_error(out, *fragments):
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip() and not TF_LOG.match(line)]
    assert len(lines) == 1, out.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def run_main(capsys, *args):
    """``rrlsk ARGS`` in this process (saves a TensorFlow start-up per call)."""
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ---------------------------------------------------------------- help, parsing


def test_every_command_explains_its_options():
    out = rrlsk("--help")
    for command in ("demo", "simulate", "select", "train", "cv", "predict", "report", "info"):
        assert command in out.stdout
    train = rrlsk("train", "--help").stdout
    assert "(default: 5)" in train and "dex" in train and "--grid" in train
    demo = rrlsk("demo", "--help").stdout
    assert "--quick" in demo and "(default: rrlsk-demo)" in demo


def test_malformed_command_line_exits_2(capsys):
    with pytest.raises(SystemExit) as err:
        main(["simulate", "x.parquet", "--n-stars", "-3"])
    assert err.value.code == 2
    assert "expected a positive integer, got -3" in capsys.readouterr().err
    assert main([]) == 2


def test_parse_grid():
    assert parse_grid("dropout=0.1,0.2; batch_size=128", "gru") == {
        "gru__dropout": [0.1, 0.2], "gru__batch_size": [128]}
    paper = parse_grid("paper", "lstm")
    assert paper["lstm__batch_size"] == [32, 64, 128, 256, 512]
    with pytest.raises(ValueError, match="expected name=v1,v2 but got 'dropout'"):
        parse_grid("dropout", "gru")


# ---------------------------------------------------------------- info


@pytest.fixture
def saved_model(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = -1.2 + 0.2 * X[:, 0]
    return save_model(Ridge(alpha=2.0).fit(X, y), tmp_path / "ridge.joblib", y=y,
                      cv_summary={"rmse": {"mean": 0.11, "std": 0.01}})


def test_info_prints_what_the_model_is(saved_model):
    out = rrlsk("info", saved_model).stdout
    assert "sklearn.linear_model._ridge.Ridge" in out
    assert "30 stars" in out
    assert "alpha" in out and "2.0" in out
    assert "rmse" in out
    as_json = json.loads(rrlsk("info", saved_model, "--json").stdout)
    assert as_json == model_info(saved_model)


# ---------------------------------------------------------------- bad input


def test_missing_model_file(tmp_path):
    out = rrlsk("info", tmp_path / "nope.joblib", check=False)
    assert_one_line_error(out, "rrlsk info: error:", "nope.joblib: no such file")
    assert "Errno" not in out.stderr


def test_not_a_model_file_and_debug_traceback(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    assert_one_line_error(rrlsk("info", bad, check=False), "error: not an rrlsk model file: ", "notes.txt: ")
    out = rrlsk("info", bad, "--debug", check=False)
    assert out.returncode == 1 and "Traceback" in out.stderr


def test_predict_missing_source(saved_model, tmp_path):
    out = rrlsk("predict", saved_model, tmp_path / "none.parquet", "--out", tmp_path / "p", check=False)
    assert_one_line_error(out, "rrlsk predict: error:", "none.parquet: no such file or folder")


def test_train_on_a_file_of_the_wrong_kind(tmp_path):
    data = tmp_path / "curves.txt"
    data.write_text("1 2 3\n")
    out = rrlsk("train", data, "--out", tmp_path / "m.joblib", "--model", "fourier_relation", check=False)
    assert_one_line_error(out, "curves.txt: expected an rrlsk Parquet file")


def test_report_on_a_folder_without_reports(tmp_path):
    out = rrlsk("report", tmp_path, check=False)
    assert_one_line_error(out, "not a run folder")


def test_bad_data_files(tmp_path):
    out = rrlsk("simulate", "sim.csv", "--n-stars", 5, cwd=tmp_path, check=False)
    assert_one_line_error(out, "sim.csv: Parquet output must end in .parquet")

    (tmp_path / "empty").mkdir()
    out = rrlsk("select", "empty", "--out", "s.parquet", cwd=tmp_path, check=False)
    assert_one_line_error(out, "rrlsk select: error:", "expected a folder holding epoch_photometry and vari_rrlyrae")

    rrlsk("simulate", "sim.parquet", "--n-stars", 5, cwd=tmp_path)
    from rrlsk.io import read_parquet, write_parquet

    write_parquet(read_parquet(tmp_path / "sim.parquet").drop(columns=["feh", "feh_error"]),
                  tmp_path / "nolabels.parquet")
    out = rrlsk("train", "nolabels.parquet", "--out", "m.joblib", cwd=tmp_path, check=False)
    assert_one_line_error(out, "nolabels.parquet: no feh column; pass --labels")


# ---------------------------------------------------------------- the user's road


@pytest.mark.slow
def test_simulate_select_train_predict_info(tmp_path, monkeypatch, capsys):
    out = rrlsk("simulate", "gaia", "--format", "csv", "--n-stars", 300, "--random-state", 1, cwd=tmp_path)
    assert "epoch_photometry" in out.stdout and (tmp_path / "gaia" / "vari_rrlyrae.csv").exists()

    out = rrlsk("select", "gaia", "--out", "sample.parquet", cwd=tmp_path)
    counts = {line.rsplit(maxsplit=2)[0]: int(line.split()[-1]) for line in out.stdout.splitlines()
              if line.split() and line.split()[-1].isdigit() and "<=" in line}
    sample = pd.read_parquet(tmp_path / "sample.parquet")
    assert counts["phi31_g_error <= 0.1"] == len(sample) > 20
    assert {"feh", "feh_error", "time", "mag"} <= set(sample.columns)

    monkeypatch.chdir(tmp_path)  # train in this process: one TensorFlow start-up less
    status, out, err = run_main(capsys, "train", "sample.parquet", "--epochs", 2, "--n-points", 30,
                                "--out", "gru.joblib", "--quiet")
    assert status == 0, err
    assert "saved the model to gru.joblib" in out
    info = model_info(tmp_path / "gru.joblib")
    assert info["training"]["n_stars"] == len(sample)
    assert info["model"]["params"]["spline__n_points"] == 30
    assert info["user"]["weights"] == "density"

    out = rrlsk("predict", "gru.joblib", "gaia/epoch_photometry.csv", "--rrlyrae", "gaia/vari_rrlyrae.csv",
                "--out", "pred", "--quiet", cwd=tmp_path)
    assert not [line for line in out.stderr.splitlines() if TF_LOG.match(line)], out.stderr  # --quiet
    table = pd.read_csv(tmp_path / "pred" / "predictions.csv", index_col="source_id")
    assert len(table) == 300 and set(table["status"]) <= {"ok", "flagged", "skipped", "failed"}
    assert f"{(table['status'] == 'ok').sum()} ok" in out.stdout
    assert np.isfinite(table.loc[table["status"] == "ok", "feh"]).all()

    assert "domain -> fold -> spline -> mean -> encode -> gru" in rrlsk("info", "gru.joblib", cwd=tmp_path).stdout


@pytest.mark.slow
def test_grid_search_cv_and_report_on_baselines(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_main(capsys, "simulate", "sim.parquet", "--n-stars", 150)[0] == 0

    status, out, err = run_main(capsys, "train", "sim.parquet", "--model", "svr", "--grid", "paper",
                                "--out", "m.joblib")
    assert status == 1
    assert err.strip() == "rrlsk train: error: --grid paper searches network hyperparameters; svr is not a network"

    status, out, err = run_main(capsys, "train", "sim.parquet", "--model", "svr", "--grid", "C=0.3,3",
                                "--splits", 3, "--out", "svr.joblib", "--quiet")
    assert status == 0, err
    assert "best: {'svr__svr__C'" in out
    cv = model_info(tmp_path / "svr.joblib")["cv"]
    assert 0 < cv["wrmse"]["mean"] < 1.0 and cv["wrmse"]["std"] > 0

    status, out, err = run_main(capsys, "cv", "sim.parquet", "--models", "svr,fourier_relation",
                                "--splits", 3, "--out", "run", "--quiet")
    assert status == 0, err
    header = out.splitlines()[1]
    assert header.index("svr train") < header.index("fourier_relation train")
    # a fresh process rebuilds the table and the figures from the run folder
    rrlsk("report", "run", cwd=tmp_path)
    assert (tmp_path / "run" / "table_a1.md").read_text().splitlines()[0] == header
    assert (tmp_path / "run" / "figures" / "svr_predictions.png").stat().st_size > 10_000


@pytest.mark.slow
def test_demo_quick(tmp_path):
    out = rrlsk("demo", "--quick", "--out", "demo", "--quiet", cwd=tmp_path)
    assert "| wRMSE |" in out.stdout and "gru validation" in out.stdout
    assert "fourier_relation validation" in out.stdout
    assert "held-out stars: 20 predicted" in out.stdout
    demo = tmp_path / "demo"
    for name in ("gru.joblib", "table_a1.md", "predictions.csv", "figures/gru_learning_curves.png"):
        assert (demo / name).exists(), name
    predictions = pd.read_csv(demo / "predictions.csv", index_col="source_id")
    assert {"feh", "feh_label", "feh_true", "status"} <= set(predictions.columns) and len(predictions) == 20
    info = model_info(demo / "gru.joblib")
    assert info["training"]["n_stars"] == 100 and "wrmse" in info["cv"]
    # it ends on real stars: the shipped model, out of fold, beside the published one
    assert "Real stars: 300 Gaia DR2 RRab curves shipped with rrlsk, predicted by rrlsk-gaia-g" in out.stdout
    assert "dekany2022-g (published)   MAE 0.128" in out.stdout
    real = pd.read_csv(demo / "real_stars.csv", index_col="source_id")
    assert len(real) == 300 and real[["feh", "feh_std", "feh_out_of_fold"]].notna().all().all()
    assert (demo / "figures" / "real_stars.png").exists()


def test_parse_grid_finds_nested_parameters():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    step = make_pipeline(StandardScaler(), SVR())
    assert parse_grid("C=1,10", "svr", step) == {"svr__svr__C": [1, 10]}
    with pytest.raises(ValueError, match="svr has no parameter 'gamma_x'"):
        parse_grid("gamma_x=1", "svr", step)


def test_train_calibrate_info_and_predict_uncertainties(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert run_main(capsys, "simulate", "sim.parquet", "--n-stars", 400, "--labels", "spectroscopic")[0] == 0
    status, out, err = run_main(capsys, "train", "sim.parquet", "--model", "fourier_linear", "--calibrate",
                                "--label-errors", "--splits", 3, "--difficulty-target", "variance",
                                "--out", "cal.joblib", "--quiet")
    assert status == 0, err
    calibration = model_info(tmp_path / "cal.joblib")["user"]["calibration"]
    assert calibration["n_calibration"] == 100 and calibration["label_errors"] and calibration["fold_models"] == 3
    assert calibration["difficulty_target"] == "variance" and calibration["interval"] == "classical"  # auto
    said = run_main(capsys, "info", "cal.joblib")[1]
    assert "calibration classical intervals ([Fe/H] = (prediction - " in said
    assert "difficulty spread of 3 fold models, calibrated on 100 held-out stars against the true [Fe/H] (label " \
        "errors removed); classical intervals, difficulty target variance" in said
    status, out, err = run_main(capsys, "predict", "cal.joblib", "sim.parquet", "--out", "pred", "--quiet")
    assert status == 0, err
    table = pd.read_csv(tmp_path / "pred" / "predictions.csv", index_col="source_id")
    ok = table[table["status"] == "ok"]
    assert len(ok) > 350 and (ok["feh_std"] > 0).all()
    np.testing.assert_allclose(ok["feh_upper"] - ok["feh_lower"], 2 * ok["feh_std"])
    status, out, err = run_main(capsys, "predict", "cal.joblib", "sim.parquet", "--out", "pred1", "--n-threads", 1,
                                "--chunk-size", 100, "--quiet")
    assert status == 0, err  # one chunk at a time, in other chunks: the same rows
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "pred1" / "predictions.csv", index_col="source_id"), table)
    with pytest.raises(SystemExit) as exit_:
        run_main(capsys, "predict", "cal.joblib", "sim.parquet", "--out", "pred0", "--n-threads", 0)
    assert exit_.value.code == 2 and "--n-threads: expected a positive integer, got 0" in capsys.readouterr().err

    status, out, err = run_main(capsys, "train", "sim.parquet", "--model", "fourier_linear", "--calibrate",
                                "--degraded-copies", 2, "--splits", 3, "--interval", "classical",
                                "--out", "deg.joblib", "--quiet")
    assert status == 0, err
    calibration = model_info(tmp_path / "deg.joblib")["user"]["calibration"]
    assert calibration["n_degraded"] == 200 and calibration["interval"] == "classical"
    said = run_main(capsys, "info", "deg.joblib")[1]
    assert f"classical intervals ([Fe/H] = (prediction - {calibration['intercept']:.3f}) / " \
        f"{calibration['slope']:.3f}), difficulty spread" in said
    assert "calibrated on 100 held-out stars and 200 degraded copies against the labels" in said

    assert run_main(capsys, "train", "sim.parquet", "--model", "fourier_linear", "--out", "plain.joblib")[0] == 0
    assert "calibration none" in run_main(capsys, "info", "plain.joblib")[1]
    from rrlsk.io import read_parquet, write_parquet

    write_parquet(read_parquet("sim.parquet").drop(columns="feh_error"), "noerr.parquet")
    status, out, err = run_main(capsys, "train", "noerr.parquet", "--model", "fourier_linear", "--calibrate",
                                "--label-errors", "--out", "x.joblib")
    assert status == 1 and "--label-errors needs a feh_error column" in err


# ---------------------------------------------------------------- nothing lost, nothing silently wrong


@pytest.fixture
def lc_model(tmp_path):
    """A fitted Fourier-feature pipeline saved to a file, and its simulated training table."""
    import rrlsk
    from rrlsk.datasets import make_gaia_rrab
    from rrlsk.io import write_parquet

    X, y, _ = make_gaia_rrab(80, random_state=0)
    write_parquet(X, tmp_path / "curves.parquet")
    return save_model(rrlsk.make_pipeline("fourier_linear").fit(X, y), tmp_path / "lc.joblib"), X


def test_predict_stops_on_table_errors_and_says_what_to_do(lc_model, tmp_path, monkeypatch, capsys):
    from rrlsk.datasets import make_gaia_rrab, to_gaia_files
    from rrlsk.io import write_parquet

    model, X = lc_model
    monkeypatch.chdir(tmp_path)
    write_parquet(X.drop(columns="epoch"), "noepoch.parquet")
    status, out, err = run_main(capsys, "predict", model, "noepoch.parquet", "--out", "p1")
    assert status == 1 and "noepoch.parquet: light-curve table lacks column(s) ['epoch']" in err
    assert "nothing was predicted" in err and not list((tmp_path / "p1").glob("part-*"))

    Xg, _, info = make_gaia_rrab(5, random_state=1)
    paths = to_gaia_files(Xg, info, tmp_path / "gaia", format="csv")
    status, out, err = run_main(capsys, "predict", model, paths["epoch_photometry"], "--out", "p2")
    assert status == 1 and "pass rrlyrae=FILE (rrlsk predict --rrlyrae FILE)" in err


def test_period_in_hours_and_flux_as_mag_are_flagged_not_ok(lc_model, tmp_path, monkeypatch, capsys):
    from rrlsk.io import write_parquet
    from rrlsk.io.gaia import G_ZEROPOINT

    model, X = lc_model
    monkeypatch.chdir(tmp_path)
    bad = X.iloc[:10].copy()
    bad["period"] = bad["period"] * 24
    flux = X.iloc[10:20].copy()
    flux["mag"] = [10 ** (-0.4 * (m - G_ZEROPOINT)) for m in flux["mag"]]
    write_parquet(pd.concat([bad, flux]), "bad.parquet")
    status, out, err = run_main(capsys, "predict", model, "bad.parquet", "--out", "p", "--quiet")
    assert status == 0, err
    assert "0 ok, 20 flagged" in out and "see their reason column" in out
    table = pd.read_csv(tmp_path / "p" / "predictions.csv", index_col="source_id")
    assert (table["status"] == "flagged").all() and table["outside_training_domain"].all()
    assert table.loc[bad.index, "reason"].str.contains("hours instead of days").all()
    assert table.loc[flux.index, "reason"].str.contains("fluxes in the mag column").all()


def test_a_folder_in_use_is_refused_naming_the_other_run(lc_model, tmp_path):
    import socket

    model, X = lc_model
    (tmp_path / "out").mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "out" / "_lock").write_text(json.dumps(
            {"pid": other.pid, "host": socket.gethostname(), "what": "rrlsk predict run", "started_utc": "now"}))
        out = rrlsk("predict", model, tmp_path / "curves.parquet", "--out", tmp_path / "out", check=False)
        assert_one_line_error(out, "in use by another rrlsk predict run", f"pid {other.pid} on host")
    finally:
        other.kill()
        other.wait()
    rrlsk("predict", model, tmp_path / "curves.parquet", "--out", tmp_path / "out", "--quiet")  # stale: taken over
    assert len(pd.read_csv(tmp_path / "out" / "predictions.csv")) == len(X)


def test_small_training_sets_and_bad_grid_values_say_what_to_do(tmp_path, monkeypatch, capsys):
    import inspect

    import rrlsk
    from rrlsk.cli import DENSITY_THRESHOLD

    assert DENSITY_THRESHOLD == inspect.signature(rrlsk.density_weights).parameters["threshold"].default
    monkeypatch.chdir(tmp_path)
    assert run_main(capsys, "simulate", "s20.parquet", "--n-stars", 20)[0] == 0
    status, out, err = run_main(capsys, "train", "s20.parquet", "--model", "fourier_linear", "--out", "m.joblib")
    assert status == 1 and "lower the threshold with --density-threshold" in err
    status, out, err = run_main(capsys, "train", "s20.parquet", "--model", "fourier_linear", "--out", "m.joblib",
                                "--density-threshold", "0.05")
    assert status == 0, err
    with pytest.raises(ValueError, match=r"--grid: dropout=abc is not a number; gru's dropout takes numbers"):
        parse_grid("dropout=abc", "gru", rrlsk.GRURegressor())


def test_an_output_that_is_an_input_is_refused(lc_model, tmp_path, monkeypatch, capsys):
    model, X = lc_model
    monkeypatch.chdir(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in ("curves.parquet", "lc.joblib")}
    for csv, what in (("curves.parquet", "is the light curves"), ("lc.joblib", "is the model file"),
                      ("./curves.parquet", "is the light curves")):
        status, out, err = run_main(capsys, "predict", model, "curves.parquet", "--out", "p", "--csv", csv)
        assert status == 1 and f"--csv {csv} {what}" in err and "give --csv another path" in err, err
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "curves.parquet").write_bytes(before["curves.parquet"])
    status, out, err = run_main(capsys, "predict", model, "folder", "--out", "p", "--csv", "folder/p.csv")
    assert status == 1 and "is inside the light curves (folder)" in err
    status, out, err = run_main(capsys, "train", "curves.parquet", "--model", "fourier_linear", "--out",
                                "curves.parquet")
    assert status == 1 and "--out curves.parquet is the training data" in err
    assert before == {name: (tmp_path / name).read_bytes() for name in before}


# ---------------------------------------------------------------- the shell's own terms


def options_of(command):
    """The option strings ``rrlsk COMMAND`` takes."""
    from rrlsk.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return {option for action in sub._actions for option in action.option_strings}


def assert_names_real_options(command, message):
    named = set(re.findall(r"--[a-z][a-z-]+", message))
    assert named <= options_of(command), (named - options_of(command), message)
    assert "=False" not in message and "=True" not in message and "in Python" not in message, message


def test_help_shows_the_actual_defaults():
    import inspect

    from rrlsk import make_pipeline
    from rrlsk.cli import N_POINTS, NETWORK_DEFAULTS, TRANSFORMER_LEARNING_RATE
    from rrlsk.regressors import TRAINING_DEFAULTS, TransformerRegressor

    assert NETWORK_DEFAULTS == {name: TRAINING_DEFAULTS[name] for name in NETWORK_DEFAULTS}
    assert TRANSFORMER_LEARNING_RATE == TransformerRegressor.default_learning_rate
    assert N_POINTS == inspect.signature(make_pipeline).parameters["n_points"].default
    train = " ".join(rrlsk("train", "--help").stdout.split())
    for shown in ("maximum training epochs per fit; early stopping usually ends sooner (default: 400)",
                  "mini-batch size, stars (default: 256)", "(default: 0.01; 0.001 for transformer)",
                  "(default: per layer, 0.2/0.2/0.1 in the recurrent nets", "resampled curve (default: 100)",
                  "without improvement (default: 40)"):
        assert shown in train, shown
    assert "the network's" not in train and "the pipeline's" not in train
    cv = " ".join(rrlsk("cv", "--help").stdout.split())
    assert "(default: gru)" in cv and "['gru']" not in cv


def test_model_names_in_any_case_with_a_suggestion(capsys):
    from rrlsk.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["train", "d.parquet", "--out", "m", "--model", "GRU"]).model == "gru"
    assert parser.parse_args(["cv", "d.parquet", "--models", "BiLSTM, SVR"]).models == ["bilstm", "svr"]
    with pytest.raises(SystemExit) as err:
        parser.parse_args(["train", "d.parquet", "--out", "m", "--model", "InceptionTime"])
    assert err.value.code == 2
    message = capsys.readouterr().err
    assert "unknown model 'InceptionTime'; did you mean inception?" in message
    with pytest.raises(SystemExit):
        parser.parse_args(["cv", "d.parquet", "--models", "gru,xyzzy"])
    message = capsys.readouterr().err
    assert "unknown model 'xyzzy'; (networks: fcn" in message and "did you mean" not in message


def test_version_and_info_say_nothing_of_tensorflow(saved_model):
    from rrlsk._version import __version__

    out = rrlsk("--version")
    assert out.stdout.strip() == f"rrlsk {__version__}" and out.stderr == ""
    code = ("import sys; from rrlsk.cli import main; status = main(['info', sys.argv[1]]); "
            "assert 'tensorflow' not in sys.modules; sys.exit(status)")
    out = subprocess.run([sys.executable, "-c", code, str(saved_model)], capture_output=True, text=True, env=ENV,
                         timeout=300)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert "Ridge" in out.stdout


def test_native_start_up_lines_are_hidden_unless_verbose():
    code = ("import os, sys; from rrlsk.cli.native_logs import without_native_logs\n"
            "with without_native_logs(sys.argv[1] == 'hide'):\n"
            "    os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are written\\n'"
            " b'I0000 00:00:1796208651.963164  6389 cudart_stub.cc:31] Could not find cuda drivers\\n'"
            " b'To enable the following instructions: AVX2 FMA, in other operations, rebuild\\n'"
            " b'a real warning\\n')\n")
    hidden = subprocess.run([sys.executable, "-c", code, "hide"], capture_output=True, text=True, timeout=60)
    assert hidden.stderr == "a real warning\n"
    shown = subprocess.run([sys.executable, "-c", code, "show"], capture_output=True, text=True, timeout=60)
    assert "cuda drivers" in shown.stderr and "To enable" in shown.stderr
    from rrlsk.cli import build_parser

    assert build_parser().parse_args(["info", "m.joblib", "--verbose"]).verbose


def test_errors_name_options_that_exist(lc_model, tmp_path, monkeypatch, capsys):
    model, X = lc_model
    monkeypatch.chdir(tmp_path)
    assert run_main(capsys, "simulate", "s.parquet", "--n-stars", 20)[0] == 0
    pd.DataFrame({"source_id": [1], "value": [-1.5], "err": [0.1]}).to_csv("bad.csv", index=False)
    status, out, err = run_main(capsys, "train", "s.parquet", "--labels", "bad.csv", "--out", "m.joblib")
    assert status == 1 and "name it with --feh-column" in err
    assert_names_real_options("train", err)
    status, out, err = run_main(capsys, "train", "s.parquet", "--labels", "bad.csv", "--feh-column", "VALUE",
                                "--out", "m.joblib")
    assert status == 1 and "name it with --feh-error-column" in err
    assert_names_real_options("train", err)

    pd.DataFrame({"source_id": [1, 1], "time": [0.0, 0.3], "mag": [15.1, 15.4], "band": ["G", "G"]}).to_csv(
        "gaialike.csv", index=False)
    status, out, err = run_main(capsys, "predict", model, "gaialike.csv", "--out", "p", "--quiet")
    assert status == 1 and "drop_rejected" not in err and "plain light-curve CSV has no band column" in err
    assert_names_real_options("predict", err)


def test_a_plain_light_curve_csv_is_read_as_it_is(lc_model, tmp_path, monkeypatch, capsys):
    from rrlsk.datasets import make_gaia_rrab

    model, X = lc_model
    monkeypatch.chdir(tmp_path)
    stars, y, info = make_gaia_rrab(12, random_state=3)
    per_row = {name: np.repeat(values, stars["time"].map(len)) for name, values in
               (("source_id", stars.index), ("period", stars["period"]), ("epoch", stars["epoch"]),
                ("FeH_spec", info["feh"]), ("e_FeH", info["feh_error"]))}
    plain = pd.DataFrame({**per_row, "time": np.concatenate(stars["time"].to_list()),
                          "mag": np.concatenate(stars["mag"].to_list()),
                          "mag_err": np.concatenate(stars["mag_err"].to_list())}).sample(frac=1, random_state=0)
    plain.to_csv("plain.csv", index=False)
    status, out, err = run_main(capsys, "predict", model, "plain.csv", "--out", "p", "--quiet")
    assert status == 0, err
    assert out.count("feh_std, feh_lower and feh_upper are empty: the model is not calibrated") == 1
    predicted = pd.read_csv("p/predictions.csv", index_col="source_id")
    from rrlsk.persistence import load_model

    np.testing.assert_allclose(predicted.loc[stars.index, "feh"], load_model(model).predict(stars), rtol=1e-6)

    plain.drop(columns="epoch").to_csv("noepoch.csv", index=False)
    status, out, err = run_main(capsys, "predict", model, "noepoch.csv", "--out", "p2", "--quiet")
    assert status == 1 and "noepoch.csv: no epoch column" in err and "--rrlyrae FILE" in err

    args = ("train", "plain.csv", "--model", "fourier_linear", "--out", "m.joblib", "--density-threshold", "0.01")
    status, out, err = run_main(capsys, *args)
    assert status == 1 and "plain.csv: no feh column; name it with --feh-column" in err
    status, out, err = run_main(capsys, *args, "--feh-column", "FEH_SPEC", "--feh-error-column", "E_FEH")
    assert status == 0, err
    assert "on 12 stars from plain.csv" in out


def test_info_shows_odd_or_hostile_metadata_escaped(saved_model, tmp_path, capsys):
    from sklearn.linear_model import Ridge

    from rrlsk.persistence import FORMAT, _write_atomically

    header = {
        "format": FORMAT, "saved_at": "now\x1b[2J", "versions": {"rrlsk": "0\x07"},
        "model": {"class": "sklearn.linear_model.Ridge\x1b[8m hidden\x1b[0m\u202e", "params": {"alpha": "1\x1b[2J"}},
        "training": {"n_stars": "many", "feh_min": "low", "feh_max": None, "feh_mean": -1.5, "feh_std": [0.3]},
        "cv": None, "user": {"calibration": {"spread": "difficulty", "median_std": "0.2 dex"}},
    }
    _write_atomically(tmp_path / "odd.joblib", header, Ridge(), 3)
    status, out, err = run_main(capsys, "info", tmp_path / "odd.joblib")
    assert status == 0, err
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert r"model       sklearn.linear_model.Ridge\x1b[8m hidden\x1b[0m\u202e" in out
    assert "training    many stars, [Fe/H] low .. ? dex (mean -1.50, std [0.3])" in out
    assert "calibrated on ? held-out stars against the labels" in out and "median 68 % std 0.2 dex" in out
