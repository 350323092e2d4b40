"""Saving fitted models with what it takes to trust them later.

A model file written by :func:`save_model` is a gzip file (RFC 1952) whose
body is the fitted model pickled by :func:`joblib.dump`, and whose header
comment field (``FCOMMENT``) holds the metadata as ASCII JSON, after the
prefix ``rrlsk-model``: library versions, date, a summary of the training
labels, the model's scalar parameters (preprocessing settings included) and
cross-validation metrics when given.

Why this container: joblib reads gzip files natively, and zlib skips the
header comment, so ``joblib.load(path)`` returns the fitted estimator as for
any joblib file; the metadata sits in the first bytes, so
:func:`model_info` (and ``rrlsk info``) read it without decompressing or
unpickling anything; and it is one file, which a metadata sidecar would not
be. :func:`load_model` reads the metadata, warns when the file was written
by another rrlsk or Keras version, and then unpickles the model.

Files in model-file format 1 (a ``RRLSK-MODEL 1`` line and a JSON header
in front of the pickle; written by rrlsk's development builds before format
2, whatever version they reported) still load with :func:`load_model` and read with
:func:`model_info`, but not with ``joblib.load``; :func:`upgrade_model`
rewrites one in place as a joblib-readable file, metadata kept.

.. warning::

   Unpickling runs code. Load model files only from a source you trust,
   exactly as for any joblib or pickle file.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import platform
import struct
import warnings
import zlib
from collections.abc import Mapping
from importlib import metadata as _importlib_metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from ._atomic import write_atomic
from ._version import __version__

__all__ = ["save_model", "load_model", "model_info", "upgrade_model"]

#: Version of the metadata layout written by :func:`save_model`.
FORMAT = 2
#: The start of the gzip header comment that marks an rrlsk model file.
COMMENT_PREFIX = b"rrlsk-model "
#: Largest metadata comment read, bytes; anything longer is not an rrlsk file.
MAX_METADATA_BYTES = 16 * 2**20
#: Model-file format 1: this line, a length-prefixed JSON header, the pickle.
LEGACY_MAGIC = b"RRLSK-MODEL 1\n"
_LEGACY_LENGTH = struct.Struct("<Q")
# gzip (RFC 1952): magic, deflate, flags, mtime, extra flags, OS (255: unknown)
_GZIP_HEAD = struct.Struct("<2sBBIBB")
_GZIP_MAGIC, _DEFLATE = b"\x1f\x8b", 8
_FEXTRA, _FNAME, _FCOMMENT = 0x04, 0x08, 0x10
_VERSIONED = ("keras", "tensorflow", "scikit-learn", "scikeras", "numpy", "pandas", "joblib")
_CHUNK = 2**20


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
    """Write a fitted model and its metadata to one file that ``joblib.load`` opens.

    Parameters
    ----------
    model : estimator
        The fitted model, typically a :class:`sklearn.pipeline.Pipeline`
        from :func:`rrlsk.make_pipeline`.
    path : str or path-like
        Output file (conventionally ``*.joblib``); parent folders are
        created. An existing file is replaced atomically: the file is
        written beside it and renamed into place, so a reader never sees
        half a file and a failed save leaves the old one.
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
        Gzip (deflate) compression level, 0 (none) to 9.

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

    The file is a gzip file holding the joblib pickle, with the metadata
    in its header comment (see the module notes): ``joblib.load(path)``
    returns the model, :func:`model_info` the metadata.

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
        "format": FORMAT,
        "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "model": _model_summary(model),
        "training": None if y is None else _training_summary(y),
        "cv": None if cv_summary is None else _cv_summary(cv_summary),
        "user": user,
    }
    _write_atomically(Path(path), header, model, compress)
    return Path(path)


