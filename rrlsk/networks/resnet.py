"""Residual Network (paper Section 4.3.3, Eq. 6; Wang et al. 2017 layout)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from ..base.docstrings import fill_doc
from ._blocks import INPUT_DOC, MODEL_DOC, check_positive, check_rates, conv_bn_relu, pooled_model, sequence_input

__all__ = ["build_resnet"]


@fill_doc(input=INPUT_DOC, model=MODEL_DOC)
def build_resnet(
    n_steps: int | None,
    n_channels: int = 2,
    *,
    filters: Sequence[int] = (64, 128, 128),
    kernel_sizes: Sequence[int] = (8, 5, 3),
    dropout: float = 0.0,
) -> keras.Model:
    """Build the ResNet: residual blocks of three conv units, global average pooling, Dense(1).

    Each block applies Conv1D-BN-ReLU with kernels ``kernel_sizes`` (the last
    without ReLU), adds a shortcut (a 1x1 convolution + BN where the channel
    count changes, BN alone otherwise) and applies ReLU.

    Parameters
    ----------
    %(input)s
    filters : sequence of int, default (64, 128, 128)
        Filters of the convolutions of each residual block (one block per value).
    kernel_sizes : sequence of int, default (8, 5, 3)
        Kernel sizes (time steps) of the convolutions inside every block.
    dropout : float, default 0
        Rate of a dropout layer between the pooling and the Dense head.

    %(model)s
    """
    filters = check_positive(filters, "filters")
    kernel_sizes = check_positive(kernel_sizes, "kernel_sizes")
    check_rates((dropout,), "dropout")
    inputs = sequence_input(n_steps, n_channels)
    x = inputs
    channels = n_channels
    for b, f in enumerate(filters, start=1):
        h = x
        for i, k in enumerate(kernel_sizes, start=1):
            h = conv_bn_relu(h, f, k, activation=i < len(kernel_sizes), name=f"res{b}_{i}")
        shortcut = x
        if channels != f:
            shortcut = layers.Conv1D(f, 1, padding="same", name=f"res{b}_shortcut_conv")(shortcut)
        shortcut = layers.BatchNormalization(name=f"res{b}_shortcut_bn")(shortcut)
        x = layers.Activation("relu", name=f"res{b}_out")(layers.Add(name=f"res{b}_add")([shortcut, h]))
        channels = f
    return pooled_model(inputs, x, dropout, name="resnet")
