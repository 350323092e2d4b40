"""InceptionTime (paper Section 4.3.2; Ismail Fawaz et al. 2020)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from ..base.docstrings import fill_doc
from ._blocks import INPUT_DOC, MODEL_DOC, check_positive, check_rates, pooled_model, sequence_input

__all__ = ["build_inception"]


def _module(x, filters: int, kernel_sizes: Sequence[int], bottleneck: int, name: str):
    """One Inception module: bottleneck, parallel convolutions, max-pool branch."""
    if bottleneck and x.shape[-1] > 1:
        x = layers.Conv1D(bottleneck, 1, padding="same", use_bias=False, name=f"{name}_bottleneck")(x)
    branches = [
        layers.Conv1D(filters, k, padding="same", use_bias=False, name=f"{name}_conv{k}")(x)
        for k in kernel_sizes
    ]
    pool = layers.MaxPooling1D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branches.append(layers.Conv1D(filters, 1, padding="same", use_bias=False, name=f"{name}_poolconv")(pool))
    x = layers.Concatenate(name=f"{name}_concat")(branches)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


@fill_doc(input=INPUT_DOC, model=MODEL_DOC)
def build_inception(
    n_steps: int | None,
    n_channels: int = 2,
    *,
    depth: int = 6,
    filters: int = 32,
    kernel_sizes: Sequence[int] = (40, 20, 10),
    bottleneck: int = 32,
    residual_every: int = 3,
    dropout: float = 0.0,
) -> keras.Model:
    """Build InceptionTime: Inception modules with residual shortcuts, GAP, Dense(1).

    Parameters
    ----------
    %(input)s
    depth : int, default 6
        Number of Inception modules.
    filters : int, default 32
        Filters of each branch; a module outputs ``filters * (len(kernel_sizes) + 1)``
        channels.
    kernel_sizes : sequence of int, default (40, 20, 10)
        Kernel sizes (time steps) of the parallel convolutions.
    bottleneck : int, default 32
        Filters of the 1x1 bottleneck convolution; 0 disables it.
    residual_every : int, default 3
        A residual shortcut (1x1 conv + BN) joins every ``residual_every`` modules;
        0 disables the shortcuts.
    dropout : float, default 0
        Rate of a dropout layer between the pooling and the Dense head.

    %(model)s
    """
    (depth, filters) = check_positive((depth, filters), "depth and filters")
    kernel_sizes = check_positive(kernel_sizes, "kernel_sizes")
    if bottleneck < 0 or residual_every < 0:
        raise ValueError(f"bottleneck and residual_every must be >= 0, got {bottleneck}, {residual_every}")
    check_rates((dropout,), "dropout")
    inputs = sequence_input(n_steps, n_channels)
    x = shortcut = inputs
    for d in range(1, depth + 1):
        x = _module(x, filters, kernel_sizes, bottleneck, name=f"inception{d}")
        if residual_every and d % residual_every == 0:
            s = layers.Conv1D(x.shape[-1], 1, padding="same", use_bias=False, name=f"shortcut{d}_conv")(shortcut)
            s = layers.BatchNormalization(name=f"shortcut{d}_bn")(s)
            x = layers.Activation("relu", name=f"shortcut{d}_relu")(layers.Add(name=f"shortcut{d}_add")([s, x]))
            shortcut = x
    return pooled_model(inputs, x, dropout, name="inception_time")
