"""scikit-learn regressors for the paper's networks (scikeras ``KerasRegressor``).

One shared training loop (:mod:`~rrlsk.regressors.base`,
:class:`NetworkRegressor`) and one module per family:
:mod:`~rrlsk.regressors.convolutional` (FCN, ResNet, InceptionTime,
ConvLSTM, ConvGRU), :mod:`~rrlsk.regressors.recurrent` (LSTM, BiLSTM, GRU,
BiGRU) and :mod:`~rrlsk.regressors.transformer`. Every name stays importable
from ``rrlsk.regressors`` (where rrlsk 0.x defined them all, so pickles
that name it keep loading).
"""

from .._keras_utils import VersionMismatchWarning
from ._inference import _INFERENCE
from ._params import LR_SCHEDULES, PAPER_SCHEDULE, TRAINING_DEFAULTS
from .base import NetworkRegressor
from .convolutional import (
    ConvGRURegressor,
    ConvLSTMRegressor,
    FCNRegressor,
    InceptionTimeRegressor,
    ResNetRegressor,
)
from .recurrent import BiGRURegressor, BiLSTMRegressor, GRURegressor, LSTMRegressor, _RecurrentRegressor
from .transformer import TransformerRegressor

__all__ = [
    "BiGRURegressor",
    "BiLSTMRegressor",
    "ConvGRURegressor",
    "ConvLSTMRegressor",
    "FCNRegressor",
    "GRURegressor",
    "InceptionTimeRegressor",
    "LR_SCHEDULES",
    "LSTMRegressor",
    "NetworkRegressor",
    "PAPER_SCHEDULE",
    "ResNetRegressor",
    "TRAINING_DEFAULTS",
    "TransformerRegressor",
    "VersionMismatchWarning",
]
