"""rrlsk.base.ragged: per-star arrays <-> flat values with offsets."""

import numpy as np
import pytest

from rrlsk.base.ragged import flatten, split


def test_flatten_split_round_trip_ragged():
    cells = [np.array([1.0, 2.0, 3.0]), np.array([4.0]), np.array([5.0, 6.0])]
    values, offsets = flatten(cells)
    assert values.dtype == np.float64 and values.ndim == 1
    np.testing.assert_array_equal(values, [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(offsets, [0, 3, 4, 6])
    assert offsets.dtype == np.int64
    back = split(values, offsets)
    assert back.dtype == object and back.shape == (3,)
    for cell, got in zip(cells, back):
        np.testing.assert_array_equal(got, cell)
        assert np.shares_memory(got, values)  # views, not copies


def test_split_equal_lengths_gives_one_1d_view_per_star():
    values = np.arange(12.0)
    back = split(values, np.array([0, 4, 8, 12]))
    assert back.shape == (3,) and back.dtype == object
    for i, got in enumerate(back):
        assert got.shape == (4,)
        np.testing.assert_array_equal(got, values[4 * i : 4 * i + 4])
        assert np.shares_memory(got, values)
    # equal lengths that do not start at 0: only the offsets' span is used
    back = split(values, np.array([2, 5, 8]))
    np.testing.assert_array_equal(back[0], [2, 3, 4])
    np.testing.assert_array_equal(back[1], [5, 6, 7])
    # ragged from a non-zero start
    back = split(values, np.array([1, 2, 6]))
    np.testing.assert_array_equal(back[0], [1])
    np.testing.assert_array_equal(back[1], [2, 3, 4, 5])


def test_flatten_and_split_of_no_stars():
    values, offsets = flatten([])
    assert values.shape == (0,) and values.dtype == np.float64
    np.testing.assert_array_equal(offsets, [0])
    assert split(values, offsets).shape == (0,)


def test_flatten_single_star_and_empty_cells():
    values, offsets = flatten([np.array([], dtype=float), np.array([7.0, 8.0]), np.array([], dtype=float)])
    np.testing.assert_array_equal(values, [7, 8])
    np.testing.assert_array_equal(offsets, [0, 0, 2, 2])
    back = split(values, offsets)
    assert [len(c) for c in back] == [0, 2, 0]


@pytest.mark.parametrize(
    "cells",
    [
        [[1, 2, 3], [4.5]],  # lists
        [np.array([1, 2, 3]), np.array([4, 5], dtype=np.int32)],  # integers
        [np.arange(6.0)[::2], np.arange(10.0)[1::5]],  # non-contiguous views
        [np.array([1.5, 2.5], dtype=np.float32), np.array([3.0])],  # mixed floats
        [np.array([[1.0], [2.0]]), np.array([3.0, 4.0])],  # a column vector among 1-D cells
        [(1.0, 2.0), np.array([3.0])],  # tuple
    ],
    ids=["lists", "integers", "strided", "float32", "column", "tuple"],
)
def test_flatten_other_cell_shapes_and_dtypes_round_trip(cells):
    expected = [np.asarray(c, dtype=np.float64).ravel() for c in cells]
    values, offsets = flatten(cells)
    assert values.dtype == np.float64 and values.ndim == 1
    np.testing.assert_array_equal(values, np.concatenate(expected))
    np.testing.assert_array_equal(offsets, np.cumsum([0] + [len(e) for e in expected]))
    for got, want in zip(split(values, offsets), expected):
        np.testing.assert_array_equal(got, want)


def test_flatten_dtype_argument():
    values, offsets = flatten([np.array([1.25, 2.5]), np.array([3.75])], dtype=np.float32)
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values, np.array([1.25, 2.5, 3.75], dtype=np.float32))
    values, _ = flatten([np.array([1, 2]), np.array([3])], dtype=np.int64)
    assert values.dtype == np.int64


def test_flatten_object_column_of_a_frame():
    import pandas as pd

    column = pd.Series([np.array([1.0, 2.0]), np.array([3.0, 4.0])]).to_numpy()  # equal lengths, object dtype
    values, offsets = flatten(column)
    np.testing.assert_array_equal(values, [1, 2, 3, 4])
    np.testing.assert_array_equal(offsets, [0, 2, 4])


def test_flatten_refuses_cells_of_several_columns():
    with pytest.raises(ValueError, match=r"1-D: the array at position 0 has shape \(3, 2\) \(1 more like it\)"):
        flatten([np.zeros((3, 2)), np.ones(2), np.ones((2, 2))])
