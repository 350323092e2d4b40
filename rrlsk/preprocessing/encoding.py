"""The end of preprocessing: light-curve table -> network input tensor
(Monti et al. 2024, Eq. 3), for resampled (equal-length) and raw (padded)
curves."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd
from ..base import MASK_VALUE, TableTransformer, flatten
from ..base.constraints import Interval, StrOptions
from .scalars import META_PREFIX, meta_columns

__all__ = ["MASK_VALUE", "SEQUENCE_CHANNELS", "SequenceEncoder", "SequencePadder"]

#: The light-curve channels of every encoded tensor, in order, before the
#: per-star scalars: ``mag`` (mag) and ``phase * period`` (d).
SEQUENCE_CHANNELS = ("mag", "phase_period")


def _channels(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat ``mag``, flat ``phase * period`` and the offsets."""
    mag, offsets = flatten(X["mag"].to_numpy())
    phase, _ = flatten(X["phase"].to_numpy())
    period = X["period"].to_numpy(dtype=np.float64)
    return mag, phase * np.repeat(period, np.diff(offsets)), offsets


def _meta_names(X: pd.DataFrame, meta, where: str) -> tuple[str, ...]:
    """The per-star scalars to encode: ``meta`` checked against the table's ``meta_<name>`` columns.

    ``"auto"`` takes every ``meta_<name>`` column of the table, in its order
    (those :class:`PerStarScalars` added, so its ``names`` alone decide);
    an explicit list must name exactly those columns, so that no scalar the
    table carries is dropped unnoticed.
    """
    carried = [column[len(META_PREFIX):] for column in X.columns if str(column).startswith(META_PREFIX)]
    if isinstance(meta, str):  # "auto"
        return tuple(carried)
    meta = tuple(meta)
    missing = [c for c in meta_columns(meta) if c not in X.columns]
    if missing:
        raise ValueError(
            f"{where}: the light-curve table lacks the per-star scalar column(s) {missing}; put "
            f"PerStarScalars({list(meta)}) before it (make_pipeline(..., meta=...) does)"
        )
    left_out = [name for name in carried if name not in meta]
    if left_out:
        raise ValueError(
            f"{where}(meta={list(meta)}) would drop the per-star scalar(s) {left_out} that the table "
            f"carries (columns {meta_columns(left_out)}, from PerStarScalars' names); use meta='auto' "
            "(the default), which encodes whatever PerStarScalars adds"
        )
    return meta


class _Encoder(TableTransformer):
    """What both encoders share: the per-star scalars they append (``meta``, ``meta_``)."""

    def _fit_meta(self, X: pd.DataFrame) -> None:
        self.meta_ = _meta_names(X, self.meta, type(self).__name__)

    def _fitted_scalars(self, X: pd.DataFrame) -> np.ndarray:
        """The ``meta_`` columns of :class:`PerStarScalars`, float32 ``(n_stars, len(meta_))``."""
        missing = [c for c in meta_columns(self.meta_) if c not in X.columns]
        if missing:
            raise ValueError(
                f"{type(self).__name__}: the light-curve table lacks the per-star scalar column(s) "
                f"{missing} it was fitted with; put PerStarScalars({list(self.meta_)}) before it"
            )
        return X[meta_columns(self.meta_)].to_numpy(dtype=np.float32)

    def __setstate__(self, state: dict) -> None:
        # Encoders pickled before meta="auto" encode exactly the meta they were given.
        state = {"meta": (), **state}
        if "feature_names_in_" in state:
            state.setdefault("meta_", tuple(state["meta"]))
        super().__setstate__(state)


