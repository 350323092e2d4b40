"""rrlsk.persistence: joblib-readable model files whose metadata reads safely."""

import gzip
import json
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import rrlsk.persistence as persistence
from rrlsk.persistence import load_model, model_info, save_model


@pytest.fixture
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    y = -1.5 + 0.3 * X[:, 0]
    model = Pipeline([("scale", StandardScaler()), ("ridge", Ridge(alpha=0.5))]).fit(X, y)
    return model, X, y


class _Boom:
    """Unpickling this raises: proves model_info never unpickles."""

    def predict(self, X):  # pragma: no cover - never called
        return X

    def __reduce__(self):
        return (_explode, ())


def _explode():
    raise RuntimeError("unpickled!")


def test_round_trip_predicts_the_same(fitted, tmp_path):
    model, X, y = fitted
    path = save_model(model, tmp_path / "sub" / "m.joblib", y=y)
    again = load_model(path)
    np.testing.assert_allclose(again.predict(X), model.predict(X))


@pytest.mark.parametrize("loader", ["rrlsk.persistence.load_model", "joblib.load"])
def test_round_trip_in_a_fresh_process(fitted, tmp_path, loader):
    model, X, y = fitted
    path = save_model(model, tmp_path / "m.joblib", compress=0)
    np.save(tmp_path / "X.npy", X)
    code = (
        "import numpy as np, joblib, rrlsk.persistence;"
        f"print({loader}({str(path)!r}).predict(np.load({str(tmp_path / 'X.npy')!r}))[:3].tolist())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    np.testing.assert_allclose(json.loads(out.stdout), model.predict(X)[:3])


def test_metadata_holds_versions_labels_params_and_cv(fitted, tmp_path):
    model, X, y = fitted
    summary = pd.DataFrame({"mean": [0.93, 0.08], "std": [0.01, 0.002]}, index=["r2", "rmse"])
    path = save_model(model, tmp_path / "m.joblib", y=y, cv_summary=summary,
                      metadata={"note": "unit test", "n_epochs": np.int64(3)})
    info = model_info(path)
    assert info["versions"]["rrlsk"] == persistence.__version__
    assert info["versions"]["numpy"] == np.__version__
    assert info["training"]["n_stars"] == 40
    assert info["training"]["feh_min"] == pytest.approx(y.min())
    assert info["training"]["feh_max"] == pytest.approx(y.max())
    assert info["model"]["params"]["ridge__alpha"] == 0.5
    assert [name for name, _ in info["model"]["steps"]] == ["scale", "ridge"]
    assert info["cv"]["r2"]["mean"] == pytest.approx(0.93)
    assert info["user"] == {"note": "unit test", "n_epochs": 3}
    assert info["saved_at"].endswith("+00:00")


def test_model_info_never_unpickles(tmp_path):
    path = save_model(_Boom(), tmp_path / "boom.joblib")
    assert model_info(path)["model"]["class"].endswith("_Boom")
    with pytest.raises(RuntimeError, match="unpickled"):
        load_model(path)


def test_other_version_warns_naming_both(fitted, tmp_path, monkeypatch):
    model, X, y = fitted
    monkeypatch.setattr(persistence, "__version__", "0.0.1")
    path = save_model(model, tmp_path / "old.joblib")
    monkeypatch.undo()
    with pytest.warns(UserWarning, match=r"rrlsk 0\.0\.1 but this is rrlsk " + persistence.__version__):
        load_model(path)


def test_same_versions_do_not_warn(fitted, tmp_path, recwarn):
    model, X, y = fitted
    load_model(save_model(model, tmp_path / "m.joblib"))
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_plain_joblib_file_is_refused_with_a_hint(fitted, tmp_path):
    model, X, y = fitted
    joblib.dump(model, tmp_path / "plain.joblib")
    joblib.dump(model, tmp_path / "plain.gz", compress=("gzip", 3))
    for name in ("plain.joblib", "plain.gz"):
        with pytest.raises(ValueError, match=f"not an rrlsk model file: .*{name}: .*joblib.load"):
            model_info(tmp_path / name)
        with pytest.raises(ValueError, match="not an rrlsk model file"):
            load_model(tmp_path / name)


def _legacy_file(path, model, header):
    """A model file of format 1: magic line, JSON header, pickle."""
    encoded = json.dumps(header).encode()
    with open(path, "wb") as fh:
        fh.write(persistence.LEGACY_MAGIC + struct.pack("<Q", len(encoded)) + encoded)
        joblib.dump(model, fh, compress=3)
    return path


def test_files_from_0_1_0_load_read_and_upgrade(fitted, tmp_path):
    model, X, y = fitted
    header = model_info(save_model(model, tmp_path / "new.joblib", y=y))
    path = _legacy_file(tmp_path / "old.joblib", model, {**header, "format": 1})
    with pytest.raises(IndexError):  # why format-1 files needed a converter
        joblib.load(path)
    assert model_info(path)["training"] == header["training"]
    np.testing.assert_allclose(load_model(path).predict(X), model.predict(X))
    persistence.upgrade_model(path)
    np.testing.assert_allclose(joblib.load(path).predict(X), model.predict(X))
    upgraded = model_info(path)
    assert upgraded["format"] == persistence.FORMAT
    assert upgraded["training"] == header["training"]
    assert upgraded["user"]["upgraded_from"] == "rrlsk model-file format 1"
    with pytest.raises(ValueError, match="already"):
        persistence.upgrade_model(path)


def _bad_files(tmp_path, good):
    """Files rrlsk info may be handed: name -> bytes."""
    raw = good.read_bytes()
    comment_end = raw.index(b"\0", 10)
    rng = np.random.default_rng(0)
    files = {
        "empty": b"",
        "random": rng.bytes(4096),
        "gzip-random": b"\x1f\x8b\x08\x10" + rng.bytes(4096),
        "comment-cut": raw[:comment_end - 5],
        "comment-not-json": raw[:10] + persistence.COMMENT_PREFIX + b"{not json" + raw[comment_end:],
        "comment-deep": raw[:10] + persistence.COMMENT_PREFIX + b"[" * 100_000 + raw[comment_end:],
        "comment-no-keys": raw[:10] + persistence.COMMENT_PREFIX + b'{"format": 2}' + raw[comment_end:],
        "legacy-cut": persistence.LEGACY_MAGIC + struct.pack("<Q", 1000) + b"{}",
        "legacy-huge": persistence.LEGACY_MAGIC + struct.pack("<Q", 2**62),
        "legacy-no-length": persistence.LEGACY_MAGIC + b"\x01",
    }
    files.update({f"prefix-{n}": raw[:n] for n in (1, 2, 9, 10, 11, 40)})
    return files


class _CreatesAFile:
    """Unpickling this creates a file: the proof that nothing was unpickled."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (str(self.target), "w"))


def test_model_info_on_any_file_says_one_thing_and_runs_nothing(fitted, tmp_path):
    model, X, y = fitted
    good = save_model(model, tmp_path / "good.joblib", y=y)
    for name, data in _bad_files(tmp_path, good).items():
        path = tmp_path / f"{name}.joblib"
        path.write_bytes(data)
        with pytest.raises(ValueError, match=r"^not an rrlsk model file: .*" + name) as caught:
            model_info(path)
        assert type(caught.value).__mro__[1] is ValueError and "\n" not in str(caught.value), name
    target = tmp_path / "created-by-unpickling"
    evil = tmp_path / "evil.joblib"
    evil.write_bytes(pickle.dumps(_CreatesAFile(target)))
    with pytest.raises(ValueError, match="not an rrlsk model file"):
        model_info(evil)
    evil_gz = tmp_path / "evil.gz"
    evil_gz.write_bytes(gzip.compress(evil.read_bytes()))
    with pytest.raises(ValueError, match="not an rrlsk model file"):
        model_info(evil_gz)
    with pytest.raises(ValueError, match="not an rrlsk model file"):
        model_info(tmp_path)  # a folder
    assert not target.exists()
    pickle.loads(evil.read_bytes()).close()  # the control: unpickling does create it
    assert target.exists()


def test_rrlsk_info_on_bad_files_prints_one_line(fitted, tmp_path):
    model, X, y = fitted
    good = save_model(model, tmp_path / "good.joblib", y=y)
    target = tmp_path / "created-by-unpickling"
    evil = tmp_path / "evil.joblib"
    evil.write_bytes(pickle.dumps(_CreatesAFile(target)))
    files = [evil, tmp_path / "empty.joblib", tmp_path / "cut.joblib"]
    files[1].write_bytes(b"")
    files[2].write_bytes(good.read_bytes()[:30])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(persistence.__file__).parents[1]),
                                                      os.environ.get("PYTHONPATH", "")]))
    for path in files:
        out = subprocess.run([sys.executable, "-m", "rrlsk.cli", "info", str(path)],
                             capture_output=True, text=True, env=env, timeout=120)
        assert out.returncode == 1
        assert out.stderr.startswith("rrlsk info: error: not an rrlsk model file: "), out.stderr
        assert out.stderr.count("\n") == 1 and not out.stdout
    assert not target.exists()


def test_save_is_atomic(fitted, tmp_path):
    model, X, y = fitted
    path = save_model(model, tmp_path / "m.joblib", y=y)
    before = path.read_bytes()
    with pytest.raises(Exception):
        save_model(_Unpicklable(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.joblib"]


class _Unpicklable:
    def predict(self, X):  # pragma: no cover - never called
        return X

    def __reduce__(self):
        raise pickle.PicklingError("cannot pickle this")


def test_bad_inputs(fitted, tmp_path):
    model, X, y = fitted
    with pytest.raises(ValueError, match="no predict method"):
        save_model(StandardScaler(), tmp_path / "x.joblib")
    with pytest.raises(ValueError, match="JSON-serialisable"):
        save_model(model, tmp_path / "x.joblib", metadata={"obj": object()})
    with pytest.raises(ValueError, match="NaN"):
        save_model(model, tmp_path / "x.joblib", y=[np.nan, -1.0])
    with pytest.raises(ValueError, match="cv_summary"):
        save_model(model, tmp_path / "x.joblib", cv_summary=[1, 2])


def test_file_is_gzip_with_the_metadata_as_its_comment(fitted, tmp_path):
    model, X, y = fitted
    path = save_model(model, tmp_path / "m.joblib", y=y)
    raw = path.read_bytes()
    assert raw[:2] == b"\x1f\x8b" and raw[3] & 0x10  # gzip, FCOMMENT set
    end = raw.index(b"\0", 10)
    assert raw[10:end].startswith(persistence.COMMENT_PREFIX)
    assert json.loads(raw[10 + len(persistence.COMMENT_PREFIX):end])["training"]["n_stars"] == 40
    assert gzip.decompress(raw)[:1] == b"\x80"  # the body is the joblib pickle
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(raw)
