"""Fully Convolutional Network (paper Section 4.3.1, Eq. 5)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from ._blocks import check_rates, conv_stack, regression_head, sequence_input

__all__ = ["build_fcn"]


def build_fcn(
    n_steps: int | None,
    n_channels: int = 2,
    *,
    filters: Sequence[int] = (128, 256, 128),
    kernel_sizes: Sequence[int] = (8, 5, 3),
    dropout: float = 0.0,
) -> keras.Model:
    """Build the FCN: Conv1D-BatchNorm-ReLU units, global average pooling, Dense(1).

    Parameters
    ----------
    n_steps : int or None
        Sequence length (time steps); None accepts any length.
    n_channels : int, default 2
        Channels per step (``m - <m>`` in mag, ``phase * P`` in days).
    filters : sequence of int, default (128, 256, 128)
        Filters of each convolutional unit.
    kernel_sizes : sequence of int, default (8, 5, 3)
        Kernel size (time steps) of each unit; same length as ``filters``.
    dropout : float, default 0
        Rate of a dropout layer between the pooling and the Dense head
        (the paper's FCN has none).

    Returns
    -------
    keras.Model
        Uncompiled model mapping ``(batch, n_steps, n_channels)`` to
        ``(batch, 1)`` [Fe/H] (dex).
    """
    check_rates((dropout,), "dropout")
    inputs = sequence_input(n_steps, n_channels)
    x = conv_stack(inputs, filters, kernel_sizes, name="block")
    x = layers.GlobalAveragePooling1D(name="gap")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, regression_head(x), name="fcn")
