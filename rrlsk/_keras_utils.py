"""Private helpers of :mod:`rrlsk.regressors`: input checks, the inner
validation split, training callbacks and version stamps."""

from __future__ import annotations

import importlib.metadata
import warnings
from contextlib import contextmanager

import numpy as np

from .base.validation import check_labels, index_of, name_rows
from .base.validation import check_weights as _check_weights

N_VALIDATION_BINS = 10
"""Quantile bins of y on which the inner validation split is stratified."""


def check_sequences(X, name: str = "X") -> np.ndarray:
    """Return ``X`` as a finite float32 array of shape (n_stars, n_steps, n_channels).

    Raises
    ------
    ValueError
        If X is not numeric, not 3-D, empty, or holds NaN/inf (the message
        names the offending rows, by ``source_id`` when X carries an index).
    """
    index = index_of(X)
    try:
        arr = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a numeric array of shape (n_stars, n_steps, n_channels), "
            f"as produced by rrlsk.preprocessing.SequenceEncoder: {exc}"
        ) from None
    if arr.ndim != 3:
        raise ValueError(
            f"{name} must be a 3-D array (n_stars, n_steps, n_channels) as produced by "
            f"rrlsk.preprocessing.SequenceEncoder; got shape {arr.shape}"
        )
    if 0 in arr.shape:
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    bad = ~np.isfinite(arr).all(axis=(1, 2))
    if bad.any():
        raise ValueError(f"{name} holds NaN or infinite values in {name_rows(bad, index)}")
    return arr


def check_target(y, n_stars: int) -> np.ndarray:
    """Return ``y`` ([Fe/H], dex) as a finite 1-D float32 array of length ``n_stars``
    (:func:`rrlsk.base.check_labels`)."""
    return check_labels(y, n_stars).astype(np.float32)


def check_weights(sample_weight, n_stars: int) -> np.ndarray | None:
    """Return ``sample_weight`` as a finite, non-negative float32 array, or None
    (:func:`rrlsk.base.check_weights`)."""
    weights = _check_weights(sample_weight, n_stars)
    return None if weights is None else weights.astype(np.float32)


def inner_split(y: np.ndarray, fraction: float, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a training part and a validation part of the training data.

    The validation part holds ``ceil(fraction * n)`` stars drawn stratified on
    quantile bins of y (at most :data:`N_VALIDATION_BINS`), so it spans the
    whole [Fe/H] range.

    Parameters
    ----------
    y : ndarray of shape (n_stars,)
        Targets.
    fraction : float
        Fraction of stars held out, in (0, 1).
    seed : int or None
        Seed of the draw.

    Returns
    -------
    train, validation : ndarray of int
        Sorted row indices.
    """
    from sklearn.model_selection import StratifiedShuffleSplit

    n = len(y)
    n_val = int(np.ceil(fraction * n))
    n_bins = min(N_VALIDATION_BINS, n_val, n - n_val)
    if n_bins < 1:
        raise ValueError(
            f"validation_fraction={fraction} leaves no stars for training or validation out of {n}"
        )
    ranks = np.argsort(np.argsort(y, kind="stable"), kind="stable")
    bins = ranks * n_bins // n
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=n_val, random_state=seed)
    train, val = next(splitter.split(np.zeros(n), bins))
    return np.sort(train), np.sort(val)


def versions() -> dict[str, str]:
    """Versions that decide how a fitted network loads and predicts."""
    import keras

    out = {"keras_backend": keras.backend.backend()}
    for package in ("rrlsk", "keras", "tensorflow", "scikeras"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "absent"
    return out


class VersionMismatchWarning(UserWarning):
    """A fitted regressor is loaded under other package versions than it was fitted with."""


def warn_on_version_change(saved: dict[str, str] | None, what: str) -> None:
    """Warn when the versions recorded at fit time differ from the running ones."""
    if not saved:
        return
    now = versions()
    changed = {k: (v, now.get(k)) for k, v in saved.items() if now.get(k) != v}
    if changed:
        detail = ", ".join(f"{k} {old} -> {new}" for k, (old, new) in changed.items())
        warnings.warn(
            f"{what} was fitted under other versions ({detail}); its predictions may differ. "
            "Refit it under the running versions to be sure.",
            VersionMismatchWarning,
            stacklevel=3,
        )


@contextmanager
def seeded(seed: int | None):
    """Context for reproducible building and training: with an int seed, seed
    Python, NumPy, TensorFlow and Keras and make TensorFlow ops deterministic
    (the previous state is restored on exit, except Keras' global seed)."""
    if seed is None:
        yield
        return
    import keras
    from scikeras.utils.random_state import tensorflow_random_state

    with tensorflow_random_state(seed):
        keras.utils.set_random_seed(seed)
        yield
