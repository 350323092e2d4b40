"""Mean-magnitude subtraction (the ``m - <m>`` channel of Eq. 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..base.ragged import flatten, split
from ..base.table import TableTransformer

__all__ = ["MeanMagSubtractor"]


class MeanMagSubtractor(TableTransformer):
    """Subtract each star's mean magnitude and keep it in ``mean_mag``.

    The mean is the plain average of the ``mag`` values of the row, in
    magnitudes: after :class:`SplineResampler` that is the mean of the
    resampled curve over the uniform phase grid (the paper's ``<m>``);
    on raw folded curves it is the mean of the observed points.

    Attributes
    ----------
    feature_names_in_, n_features_in_
        Columns of the table seen in ``fit``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from rrlsk.preprocessing import MeanMagSubtractor
    >>> X = pd.DataFrame({"mag": [np.array([15.0, 15.5, 16.0])], "period": [0.5],
    ...                   "phase": [np.array([0.0, 0.3, 0.6])]})
    >>> out = MeanMagSubtractor().fit_transform(X)
    >>> print(out["mag"].iloc[0], out["mean_mag"].iloc[0])
    [-0.5  0.   0.5] 15.5
    """

    _required = ("mag",)

    def transform(self, X) -> pd.DataFrame:
        """Subtract the per-star mean magnitude.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table without a ``mean_mag`` column.

        Returns
        -------
        pandas.DataFrame
            ``mag`` minus its mean (mag) and scalar column ``mean_mag`` (mag).

        Raises
        ------
        ValueError
            For unusable curves, or when ``mean_mag`` is already present
            (the table was already mean-subtracted).
        """
        return self._transform(self._check_transform(X))

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        if "mean_mag" in X.columns:
            raise ValueError(
                "MeanMagSubtractor: the table already has a 'mean_mag' column "
                "(mean already subtracted); subtracting again would lose it"
            )
        mag, offsets = flatten(X["mag"].to_numpy())
        lengths = np.diff(offsets)
        star_of = np.repeat(np.arange(len(X)), lengths)
        mean = np.bincount(star_of, weights=mag, minlength=len(X)) / lengths
        out = X.copy()
        out["mag"] = split(mag - mean[star_of], offsets)
        out["mean_mag"] = mean
        return out

    def inverse_transform(self, X) -> pd.DataFrame:
        """Add ``mean_mag`` back to ``mag`` and drop the column.

        Parameters
        ----------
        X : pandas.DataFrame
            Output of :meth:`transform`.

        Returns
        -------
        pandas.DataFrame
            The table with the mean magnitude added back to ``mag`` (mag).
        """
        X = self._check_transform(X)
        if "mean_mag" not in X.columns:
            raise ValueError("MeanMagSubtractor.inverse_transform: the table has no 'mean_mag' column")
        mag, offsets = flatten(X["mag"].to_numpy())
        mean = X["mean_mag"].to_numpy(dtype=np.float64)
        out = X.drop(columns=["mean_mag"])
        out["mag"] = split(mag + np.repeat(mean, np.diff(offsets)), offsets)
        return out
