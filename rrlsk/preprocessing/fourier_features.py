"""Classical Fourier parameters of folded light curves as a feature table."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..base.constraints import Interval, StrOptions
from ..base.ragged import flatten
from ..base.table import TableTransformer
from ..fourier import fit_fourier, fourier_parameters

__all__ = ["FourierFeatures", "FEATURE_NAMES"]

#: Output columns, in order.
FEATURE_NAMES = ("period", "amplitude", "A1", "R21", "R31", "phi21", "phi31")


class FourierFeatures(TableTransformer):
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

    _required = ("phase", "mag", "period")
    _parameter_constraints: dict = {
        # R31 and phi31 need 3 harmonics
        "order": [Interval(Integral, 3, None, closed="left")],
        "convention": [StrOptions({"sine", "cosine"})],
        "weighted": ["boolean"],
    }

    def __init__(self, order: int = 4, convention: str = "sine", weighted: bool = True):
        self.order = order
        self.convention = convention
        self.weighted = weighted

    def _min_points(self) -> int:
        return 2 * self.order + 1

    def transform(self, X) -> pd.DataFrame:
        """Fit every curve and tabulate its Fourier parameters.

        Parameters
        ----------
        X : pandas.DataFrame
            Folded light-curve table (``phase``, ``mag``, ``period``).

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
        return self._transform(self._check_transform(X))

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
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
        """Return the names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None, default None
            Ignored: the output columns do not depend on the input's.

        Returns
        -------
        ndarray of str
            :data:`FEATURE_NAMES`.
        """
        check_is_fitted(self, "n_features_in_")
        return np.asarray(FEATURE_NAMES, dtype=object)
