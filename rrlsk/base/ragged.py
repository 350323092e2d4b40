"""Ragged per-star arrays <-> flat arrays with offsets, and their padding value.

The light-curve table stores one 1-D array per star in an object column.
Vectorised code works on the concatenation of all stars' values plus the
offsets where each star starts; these two helpers convert between the two.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ARRAY_COLUMNS", "CHUNK_STARS", "MASK_VALUE", "flatten", "split"]

#: Columns of a light-curve table that hold one 1-D array per star.
ARRAY_COLUMNS = ("time", "mag", "mag_err", "phase")
#: Stars per chunk where a computation materialises a dense per-star grid
#: or a batch of network predictions (bounds memory).
CHUNK_STARS = 4096
#: Value that pads the raw catalogue's curves (the paper's -1); recurrent
#: networks mask time steps whose channels all equal it. Real steps never
#: match it: the second channel, phase * period, is >= 0.
MASK_VALUE = -1.0


def flatten(arrays: Sequence[np.ndarray], dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate per-star arrays.

    Parameters
    ----------
    arrays : sequence of 1-D array-like
        One array per star (for example ``X["mag"].to_numpy()``).
    dtype : numpy dtype, default float64
        The dtype of the flat output.

    Returns
    -------
    values : ndarray of shape (n_values,)
        All stars' values, star after star.
    offsets : ndarray of int64, shape (n_stars + 1,)
        Star ``i`` owns ``values[offsets[i]:offsets[i + 1]]``.

    Raises
    ------
    ValueError
        When a star's array has more values than its length (a 2-D array
        of several columns), naming its position.
    """
    lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if len(arrays) == 0:
        return np.empty(0, dtype=dtype), offsets
    try:  # fast path: one C-level concatenation of 1-D cells
        values = np.concatenate(arrays)
    except (ValueError, TypeError):
        values = None
    if values is None or values.ndim != 1 or len(values) != offsets[-1]:  # cells of other shapes
        cells = [np.asarray(a, dtype=dtype).ravel() for a in arrays]
        wide = np.flatnonzero(np.fromiter(map(len, cells), dtype=np.int64, count=len(cells)) != lengths)
        if wide.size:
            shape = np.shape(arrays[wide[0]])
            raise ValueError(f"per-star arrays must be 1-D: the array at position {wide[0]} has shape {shape}"
                             + (f" ({wide.size - 1} more like it)" if wide.size > 1 else ""))
        values = np.concatenate(cells)
    return values.astype(dtype, copy=False), offsets


def split(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Inverse of :func:`flatten`: an object array holding one array per star.

    Parameters
    ----------
    values : ndarray of shape (n_values,)
        Flat values.
    offsets : ndarray of int64, shape (n_stars + 1,)
        Star boundaries as returned by :func:`flatten`.

    Returns
    -------
    ndarray of object, shape (n_stars,)
        Views into ``values``, one per star.
    """
    n = len(offsets) - 1
    lengths = np.diff(offsets)
    if n and (lengths == lengths[0]).all():  # equal lengths: the rows of a 2-D view
        return np.fromiter(values[offsets[0] : offsets[-1]].reshape(n, lengths[0]), dtype=object, count=n)
    # One view per star, built in C (a slice assignment would broadcast
    # equal-length arrays into a 2-D block).
    bounds = offsets.tolist()
    return np.fromiter(map(values.__getitem__, map(slice, bounds[:-1], bounds[1:])), dtype=object, count=n)
