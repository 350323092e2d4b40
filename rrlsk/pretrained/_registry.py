"""The table of named pretrained models: name -> what it is and how to load it.

Reading this table imports neither TensorFlow nor Keras: an entry holds
text and a loader callable that imports what it needs when called.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

__all__ = ["PretrainedModel", "closest_name", "data_path", "get", "names", "register"]


def data_path(filename: str) -> Path:
    """Path of a file shipped in ``rrlsk/pretrained/data``.

    Parameters
    ----------
    filename : str
        File name inside the package's ``data`` folder.

    Returns
    -------
    pathlib.Path
        Its path (it may not exist, e.g. in a damaged install).
    """
    return Path(str(resources.files(__package__).joinpath("data", filename)))


@dataclass(frozen=True)
class PretrainedModel:
    """One registered pretrained model.

    Parameters
    ----------
    name : str
        The registered name (``rrlsk predict NAME ...``), lower case.
    band : str
        Photometric band of the light curves it takes (``"G"``, ``"Ks"``).
    summary : str
        What it is, one sentence.
    training_data : str
        What it was trained on.
    licence : str
        Licence of the weights (and the file holding its text, if any).
    citation : str
        What to cite with its predictions.
    loader : callable
        ``loader(prealigned=bool)`` -> the fitted estimator. A loader for
        which ``prealigned`` means nothing raises ``ValueError`` when it is
        True.
    files : tuple of str, default ()
        The files of ``rrlsk/pretrained/data`` the model is read from; their
        content hash identifies the model (:meth:`sha256`).
    notes : str, default ""
        Anything a user should know before trusting its predictions.
    """

    name: str
    band: str
    summary: str
    training_data: str
    licence: str
    citation: str
    loader: Callable = field(repr=False)
    files: tuple[str, ...] = ()
    notes: str = ""

    def describe(self) -> dict[str, str]:
        """The metadata as a plain dict (what ``rrlsk info NAME`` prints).

        Returns
        -------
        dict of str to str
            ``name``, ``band``, ``summary``, ``training_data``, ``licence``,
            ``citation``, ``files`` (comma-separated paths) and ``notes``.
        """
        return {
            "name": self.name,
            "band": self.band,
            "summary": self.summary,
            "training_data": self.training_data,
            "licence": self.licence,
            "citation": self.citation,
            "files": ", ".join(str(data_path(f)) for f in self.files),
            "notes": self.notes,
        }

    def sha256(self) -> str:
        """SHA-256 of the model's files, in order (identifies the model in a prediction run).

        Returns
        -------
        str
            Hex digest.

        Raises
        ------
        ValueError
            Naming a file that is missing.
        """
        digest = hashlib.sha256()
        for filename in self.files:
            path = data_path(filename)
            try:
                digest.update(path.read_bytes())
            except OSError as err:
                raise ValueError(f"{path}: cannot read the weights of pretrained model {self.name!r} ({err})") from err
        return digest.hexdigest()


_REGISTRY: dict[str, PretrainedModel] = {}


def register(entry: PretrainedModel) -> PretrainedModel:
    """Add a model to the table.

    Parameters
    ----------
    entry : PretrainedModel
        The model; its name must be new and must not look like a path
        (no ``/``, no file suffix).

    Returns
    -------
    PretrainedModel
        ``entry``.

    Raises
    ------
    ValueError
        When the name is taken or looks like a file path.
    """
    if entry.name in _REGISTRY:
        raise ValueError(f"pretrained model {entry.name!r} is already registered")
    if "/" in entry.name or "\\" in entry.name or "." in entry.name or entry.name != entry.name.lower():
        raise ValueError(f"pretrained model name {entry.name!r} must be lower case, without '/', '\\' or '.'")
    _REGISTRY[entry.name] = entry
    return entry


def names() -> tuple[str, ...]:
    """The registered names, in registration order.

    Returns
    -------
    tuple of str
        The names :func:`rrlsk.load_pretrained` takes.
    """
    return tuple(_REGISTRY)


def closest_name(text) -> str | None:
    """The registered name closest to ``text`` (a likely typo), or None.

    Parameters
    ----------
    text : object
        What was given; compared in lower case.

    Returns
    -------
    str or None
        The closest registered name, None when none is close.
    """
    close = difflib.get_close_matches(str(text).lower(), list(_REGISTRY), n=1, cutoff=0.6)
    return close[0] if close else None


def get(name: str) -> PretrainedModel:
    """The registry entry of ``name``.

    Parameters
    ----------
    name : str
        A registered name.

    Returns
    -------
    PretrainedModel
        Its metadata and loader.

    Raises
    ------
    ValueError
        When ``name`` is not registered: lists the names and suggests the
        closest one.
    """
    if isinstance(name, str) and name in _REGISTRY:
        return _REGISTRY[name]
    close = closest_name(name)
    hint = f"; did you mean {close!r}?" if close else ""
    raise ValueError(f"unknown pretrained model {name!r}{hint} (registered: {', '.join(_REGISTRY)})")
