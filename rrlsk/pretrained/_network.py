"""The "bilstm2p" network of Dékány & Grebel (2022) in Keras 3, from plain arrays.

One member: input ``(steps, 2)`` masked where both channels equal -1 ->
``Bidirectional(LSTM(units, return_sequences=True))`` -> ``Dropout(0.1)``
-> ``Bidirectional(LSTM(units))`` -> ``Dropout(0.1)`` -> ``Dense(1)`` (the
layer named ``head`` in the published files). Several members share one
input and one mask and are evaluated by one Keras model whose output holds
one column per member. This module imports Keras; nothing imports it before
a prediction is asked for.
"""

from __future__ import annotations

import numpy as np

from ._sequences import MASK_VALUE

__all__ = ["build_members", "predict_members"]

#: Dropout after each recurrent layer (inactive at prediction).
DROPOUT = 0.1


def build_members(weights: list[list[np.ndarray]], units: int, n_steps: int):
    """A Keras model evaluating several members at once.

    Parameters
    ----------
    weights : list of list of ndarray
        Per member, its arrays in the order of
        :func:`rrlsk.pretrained._weights.member_keys`.
    units : int
        LSTM units per direction.
    n_steps : int
        Sequence length.

    Returns
    -------
    keras.Model
        Input ``(n_stars, n_steps, 2)`` float32, output
        ``(n_stars, len(weights))``, [Fe/H] in dex.
    """
    import keras

    inputs = keras.Input((n_steps, 2), name="seq_input")
    masked = keras.layers.Masking(mask_value=MASK_VALUE)(inputs)
    outputs = []
    for k, arrays in enumerate(weights):
        first = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True), name=f"m{k}_bilstm1")
        second = keras.layers.Bidirectional(keras.layers.LSTM(units), name=f"m{k}_bilstm2")
        head = keras.layers.Dense(1, name=f"m{k}_head")
        x = keras.layers.Dropout(DROPOUT)(first(masked))
        x = keras.layers.Dropout(DROPOUT)(second(x))
        outputs.append(head(x))
        first.set_weights(arrays[0:6])
        second.set_weights(arrays[6:12])
        head.set_weights(arrays[12:14])
    output = outputs[0] if len(outputs) == 1 else keras.layers.Concatenate(name="members")(outputs)
    return keras.Model(inputs, output, name="bilstm2p_ensemble")


def predict_members(model, sequences: np.ndarray, batch_size: int) -> np.ndarray:
    """Evaluate a model of :func:`build_members` in batches.

    Parameters
    ----------
    model : keras.Model
        From :func:`build_members`.
    sequences : ndarray of float32, shape (n_stars, n_steps, 2)
        The input.
    batch_size : int
        Stars per batch.

    Returns
    -------
    ndarray of float64, shape (n_stars, n_members)
        [Fe/H] of each member, dex.
    """
    n_members = model.output_shape[-1]
    # predict_on_batch: no data pipeline per call (about 6x less overhead than predict on small inputs)
    out = [np.asarray(model.predict_on_batch(sequences[start:start + batch_size]), dtype=np.float64)
           for start in range(0, len(sequences), batch_size)]
    return np.concatenate(out).reshape(len(sequences), n_members) if out else np.empty((0, n_members))
