"""The estimator contract every module of rrlsk shares.

The bottom layer of the package (it imports no other part of rrlsk and no
TensorFlow): the light-curve table's ragged arrays (:func:`flatten`,
:func:`split`, :data:`ARRAY_COLUMNS`) and padding value
(:data:`MASK_VALUE`); :class:`TableTransformer`, the base of every
transformer of such tables, and the checks of tables
(:func:`check_light_curves`), labels (:func:`check_labels`), weights
(:func:`check_weights`, both against ``X``:
:func:`check_labels_and_weights`) and parameters (:func:`check_params`, with the
constraint classes of :mod:`rrlsk.base.constraints`); and how a caller
reaches a model's final step (:func:`final_estimator`) and its calibrated
uncertainty (:func:`is_calibrated`, :func:`predict_with_std`,
:func:`predict_interval`) or declines stars (:func:`skip_reasons`).

Examples
--------
A transformer of light-curve tables declares its parameters and the columns
it needs, and writes ``_transform``:

>>> from numbers import Real
>>> from rrlsk.base import TableTransformer, flatten, split
>>> from rrlsk.base.constraints import Interval
>>> class MagShift(TableTransformer):
...     _required = ("mag",)
...     _parameter_constraints = {"shift": [Interval(Real, None, None, closed="neither")]}
...     def __init__(self, shift=0.0):
...         self.shift = shift
...     def _transform(self, X):
...         mag, offsets = flatten(X["mag"].to_numpy())
...         return X.assign(mag=split(mag + self.shift, offsets))
"""

from __future__ import annotations

import importlib

# public name -> module of rrlsk.base that defines it; loaded on first use,
# so that the light modules (ragged arrays) do not import scikit-learn
_NAMES = {
    **dict.fromkeys(
        ("final_estimator", "is_calibrated", "predict_interval", "predict_with_std", "predicts_std", "skip_reasons"),
        "predict",
    ),
    **dict.fromkeys(("ARRAY_COLUMNS", "CHUNK_STARS", "MASK_VALUE", "flatten", "split"), "ragged"),
    **dict.fromkeys(
        ("DEFAULT_MIN_POINTS", "TableTransformer", "check_light_curves", "check_target_index", "validate_table"),
        "table",
    ),
    **dict.fromkeys(
        ("MAX_LISTED", "check_labels", "check_labels_and_weights", "check_params", "check_weights", "index_of",
         "name_rows", "num_rows"),
        "validation",
    ),
}

__all__ = sorted(_NAMES)


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'rrlsk.base' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