class SequenceEncoder(_Encoder):
    """Equal-length light-curve table -> float32 tensor ``(n_stars, n_steps, 2)``.

    Channels are Eq. 3: ``mag`` (after :class:`MeanMagSubtractor`, ``m - <m>``,
    mag) and ``phase * period`` (days), then one constant channel per
    per-star scalar in ``meta``. Ends the preprocessing pipeline.

    Parameters
    ----------
    meta : "auto" or sequence of str, default "auto"
        Per-star scalars appended as constant channels, in order. "auto":
        every ``meta_<name>`` column of the table, that is whatever
        :class:`PerStarScalars` (``names``, the one owner of the list) added;
        none: the paper's two channels. An explicit list must name exactly
        those columns (a ``ValueError`` otherwise, never a silent drop).

    Attributes
    ----------
    meta_ : tuple of str
        The per-star scalars encoded, fixed in ``fit``.
    n_steps_ : int
        Curve length seen in ``fit``; ``transform`` requires the same.
    feature_names_in_, n_features_in_
        Columns of the table seen in ``fit``.
    """

    _required = ("mag", "phase", "period")
    _parameter_constraints: dict = {"meta": [StrOptions({"auto"}), tuple, list]}

    def __init__(self, meta: str | Sequence[str] = "auto"):
        self.meta = meta

    def _lengths(self, X: pd.DataFrame) -> np.ndarray:
        lengths = X["mag"].map(len).to_numpy()
        if len(lengths) and (lengths != lengths[0]).any():
            common = np.bincount(lengths).argmax()
            odd = X.index[lengths != common]
            raise ValueError(
                f"SequenceEncoder needs curves of equal length; {len(odd)} star(s) differ from "
                f"the most common length {common}, e.g. source_id(s) {list(odd[:10])}. "
                "Resample them (SplineResampler) or pad them (SequencePadder)."
            )
        return lengths

    def _fit(self, X: pd.DataFrame) -> None:
        self._fit_meta(X)
        lengths = self._lengths(X)
        self.n_steps_ = int(lengths[0]) if len(lengths) else 0

    def transform(self, X) -> np.ndarray:
        """Stack the channels.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table whose curves have ``n_steps_`` points.

        Returns
        -------
        ndarray of float32, shape ``(n_stars, n_steps_, 2 + len(meta_))``
            Channels ``mag`` (mag), ``phase * period`` (d) and the per-star
            scalars.
        """
        return self._transform(self._check_transform(X))

    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        lengths = self._lengths(X)
        if len(lengths) and lengths[0] != self.n_steps_:
            raise ValueError(
                f"SequenceEncoder was fitted on curves of {self.n_steps_} steps, got {lengths[0]}"
            )
        mag, phase_period, _ = _channels(X)
        scalars = self._fitted_scalars(X)
        out = np.empty((len(X), self.n_steps_, 2 + scalars.shape[1]), dtype=np.float32)
        out[:, :, 0] = mag.reshape(len(X), self.n_steps_)
        out[:, :, 1] = phase_period.reshape(len(X), self.n_steps_)
        out[:, :, 2:] = scalars[:, None, :]
        return out


class SequencePadder(_Encoder):
    """Unequal-length (raw) curves -> float32 tensor padded with ``mask_value``.

    The paper's "raw catalogue": folded (and mean-subtracted) curves, each
    padded at the end to a common length with ``mask_value`` in both
    channels (``mag``, ``phase * period``), shape ``(n_stars, max_length_, 2)``.

    Parameters
    ----------
    max_length : int or None, default None
        Common length. None learns it in ``fit`` as the longest training
        curve. Curves longer than it at ``transform`` are truncated (their
        last points dropped) with a ``UserWarning`` naming them.
    mask_value : float, default -1.0
        Padding value (:data:`MASK_VALUE`).
    meta : "auto" or sequence of str, default "auto"
        Per-star scalars appended as channels, constant along the real
        steps, as :class:`SequenceEncoder`'s ``meta``; padding steps hold
        ``mask_value`` in every channel.

    Attributes
    ----------
    meta_ : tuple of str
        The per-star scalars encoded, fixed in ``fit``.
    max_length_ : int
        Common length used by ``transform``.
    feature_names_in_, n_features_in_
        Columns of the table seen in ``fit``.
    """

    _required = ("mag", "phase", "period")
    _parameter_constraints: dict = {
        "max_length": [None, Interval(Integral, 1, None, closed="left")],
        # finite: both infinities are excluded by the open interval
        "mask_value": [Interval(Real, None, None, closed="neither")],
        "meta": [StrOptions({"auto"}), tuple, list],
    }

    def __init__(
        self, max_length: int | None = None, mask_value: float = MASK_VALUE, meta: str | Sequence[str] = "auto"
    ):
        self.max_length = max_length
        self.mask_value = mask_value
        self.meta = meta

    def _fit(self, X: pd.DataFrame) -> None:
        self._fit_meta(X)
        if self.max_length is None:
            self.max_length_ = int(X["mag"].map(len).max()) if len(X) else 0
        else:
            self.max_length_ = int(self.max_length)

    def transform(self, X) -> np.ndarray:
        """Pad (or truncate) every curve to ``max_length_``.

        Parameters
        ----------
        X : pandas.DataFrame
            Folded (and mean-subtracted) light-curve table.

        Returns
        -------
        ndarray of float32, shape ``(n_stars, max_length_, 2 + len(meta_))``
            Channels ``mag`` (mag), ``phase * period`` (d) and the per-star
            scalars, padded with ``mask_value``.
        """
        return self._transform(self._check_transform(X))

    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        mag, phase_period, offsets = _channels(X)
        lengths = np.diff(offsets)
        long = lengths > self.max_length_
        if long.any():
            warnings.warn(
                f"SequencePadder: {long.sum()} curve(s) longer than max_length_={self.max_length_} "
                f"truncated, e.g. source_id(s) {list(X.index[long][:10])}",
                UserWarning,
                stacklevel=2,
            )
        star_of = np.repeat(np.arange(len(X)), lengths)
        step = np.arange(len(mag)) - offsets[star_of]
        keep = step < self.max_length_
        scalars = self._fitted_scalars(X)
        out = np.full((len(X), self.max_length_, 2 + scalars.shape[1]), self.mask_value, dtype=np.float32)
        out[star_of[keep], step[keep], 0] = mag[keep]
        out[star_of[keep], step[keep], 1] = phase_period[keep]
        out[star_of[keep], step[keep], 2:] = scalars[star_of[keep]]
        return out
