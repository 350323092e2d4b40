"""The ``rrlsk`` command, driven as a user drives it: subprocesses, real files."""

import json
import os
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


def assert_one_line_error(out, *fragments):
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


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
    assert_one_line_error(out, "rrlsk info: error:", "nope.joblib")


def test_not_a_model_file_and_debug_traceback(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    assert_one_line_error(rrlsk("info", bad, check=False), "notes.txt: not an rrlsk model file")
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
