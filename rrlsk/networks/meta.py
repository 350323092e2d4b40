"""Per-star scalars beside the light curve (Dekany & Grebel 2022's ``n_meta`` inputs).

The light-curve tensor carries the scalars as its last ``n_meta`` channels,
constant along the curve (:class:`rrlsk.preprocessing.SequenceEncoder` with
``meta=``), so that one float32 array still travels through every
scikit-learn tool. :func:`with_meta_inputs` wraps any sequence network: the
sequence channels go through it up to its regression head, the scalars
through a small Dense layer, and both are joined before a new head.
"""

from __future__ import annotations

import keras
from keras import layers

from ._blocks import check_positive, regression_head

__all__ = ["ChannelSlice", "with_meta_inputs"]


@keras.saving.register_keras_serializable(package="rrlsk")
class ChannelSlice(layers.Layer):
    """Channels ``start:stop`` of a ``(batch, n_steps, n_channels)`` tensor.

    Parameters
    ----------
    start, stop : int or None
        Channel slice, as in Python.
    first_step : bool, default False
        Return only the first time step, ``(batch, n_selected)``: the
        per-star scalars, equal at every step.
    **kwargs
        Keras layer keywords (``name``, ``dtype``, ...).
    """

    def __init__(self, start: int | None = None, stop: int | None = None, first_step: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.start, self.stop, self.first_step = start, stop, first_step

    def call(self, inputs):
        out = inputs[..., self.start : self.stop]
        return out[:, 0, :] if self.first_step else out

    def compute_output_shape(self, input_shape):
        n = len(range(*slice(self.start, self.stop).indices(input_shape[-1])))
        return (input_shape[0], n) if self.first_step else (*input_shape[:-1], n)

    def get_config(self) -> dict:
        """The layer's configuration, for saving and cloning.

        Returns
        -------
        dict
            Keras' layer configuration plus ``start``, ``stop`` and
            ``first_step``.
        """
        return {**super().get_config(), "start": self.start, "stop": self.stop, "first_step": self.first_step}


def with_meta_inputs(sequence_model: keras.Model, n_meta: int, units: int = 16) -> keras.Model:
    """Join ``n_meta`` per-star scalars to a sequence network before its head.

    Parameters
    ----------
    sequence_model : keras.Model
        A network of :mod:`rrlsk.networks`, ``(batch, n_steps, n_seq)`` ->
        ``(batch, 1)``, whose last layer is its linear regression head.
    n_meta : int
        Scalars per star, appended as the last channels of the input.
    units : int, default 16
        Width of the Dense (ReLU) layer that embeds the scalars and of the
        one that mixes them with the sequence features.

    Returns
    -------
    keras.Model
        Uncompiled, ``(batch, n_steps, n_seq + n_meta)`` -> ``(batch, 1)``.
    """
    (n_meta, units) = check_positive((n_meta, units), "n_meta and units")
    n_steps, n_seq = sequence_model.input_shape[1:]
    features = keras.Model(sequence_model.inputs, sequence_model.layers[-1].input, name=f"{sequence_model.name}_body")
    inputs = keras.Input(shape=(n_steps, n_seq + n_meta), name="light_curve_and_scalars")
    sequence = ChannelSlice(0, n_seq, name="sequence_channels")(inputs)
    scalars = ChannelSlice(n_seq, None, first_step=True, name="per_star_scalars")(inputs)
    joined = layers.Concatenate(name="join")(
        [features(sequence), layers.Dense(units, activation="relu", name="scalar_embedding")(scalars)]
    )
    mixed = layers.Dense(units, activation="relu", name="mix")(joined)
    return keras.Model(inputs, regression_head(mixed), name=f"{sequence_model.name}_meta")
