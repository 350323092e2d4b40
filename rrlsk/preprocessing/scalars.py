"""Per-star scalars that travel beside the light curve into a network.

:class:`PerStarScalars` adds ``meta_<name>`` columns (one float per star) to
a folded light-curve table, and its ``names`` is the one owner of the list:
:class:`~rrlsk.preprocessing.SequenceEncoder` and
:class:`~rrlsk.preprocessing.SequencePadder` (``meta="auto"``) append every
such column to the tensor as a constant channel, and a network with
``n_meta="auto"`` joins those channels to its sequence features before the
head (Dekany & Grebel 2022's ``n_meta`` inputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np
import pandas as pd

from ..base.constraints import Interval
from ..base.ragged import flatten
from ..base.table import TableTransformer
from .fourier_features import FEATURE_NAMES, FourierFeatures

__all__ = ["META_PREFIX", "SCALARS", "PerStarScalars"]

#: Prefix of the columns :class:`PerStarScalars` adds.
META_PREFIX = "meta_"

#: Scalars computed from the curve: the Fourier parameters of
#: :class:`FourierFeatures` (``period`` in days, ``amplitude`` in mag,
#: ``A1`` mag, ``R21``, ``R31``, ``phi21``, ``phi31`` rad), ``mean_mag``
#: (mean of the curve's magnitudes, mag) and ``n_epochs`` (points per curve).
SCALARS = (*FEATURE_NAMES, "mean_mag", "n_epochs")


def meta_columns(names: Sequence[str]) -> list[str]:
    """Table columns that hold the scalars ``names``."""
    return [META_PREFIX + name for name in names]


class PerStarScalars(TableTransformer):
    """Add per-star scalars as ``meta_<name>`` columns of a folded light-curve table.

    Parameters
    ----------
    names : sequence of str, default ("period", "amplitude", "phi31", "R21")
        Scalars to add: any of :data:`SCALARS` (computed from the curve), or
        the name of a numeric column the table already has (for example a
        catalogue quantity), copied as it is.
    fourier_order : int, default 4
        Harmonics of the Fourier fit behind the Fourier parameters.

    Attributes
    ----------
    feature_names_in_, n_features_in_
        Columns of the table seen in ``fit``.
    ranges_ : dict of str to (float, float)
        Name -> the range of the training stars' values (0.1 and 99.9
        percentiles), for the training-domain check of
        :func:`rrlsk.domain.plausibility`.

    Examples
    --------
    >>> import rrlsk
    >>> X, y, _ = rrlsk.datasets.make_gaia_rrab(20, random_state=0)
    >>> folded = rrlsk.preprocessing.PhaseFolder().fit_transform(X)
    >>> out = PerStarScalars(["period", "phi31"]).fit_transform(folded)
    >>> list(out.columns[-2:])
    ['meta_period', 'meta_phi31']
    """

    _required = ("phase", "mag", "period")
    _parameter_constraints: dict = {
        "names": [str, tuple, list],
        "fourier_order": [Interval(Integral, 3, None, closed="left")],
    }

    def __init__(self, names: Sequence[str] = ("period", "amplitude", "phi31", "R21"), fourier_order: int = 4):
        self.names = names
        self.fourier_order = fourier_order

    def _check_names(self, X: pd.DataFrame) -> list[str]:
        names = [self.names] if isinstance(self.names, str) else list(self.names)
        if not names:
            raise ValueError("PerStarScalars needs at least one name in `names`")
        missing = [n for n in names if n not in SCALARS and n not in X.columns]
        if missing:
            raise ValueError(
                f"PerStarScalars: per-star quantity {missing} is neither computed from the curve "
                f"({', '.join(SCALARS)}) nor a column of the light-curve table; add the column "
                "or choose another name"
            )
        return names

    def _fit(self, X: pd.DataFrame) -> None:
        from ..domain import value_ranges

        names = self._check_names(X)
        self.ranges_ = value_ranges(self._transform(X)[[META_PREFIX + name for name in names]].rename(
            columns=lambda column: column[len(META_PREFIX):]))

    def transform(self, X) -> pd.DataFrame:
        """Return a copy of ``X`` with the ``meta_<name>`` columns added.

        Parameters
        ----------
        X : pandas.DataFrame
            Folded light-curve table.

        Returns
        -------
        pandas.DataFrame
            ``X`` with one ``meta_<name>`` column per name.

        Raises
        ------
        ValueError
            Naming a quantity the table lacks, or stars whose copied
            quantity is not finite.
        """
        return self._transform(self._check_transform(X))

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        names = self._check_names(X)
        out = X.copy()
        if any(n in FEATURE_NAMES for n in names):
            fourier = FourierFeatures(order=self.fourier_order).fit_transform(X)
        for name in names:
            if name in FEATURE_NAMES:
                values = fourier[name].to_numpy(dtype=np.float64)
            elif name == "mean_mag":
                mag, offsets = flatten(X["mag"].to_numpy())
                values = np.add.reduceat(mag, offsets[:-1]) / np.diff(offsets) if len(X) else np.empty(0)
            elif name == "n_epochs":
                values = X["mag"].map(len).to_numpy(dtype=np.float64)
            else:
                values = pd.to_numeric(X[name], errors="coerce").to_numpy(dtype=np.float64)
                bad = ~np.isfinite(values)
                if bad.any():
                    raise ValueError(
                        f"PerStarScalars: column {name!r} is missing or not a finite number for "
                        f"{bad.sum()} star(s), source_id(s) {list(X.index[bad][:10])}"
                    )
            out[META_PREFIX + name] = values
        return out
