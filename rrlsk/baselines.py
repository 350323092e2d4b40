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

from .datasets import RRabPopulation, unwrap_phi31

__all__ = [
    "FEATURE_MODELS",
    "PANEL_MODELS",
    "FOURIER_FEATURE_COLUMNS",
    "PeriodPhi31Relation",
    "SktimePanel",
    "MiniRocketFeatures",
    "make_minirocket",
]

#: Fourier-parameter columns the general regressors learn from.
FOURIER_FEATURE_COLUMNS = ("period", "amplitude", "A1", "R21", "R31", "phi21", "phi31")


class PeriodPhi31Relation(RegressorMixin, BaseEstimator):
    """[Fe/H] = a + b P + c phi31, the classical photometric metallicity.

    Parameters
    ----------
    coefficients : tuple of 3 floats or None, default None
        ``(a, b, c)`` with P in days and phi31 in radians, sine convention.
        None takes the published G-band relation the simulator is built on
        (:attr:`rrlsk.datasets.RRabPopulation.relation`, the G-band relation
        of arXiv:2605.13811, calibrated on 72 RRab with spectroscopic
        [Fe/H]).
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
    (rad), unwrapped onto one branch by :func:`rrlsk.datasets.unwrap_phi31`.
    """

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
        """
        design = self._design(X)
        if self.refit:
            w = np.ones(len(design)) if sample_weight is None else np.asarray(sample_weight, float)
            sw = np.sqrt(w)[:, None]
            self.coefficients_, *_ = np.linalg.lstsq(design * sw, np.asarray(y, float) * sw[:, 0], rcond=None)
        else:
            coefs = RRabPopulation.relation if self.coefficients is None else self.coefficients
            self.coefficients_ = np.asarray(coefs, dtype=float)
            if self.coefficients_.shape != (3,):
                raise ValueError(f"coefficients must be three numbers (a, b, c), got {self.coefficients!r}")
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X) -> np.ndarray:
        """[Fe/H] in dex for each star of a Fourier-parameter table."""
        check_is_fitted(self, "coefficients_")
        return self._design(X) @ self.coefficients_


class _FourierColumns(TransformerMixin, BaseEstimator):
    """Select :data:`FOURIER_FEATURE_COLUMNS` from a FourierFeatures table."""

    def fit(self, X, y=None):
        missing = set(FOURIER_FEATURE_COLUMNS) - set(X.columns)
        if missing:
            raise ValueError(f"Fourier-parameter table lacks columns {sorted(missing)}")
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        return X.loc[:, list(FOURIER_FEATURE_COLUMNS)].to_numpy(dtype=float)


def _on_fourier_features(regressor):
    """Factory of ``Fourier columns -> standard scaling -> regressor``."""

    def factory(**params):
        return _sk_make_pipeline(_FourierColumns(), StandardScaler(), clone(regressor).set_params(**params))

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
    """Eq. 3 tensor ``(n, n_steps, 2)`` -> sktime ``numpy3D`` ``(n, 2, n_steps)``."""

    def fit(self, X, y=None):
        X = np.asarray(X)
        if X.ndim != 3:
            raise ValueError(f"SktimePanel expects the (n_stars, n_steps, n_channels) tensor, got shape {X.shape}")
        self.n_features_in_ = X.shape[-1]
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return np.ascontiguousarray(np.swapaxes(np.asarray(X, dtype=np.float64), 1, 2))


class MiniRocketFeatures(TransformerMixin, BaseEstimator):
    """sktime's MiniRocket transform as a plain scikit-learn transformer.

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

    def __init__(self, num_kernels: int = 10_000, random_state: int | None = 0, n_jobs: int = 1):
        self.num_kernels = num_kernels
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Draw the kernels and their biases from the panels ``X`` (numpy3D)."""
        from sktime.transformations.panel.rocket import MiniRocketMultivariate

        self.transformer_ = MiniRocketMultivariate(
            num_kernels=self.num_kernels, n_jobs=self.n_jobs, random_state=self.random_state
        ).fit(X)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X) -> np.ndarray:
        """MiniRocket features, shape (n_stars, about num_kernels)."""
        check_is_fitted(self, "transformer_")
        return np.asarray(self.transformer_.transform(X), dtype=np.float64)


def make_minirocket(num_kernels: int = 10_000, random_state: int | None = 0, n_jobs: int = 1) -> Pipeline:
    """MiniRocket features, then a cross-validated ridge regression.

    As sktime's own ``RocketRegressor`` does, but built from its parts
    (:class:`MiniRocketFeatures`, standard scaling,
    :class:`~sklearn.linear_model.RidgeCV`) so that it trains with
    ``sample_weight`` like every other model.

    Parameters
    ----------
    num_kernels, random_state, n_jobs
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
