"""The convolutional network regressors: FCN, ResNet, InceptionTime and the
convolutional-recurrent ConvLSTM and ConvGRU (paper Sections 4.3.1-4.3.3,
4.3.6). They take the sequence length they were fitted on."""

from __future__ import annotations

from functools import partial
from types import MappingProxyType

from .. import networks
from ._params import _doc
from .base import NetworkRegressor

__all__ = ["ConvGRURegressor", "ConvLSTMRegressor", "FCNRegressor", "InceptionTimeRegressor", "ResNetRegressor"]

_CONV_SIZES = """\
    filters : sequence of int, default {filters}
        Filters of the convolutions ({what}).
    kernel_sizes : sequence of int, default {kernel_sizes}
        Kernel sizes (time steps) of the convolutions.
    dropout : float, default {dropout}
        Dropout before the Dense head (the paper's network has none).
"""

_CONV_RECURRENT_SIZES = """\
    filters : sequence of int, default {filters}
        Filters of the Conv1D-BN-ReLU units.
    kernel_sizes : sequence of int, default {kernel_sizes}
        Their kernel sizes (time steps).
    pool_size : int, default {pool_size}
        Max-pooling window and stride (time steps).
    units : sequence of int, default {units}
        Units of the recurrent layers.
    dropout : float or sequence of float, default {dropout}
        Dropout after each recurrent layer.
    kernel_l1, kernel_l2 : float, default {kernel_l1} and {kernel_l2}
        Penalties on the recurrent layers' input kernels.
    recurrent_l1, recurrent_l2 : float, default {recurrent_l1} and {recurrent_l2}
        Penalties on their recurrent kernels.
"""


class _ConvRecurrentRegressor(NetworkRegressor):
    network_defaults = MappingProxyType({
        "filters": (128, 256, 128),
        "kernel_sizes": (8, 5, 3),
        "pool_size": 2,
        "units": (8, 4),
        "dropout": (0.2, 0.1),
        "kernel_l1": 0.0,
        "kernel_l2": 2e-6,
        "recurrent_l1": 2e-6,
        "recurrent_l2": 0.0,
    })


class FCNRegressor(NetworkRegressor):
    model_name = "fcn"
    network_defaults = MappingProxyType({"filters": (128, 256, 128), "kernel_sizes": (8, 5, 3), "dropout": 0.0})
    __doc__ = _doc(
        "Fully Convolutional Network: Conv1D-BN-ReLU x3 (128, 256, 128 filters), global average pooling, Dense(1).",
        _CONV_SIZES.format(what="one per unit", **network_defaults),
    )
    _builder = staticmethod(networks.build_fcn)


class ResNetRegressor(NetworkRegressor):
    model_name = "resnet"
    network_defaults = MappingProxyType({"filters": (64, 128, 128), "kernel_sizes": (8, 5, 3), "dropout": 0.0})
    __doc__ = _doc(
        "Residual Network: three residual blocks of three Conv1D-BN units (64, 128, 128 filters), GAP, Dense(1).",
        _CONV_SIZES.format(what="one residual block per value", **network_defaults),
    )
    _builder = staticmethod(networks.build_resnet)


class InceptionTimeRegressor(NetworkRegressor):
    model_name = "inception"
    network_defaults = MappingProxyType({
        "depth": 6,
        "filters": 32,
        "kernel_sizes": (40, 20, 10),
        "bottleneck": 32,
        "residual_every": 3,
        "dropout": 0.0,
    })
    __doc__ = _doc(
        "InceptionTime: six Inception modules (bottleneck, kernels 40/20/10, max-pool branch), residual every 3.",
        """\
    depth : int, default {depth}
        Inception modules.
    filters : int, default {filters}
        Filters per branch.
    kernel_sizes : sequence of int, default {kernel_sizes}
        Kernel sizes (time steps) of the parallel convolutions.
    bottleneck : int, default {bottleneck}
        Filters of the 1x1 bottleneck; 0 disables it.
    residual_every : int, default {residual_every}
        Modules between residual shortcuts; 0 disables them.
    dropout : float, default {dropout}
        Dropout before the Dense head (the paper's network has none).
""".format(**network_defaults),
    )

    _builder = staticmethod(networks.build_inception)


class ConvLSTMRegressor(_ConvRecurrentRegressor):
    model_name = "convlstm"
    __doc__ = _doc(
        "FCN conv stack, max pooling, then LSTM layers of 8 and 4 units with dropout, Dense(1).",
        _CONV_RECURRENT_SIZES.format(**_ConvRecurrentRegressor.network_defaults),
    )
    _builder = staticmethod(partial(networks.build_conv_recurrent, cell="lstm"))


class ConvGRURegressor(_ConvRecurrentRegressor):
    model_name = "convgru"
    __doc__ = _doc(
        "FCN conv stack, max pooling, then GRU layers of 8 and 4 units with dropout, Dense(1).",
        _CONV_RECURRENT_SIZES.format(**_ConvRecurrentRegressor.network_defaults),
    )
    _builder = staticmethod(partial(networks.build_conv_recurrent, cell="gru"))
