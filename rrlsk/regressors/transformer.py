"""The Transformer encoder regressor (the paper's future work); it masks padding."""

from __future__ import annotations

from types import MappingProxyType

from .. import networks
from ._params import _doc
from .base import NetworkRegressor

__all__ = ["TransformerRegressor"]


class TransformerRegressor(NetworkRegressor):
    model_name = "transformer"
    masks_padding = True
    default_learning_rate = 1e-3  # the usual value for attention
    network_defaults = MappingProxyType({
        "d_model": 32,
        "num_heads": 4,
        "ff_dim": 64,
        "n_blocks": 2,
        "dropout": 0.1,
        "mask_value": -1.0,
    })
    __doc__ = _doc(
        "A small Transformer encoder (the paper's future work): Dense embedding, attention blocks, masked GAP.",
        """\
    d_model : int, default {d_model}
        Width of the step embedding.
    num_heads : int, default {num_heads}
        Attention heads (must divide ``d_model``).
    ff_dim : int, default {ff_dim}
        Hidden width of the feed-forward sub-layers.
    n_blocks : int, default {n_blocks}
        Encoder blocks.
    dropout : float, default {dropout}
        Dropout on attention weights and after each sub-layer.
    mask_value : float or None, default {mask_value}
        Padding value ignored by attention and pooling; None: no masking.
""".format(**network_defaults),
        learning_rate=default_learning_rate,
    )

    _builder = staticmethod(networks.build_transformer)
