"""Keras network builders, one architecture per module (paper Section 4.3).

Every builder is a pure function ``build_*(n_steps, n_channels=2, **sizes)``
returning an uncompiled ``keras.Model`` that maps float32 light-curve tensors
of shape ``(batch, n_steps, n_channels)`` (channels ``m - <m>`` in mag and
``phase * P`` in days) to one [Fe/H] value (dex) per star.
"""

from .conv_recurrent import build_conv_recurrent
from .fcn import build_fcn
from .inception import build_inception
from .meta import ChannelSlice, with_meta_inputs
from .recurrent import build_bigru, build_bilstm, build_gru, build_lstm, build_recurrent
from .resnet import build_resnet
from .transformer import build_transformer

__all__ = [
    "ChannelSlice",
    "build_bigru",
    "build_bilstm",
    "build_conv_recurrent",
    "build_fcn",
    "build_gru",
    "build_inception",
    "build_lstm",
    "build_recurrent",
    "build_resnet",
    "build_transformer",
    "with_meta_inputs",
]
