"""The shipped form of an ensemble of "bilstm2p" networks: one ``.npz`` of plain arrays.

Keys, for member ``k`` (0-based) and recurrent layer ``j`` (1, 2)::

    m{k}.bilstm{j}.{forward,backward}.{kernel,recurrent_kernel,bias}
    m{k}.head.{kernel,bias}
    metadata        a 0-d unicode array: JSON (see ``read_ensemble``)

Kernels are Keras' LSTM layout: ``kernel`` (inputs, 4 units),
``recurrent_kernel`` (units, 4 units), ``bias`` (4 units), gates in the
order input, forget, cell, output (the same in Keras 2 and 3). The file is
read with ``allow_pickle=False``: loading it runs no code.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["FORMAT", "LSTM_PARTS", "member_keys", "read_ensemble", "write_ensemble"]

#: ``metadata["format"]`` of a file this module reads.
FORMAT = "rrlsk.pretrained.bilstm2p"
#: Arrays of one LSTM direction.
LSTM_PARTS = ("kernel", "recurrent_kernel", "bias")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entry time: reruns write identical bytes


def member_keys(k: int) -> list[str]:
    """The array names of member ``k``, in the order of Keras' ``get_weights``.

    Parameters
    ----------
    k : int
        Member number, 0-based.

    Returns
    -------
    list of str
        Both bidirectional layers (forward then backward direction, each
        :data:`LSTM_PARTS`), then the head's kernel and bias.
    """
    keys = [f"m{k}.bilstm{j}.{direction}.{part}"
            for j in (1, 2) for direction in ("forward", "backward") for part in LSTM_PARTS]
    return keys + [f"m{k}.head.kernel", f"m{k}.head.bias"]


def write_ensemble(path: str | Path, members: list[dict[str, np.ndarray]], metadata: dict) -> None:
    """Write an ensemble file (compressed; identical bytes for identical content).

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file to write.
    members : list of dict
        One mapping per member from the names of :func:`member_keys` to arrays.
    metadata : dict
        JSON-serialisable description, stored under ``metadata``; must hold
        ``format`` = :data:`FORMAT`, ``units``, ``n_steps`` and ``n_members``.
    """
    arrays = {"metadata": np.array(json.dumps(metadata, sort_keys=True))}
    for k, member in enumerate(members):
        arrays.update({key: np.ascontiguousarray(member[key], dtype=np.float32) for key in member_keys(k)})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, arrays[key], allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def read_ensemble(path: str | Path) -> tuple[list[list[np.ndarray]], dict]:
    """Read an ensemble file written by :func:`write_ensemble`.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.

    Returns
    -------
    members : list of list of ndarray
        Per member, the arrays in the order of :func:`member_keys`.
    metadata : dict
        The stored description (``format``, ``band``, ``units``,
        ``n_steps``, ``n_members``, the input recipe, the source files'
        SHA-256, the training domain).

    Raises
    ------
    ValueError
        Naming ``path``, when it is missing, not an ensemble file, or
        truncated or damaged (an array missing, of the wrong shape or not
        finite).
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            metadata = json.loads(str(data["metadata"][()]))
            if metadata.get("format") != FORMAT:
                raise ValueError(f"format {metadata.get('format')!r}, expected {FORMAT!r}")
            units, n_inputs = int(metadata["units"]), 2
            members = [[np.asarray(data[key]) for key in member_keys(k)] for k in range(int(metadata["n_members"]))]
    except FileNotFoundError as err:
        raise ValueError(f"{path}: weights file not found; reinstall rrlsk or rerun "
                         "scripts/convert_dekany2022_weights.py") from err
    except Exception as err:  # BadZipFile, EOFError, KeyError, JSON and format errors: all mean damage
        raise ValueError(f"{path}: cannot read the weights ({type(err).__name__}: {err}); the file is damaged "
                         "or not an rrlsk pretrained-ensemble file") from err
    expected = []
    for inputs in (n_inputs, 2 * units):
        expected += [(inputs, 4 * units), (units, 4 * units), (4 * units,)] * 2
    expected += [(2 * units, 1), (1,)]
    for k, arrays in enumerate(members):
        for key, array, shape in zip(member_keys(k), arrays, expected):
            if array.shape != shape or not np.all(np.isfinite(array)):
                raise ValueError(f"{path}: array {key} has shape {array.shape} (expected {shape}) or "
                                 "non-finite values; the file is damaged")
    return members, metadata
