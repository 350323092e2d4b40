"""The recurrent network regressors: stacked and bidirectional LSTM and GRU
(paper Sections 4.3.4-4.3.5). They mask the raw catalogue's padding."""

from __future__ import annotations

from types import MappingProxyType

from .. import networks
from ._params import _doc
from .base import NetworkRegressor

__all__ = ["BiGRURegressor", "BiLSTMRegressor", "GRURegressor", "LSTMRegressor"]


def _recurrent_sizes(units, dropout, kernel_l1, kernel_l2, recurrent_l1, recurrent_l2, mask_value) -> str:
    return f"""\
    units : sequence of int, default {units}
        Units of each recurrent layer (per direction when bidirectional).
    dropout : float or sequence of float, default {dropout}
        Rate of the dropout after each recurrent layer (a float: every layer).
    kernel_l1, kernel_l2 : float, default {kernel_l1} and {kernel_l2}
        L1 and L2 penalties on the input kernels.
    recurrent_l1, recurrent_l2 : float, default {recurrent_l1} and {recurrent_l2}
        L1 and L2 penalties on the recurrent kernels.
    mask_value : float or None, default {mask_value}
        Padding value whose steps are skipped (raw catalogue); None: no masking.
"""


class _RecurrentRegressor(NetworkRegressor):
    masks_padding = True


class _StackedRecurrentRegressor(_RecurrentRegressor):
    network_defaults = MappingProxyType({
        "units": (20, 16, 8),
        "dropout": (0.2, 0.2, 0.1),
        "kernel_l1": 0.0,
        "kernel_l2": 2e-6,
        "recurrent_l1": 2e-6,
        "recurrent_l2": 0.0,
        "mask_value": -1.0,
    })


class _BidirectionalRegressor(_RecurrentRegressor):
    network_defaults = MappingProxyType({
        "units": (20, 16, 16),
        "dropout": (0.2, 0.2, 0.1),
        "kernel_l1": 2e-6,
        "kernel_l2": 0.0,
        "recurrent_l1": 2e-6,
        "recurrent_l2": 0.0,
        "mask_value": -1.0,
    })


class LSTMRegressor(_StackedRecurrentRegressor):
    model_name = "lstm"
    __doc__ = _doc(
        "Three stacked LSTM layers (20, 16, 8 units), each followed by dropout, Dense(1).",
        _recurrent_sizes(**_StackedRecurrentRegressor.network_defaults),
    )
    _builder = staticmethod(networks.build_lstm)


class BiLSTMRegressor(_BidirectionalRegressor):
    model_name = "bilstm"
    __doc__ = _doc(
        "Bidirectional LSTM (20, 16 units) then bidirectional GRU (16), each followed by dropout, Dense(1).",
        _recurrent_sizes(**_BidirectionalRegressor.network_defaults),
    )
    _builder = staticmethod(networks.build_bilstm)


class GRURegressor(_StackedRecurrentRegressor):
    model_name = "gru"
    __doc__ = _doc(
        "The paper's best model: three stacked GRU layers (20, 16, 8 units), each followed by dropout, Dense(1).",
        _recurrent_sizes(**_StackedRecurrentRegressor.network_defaults),
    )
    _builder = staticmethod(networks.build_gru)


class BiGRURegressor(_BidirectionalRegressor):
    model_name = "bigru"
    __doc__ = _doc(
        "Three bidirectional GRU layers (20, 16, 16 units per direction), each followed by dropout, Dense(1).",
        _recurrent_sizes(**_BidirectionalRegressor.network_defaults),
    )
    _builder = staticmethod(networks.build_bigru)
