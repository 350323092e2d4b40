"""A small Transformer encoder (the paper's suggested future work, Section 6)."""

from __future__ import annotations

import keras
from keras import layers

from ..base.docstrings import fill_doc
from ..base.ragged import MASK_VALUE
from ._blocks import INPUT_DOC, MODEL_DOC, check_positive, check_rates, regression_head, sequence_input

__all__ = ["build_transformer"]


@fill_doc(input=INPUT_DOC, model=MODEL_DOC)
def build_transformer(
    n_steps: int | None,
    n_channels: int = 2,
    *,
    d_model: int = 32,
    num_heads: int = 4,
    ff_dim: int = 64,
    n_blocks: int = 2,
    dropout: float = 0.1,
    mask_value: float | None = MASK_VALUE,
) -> keras.Model:
    """Build a post-norm Transformer encoder with masked global average pooling, Dense(1).

    No positional encoding is added: the second input channel, ``phase * P``,
    already tells each step where it lies in the cycle, and it keeps the model
    free of custom layers (so it pickles with plain Keras).

    Parameters
    ----------
    %(input)s
    d_model : int, default 32
        Width of the step embedding (a Dense projection of the channels).
    num_heads : int, default 4
        Attention heads; each has key dimension ``d_model // num_heads``.
    ff_dim : int, default 64
        Hidden width of the position-wise feed-forward network.
    n_blocks : int, default 2
        Encoder blocks.
    dropout : float, default 0.1
        Dropout rate on attention weights and after each sub-layer.
    mask_value : float or None, default -1.0
        Padding value ignored by attention and pooling; None disables masking.

    %(model)s
    """
    d_model, num_heads, ff_dim, n_blocks = check_positive((d_model, num_heads, ff_dim, n_blocks), "sizes")
    if d_model % num_heads:
        raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")
    check_rates((dropout,), "dropout")
    inputs = sequence_input(n_steps, n_channels)
    x = inputs if mask_value is None else layers.Masking(mask_value, name="mask")(inputs)
    x = layers.Dense(d_model, name="embed")(x)
    # The step mask is handed to every attention layer explicitly: Keras only
    # propagates it implicitly into the first one.
    step_mask = None if mask_value is None else x._keras_mask
    for b in range(1, n_blocks + 1):
        attn = layers.MultiHeadAttention(
            num_heads, d_model // num_heads, dropout=dropout, name=f"block{b}_attention"
        )(x, x, query_mask=step_mask, value_mask=step_mask)
        attn = layers.Dropout(dropout, name=f"block{b}_attention_dropout")(attn)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"block{b}_norm1")(layers.Add(name=f"block{b}_add1")([x, attn]))
        ff = layers.Dense(ff_dim, activation="relu", name=f"block{b}_ff1")(x)
        ff = layers.Dense(d_model, name=f"block{b}_ff2")(ff)
        ff = layers.Dropout(dropout, name=f"block{b}_ff_dropout")(ff)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"block{b}_norm2")(layers.Add(name=f"block{b}_add2")([x, ff]))
    x = layers.GlobalAveragePooling1D(name="gap")(x)
    return keras.Model(inputs, regression_head(x), name="transformer")
