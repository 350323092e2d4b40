"""Saving fitted models with what it takes to trust them later.

A model file written by :func:`save_model` is one binary file made of

1. the magic line ``RRLSK-MODEL 1``,
2. a JSON header (length-prefixed) with the metadata: library versions,
   date, a summary of the training labels, the model's scalar parameters
   (preprocessing settings included) and cross-validation metrics when
   given,
3. the fitted model, pickled with :func:`joblib.dump`.

:func:`model_info` reads only the JSON header, so inspecting a file never
unpickles anything. :func:`load_model` reads the header, warns when the
file was written by another rrlsk or Keras version, and then unpickles the
model.

.. warning::

   Unpickling runs code. Load model files only from a source you trust,
   exactly as for any joblib or pickle file.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import struct
import warnings
from collections.abc import Mapping
from importlib import metadata as _importlib_metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from ._version import __version__

__all__ = ["save_model", "load_model", "model_info"]

MAGIC = b"RRLSK-MODEL 1\n"
_LENGTH = struct.Struct("<Q")
_VERSIONED = ("keras", "tensorflow", "scikit-learn", "scikeras", "numpy", "pandas", "joblib")


def _installed_version(distribution: str) -> str | None:
    try:
        return _importlib_metadata.version(distribution)
    except _importlib_metadata.PackageNotFoundError:
        return None


def _versions() -> dict[str, str | None]:
    versions = {"rrlsk": __version__, "python": platform.python_version()}
    versions.update({name: _installed_version(name) for name in _VERSIONED})
    return versions


def _json_scalar(value: Any) -> bool:
    if isinstance(value, (str, bool, int, float)) or value is None:
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_scalar(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars, tuples -> lists; everything else as is."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    """``json.dumps`` fallback: numpy scalars and arrays become Python values."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _model_summary(model: Any) -> dict[str, Any]:
    summary: dict[str, Any] = {"class": f"{type(model).__module__}.{type(model).__qualname__}"}
    steps = getattr(model, "steps", None)
    if steps is not None:
        summary["steps"] = [
            [name, f"{type(step).__module__}.{type(step).__qualname__}"] for name, step in steps
        ]
    if hasattr(model, "get_params"):
        params = model.get_params(deep=True)
        summary["params"] = {
            key: _plain(value)
            for key, value in sorted(params.items())
            if _json_scalar(_plain(value))
        }
    return summary


