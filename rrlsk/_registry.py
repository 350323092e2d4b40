"""The catalogue of models, readable without TensorFlow.

One entry per model name (:class:`ModelEntry`): where its class or factory
lives (``"module:attribute"``, imported only when the model is built) and
its capability tags (what it takes as input, whether it masks padding,
whether it takes per-star scalars). :func:`rrlsk.make_pipeline`, the
command line's list of models and :func:`all_models` all read it, so the
command line's help and ``import rrlsk`` do not start TensorFlow.

The networks and baselines rrlsk ships are declared in :data:`_BUILTIN`.
A :class:`~rrlsk.regressors.NetworkRegressor` subclass that names itself
(``model_name = "gru"``) is registered when Python defines it (its
``__init_subclass__`` calls :func:`register_network`): a built-in class
confirms its entry, any other (a user's module, a test) adds one, so it is
in ``make_pipeline``, ``GridSearchCV`` and the command line's list with no
other edit. ``tests/test_registry.py`` checks that each built-in entry's
target and tags are those of the class it names.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "BASELINES",
    "BUILTIN_NETWORKS",
    "INPUTS",
    "KINDS",
    "MODELS",
    "NETWORKS",
    "ModelEntry",
    "all_models",
    "model_entry",
    "model_names",
    "network_names",
    "register_network",
    "unregister_network",
]

#: What a model takes: the Eq. 3 tensor ("sequence": the networks), the
#: Fourier parameters table ("features") or sktime's numpy3D panel ("panel").
INPUTS = ("sequence", "features", "panel")

#: Kinds :func:`all_models` filters on: "network" (input "sequence") and
#: "baseline" (the others).
KINDS = ("network", "baseline")


@dataclass(frozen=True)
class ModelEntry:
    """One model of the catalogue: where it lives and what it can do.

    Parameters
    ----------
    name : str
        Model name: ``make_pipeline(name)``, its step's name, the command
        line's ``--model``.
    target : str
        ``"module:attribute"``: the estimator class, or a factory
        ``factory(**params)``, or a mapping of model names to factories.
    inputs : {"sequence", "features", "panel"}
        What the model takes (:data:`INPUTS`).
    masks_padding : bool, default False
        Skips the raw catalogue's padding (mask value), so takes curves of
        any length.
    takes_scalars : bool, default False
        Takes per-star scalars as extra channels (``make_pipeline(meta=...)``).
    """

    name: str
    target: str
    inputs: str
    masks_padding: bool = False
    takes_scalars: bool = False

    @property
    def kind(self) -> str:
        """Kind of model, "network" or "baseline" (:data:`KINDS`)."""
        return "network" if self.inputs == "sequence" else "baseline"

    @property
    def tags(self) -> dict[str, object]:
        """Capability tags: ``kind``, ``inputs``, ``masks_padding``, ``takes_scalars``."""
        return {
            "kind": self.kind,
            "inputs": self.inputs,
            "masks_padding": self.masks_padding,
            "takes_scalars": self.takes_scalars,
        }

    def load(self):
        """Import and return the class or factory (networks import TensorFlow).

        Returns
        -------
        type or callable
            ``factory(**params)`` returns the unfitted estimator.
        """
        if self.name in _LOADED:
            return _LOADED[self.name]
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        return found[self.name] if isinstance(found, Mapping) else found


def _network(name: str, module: str, cls: str, masks_padding: bool = False) -> ModelEntry:
    return ModelEntry(name, f"rrlsk.regressors.{module}:{cls}", "sequence", masks_padding, takes_scalars=True)


#: The models rrlsk ships, in the order make_pipeline's documentation and
#: the command line list them: the paper's nine networks, the Transformer,
#: then the baselines of :mod:`rrlsk.baselines`.
_BUILTIN = (
    _network("fcn", "convolutional", "FCNRegressor"),
    _network("resnet", "convolutional", "ResNetRegressor"),
    _network("inception", "convolutional", "InceptionTimeRegressor"),
    _network("lstm", "recurrent", "LSTMRegressor", masks_padding=True),
    _network("bilstm", "recurrent", "BiLSTMRegressor", masks_padding=True),
    _network("gru", "recurrent", "GRURegressor", masks_padding=True),
    _network("bigru", "recurrent", "BiGRURegressor", masks_padding=True),
    _network("convlstm", "convolutional", "ConvLSTMRegressor"),
    _network("convgru", "convolutional", "ConvGRURegressor"),
    _network("transformer", "transformer", "TransformerRegressor", masks_padding=True),
    *(ModelEntry(name, "rrlsk.baselines:FEATURE_MODELS", "features")
      for name in ("fourier_relation", "fourier_linear", "svr", "random_forest", "gradient_boosting")),
    ModelEntry("minirocket", "rrlsk.baselines:PANEL_MODELS", "panel"),
)

#: Model name -> entry: the built-in models, then those registered since.
_CATALOGUE: dict[str, ModelEntry] = {entry.name: entry for entry in _BUILTIN}

#: Model name -> class of the networks defined so far (built-in ones once
#: their module is imported; others when defined).
_LOADED: dict[str, type] = {}

#: Model name -> class name of the networks rrlsk ships, in order (the
#: former TensorFlow-free table; :func:`rrlsk.__getattr__` reads it).
BUILTIN_NETWORKS = MappingProxyType({
    entry.name: entry.target.partition(":")[2] for entry in _BUILTIN if entry.kind == "network"
})

#: The baselines' names, in order (the command line's help reads them).
BASELINES = tuple(entry.name for entry in _BUILTIN if entry.kind == "baseline")


def _ordered() -> list[ModelEntry]:
    """Every entry: the networks, then the baselines, each in order of declaration."""
    entries = list(_CATALOGUE.values())
    return [e for e in entries if e.kind == "network"] + [e for e in entries if e.kind == "baseline"]


def model_entry(name: str) -> ModelEntry:
    """The catalogue's entry of a model, without importing it.

    Parameters
    ----------
    name : str
        Model name.

    Returns
    -------
    ModelEntry
        Its target and capability tags.

    Raises
    ------
    ValueError
        Unknown model (the message lists the known ones).
    """
    try:
        return _CATALOGUE[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(_CATALOGUE)}") from None


def model_names(kind: str | None = None) -> tuple[str, ...]:
    """Names of the models, without importing any.

    Parameters
    ----------
    kind : {"network", "baseline"}, optional
        Only models of this kind; None: all (networks first).

    Returns
    -------
    tuple of str
        The names, the networks first, each kind in order of declaration.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} or None, got {kind!r}")
    return tuple(e.name for e in _ordered() if kind is None or e.kind == kind)


