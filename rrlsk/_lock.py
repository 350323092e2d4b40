"""A lock file that keeps a second run out of a folder in use.

The lock holds the owner's process id, host and start time (JSON). A lock
whose owner ran on this host and no longer exists (killed, crashed) is
stale and taken over; a lock of another host cannot be checked and is
respected, with a message saying how to remove it.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["LOCK_NAME", "FolderInUse", "folder_lock"]

LOCK_NAME = "_lock"


class FolderInUse(RuntimeError):
    """Another live process holds the folder's lock."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}  # being written or garbage: treated by its age below


def _create(path: Path, owner: dict) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        json.dump(owner, handle)
    return True


def _stale(holder: dict, host: str) -> bool:
    pid = holder.get("pid")
    return holder.get("host") == host and isinstance(pid, int) and pid != os.getpid() and not _alive(pid)


@contextmanager
def folder_lock(folder: str | os.PathLike, what: str = "run") -> Iterator[dict]:
    """Hold ``folder/_lock`` for the duration of the block.

    Parameters
    ----------
    folder : path
        Existing folder to lock.
    what : str
        What the owner is doing, for the other run's message.

    Yields
    ------
    dict
        The lock's content: ``pid``, ``host``, ``started_utc``, ``what``.

    Raises
    ------
    FolderInUse
        When a live process (or one on another host) holds the lock; the
        message names it.
    """
    path = Path(folder) / LOCK_NAME
    host = socket.gethostname()
    owner = {"pid": os.getpid(), "host": host, "what": what,
             "started_utc": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if not _create(path, owner):
        holder = _read(path)
        if not _stale(holder, host):
            raise FolderInUse(
                f"{folder}: in use by another {holder.get('what', 'run')} (pid {holder.get('pid', '?')} on host "
                f"{holder.get('host', '?')}, started {holder.get('started_utc', '?')}); wait for it to finish, "
                f"or, if it is no longer running, delete {path}"
            )
        # stale: move it aside (only one taker succeeds), check it was the stale one, take over
        aside = path.with_name(f"{LOCK_NAME}.stale-{os.getpid()}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            raise FolderInUse(f"{folder}: another run took over the stale lock {path} at the same time") from None
        if _read(aside) != holder:  # a fresh lock of a faster taker: give it back
            os.rename(aside, path)
            raise FolderInUse(f"{folder}: another run took over the stale lock {path} at the same time")
        aside.unlink()
        if not _create(path, owner):
            raise FolderInUse(f"{folder}: another run took over the stale lock {path} at the same time")
    try:
        yield owner
    finally:
        if _read(path) == owner:
            path.unlink(missing_ok=True)
