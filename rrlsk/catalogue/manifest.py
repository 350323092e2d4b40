"""The output directory's manifest: its format, its runs, and the model's identity.

A resumed run must use the model of the earlier runs: the manifest records
the SHA-256 of the model file (a pretrained model's shipped files'), or for
an in-memory model its class and :func:`content_digest`, the same for the
model loaded again from its file in any process. Any model, a router of
models included, is identified by what it holds.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from .._atomic import TMP_PREFIX, write_atomic
from .._lock import LOCK_NAME
from ..pretrained import is_pretrained_name
from ..pretrained import sha256 as pretrained_sha256
from .schema import PREDICTION_COLUMNS

__all__ = ["MANIFEST", "content_digest", "model_identity", "open_output", "read_manifest"]

#: The manifest's file name in an output directory.
MANIFEST = "_manifest.json"
_FORMAT = "rrlsk.batch.predictions"  # written in every manifest: kept as it was, for older folders
_FORMAT_VERSION = 2


def read_manifest(output: Path) -> dict:
    """The manifest of a prediction directory.

    Raises
    ------
    ValueError
        When ``output`` has no readable manifest of this format and version.
    """
    path = output / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{output}: not an rrlsk prediction directory ({path}: {err})") from err
    if manifest.get("format") != _FORMAT or manifest.get("version") != _FORMAT_VERSION:
        raise ValueError(
            f"{path}: format {manifest.get('format')!r} version {manifest.get('version')!r}, "
            f"expected {_FORMAT!r} version {_FORMAT_VERSION}"
        )
    return manifest


def model_identity(model) -> dict:
    """What the manifest records of the model: its file's SHA-256 (a pretrained model's
    shipped files'), or its class and :func:`content_digest`."""
    if is_pretrained_name(model):
        return {"file": model, "pretrained": model, "sha256": pretrained_sha256(model)}
    if isinstance(model, (str, os.PathLike)):
        digest = hashlib.sha256()
        with open(model, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return {"file": os.path.abspath(model), "sha256": digest.hexdigest()}
    return {"class": f"{type(model).__module__}.{type(model).__qualname__}", "sha256": None,
            "content_sha256": content_digest(model)}


def content_digest(model) -> str:
    """SHA-256 of what a fitted model holds, the same for its copies in any process.

    The attributes of the model and of every object inside it, in sorted
    order: numbers, text, arrays and tables by value, a Keras network by its
    weights (its pickled bytes carry a save date), other objects by their
    class and attributes. Two models differ when a parameter, a fitted
    array or a weight differs; a model and its ``joblib`` round trip agree.

    Parameters
    ----------
    model : object
        A fitted model (any Python object).

    Returns
    -------
    str
        The hexadecimal digest.
    """
    digest = hashlib.sha256()
    _digest(model, digest, set())
    return digest.hexdigest()


def _digest(obj, digest, active: set[int]) -> None:
    """Feed ``obj`` into ``digest`` (see :func:`content_digest`); ``active`` guards against cycles."""
    kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes, np.generic)):
        digest.update(f"{kind}:{obj!r};".encode())
        return
    if id(obj) in active:
        digest.update(b"<cycle>")
        return
    active.add(id(obj))
    digest.update(f"<{kind}>".encode())
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        digest.update(f"{obj.dtype.str}{obj.shape}".encode())
        digest.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
        for part in (list(getattr(obj, "columns", [])), obj.index.to_numpy(), obj.to_numpy()):
            _digest(part, digest, active)
    elif callable(getattr(obj, "get_weights", None)) and hasattr(obj, "layers"):  # a Keras network
        for weight in obj.get_weights():
            _digest(np.asarray(weight), digest, active)
    elif isinstance(obj, Mapping):
        for key in sorted(obj, key=repr):
            _digest(key, digest, active)
            _digest(obj[key], digest, active)
    elif isinstance(obj, (list, tuple, np.ndarray)):
        for item in obj:
            _digest(item, digest, active)
    elif isinstance(obj, (set, frozenset)):
        for item in sorted(obj, key=repr):
            _digest(item, digest, active)
    elif not kind.startswith(("tensorflow.", "keras.")) and isinstance(getattr(obj, "__dict__", None), dict):
        _digest(vars(obj), digest, active)
    active.discard(id(obj))


def _check_same_model(output: Path, manifest: dict, identity: dict) -> None:
    """Refuse to resume with another model than the earlier runs'."""
    for earlier in manifest["runs"]:
        before = earlier.get("model", {})
        if before.get("sha256") or identity["sha256"]:
            same = before.get("sha256") == identity["sha256"]
        else:  # in-memory models; manifests written before content digests hold the class only
            same = before.get("class") == identity.get("class") and before.get("content_sha256") in (
                None, identity["content_sha256"])
        if same:
            continue
        described = before.get("file") or before.get("class") or "?"
        raise ValueError(
            f"{output}: run {earlier['run']} was made with another model ({described}, sha256 "
            f"{before.get('sha256') or before.get('content_sha256')}) than this one "
            f"({identity.get('file') or identity.get('class')}, sha256 "
            f"{identity['sha256'] or identity['content_sha256']}); resuming would mix two models' "
            "predictions. Use a new output folder, or resume with the same model"
        )


def open_output(output: Path, source, chunk_size: int, identity: dict) -> int:
    """Validate ``output`` (locked by the caller, see :func:`rrlsk._lock.folder_lock`); record this run.

    Parameters
    ----------
    output : Path
        The output directory (existing).
    source : path or list of paths
        The light curves of this run, as recorded.
    chunk_size : int
        Stars per chunk, as recorded.
    identity : dict
        The model's :func:`model_identity`.

    Returns
    -------
    int
        This run's number.

    Raises
    ------
    ValueError
        When ``output`` is a non-empty directory without a manifest, or an
        earlier run used another model.
    """
    if (output / MANIFEST).exists():
        manifest = read_manifest(output)
        _check_same_model(output, manifest, identity)
    elif any(p.name not in (MANIFEST, LOCK_NAME) and not p.name.startswith(TMP_PREFIX) for p in output.iterdir()):
        raise ValueError(f"{output}: directory is not empty and holds no {MANIFEST}; refusing to write there")
    else:
        manifest = {"format": _FORMAT, "version": _FORMAT_VERSION, "columns": list(PREDICTION_COLUMNS), "runs": []}
    for stale in output.glob(f"{TMP_PREFIX}*"):  # left by a killed run; the lock says none is active
        stale.unlink()
    run = len(manifest["runs"])
    manifest["runs"].append(
        {
            "run": run,
            "started_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "source": [str(s) for s in source] if isinstance(source, (list, tuple)) else str(source),
            "chunk_size": chunk_size,
            "model": identity,
        }
    )
    write_atomic(output / MANIFEST, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1)))
    return run
