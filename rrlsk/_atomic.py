"""One way to write a file atomically: whole or not at all.

Every file rrlsk writes for the user (prediction parts, manifests, combined
CSV tables, Parquet light-curve tables, model files, archive downloads) goes
through :func:`write_atomic`: the content is written to a hidden temporary
file in the same folder, flushed to disk, and renamed over the target, so a
crash, a full disk or a kill leaves either the old file or the new one, never
a truncated one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["TMP_PREFIX", "write_atomic"]

#: Name prefix of the temporary files (hidden; safe to delete when no run is active).
TMP_PREFIX = ".tmp-"


def write_atomic(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Write ``path`` atomically through ``write(tmp)``.

    Parameters
    ----------
    path : path
        The file to create or replace. Its folder must exist.
    write : callable
        ``write(tmp)`` writes the whole content to the path ``tmp`` (same
        folder, same suffix as ``path``); its return value is ignored.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    Exception
        Whatever ``write`` raises; the temporary file is removed and
        ``path`` is left as it was.
    """
    path = Path(path)
    # a unique name per writer, created by ``write`` itself (so with the usual permissions)
    tmp = path.with_name(f"{TMP_PREFIX}{path.stem}-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:  # the content is on disk before the rename
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
