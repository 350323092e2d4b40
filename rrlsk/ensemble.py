"""Fold ensembles: one model per cross-validation fold, a spread per star.

Dekany & Grebel (2022) keep the k models trained in k-fold cross-validation
and predict with all of them: the mean is the estimate, and the standard
deviation across the models is an uncertainty for every star, including
those far from the training sample. :class:`FoldEnsembleRegressor` does
this for any scikit-learn regressor or pipeline, and records the
out-of-fold predictions of its own training as a free validation, and
which stars each fold model left out, so that stars made from a training
star (degraded copies) can be predicted out of fold too.
"""

from __future__ import annotations

import numbers

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from .base.constraints import HasMethods, Interval
from .base.docstrings import fill_doc
from .base.validation import FIT_ROWS_DOC, check_labels_and_weights, check_params
from .model_selection import BinnedStratifiedKFold, fit_with_sample_weight, take_rows

__all__ = ["FoldEnsembleRegressor"]


def _predict_1d(estimator, X) -> np.ndarray:
    return np.asarray(estimator.predict(X), dtype=np.float64).reshape(-1)


def _mean_of_folds(n_samples: int, pieces) -> np.ndarray:
    """Mean of the ``(rows, prediction)`` pieces per row; nan where none."""
    total = np.zeros(n_samples)
    count = np.zeros(n_samples)
    for rows, prediction in pieces:
        np.add.at(total, rows, prediction)
        np.add.at(count, rows, 1.0)
    with np.errstate(invalid="ignore"):
        return total / count


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
    test_folds_ : list of ndarray of int
        The training rows each fold model was tested on, never trained
        on, in the order of ``estimators_`` (see
        :meth:`predict_out_of_fold`).
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

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "cv": [Interval(numbers.Integral, 2, None, closed="left"), HasMethods(["split", "get_n_splits"])],
        "n_jobs": [None, numbers.Integral],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, cv=5, *, n_jobs=None, random_state=None):
        self.estimator = estimator
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _splitter(self):
        if isinstance(self.cv, numbers.Integral):
            return BinnedStratifiedKFold(self.cv, random_state=self.random_state)
        return self.cv

    @fill_doc(rows=FIT_ROWS_DOC)
    def fit(self, X, y, sample_weight=None):
        """Fit one clone of ``estimator`` per fold.

        Parameters
        ----------
        %(rows)s
        sample_weight : array-like of shape (n_samples,), optional
            Training weights, subset to each fold's training rows and given
            to the final step of each clone. Under metadata routing request
            them with ``set_fit_request(sample_weight="train_weight")``.

        Returns
        -------
        self
            The fitted ensemble (``estimators_``, one per fold).
        """
        check_params(self, {"cv": "be an integer or a splitter with split and get_n_splits methods "
                                  "(an integer: the number of folds, at least 2)"})
        values, weight = check_labels_and_weights(X, y, sample_weight)
        splits = list(self._splitter().split(X, values))
        if not splits:
            raise ValueError(f"cv {self.cv!r} produced no splits")
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_fold)(clone(self.estimator), X, values, weight, train, test)
            for train, test in splits
        )
        self.oof_prediction_ = _mean_of_folds(
            len(values), ((test, prediction) for (_, test), (_, prediction) in zip(splits, results))
        )
        self.estimators_ = [estimator for estimator, _ in results]
        self.test_folds_ = [np.asarray(test) for _, test in splits]
        self.n_splits_ = len(splits)
        return self

    @classmethod
    def from_fitted(cls, estimator, cv, estimators, X, y) -> FoldEnsembleRegressor:
        """The ensemble of fold models fitted elsewhere, as :meth:`fit` would make it.

        For fold models trained one at a time (a long cross-validation
        that caches each fold as it finishes): ``estimators[k]`` must have
        been fitted on the training rows of the ``k``-th split of ``cv``
        over ``(X, y)``. The out-of-fold predictions are recomputed from
        them, so a model fitted on the wrong rows shows as a wrong
        ``oof_prediction_``, never as a silent copy of a record.

        Parameters
        ----------
        estimator : regressor or Pipeline
            The unfitted recipe the fold models were made from (kept as the
            ``estimator`` parameter, so ``clone`` and ``get_params`` work).
        cv : splitter
            The splitter whose splits the fold models were trained on, e.g.
            ``PredefinedSplit(fold)`` for a sample with fixed folds.
        estimators : sequence of fitted estimators
            One per split, in split order.
        X : array-like or light-curve table
            The rows the splits index.
        y : array-like of shape (n_samples,)
            Their labels ([Fe/H], dex).

        Returns
        -------
        FoldEnsembleRegressor
            Fitted: ``estimators_``, ``oof_prediction_``, ``test_folds_``,
            ``n_splits_``.

        Raises
        ------
        ValueError
            If the number of fold models differs from the number of splits.
        """
        ensemble = cls(estimator, cv=cv)
        values, _ = check_labels_and_weights(X, y)
        splits = list(ensemble._splitter().split(X, values))
        estimators = list(estimators)
        if len(estimators) != len(splits):
            raise ValueError(f"{len(estimators)} fold models for the {len(splits)} splits of {cv!r}")
        ensemble.oof_prediction_ = _mean_of_folds(
            len(values), ((test, _predict_1d(model, take_rows(X, test))) for model, (_, test) in zip(estimators, splits))
        )
        ensemble.estimators_ = estimators
        ensemble.test_folds_ = [np.asarray(test) for _, test in splits]
        ensemble.n_splits_ = len(splits)
        return ensemble

    def predict_out_of_fold(self, X, rows) -> np.ndarray:
        """Predict stars made from training stars, by the models that never saw those.

        The prediction of ``oof_prediction_`` for new rows derived from the
        training rows (degraded copies of the training stars, see
        :class:`rrlsk.degrade.LightCurveDegrader`): each row is predicted
        only by the fold models whose test fold held the star it comes
        from, so its error is an honest out-of-sample error.

        Parameters
        ----------
        X : array-like or light-curve table
            Rows to predict.
        rows : array-like of int, shape (n_samples,)
            Position, among the rows the ensemble was fitted on, of the
            star each row of ``X`` derives from.

        Returns
        -------
        ndarray of shape (n_samples,)
            Mean prediction of those fold models, in the units of ``y``
            ([Fe/H]: dex); ``nan`` for rows whose star no split tested.
        """
        check_is_fitted(self, "test_folds_")
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        pieces = []
        for estimator, test in zip(self.estimators_, self.test_folds_):
            held = np.flatnonzero(np.isin(rows, test))
            if held.size:
                pieces.append((held, _predict_1d(estimator, take_rows(X, held))))
        return _mean_of_folds(len(rows), pieces)

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