def _training_summary(y: Any) -> dict[str, Any]:
    values = np.asarray(y, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("save_model: y is empty; pass the training labels or None")
    if not np.all(np.isfinite(values)):
        raise ValueError("save_model: y holds NaN or infinite [Fe/H] values")
    return {
        "n_stars": int(values.size),
        "feh_min": float(values.min()),
        "feh_max": float(values.max()),
        "feh_mean": float(values.mean()),
        "feh_std": float(values.std()),
    }


def _cv_summary(cv_summary: Any) -> Any:
    """A DataFrame (e.g. ``report.summary``) or mapping -> JSON-ready dict."""
    to_dict = getattr(cv_summary, "to_dict", None)
    if to_dict is not None:
        table = to_dict(orient="index") if hasattr(cv_summary, "columns") else to_dict()
        return json.loads(json.dumps(table, default=_json_default))
    if isinstance(cv_summary, Mapping):
        return json.loads(json.dumps(dict(cv_summary), default=_json_default))
    raise ValueError(
        f"save_model: cv_summary must be a DataFrame or a mapping, got {type(cv_summary).__name__}"
    )


def save_model(
    model: Any,
    path: str | os.PathLike,
    *,
    y: Any = None,
    cv_summary: Any = None,
    metadata: Mapping[str, Any] | None = None,
    compress: int = 3,
) -> Path:
    """Write a fitted model and its metadata to one file.

    Parameters
    ----------
    model : estimator
        The fitted model, typically a :class:`sklearn.pipeline.Pipeline`
        from :func:`rrlsk.make_pipeline`.
    path : str or path-like
        Output file (conventionally ``*.joblib``); parent folders are
        created. An existing file is replaced.
    y : array-like of shape (n_stars,), optional
        The training labels [Fe/H] (dex); stored as a summary: number of
        stars, minimum, maximum, mean and standard deviation.
    cv_summary : DataFrame or mapping, optional
        Cross-validation metrics, for example
        ``rrlsk.evaluation.cross_validate_report(...).summary``.
    metadata : mapping, optional
        Anything else to keep with the model (JSON-serialisable), stored
        under ``"user"``.
    compress : int, default 3
        joblib compression level, 0 (none) to 9.

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    The stored metadata holds the versions of rrlsk, Keras, TensorFlow,
    scikit-learn, scikeras, numpy, pandas, joblib and Python; the UTC date;
    the model class, its pipeline steps and every scalar parameter from
    ``get_params(deep=True)`` (so the preprocessing settings, e.g.
    ``spline__n_points``); the label summary and CV metrics when given.
    Read it back with :func:`model_info`.

    The model itself is a pickle: loading it runs code, so share model
    files only with people who trust you, and load only files you trust.
    """
    if not hasattr(model, "predict"):
        raise ValueError(f"save_model: {type(model).__name__} has no predict method; not a model")
    try:
        user = json.loads(json.dumps(dict(metadata or {}), default=_json_default))
    except (TypeError, ValueError) as err:
        raise ValueError(f"save_model: metadata must be JSON-serialisable ({err})") from None
    header = {
        "format": 1,
        "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "model": _model_summary(model),
        "training": None if y is None else _training_summary(y),
        "cv": None if cv_summary is None else _cv_summary(cv_summary),
        "user": user,
    }
    encoded = json.dumps(header, indent=1, sort_keys=True).encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(MAGIC)
        fh.write(_LENGTH.pack(len(encoded)))
        fh.write(encoded)
        joblib.dump(model, fh, compress=compress)
    return path


def _read_header(fh, path: Path) -> dict[str, Any]:
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise ValueError(
            f"{path}: not an rrlsk model file (written by rrlsk.save_model); "
            "a plain joblib file loads with joblib.load"
        )
    (length,) = _LENGTH.unpack(fh.read(_LENGTH.size))
    raw = fh.read(length)
    if len(raw) != length:
        raise ValueError(f"{path}: truncated rrlsk model file (metadata header cut short)")
    return json.loads(raw.decode("utf-8"))


def model_info(path: str | os.PathLike) -> dict[str, Any]:
    """The metadata stored with a model, without loading the model.

    Only the JSON header is read; nothing is unpickled, so this is safe on
    files of unknown origin.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    dict
        Keys ``format``, ``saved_at`` (ISO 8601, UTC), ``versions``
        (package -> version string), ``model`` (``class``, ``steps``,
        ``params``), ``training`` (``n_stars``, ``feh_min``, ``feh_max``,
        ``feh_mean``, ``feh_std`` in dex, or None), ``cv`` (metrics or
        None) and ``user``.

    Raises
    ------
    ValueError
        If the file is not an rrlsk model file.
    FileNotFoundError
        If the file does not exist.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        return _read_header(fh, path)


def load_model(path: str | os.PathLike) -> Any:
    """Load a model written by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like
        The model file.

    Returns
    -------
    estimator
        The fitted model, ready to ``predict``.

    Warns
    -----
    UserWarning
        When the file was written by another rrlsk or Keras version than
        the ones installed; the warning names both versions. Predictions
        may then differ or the model may fail to load.

    Notes
    -----
    Loading unpickles the model, which runs code: load only files from a
    source you trust. To look at a file first, use :func:`model_info`.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        header = _read_header(fh, path)
        saved = header.get("versions", {})
        here = _versions()
        for package in ("rrlsk", "keras"):
            if saved.get(package) != here.get(package):
                warnings.warn(
                    f"{path} was saved with {package} {saved.get(package)} but this is "
                    f"{package} {here.get(package)}; predictions may differ",
                    UserWarning,
                    stacklevel=2,
                )
        return joblib.load(fh)