def _gzip_member(header: Mapping[str, Any], pickled: bytes, level: int) -> bytes:
    """One gzip member: ``header`` as the comment field, ``pickled`` deflated."""
    comment = COMMENT_PREFIX + json.dumps(header, sort_keys=True, ensure_ascii=True).encode("ascii")
    deflate = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    view = memoryview(pickled)
    body = b"".join(deflate.compress(view[i:i + _CHUNK]) for i in range(0, len(view), _CHUNK))
    return b"".join([
        _GZIP_HEAD.pack(_GZIP_MAGIC, _DEFLATE, _FCOMMENT, 0, 0, 255), comment, b"\0",
        body, deflate.flush(), struct.pack("<II", zlib.crc32(pickled), len(pickled) & 0xFFFFFFFF),
    ])


def _write_atomically(path: Path, header: Mapping[str, Any], model: Any, level: int) -> None:
    """Write the model file next to ``path`` and rename it into place.

    A reader sees the old file or the new one, never half of one, and a
    failure (a model that cannot be pickled, a full disk) leaves no trace.
    """
    if not 0 <= int(level) <= 9:
        raise ValueError(f"save_model: compress must be 0 (none) to 9, got {level!r}")
    pickled = io.BytesIO()
    joblib.dump(model, pickled)
    member = _gzip_member(header, pickled.getbuffer().tobytes(), int(level))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda tmp: tmp.write_bytes(member))


