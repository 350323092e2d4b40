"""The registry of network regressors, readable without TensorFlow.

A :class:`~rrlsk.regressors.NetworkRegressor` subclass that names itself
(``model_name = "gru"``) is registered here when Python defines it (its
``__init_subclass__`` calls :func:`register_network`); the pipeline presets
(:data:`rrlsk.pipelines.NETWORKS`, :func:`rrlsk.make_pipeline`), the public
names of :mod:`rrlsk` and the command line's list of models all read the
registry, in the order the classes were defined.

This module imports nothing heavy, so that ``rrlsk --help`` and ``import
rrlsk`` do not start TensorFlow. What they need before
:mod:`rrlsk.regressors` is imported, the names of the networks rrlsk ships
and their classes, is the one table :data:`BUILTIN_NETWORKS` (and the baselines' names,
:data:`BASELINES`); ``tests/test_registry.py`` checks that it equals what
:mod:`rrlsk.regressors` registers (and :mod:`rrlsk.baselines` offers).
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["BASELINES", "BUILTIN_NETWORKS", "NETWORKS", "network_names", "register_network", "unregister_network"]

#: Model name -> class name of the networks defined in :mod:`rrlsk.regressors`,
#: in their order of definition (the paper's nine, then the Transformer).
BUILTIN_NETWORKS = MappingProxyType({
    "fcn": "FCNRegressor",
    "resnet": "ResNetRegressor",
    "inception": "InceptionTimeRegressor",
    "lstm": "LSTMRegressor",
    "bilstm": "BiLSTMRegressor",
    "gru": "GRURegressor",
    "bigru": "BiGRURegressor",
    "convlstm": "ConvLSTMRegressor",
    "convgru": "ConvGRURegressor",
    "transformer": "TransformerRegressor",
})

#: The baselines of :mod:`rrlsk.baselines` (``FEATURE_MODELS``, then
#: ``PANEL_MODELS``), for the command line's help; not a registry.
BASELINES = ("fourier_relation", "fourier_linear", "svr", "random_forest", "gradient_boosting", "minirocket")

_NETWORKS: dict[str, type] = {}

#: Model name -> registered regressor class, in the order of registration (a
#: read-only live view: a class defined later appears in it).
NETWORKS = MappingProxyType(_NETWORKS)


def register_network(cls: type) -> type:
    """Register a network regressor class under its ``model_name``.

    Called by ``NetworkRegressor.__init_subclass__``; a class defined again
    (a module reloaded) replaces its earlier self.

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
        The name is not a lower-case identifier, or another class holds it.
    """
    name = cls.model_name
    if not (isinstance(name, str) and name.isidentifier() and name == name.lower()):
        raise ValueError(f"{cls.__name__}.model_name must be a lower-case identifier such as 'gru', got {name!r}")
    held = _NETWORKS.get(name)
    if held is not None and (held.__module__, held.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(
            f"model name {name!r} of {cls.__module__}.{cls.__qualname__} is taken by "
            f"{held.__module__}.{held.__qualname__}; choose another model_name"
        )
    _NETWORKS[name] = cls
    return cls


def unregister_network(name: str) -> type:
    """Remove a network from the registry (tests, interactive sessions).

    Parameters
    ----------
    name : str
        Its ``model_name``.

    Returns
    -------
    type
        The class that was registered under ``name``.
    """
    return _NETWORKS.pop(name)


def network_names() -> tuple[str, ...]:
    """Names of the networks, without importing TensorFlow.

    Returns
    -------
    tuple of str
        The built-in networks (:data:`BUILTIN_NETWORKS`), then any other
        registered so far, in order of registration.
    """
    return tuple(dict.fromkeys([*BUILTIN_NETWORKS, *_NETWORKS]))
