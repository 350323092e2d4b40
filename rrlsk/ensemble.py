"""Fold ensembles: one model per cross-validation fold, a spread per star.

Dekany & Grebel (2022) keep the k models trained in k-fold cross-validation
and predict with all of them: the mean is the estimate, and the standard
deviation across the models is an uncertainty for every star, including
those far from the training sample. :class:`FoldEnsembleRegressor` does
this for any scikit-learn regressor or pipeline, and records the
out-of-fold predictions of its own training as a free validation.
"""

from __future__ import annotations

import numbers

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from .model_selection import BinnedStratifiedKFold, check_labels, fit_with_sample_weight, take_rows

__all__ = ["FoldEnsembleRegressor"]


def _predict_1d(estimator, X) -> np.ndarray:
    return np.asarray(estimator.predict(X), dtype=np.float64).reshape(-1)


def _fit_fold(estimator, X, y, sample_weight, train, test):
    weight = None if sample_weight is None else sample_weight[train]
    fit_with_sample_weight(estimator, take_rows(X, train), y[train], weight)
    return estimator, _predict_1d(estimator, take_rows(X, test))


class FoldEnsembleRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Mean of the models fitted on the folds of a cross-validation.

    Parameters
    ----------
    estimator : regressor or Pipeline
        Cloned once per fold (never fitted itself).
    cv : int or splitter, default=5
        An integer ``k`` means ``BinnedStratifiedKFold(k, random_state=random_state)``
        (stratified on binned [Fe/H]); any scikit-learn splitter (with
        ``split(X, y)`` and ``get_n_splits``) also works, repeated ones
        included (then ``n_splits * n_repeats`` models).
    n_jobs : int, optional
        Folds fitted in parallel by joblib; ``None`` means 1.
    random_state : int, RandomState instance or None, default=None
        Seed of the fold shuffle when ``cv`` is an integer.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted fold models, in split order.
    oof_prediction_ : ndarray of shape (n_samples,)
        Out-of-fold prediction of each training row by the models that did
        not see it (their mean when the cv repeats; ``nan`` for rows no
        split tested), in the order of the training rows.
    n_splits_ : int
        Number of fold models.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3)); y = X @ [0.3, -0.2, 0.1] - 1.5
    >>> ens = FoldEnsembleRegressor(Ridge(), cv=5, random_state=0).fit(X, y)
    >>> mean, std = ens.predict(X[:2], return_std=True)
    >>> len(ens.estimators_), mean.shape, bool((std >= 0).all())
    (5, (2,), True)
    """

    def __init__(self, estimator, cv=5, *, n_jobs=None, random_state=None):
        self.estimator = estimator
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _splitter(self):
        if isinstance(self.cv, numbers.Integral) and not isinstance(self.cv, bool):
            return BinnedStratifiedKFold(self.cv, random_state=self.random_state)
        if hasattr(self.cv, "split") and hasattr(self.cv, "get_n_splits"):
            return self.cv
        raise ValueError(f"cv must be an integer or a splitter with a split method, got {self.cv!r}")

    def fit(self, X, y, sample_weight=None):
        """Fit one clone of ``estimator`` per fold.

        Parameters
        ----------
        X : array-like or light-curve table
            Training rows.
        y : array-like of shape (n_samples,)
            Labels ([Fe/H], dex).
        sample_weight : array-like of shape (n_samples,), optional
            Training weights, subset to each fold's training rows and given
            to the final step of each clone. Under metadata routing request
            them with ``set_fit_request(sample_weight="train_weight")``.

        Returns
        -------
        self
            The fitted ensemble (``estimators_``, one per fold).
        """
        values, weight = check_labels(X, y, sample_weight)
        splits = list(self._splitter().split(X, values))
        if not splits:
            raise ValueError(f"cv {self.cv!r} produced no splits")
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_fold)(clone(self.estimator), X, values, weight, train, test)
            for train, test in splits
        )
        total = np.zeros(len(values))
        count = np.zeros(len(values))
        for (_, test), (_, prediction) in zip(splits, results):
            np.add.at(total, test, prediction)
            np.add.at(count, test, 1.0)
        with np.errstate(invalid="ignore"):
            self.oof_prediction_ = total / count
        self.estimators_ = [estimator for estimator, _ in results]
        self.n_splits_ = len(splits)
        return self

    def predict(self, X, return_std: bool = False):
        """Mean prediction of the fold models, optionally with their spread.

        Parameters
        ----------
        X : array-like or light-curve table
            Rows to predict.
        return_std : bool, default=False
            Also return the standard deviation (ddof=0) across the fold
            models, in the units of ``y`` (dex).

        Returns
        -------
        mean : ndarray of shape (n_samples,)
            Mean of the fold models' predictions, in the units of ``y``
            ([Fe/H]: dex).
        std : ndarray of shape (n_samples,)
            Their standard deviation, same units; only when ``return_std``
            is true.
        """
        check_is_fitted(self, "estimators_")
        predictions = np.stack([_predict_1d(estimator, X) for estimator in self.estimators_])
        mean = predictions.mean(axis=0)
        if return_std:
            return mean, predictions.std(axis=0)
        return mean
