"""Prediction in batches through one compiled inference pass per network."""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Callable

import keras
import numpy as np

#: Each Keras network's compiled inference pass (:func:`_inference_pass`), dropped with the network.
_INFERENCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Each Keras network's lock: one prediction of a network at a time (see :func:`_predict_batches`).
_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()
#: Stars per call of the compiled pass. For the GRU on 2 CPU cores, 1,024
#: stars take about 0.85 of the CPU time per star of 4,096 (the recurrent
#: state and the gates of a batch stay in the core's cache), with the same
#: outputs: rows are independent at inference.
COMPILED_ROWS = 1024


def _inference_pass(model: keras.Model) -> Callable[[np.ndarray], np.ndarray]:
    """``model(x, training=False)`` as one compiled call per batch.

    With TensorFlow: a ``tf.function`` compiled by XLA (for the GRU on CPU
    about 0.6 of the CPU time of ``Model.predict`` per star and under a
    third of its wall time, the outputs equal to float32 rounding; compiling
    takes a few seconds, once per network), or without XLA for a network
    that XLA cannot compile; other backends compile
    ``Model.predict_on_batch`` themselves. The network is held weakly, so
    the pass goes with it.
    """
    network = weakref.ref(model)
    if keras.backend.backend() != "tensorflow":
        return lambda x: np.asarray(network().predict_on_batch(x))
    import tensorflow as tf

    def forward(x):
        return network()(x, training=False)

    passes = [tf.function(forward, jit_compile=True, autograph=False), tf.function(forward, autograph=False)]

    def run(x: np.ndarray) -> np.ndarray:
        if len(passes) == 1:
            return passes[0](x).numpy()
        try:
            return passes[0](x).numpy()
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError):
            result = passes[1](x).numpy()  # raises when the network itself fails: XLA is kept
            del passes[0]  # XLA cannot compile this network
            return result

    return run


class _RetracingFilter(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warning.

    Each network traces its own predict function once; several networks
    predicting in turn (the members of a fold ensemble) set off TensorFlow's
    warning about repeated tracing, which here is expected, not a fault.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _without_retracing_warnings():
    """TensorFlow's logger without the retracing warning, for the block only."""
    logger, drop = logging.getLogger("tensorflow"), _RetracingFilter()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def _network_lock(model: keras.Model) -> threading.Lock:
    """The lock of one network, made on first use."""
    with _LOCKS_LOCK:
        lock = _LOCKS.get(model)
        if lock is None:
            lock = _LOCKS[model] = threading.Lock()
        return lock


def _predict_batches(model: keras.Model, X: np.ndarray, batch_size: int) -> np.ndarray:
    """The network's outputs for ``X``.

    Fewer than ``batch_size`` stars go through ``Model.predict_on_batch``;
    more, :data:`COMPILED_ROWS` stars (at most ``batch_size``) per call of
    the compiled pass (:func:`_inference_pass`), the last batch padded with
    zeros to the full size (rows are independent at inference), so that it
    is compiled for one shape and pays its compilation only on
    catalogue-sized predictions. Several threads may predict with one
    network at once: ``predict_on_batch`` and the compiled pass's first call
    (tracing and compilation, which are not thread-safe) take turns (a lock
    per network, released while waiting); later compiled calls run side by
    side, each on the intra-op threads TensorFlow has (as in
    :func:`rrlsk.catalogue.predict_catalogue`, whose threads predict two
    chunks at once).

    Parameters
    ----------
    model : keras.Model
        The fitted network.
    X : ndarray of shape (n_stars, n_steps, n_channels)
        Its standardised inputs.
    batch_size : int
        Stars per compiled call.

    Returns
    -------
    ndarray of shape (n_stars, n_outputs)
        The network's outputs, in the order of ``X``.
    """
    if len(X) < batch_size:
        with _network_lock(model), _without_retracing_warnings():
            return np.asarray(model.predict_on_batch(X))
    rows = min(batch_size, COMPILED_ROWS)
    outputs = []
    for start in range(0, len(X), rows):
        batch = X[start : start + rows]
        n = len(batch)
        if n < rows:
            batch = np.concatenate([batch, np.zeros((rows - n, *batch.shape[1:]), dtype=batch.dtype)])
        forward = _INFERENCE.get(model)
        if forward is None:
            with _network_lock(model):
                forward = _INFERENCE.get(model)
                if forward is None:  # traced and compiled by its first call, under the lock
                    forward = _inference_pass(model)
                    outputs.append(forward(batch)[:n])
                    _INFERENCE[model] = forward
                    continue
        outputs.append(forward(batch)[:n])
    return np.concatenate(outputs)
