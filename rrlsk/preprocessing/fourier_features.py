"""Classical Fourier parameters of folded light curves as a feature table."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._ragged import flatten
from ..fourier import fit_fourier, fourier_parameters
from ._checks import validate_table

__all__ = ["FourierFeatures", "FEATURE_NAMES"]

#: Output columns, in order.
FEATURE_NAMES = ("period", "amplitude", "A1", "R21", "R31", "phi21", "phi31")


class FourierFeatures(TransformerMixin, BaseEstimator):
    """Fourier decomposition of folded curves -> period, amplitude, A1, R21, R31, phi21, phi31.

    A thin estimator around :func:`rrlsk.fourier.fit_fourier` and
    :func:`rrlsk.fourier.fourier_parameters` (one batched least-squares
    fit for all stars).

    Parameters
    ----------
    order : int, default 4
        Number of harmonics; curves need at least ``2 * order + 1`` points.
    convention : {"sine", "cosine"}, default "sine"
        Phase convention of ``phi21``/``phi31`` (see :mod:`rrlsk.fourier`);
        ``"cosine"`` matches Gaia DR3 ``vari_rrlyrae``.
    weighted : bool, default True
        Weight points by ``1 / mag_err**2`` when ``mag_err`` is present.

    Attributes
    ----------
    feature_names_in_, n_features_in_
        Columns of the table seen in ``fit``.

    Notes
    -----
    Output units: ``period`` d, ``amplitude`` (peak-to-peak of the fitted
    series) and ``A1`` mag, ``phi21``/``phi31`` rad in ``[0, 2 pi)``.
    """

    def __init__(self, order: int = 4, convention: str = "sine", weighted: bool = True):
        self.order = order
        self.convention = convention
        self.weighted = weighted

    def _validate(self, X) -> pd.DataFrame:
        if isinstance(self.order, bool) or not isinstance(self.order, numbers.Integral) or self.order < 3:
            raise ValueError(f"order must be an integer >= 3 (R31, phi31 need 3 harmonics), got {self.order!r}")
        if self.convention not in ("sine", "cosine"):
            raise ValueError(f"convention must be 'sine' or 'cosine', got {self.convention!r}")
        return validate_table(
            X, required=("phase", "mag", "period"), min_points=2 * self.order + 1, where="FourierFeatures"
        )

    def fit(self, X, y=None):
        """Check parameters and the table.

        Parameters
        ----------
        X : pandas.DataFrame
            Folded light-curve table (``phase``, ``mag``, ``period``).
        y : ignored

        Returns
        -------
        self
        """
        X = self._validate(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(X.columns)
        return self

    def transform(self, X) -> pd.DataFrame:
        """Fit every curve and tabulate its Fourier parameters.

        Parameters
        ----------
        X : pandas.DataFrame

        Returns
        -------
        pandas.DataFrame
            Indexed like ``X``, columns :data:`FEATURE_NAMES`.

        Raises
        ------
        ValueError
            Naming stars with too few points or whose phases are too clumped
            for ``order`` harmonics.
        """
        check_is_fitted(self, "n_features_in_")
        X = self._validate(X)
        phase, offsets = flatten(X["phase"].to_numpy())
        mag, _ = flatten(X["mag"].to_numpy())
        weights = None
        if self.weighted and "mag_err" in X.columns:
            err, _ = flatten(X["mag_err"].to_numpy())
            weights = 1.0 / err**2
        coefs, info = fit_fourier(phase, mag, offsets, self.order, weights, return_info=True)
        if not info.ok.all():
            bad = X.index[~info.ok]
            raise ValueError(
                f"FourierFeatures: order-{self.order} fit ill-posed (phases too clumped) for "
                f"{len(bad)} star(s), source_id(s) {list(bad[:10])}; lower `order` or drop them"
            )
        params = fourier_parameters(coefs, self.convention, index=X.index)
        params["period"] = X["period"].to_numpy(dtype=np.float64)
        return params[list(FEATURE_NAMES)]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "n_features_in_")
        return np.asarray(FEATURE_NAMES, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags
