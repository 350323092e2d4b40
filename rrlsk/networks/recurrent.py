"""Stacked recurrent networks: LSTM, GRU, BiLSTM, BiGRU (paper Sections 4.3.4-4.3.5, Eq. 7)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from ..base.docstrings import fill_doc
from ..base.ragged import MASK_VALUE
from ._blocks import (
    INPUT_DOC,
    MODEL_DOC,
    check_positive,
    check_rates,
    l1_l2,
    per_layer,
    regression_head,
    sequence_input,
)

__all__ = [
    "build_recurrent", "build_lstm", "build_gru", "build_bilstm", "build_bigru", "recurrent_layer", "recurrent_stack",
]

_CELLS = {"gru": layers.GRU, "lstm": layers.LSTM}


def recurrent_layer(
    cell: str,
    units: int,
    *,
    return_sequences: bool,
    bidirectional: bool,
    kernel_l1: float,
    kernel_l2: float,
    recurrent_l1: float,
    recurrent_l2: float,
    name: str,
) -> layers.Layer:
    """One regularised GRU or LSTM layer, optionally bidirectional.

    GRUs use Keras' ``reset_after=True`` (separate input and recurrent
    biases), the variant whose parameter counts match the paper's Table 2
    (1440, 1824, 624 for 20, 16, 8 units on 2 input channels).
    """
    if cell not in _CELLS:
        raise ValueError(f"unknown recurrent cell {cell!r}; expected one of {sorted(_CELLS)}")
    extra = {"reset_after": True} if cell == "gru" else {}
    layer = _CELLS[cell](
        units,
        return_sequences=return_sequences,
        kernel_regularizer=l1_l2(kernel_l1, kernel_l2),
        recurrent_regularizer=l1_l2(recurrent_l1, recurrent_l2),
        name=name if not bidirectional else f"{name}_cell",
        **extra,
    )
    return layers.Bidirectional(layer, name=name) if bidirectional else layer


def recurrent_stack(
    x,
    cells: Sequence[str],
    units: Sequence[int],
    rates: Sequence[float],
    *,
    bidirectional: bool,
    kernel_l1: float,
    kernel_l2: float,
    recurrent_l1: float,
    recurrent_l2: float,
):
    """Recurrent layers (:func:`recurrent_layer`), each followed by dropout.

    Layer ``i`` (from 1) has cell ``cells[i - 1]``, ``units[i - 1]`` units
    and dropout rate ``rates[i - 1]``; every layer but the last returns the
    whole sequence. The layers are named ``<cell>_<i>`` and ``dropout_<i>``
    (the names saved weights are read by).
    """
    for i, (cell, u, rate) in enumerate(zip(cells, units, rates), start=1):
        x = recurrent_layer(
            cell,
            u,
            return_sequences=i < len(units),
            bidirectional=bidirectional,
            kernel_l1=kernel_l1,
            kernel_l2=kernel_l2,
            recurrent_l1=recurrent_l1,
            recurrent_l2=recurrent_l2,
            name=f"{cell}_{i}",
        )(x)
        x = layers.Dropout(rate, name=f"dropout_{i}")(x)
    return x


@fill_doc(input=INPUT_DOC, model=MODEL_DOC)
def build_recurrent(
    n_steps: int | None,
    n_channels: int = 2,
    *,
    cells: str | Sequence[str] = "gru",
    units: Sequence[int] = (20, 16, 8),
    dropout: float | Sequence[float] = (0.2, 0.2, 0.1),
    bidirectional: bool = False,
    kernel_l1: float = 0.0,
    kernel_l2: float = 2e-6,
    recurrent_l1: float = 2e-6,
    recurrent_l2: float = 0.0,
    mask_value: float | None = MASK_VALUE,
) -> keras.Model:
    """Build stacked recurrent layers, each followed by dropout, then Dense(1).

    Parameters
    ----------
    %(input)s
    cells : {'gru', 'lstm'} or sequence of them, default 'gru'
        Cell type of every layer, or of each layer.
    units : sequence of int, default (20, 16, 8)
        Units of each layer (per direction when bidirectional).
    dropout : float or sequence of float, default (0.2, 0.2, 0.1)
        Rate of the dropout layer after each recurrent layer.
    bidirectional : bool, default False
        Wrap every layer in ``keras.layers.Bidirectional`` (outputs concatenated).
    kernel_l1, kernel_l2 : float, default 0 and 2e-6
        L1 and L2 penalties on the input kernels.
    recurrent_l1, recurrent_l2 : float, default 2e-6 and 0
        L1 and L2 penalties on the recurrent kernels.
    mask_value : float or None, default -1.0
        Steps whose channels all equal this value (end padding of the raw
        catalogue) are skipped; None disables masking.

    %(model)s
    """
    units = check_positive(units, "units")
    cells = (cells,) * len(units) if isinstance(cells, str) else tuple(cells)
    if len(cells) != len(units):
        raise ValueError(f"cells ({len(cells)} values) and units ({len(units)} values) differ in length")
    rates = per_layer(dropout, len(units), "dropout")
    check_rates(rates, "dropout")
    inputs = sequence_input(n_steps, n_channels)
    x = inputs if mask_value is None else layers.Masking(mask_value, name="mask")(inputs)
    penalties = dict(kernel_l1=kernel_l1, kernel_l2=kernel_l2, recurrent_l1=recurrent_l1, recurrent_l2=recurrent_l2)
    x = recurrent_stack(x, cells, units, rates, bidirectional=bidirectional, **penalties)
    name = ("bi" if bidirectional else "") + "_".join(dict.fromkeys(cells))
    return keras.Model(inputs, regression_head(x), name=name)


#: The Parameters and Returns sections the four presets share.
_PRESET_DOC = f"""\
Parameters
----------
{INPUT_DOC}**params
    Keywords of :func:`build_recurrent` (``units``, ``dropout``, ...),
    replacing the preset's.

{MODEL_DOC}"""


@fill_doc(preset=_PRESET_DOC)
def build_gru(n_steps: int | None, n_channels: int = 2, **params) -> keras.Model:
    """The paper's best model: GRU 20-16-8, dropout 0.2/0.2/0.1, L2 2e-6 kernels, L1 2e-6 recurrent.

    ``params`` override :func:`build_recurrent`'s keywords.

    %(preset)s
    """
    return build_recurrent(n_steps, n_channels, **{"cells": "gru", **params})


@fill_doc(preset=_PRESET_DOC)
def build_lstm(n_steps: int | None, n_channels: int = 2, **params) -> keras.Model:
    """LSTM 20-16-8 with the GRU's dropout and regularisation (paper Section 4.3.4).

    ``params`` override :func:`build_recurrent`'s keywords.

    %(preset)s
    """
    return build_recurrent(n_steps, n_channels, **{"cells": "lstm", **params})


_BI_DEFAULTS = {
    "units": (20, 16, 16),
    "bidirectional": True,
    # Section 4.3.4: the bidirectional nets put L1 2e-6 on both kernels.
    "kernel_l1": 2e-6,
    "kernel_l2": 0.0,
    "recurrent_l1": 2e-6,
    "recurrent_l2": 0.0,
}


@fill_doc(preset=_PRESET_DOC)
def build_bilstm(n_steps: int | None, n_channels: int = 2, **params) -> keras.Model:
    """Bidirectional LSTM 20, LSTM 16, then bidirectional GRU 16; L1 2e-6 on all kernels.

    ``params`` override :func:`build_recurrent`'s keywords; by default the
    last layer is a GRU and the others LSTMs, however many ``units`` give.

    %(preset)s
    """
    params = {**_BI_DEFAULTS, **params}
    n_layers = len(params["units"])
    params.setdefault("cells", ("lstm",) * (n_layers - 1) + ("gru",))
    return build_recurrent(n_steps, n_channels, **params)


@fill_doc(preset=_PRESET_DOC)
def build_bigru(n_steps: int | None, n_channels: int = 2, **params) -> keras.Model:
    """Bidirectional GRU 20-16-16; L1 2e-6 on all kernels.

    ``params`` override :func:`build_recurrent`'s keywords.

    %(preset)s
    """
    return build_recurrent(n_steps, n_channels, **{**_BI_DEFAULTS, "cells": "gru", **params})

