"""Fully Convolutional Network (paper Section 4.3.1, Eq. 5)."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from ..base.docstrings import fill_doc
from ._blocks import INPUT_DOC, MODEL_DOC, check_rates, conv_stack, pooled_model, sequence_input

__all__ = ["build_fcn"]


@fill_doc(input=INPUT_DOC, model=MODEL_DOC)
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
    %(input)s
    filters : sequence of int, default (128, 256, 128)
        Filters of each convolutional unit.
    kernel_sizes : sequence of int, default (8, 5, 3)
        Kernel size (time steps) of each unit; same length as ``filters``.
    dropout : float, default 0
        Rate of a dropout layer between the pooling and the Dense head
        (the paper's FCN has none).

    %(model)s
    """
    check_rates((dropout,), "dropout")
    inputs = sequence_input(n_steps, n_channels)
    x = conv_stack(inputs, filters, kernel_sizes, name="block")
    return pooled_model(inputs, x, dropout, name="fcn")
