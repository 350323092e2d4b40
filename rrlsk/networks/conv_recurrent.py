"""Convolutional-recurrent hybrids: ConvLSTM and ConvGRU (paper Section 4.3.6)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from ..base.docstrings import fill_doc
from ._blocks import (
    INPUT_DOC,
    MODEL_DOC,
    check_positive,
    check_rates,
    conv_stack,
    per_layer,
    regression_head,
    sequence_input,
)
from .recurrent import recurrent_stack

__all__ = ["build_conv_recurrent"]


@fill_doc(input=INPUT_DOC, model=MODEL_DOC)
def build_conv_recurrent(
    n_steps: int | None,
    n_channels: int = 2,
    *,
    cell: str = "gru",
    filters: Sequence[int] = (128, 256, 128),
    kernel_sizes: Sequence[int] = (8, 5, 3),
    pool_size: int = 2,
    units: Sequence[int] = (8, 4),
    dropout: float | Sequence[float] = (0.2, 0.1),
    kernel_l1: float = 0.0,
    kernel_l2: float = 2e-6,
    recurrent_l1: float = 2e-6,
    recurrent_l2: float = 0.0,
) -> keras.Model:
    """Build the FCN conv stack, max pooling, stacked recurrent layers with dropout, Dense(1).

    Parameters
    ----------
    %(input)s
    cell : {'gru', 'lstm'}, default 'gru'
        Recurrent cell (ConvGRU or ConvLSTM).
    filters : sequence of int, default (128, 256, 128)
        Filters of the Conv1D-BN-ReLU units.
    kernel_sizes : sequence of int, default (8, 5, 3)
        Their kernel sizes (time steps).
    pool_size : int, default 2
        Max-pooling window and stride (time steps); ``n_steps`` must be at
        least this.
    units : sequence of int, default (8, 4)
        Units of the recurrent layers.
    dropout : float or sequence of float, default (0.2, 0.1)
        Rate of the dropout after each recurrent layer.
    kernel_l1, kernel_l2, recurrent_l1, recurrent_l2 : float
        Penalties on input and recurrent kernels (default L2 2e-6, L1 2e-6).

    %(model)s
    """
    units = check_positive(units, "units")
    (pool_size,) = check_positive((pool_size,), "pool_size")
    if n_steps is not None and n_steps < pool_size:
        raise ValueError(f"n_steps={n_steps} is shorter than pool_size={pool_size}")
    rates = per_layer(dropout, len(units), "dropout")
    check_rates(rates, "dropout")
    inputs = sequence_input(n_steps, n_channels)
    x = conv_stack(inputs, filters, kernel_sizes, name="block")
    x = layers.MaxPooling1D(pool_size, name="pool")(x)
    penalties = dict(kernel_l1=kernel_l1, kernel_l2=kernel_l2, recurrent_l1=recurrent_l1, recurrent_l2=recurrent_l2)
    x = recurrent_stack(x, (cell,) * len(units), units, rates, bidirectional=False, **penalties)
    return keras.Model(inputs, regression_head(x), name=f"conv_{cell}")