class _NotAModel(ValueError):
    """The one error :func:`model_info` raises for a file's content."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"not an rrlsk model file: {path}: {reason}")


def _read_until_nul(fh, path: Path, what: str) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = fh.read(65536)
        if not chunk:
            raise _NotAModel(path, f"truncated in the gzip {what}")
        end = chunk.find(b"\0")
        if end >= 0:
            fh.seek(end + 1 - len(chunk), os.SEEK_CUR)
            chunks.append(chunk[:end])
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_METADATA_BYTES:
            raise _NotAModel(path, f"gzip {what} longer than {MAX_METADATA_BYTES} bytes")


def _gzip_comment(fh, path: Path) -> bytes:
    head = fh.read(_GZIP_HEAD.size)
    if len(head) < _GZIP_HEAD.size or not head.startswith(_GZIP_MAGIC):
        raise _NotAModel(path, "neither a gzip file nor an rrlsk model file of format 1 (a plain joblib "
                               "or pickle file? joblib.load opens those, if you trust them)")
    _, method, flags, _, _, _ = _GZIP_HEAD.unpack(head)
    if method != _DEFLATE or not flags & _FCOMMENT:
        raise _NotAModel(path, "a gzip file without rrlsk metadata (a plain joblib file? "
                               "joblib.load opens those, if you trust them)")
    if flags & _FEXTRA:
        extra = fh.read(2)
        if len(extra) < 2:
            raise _NotAModel(path, "truncated in the gzip header")
        fh.seek(int.from_bytes(extra, "little"), os.SEEK_CUR)
    if flags & _FNAME:
        _read_until_nul(fh, path, "file name")
    comment = _read_until_nul(fh, path, "comment")
    if not comment.startswith(COMMENT_PREFIX):
        raise _NotAModel(path, "its gzip comment is not rrlsk metadata")
    return comment[len(COMMENT_PREFIX):]


def _legacy_header(fh, path: Path) -> bytes:
    raw_length = fh.read(_LEGACY_LENGTH.size)
    if len(raw_length) < _LEGACY_LENGTH.size:
        raise _NotAModel(path, "truncated in the format-1 header")
    (length,) = _LEGACY_LENGTH.unpack(raw_length)
    if length > MAX_METADATA_BYTES:
        raise _NotAModel(path, f"format-1 header of {length} bytes, more than {MAX_METADATA_BYTES}")
    raw = fh.read(length)
    if len(raw) != length:
        raise _NotAModel(path, "truncated in the format-1 header (metadata cut short)")
    return raw


def _checked(raw: bytes, path: Path) -> dict[str, Any]:
    """Parse and check the metadata JSON: the keys ``model_info`` promises."""
    try:
        header = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as err:
        raise _NotAModel(path, f"unreadable metadata ({type(err).__name__})") from None
    shapes = {"format": int, "saved_at": str, "versions": dict, "model": dict}
    if not isinstance(header, dict) or any(not isinstance(header.get(k), v) for k, v in shapes.items()):
        raise _NotAModel(path, f"metadata lacks one of {sorted(shapes)}")
    if not isinstance(header["model"].get("class"), str):
        raise _NotAModel(path, "metadata names no model class")
    return header


def _read(path: Path) -> tuple[dict[str, Any], int]:
    """(metadata, byte offset of the pickle for a format-1 file, else 0)."""
    try:
        with open(path, "rb") as fh:
            if fh.read(len(LEGACY_MAGIC)) == LEGACY_MAGIC:
                raw = _legacy_header(fh, path)
                return _checked(raw, path), fh.tell()
            fh.seek(0)
            return _checked(_gzip_comment(fh, path), path), 0
    except FileNotFoundError:
        raise
    except OSError as err:
        raise _NotAModel(path, err.strerror or type(err).__name__) from None


def model_info(path: str | os.PathLike) -> dict[str, Any]:
    """The metadata stored with a model, without loading the model.

    Only the metadata at the start of the file is read; nothing is
    decompressed or unpickled, so this is safe on files of unknown origin.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model` (format 2, or the older format 1).

    Returns
    -------
    dict
        Keys ``format`` (2; 1 for files of model-file format 1), ``saved_at`` (ISO
        8601, UTC), ``versions`` (package -> version string), ``model``
        (``class``, ``steps``, ``params``), ``training`` (``n_stars``,
        ``feh_min``, ``feh_max``, ``feh_mean``, ``feh_std`` in dex, or None),
        ``cv`` (metrics or None) and ``user``.

    Raises
    ------
    ValueError
        ``"not an rrlsk model file: PATH: reason"``, one line, for anything
        else (a plain joblib file, a truncated, empty or unreadable file).
    FileNotFoundError
        If the file does not exist.
    """
    return _read(Path(path))[0]


def load_model(path: str | os.PathLike) -> Any:
    """Load a model written by :func:`save_model`.

    Parameters
    ----------
    path : str or path-like
        The model file (format 2, or the older format 1).

    Returns
    -------
    estimator
        The fitted model, ready to ``predict``.

    Raises
    ------
    ValueError
        If the file is not an rrlsk model file (see :func:`model_info`).

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
    ``joblib.load(path)`` returns the same estimator, without the version
    check, for files written by this version.
    """
    path = Path(path)
    header, offset = _read(path)
    saved, here = header.get("versions", {}), _versions()
    for package in ("rrlsk", "keras"):
        if saved.get(package) != here.get(package):
            warnings.warn(
                f"{path} was saved with {package} {saved.get(package)} but this is "
                f"{package} {here.get(package)}; predictions may differ",
                UserWarning,
                stacklevel=2,
            )
    if not offset:
        return joblib.load(path)
    with open(path, "rb") as fh:
        fh.seek(offset)
        return joblib.load(fh)


def upgrade_model(path: str | os.PathLike, *, compress: int = 3) -> Path:
    """Rewrite a model file of format 1 in place so that ``joblib.load`` opens it.

    Parameters
    ----------
    path : str or path-like
        A file in model-file format 1 (``RRLSK-MODEL 1`` header).
    compress : int, default 3
        Compression level of the rewritten file, 0 (none) to 9.

    Returns
    -------
    pathlib.Path
        ``path``, now in the current format; its metadata is kept as it was
        and ``user["upgraded_from"]`` records the change.

    Raises
    ------
    ValueError
        If the file is not an rrlsk model file, or is one already in the
        current format.

    Notes
    -----
    The model is unpickled on the way (see :func:`load_model`): upgrade only
    files you trust.
    """
    path = Path(path)
    header, offset = _read(path)
    if not offset:
        raise ValueError(f"{path}: already a joblib-readable rrlsk model file (format {header['format']})")
    with open(path, "rb") as fh:
        fh.seek(offset)
        model = joblib.load(fh)
    header = {**header, "format": FORMAT,
              "user": {**(header.get("user") or {}), "upgraded_from": "rrlsk model-file format 1"}}
    _write_atomically(path, header, model, compress)
    return path
