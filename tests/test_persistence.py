"""rrlsk.persistence: model files with a readable, safe metadata header."""

import json
import pickle
import subprocess
import sys

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


def test_round_trip_in_a_fresh_process(fitted, tmp_path):
    model, X, y = fitted
    path = save_model(model, tmp_path / "m.joblib", compress=0)
    np.save(tmp_path / "X.npy", X)
    code = (
        "import numpy as np, rrlsk.persistence as p;"
        f"print(p.load_model({str(path)!r}).predict(np.load({str(tmp_path / 'X.npy')!r}))[:3].tolist())"
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
    with pytest.raises(ValueError, match="plain.joblib: not an rrlsk model file"):
        model_info(tmp_path / "plain.joblib")
    with pytest.raises(ValueError, match="joblib.load"):
        load_model(tmp_path / "plain.joblib")


def test_truncated_header(tmp_path):
    path = tmp_path / "cut.joblib"
    path.write_bytes(persistence.MAGIC + persistence._LENGTH.pack(1000) + b"{}")
    with pytest.raises(ValueError, match="truncated"):
        model_info(path)


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


def test_header_is_plain_json(fitted, tmp_path):
    model, X, y = fitted
    path = save_model(model, tmp_path / "m.joblib", y=y)
    raw = path.read_bytes()
    assert raw.startswith(persistence.MAGIC)
    (n,) = persistence._LENGTH.unpack_from(raw, len(persistence.MAGIC))
    start = len(persistence.MAGIC) + persistence._LENGTH.size
    assert json.loads(raw[start:start + n])["training"]["n_stars"] == 40
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(raw)