def all_models(kind: str | None = None, *, names_only: bool = False) -> list:
    """Every model :func:`rrlsk.make_pipeline` builds, as scikit-learn's ``all_estimators``.

    Parameters
    ----------
    kind : {"network", "baseline"}, optional
        Only models of this kind; None: all, the networks first.
    names_only : bool, default False
        Return the names alone, without importing any model (so without
        starting TensorFlow).

    Returns
    -------
    list of (str, type or callable), or list of str
        ``(name, class or factory)`` pairs (a baseline's factory builds its
        estimator from keyword parameters), or the names.

    Examples
    --------
    >>> import rrlsk
    >>> rrlsk.all_models("baseline", names_only=True)[:2]
    ['fourier_relation', 'fourier_linear']
    """
    names = model_names(kind)
    if names_only:
        return list(names)
    return [(name, _CATALOGUE[name].load()) for name in names]


def network_names() -> tuple[str, ...]:
    """Names of the networks, without importing TensorFlow.

    Returns
    -------
    tuple of str
        The built-in networks, then any other registered so far.
    """
    return model_names("network")


def register_network(cls: type) -> type:
    """Register a network regressor class under its ``model_name``.

    Called by ``NetworkRegressor.__init_subclass__``: a built-in class
    confirms its entry; another adds one with the class's tags
    (``masks_padding``). A class defined again (a module reloaded) replaces
    its earlier self.

    Parameters
    ----------
    cls : type
        A :class:`~rrlsk.regressors.NetworkRegressor` subclass with a
        ``model_name``.

    Returns
    -------
    type
        ``cls``.

    Raises
    ------
    ValueError
        The name is not a lower-case identifier, or another model holds it.
    """
    name = cls.model_name
    if not (isinstance(name, str) and name.isidentifier() and name == name.lower()):
        raise ValueError(f"{cls.__name__}.model_name must be a lower-case identifier such as 'gru', got {name!r}")
    target = f"{cls.__module__}:{cls.__qualname__}"
    held = _CATALOGUE.get(name)
    if held is not None and held.target != target:
        raise ValueError(
            f"model name {name!r} of {target.replace(':', '.')} is taken by "
            f"{held.target.replace(':', '.')}; choose another model_name"
        )
    _CATALOGUE[name] = ModelEntry(name, target, "sequence", bool(cls.masks_padding), takes_scalars=True)
    _LOADED[name] = cls
    return cls


def unregister_network(name: str) -> type:
    """Remove a network from the catalogue (tests, interactive sessions).

    Parameters
    ----------
    name : str
        Its ``model_name``.

    Returns
    -------
    type
        The class that was registered under ``name``.
    """
    entry = _CATALOGUE.pop(name)
    return _LOADED.pop(name, None) or entry.load()


class _Networks(Mapping):
    """Model name -> network class: names without TensorFlow, a class imported on access."""

    def __getitem__(self, name: str) -> type:
        entry = _CATALOGUE.get(name)
        if entry is None or entry.kind != "network":
            raise KeyError(name)
        return entry.load()

    def __iter__(self) -> Iterator[str]:
        return iter(network_names())

    def __len__(self) -> int:
        return len(network_names())

    def __contains__(self, name: object) -> bool:
        entry = _CATALOGUE.get(name) if isinstance(name, str) else None
        return entry is not None and entry.kind == "network"


#: Model name -> network class (a live read-only view: a class defined later
#: appears in it; reading a class imports it, names alone do not).
NETWORKS = _Networks()


class _Models(Mapping):
    """Model name -> :class:`ModelEntry`, the networks first; nothing is imported."""

    def __getitem__(self, name: str) -> ModelEntry:
        return _CATALOGUE[name]

    def __iter__(self) -> Iterator[str]:
        return iter(model_names())

    def __len__(self) -> int:
        return len(_CATALOGUE)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in _CATALOGUE


#: Model name -> :class:`ModelEntry` of every model (a live read-only view).
MODELS = _Models()
