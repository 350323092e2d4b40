"""Baselines the networks must beat, on the same folds and the same weights.

Two families:

* the classical route: the light curve's Fourier parameters
  (:class:`~rrlsk.preprocessing.FourierFeatures`) turned into [Fe/H] by a
  period-phi31-[Fe/H] relation (:class:`PeriodPhi31Relation`: the published
  coefficients as they are, or refitted to the training labels), or by a
  general regressor (SVR, random forest, gradient boosting) on the Fourier
  parameters;
* a general time-series extrinsic regressor on the very sequences the
  networks see: sktime's MiniRocket (Dempster et al. 2021), the strongest
  general TSER baseline, behind :class:`SktimePanel`, with a weighted
  ridge regression on its features.

:func:`rrlsk.make_pipeline` builds each of them by name.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin, clone
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import Pipeline
from sklearn.pipeline import make_pipeline as _sk_make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR
from sklearn.utils.validation import check_is_fitted

from .base.constraints import Interval
from .base.validation import check_labels, check_weights
from .relations import get_relation, unwrap_phi31
from .preprocessing import to_sktime

__all__ = [
    "FEATURE_MODELS",
    "PANEL_MODELS",
    "PeriodPhi31Relation",
    "SktimePanel",
    "MiniRocketFeatures",
    "make_minirocket",
]

class PeriodPhi31Relation(RegressorMixin, BaseEstimator):
    """[Fe/H] = a + b P + c phi31, the classical photometric metallicity.

    Parameters
    ----------
    coefficients : tuple of 3 floats, str or None, default None
        ``(a, b, c)`` with P in days and phi31 in radians, sine convention,
        or the name of a relation of :data:`rrlsk.relations.RELATIONS`.
        None takes ``"rrab_g"``, the published G-band RRab relation of
        arXiv:2605.13811 (calibrated on 72 RRab with spectroscopic [Fe/H]).
    refit : bool, default False
        False applies the coefficients as they are (``fit`` only checks the
        input): the route of a user with a published calibration. True fits
        ``(a, b, c)`` to the training labels by (weighted) least squares.

    Attributes
    ----------
    coefficients_ : ndarray of shape (3,)
        The ``(a, b, c)`` used by ``predict``.

    Notes
    -----
    Takes the table of :class:`~rrlsk.preprocessing.FourierFeatures` with
    its default ``convention="sine"``: columns ``period`` (d) and ``phi31``
    (rad), unwrapped onto one branch by :func:`rrlsk.relations.unwrap_phi31`.
    """

    _parameter_constraints: dict = {"coefficients": [None, str, "array-like"], "refit": ["boolean"]}

    def __init__(self, coefficients: tuple[float, float, float] | None = None, refit: bool = False):
        self.coefficients = coefficients
        self.refit = refit

    @staticmethod
    def _design(X) -> np.ndarray:
        if not isinstance(X, pd.DataFrame) or not {"period", "phi31"} <= set(X.columns):
            raise ValueError("PeriodPhi31Relation needs a FourierFeatures table with 'period' and 'phi31' columns")
        phi31 = unwrap_phi31(X["phi31"].to_numpy(float))
        design = np.column_stack([np.ones(len(X)), X["period"].to_numpy(float), phi31])
        bad = ~np.isfinite(design).all(axis=1)
        if bad.any():
            raise ValueError(f"non-finite period or phi31 for source_id(s) {list(X.index[bad][:10])}")
        return design

    def fit(self, X, y, sample_weight=None):
        """Fix the coefficients (published, or least squares on ``y``).

        Parameters
        ----------
        X : pandas.DataFrame
            Fourier-parameter table (``period``, ``phi31``).
        y : array-like of shape (n_stars,)
            [Fe/H] labels, dex.
        sample_weight : array-like of shape (n_stars,), optional
            Weights of the least-squares fit when ``refit``.

        Returns
        -------
        self
            The fitted relation (``coefficients_``).
        """
        self._validate_params()
        design = self._design(X)
        y = check_labels(y, len(design), index=X.index)
        if self.refit:
            w = check_weights(sample_weight, len(design), index=X.index)
            sw = np.sqrt(np.ones(len(design)) if w is None else w)
            self.coefficients_, *_ = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)
        else:
            coefs = "rrab_g" if self.coefficients is None else self.coefficients
            if isinstance(coefs, str):
                coefs = get_relation(coefs).coefficients
            self.coefficients_ = np.asarray(coefs, dtype=float)
            if self.coefficients_.shape != (3,):
                raise ValueError(f"coefficients must be three numbers (a, b, c), got {self.coefficients!r}")
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X) -> np.ndarray:
        """[Fe/H] of each star of a Fourier-parameter table.

        Parameters
        ----------
        X : pandas.DataFrame
            Fourier-parameter table (``period`` in d, ``phi31`` in rad).

        Returns
        -------
        ndarray of shape (n_stars,)
            [Fe/H], dex.
        """
        check_is_fitted(self, "coefficients_")
        return self._design(X) @ self.coefficients_


def _on_fourier_features(regressor):
    """Factory of ``standard scaling -> regressor`` on the columns
    :class:`~rrlsk.preprocessing.FourierFeatures` emits (the scaler checks
    at ``predict`` that they are the columns it was fitted on)."""

    def factory(**params):
        return _sk_make_pipeline(StandardScaler(), clone(regressor).set_params(**params))

    return factory


#: Baselines on the Fourier parameters: name -> ``factory(**params)``. The
#: general regressors' settings are sensible defaults, not tuned per sample.
FEATURE_MODELS = {
    "fourier_relation": PeriodPhi31Relation,
    "fourier_linear": partial(PeriodPhi31Relation, refit=True),
    "svr": _on_fourier_features(SVR(C=3.0, epsilon=0.05)),
    "random_forest": _on_fourier_features(RandomForestRegressor(n_estimators=300, min_samples_leaf=2, random_state=0)),
    "gradient_boosting": _on_fourier_features(HistGradientBoostingRegressor(random_state=0)),
}


class SktimePanel(TransformerMixin, BaseEstimator):
    """Eq. 3 tensor ``(n, n_steps, 2)`` -> sktime ``numpy3D`` ``(n, 2, n_steps)``.

    :func:`rrlsk.preprocessing.to_sktime` as a pipeline step, in float64.

    Attributes
    ----------
    n_features_in_ : int
        Channels of the tensor seen in ``fit``.
    """

    _parameter_constraints: dict = {}  # no parameters

    def fit(self, X, y=None):
        """Check that ``X`` is the network tensor and record its channels.

        Parameters
        ----------
        X : array-like of shape (n_stars, n_steps, n_channels)
            Output of :class:`~rrlsk.preprocessing.SequenceEncoder`.
        y : None
            Ignored.

        Returns
        -------
        self
            The fitted step.
        """
        self._validate_params()
        self.n_features_in_ = to_sktime(X).shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """Swap the step and channel axes.

        Parameters
        ----------
        X : array-like of shape (n_stars, n_steps, n_channels)
            The network tensor.

        Returns
        -------
        ndarray of float64, shape (n_stars, n_channels, n_steps)
            The ``numpy3D`` panel of sktime.
        """
        check_is_fitted(self, "n_features_in_")
        return to_sktime(np.asarray(X, dtype=np.float64))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


class MiniRocketFeatures(TransformerMixin, BaseEstimator):
    """The MiniRocket transform of sktime as a plain scikit-learn transformer.

    Wraps :class:`sktime.transformations.panel.rocket.MiniRocketMultivariate`
    (Dempster et al. 2021), fitted in :meth:`fit` and kept as
    ``transformer_``, so that it sits in a scikit-learn ``Pipeline`` like any
    other step (sktime objects do not take part in scikit-learn's fit
    callbacks).

    Parameters
    ----------
    num_kernels : int, default 10000
        Convolution kernels (features = about this many).
    random_state : int or None, default 0
        Seed of the kernels.
    n_jobs : int, default 1
        Threads of the transform.
    """

    _parameter_constraints: dict = {
        "num_kernels": [Interval(Integral, 1, None, closed="left")],
        "random_state": [None, Interval(Integral, 0, None, closed="left")],
        "n_jobs": [Integral],
    }

    def __init__(self, num_kernels: int = 10_000, random_state: int | None = 0, n_jobs: int = 1):
        self.num_kernels = num_kernels
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Draw the kernels and their biases from the panels ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_stars, n_channels, n_steps)
            Panels in sktime's ``numpy3D`` format (:class:`SktimePanel`).
        y : None
            Ignored.

        Returns
        -------
        self
            The fitted transformer.
        """
        self._validate_params()
        from sktime.transformations.panel.rocket import MiniRocketMultivariate

        self.transformer_ = MiniRocketMultivariate(
            num_kernels=self.num_kernels, n_jobs=self.n_jobs, random_state=self.random_state
        ).fit(X)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """MiniRocket features of the panels.

        Parameters
        ----------
        X : ndarray of shape (n_stars, n_channels, n_steps)
            Panels in sktime's ``numpy3D`` format.

        Returns
        -------
        ndarray of float64, shape (n_stars, about num_kernels)
            The features.
        """
        check_is_fitted(self, "transformer_")
        return np.asarray(self.transformer_.transform(X), dtype=np.float64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


def make_minirocket(num_kernels: int = 10_000, random_state: int | None = 0, n_jobs: int = 1) -> Pipeline:
    """MiniRocket features, then a cross-validated ridge regression.

    As sktime's own ``RocketRegressor`` does, but built from its parts
    (:class:`MiniRocketFeatures`, standard scaling,
    :class:`~sklearn.linear_model.RidgeCV`) so that it trains with
    ``sample_weight`` like every other model.

    Parameters
    ----------
    num_kernels : int, default 10000
        See :class:`MiniRocketFeatures`.
    random_state : int or None, default 0
        See :class:`MiniRocketFeatures`.
    n_jobs : int, default 1
        See :class:`MiniRocketFeatures`.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Takes sktime's numpy3D panels (see :class:`SktimePanel`); its
        ``fit`` routes ``ridge__sample_weight``.
    """
    return Pipeline([
        ("transform", MiniRocketFeatures(num_kernels=num_kernels, random_state=random_state, n_jobs=n_jobs)),
        ("scale", StandardScaler()),
        ("ridge", RidgeCV(alphas=np.logspace(-3, 3, 13))),
    ])


#: Baselines on the sktime panel of the resampled sequences.
PANEL_MODELS = {"minirocket": make_minirocket}
