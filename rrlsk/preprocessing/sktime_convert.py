"""Converters between the network tensor and sktime's Panel formats.

The encoders emit ``(n_stars, n_steps, n_channels)`` (Keras' layout);
sktime's ``numpy3D`` is ``(n_instances, n_channels, n_timepoints)`` and its
``nested_univ`` a DataFrame with one column per channel holding one
``pandas.Series`` per instance. sktime is imported only when these run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["CHANNEL_NAMES", "to_sktime", "from_sktime"]

#: Names of the two channels of Eq. 3 in ``nested_univ`` frames.
CHANNEL_NAMES = ("mag", "phase_period")
_FORMATS = ("numpy3D", "nested_univ")


def _check_tensor(X) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(
            f"expected a tensor of shape (n_stars, n_steps, n_channels) as made by "
            f"SequenceEncoder/SequencePadder, got shape {X.shape}"
        )
    return X


def to_sktime(
    X: np.ndarray,
    format: str = "numpy3D",
    *,
    index: Sequence | None = None,
    channel_names: Sequence[str] = CHANNEL_NAMES,
):
    """Convert the network tensor to sktime Panel data.

    Parameters
    ----------
    X : ndarray of shape (n_stars, n_steps, n_channels)
        Output of :class:`SequenceEncoder` or :class:`SequencePadder`.
    format : {"numpy3D", "nested_univ"}, default "numpy3D"
        sktime mtype of the result.
    index : sequence, optional
        Row index of the ``nested_univ`` frame (e.g. the ``source_id`` s).
    channel_names : sequence of str, default ("mag", "phase_period")
        Column names of the ``nested_univ`` frame.

    Returns
    -------
    ndarray of shape (n_stars, n_channels, n_steps) or pandas.DataFrame
        The ``numpy3D`` array or the ``nested_univ`` frame.
    """
    X = _check_tensor(X)
    if format not in _FORMATS:
        raise ValueError(f"format must be one of {_FORMATS}, got {format!r}")
    panel = np.ascontiguousarray(np.swapaxes(X, 1, 2))
    if format == "numpy3D":
        return panel
    from sktime.datatypes import convert_to

    if len(channel_names) != panel.shape[1]:
        raise ValueError(f"{len(channel_names)} channel names for {panel.shape[1]} channels")
    nested = convert_to(panel, to_type="nested_univ")
    nested.columns = list(channel_names)
    if index is not None:
        nested.index = pd.Index(index)
    return nested


def from_sktime(X, dtype=np.float32) -> np.ndarray:
    """Convert sktime Panel data (``numpy3D`` or ``nested_univ``) to the network tensor.

    Parameters
    ----------
    X : ndarray of shape (n_instances, n_channels, n_timepoints) or pandas.DataFrame
        ``numpy3D`` array or ``nested_univ`` frame of equal-length series.
    dtype : numpy dtype, default float32
        The dtype of the result.

    Returns
    -------
    ndarray of shape (n_instances, n_timepoints, n_channels)
        The tensor the networks take.
    """
    if isinstance(X, pd.DataFrame):
        from sktime.datatypes import check_is_mtype, convert_to

        if not check_is_mtype(X, "nested_univ"):
            raise ValueError("DataFrame input must be sktime's nested_univ Panel format")
        X = convert_to(X, to_type="numpy3D")
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"numpy3D input must have shape (n_instances, n_channels, n_timepoints), got {X.shape}")
    return np.ascontiguousarray(np.swapaxes(X, 1, 2), dtype=dtype)
