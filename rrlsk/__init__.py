"""rrlsk: photometric [Fe/H] of fundamental-mode RR Lyrae stars from Gaia
G-band light curves by deep time-series extrinsic regression, the
scikit-learn way (Monti et al. 2024, arXiv:2410.17906).

Sub-modules and public names load on first use, so that ``import rrlsk``
stays cheap and reading files does not start TensorFlow.
"""

from __future__ import annotations

import importlib

from ._registry import BUILTIN_NETWORKS
from ._version import __version__

_SUBMODULES = (
    "base",
    "batch",
    "baselines",
    "catalogue",
    "dask",
    "datasets",
    "degrade",
    "ensemble",
    "evaluation",
    "fourier",
    "io",
    "metrics",
    "model_selection",
    "networks",
    "per_type",
    "persistence",
    "photometry",
    "pipelines",
    "plotting",
    "preprocessing",
    "pretrained",
    "regressors",
    "relations",
    "uncertainty",
    "weights",
)

# public name -> module that defines it
_NAMES = {
    "make_pipeline": "pipelines",
    "all_models": "_registry",
    "density_weights": "weights",
    "BinnedStratifiedKFold": "model_selection",
    "RepeatedBinnedStratifiedKFold": "model_selection",
    "FoldEnsembleRegressor": "ensemble",
    "PerTypeRegressor": "per_type",
    "CalibratedRegressor": "uncertainty",
    "LightCurveDegrader": "degrade",
    "predict_catalogue": "catalogue",
    "save_model": "persistence",
    "load_model": "persistence",
    "model_info": "persistence",
    "load_pretrained": "pretrained",
    # the network regressors, named in the registry's TensorFlow-free table
    **{class_name: "regressors" for class_name in BUILTIN_NETWORKS.values()},
}

__all__ = ["__version__", *_SUBMODULES, *_NAMES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        module = importlib.import_module(f".{_NAMES[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'rrlsk' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
