"""Building blocks shared by the network builders (private)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers


#: The ``n_steps`` and ``n_channels`` parameters every builder takes first,
#: for :func:`rrlsk.base.docstrings.fill_doc`.
INPUT_DOC = """\
n_steps : int or None
    Sequence length (time steps); None accepts any length.
n_channels : int, default 2
    Channels per step: 2 for the paper's Eq. 3 tensor (``m - <m>`` in mag,
    ``phase * P`` in days), more with per-star scalars appended.
"""

#: The Returns section of every builder.
MODEL_DOC = """\
Returns
-------
keras.Model
    Uncompiled model mapping ``(batch, n_steps, n_channels)`` to
    ``(batch, 1)`` [Fe/H] (dex).
"""


def per_layer(value: float | Sequence[float], n_layers: int, name: str) -> tuple[float, ...]:
    """Broadcast a scalar hyperparameter to ``n_layers`` layers, or check a sequence.

    Parameters
    ----------
    value : float or sequence of float
        One value for every layer, or one value per layer.
    n_layers : int
        Number of layers.
    name : str
        Parameter name, for the error message.

    Returns
    -------
    tuple of float
        One value per layer.
    """
    if isinstance(value, (int, float)):
        return (float(value),) * n_layers
    values = tuple(float(v) for v in value)
    if len(values) != n_layers:
        raise ValueError(f"{name} has {len(values)} values but there are {n_layers} layers")
    return values


def check_rates(rates: Sequence[float], name: str) -> None:
    """Raise ValueError unless every rate lies in [0, 1)."""
    bad = [r for r in rates if not 0.0 <= r < 1.0]
    if bad:
        raise ValueError(f"{name} must lie in [0, 1), got {bad}")


def check_positive(values: Sequence[int], name: str) -> tuple[int, ...]:
    """Return ``values`` as a tuple of int after checking each is >= 1."""
    values = tuple(values)
    if not values or any(int(v) != v or v < 1 for v in values):
        raise ValueError(f"{name} must be a non-empty sequence of positive integers, got {values}")
    return tuple(int(v) for v in values)


def l1_l2(l1: float, l2: float) -> keras.regularizers.Regularizer | None:
    """An L1/L2 weight penalty, or None when both coefficients are zero."""
    if l1 < 0 or l2 < 0:
        raise ValueError(f"regularisation coefficients must be >= 0, got l1={l1}, l2={l2}")
    if l1 == 0 and l2 == 0:
        return None
    return keras.regularizers.L1L2(l1=l1, l2=l2)


def conv_bn_relu(x, filters: int, kernel_size: int, *, activation: bool = True, name: str):
    """The paper's Eq. 5 unit: Conv1D ('same' padding, stride 1) -> BatchNorm -> ReLU."""
    x = layers.Conv1D(filters, kernel_size, padding="same", name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    if activation:
        x = layers.Activation("relu", name=f"{name}_relu")(x)
    return x


def conv_stack(x, filters: Sequence[int], kernel_sizes: Sequence[int], name: str):
    """Stacked :func:`conv_bn_relu` units (the FCN body)."""
    filters = check_positive(filters, "filters")
    kernel_sizes = check_positive(kernel_sizes, "kernel_sizes")
    if len(filters) != len(kernel_sizes):
        raise ValueError(
            f"filters ({len(filters)} values) and kernel_sizes ({len(kernel_sizes)} values) differ in length"
        )
    for i, (f, k) in enumerate(zip(filters, kernel_sizes)):
        x = conv_bn_relu(x, f, k, name=f"{name}{i + 1}")
    return x


def sequence_input(n_steps: int | None, n_channels: int) -> keras.KerasTensor:
    """Model input of shape ``(n_steps, n_channels)``; ``n_steps=None`` takes any length."""
    if n_steps is not None and n_steps < 1:
        raise ValueError(f"n_steps must be >= 1 or None, got {n_steps}")
    if n_channels < 1:
        raise ValueError(f"n_channels must be >= 1, got {n_channels}")
    return keras.Input(shape=(n_steps, n_channels), name="light_curve")


def regression_head(x, name: str = "feh"):
    """The final linear ``Dense(1)`` giving [Fe/H] (dex)."""
    return layers.Dense(1, name=name)(x)


def pooled_model(inputs, x, dropout: float, name: str) -> keras.Model:
    """The convolutional networks' end: global average pooling, dropout, :func:`regression_head`.

    Returns the model from ``inputs`` to [Fe/H], named ``name``.
    """
    x = layers.GlobalAveragePooling1D(name="gap")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, regression_head(x), name=name)
