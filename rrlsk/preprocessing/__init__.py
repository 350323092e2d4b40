"""Preprocessing of light-curve tables (Monti et al. 2024, Section 3).

Fold (:class:`PhaseFolder`, Eq. 1) -> smooth and resample
(:class:`SplineResampler`, Eq. 2) -> subtract the mean magnitude
(:class:`MeanMagSubtractor`) -> tensor (:class:`SequenceEncoder`, Eq. 3);
or, for the raw catalogue, fold -> mean -> :class:`SequencePadder`.
:class:`FourierFeatures` gives the classical Fourier parameters and
:class:`PerStarScalars` adds per-star scalars for networks with meta inputs;
:func:`to_sktime`/:func:`from_sktime` convert tensors to sktime's Panel
formats; :func:`check_light_curves` reports unusable stars.
"""

from ..base.table import DEFAULT_MIN_POINTS, check_light_curves
from .encoding import MASK_VALUE, SequenceEncoder, SequencePadder
from .folding import PhaseFolder
from .fourier_features import FourierFeatures
from .mean import MeanMagSubtractor
from .scalars import SCALARS, PerStarScalars
from .sktime_convert import from_sktime, to_sktime
from .spline import SplineResampler

__all__ = [
    "DEFAULT_MIN_POINTS",
    "MASK_VALUE",
    "FourierFeatures",
    "MeanMagSubtractor",
    "PerStarScalars",
    "SCALARS",
    "PhaseFolder",
    "SequenceEncoder",
    "SequencePadder",
    "SplineResampler",
    "check_light_curves",
    "from_sktime",
    "to_sktime",
]
