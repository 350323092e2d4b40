"""Fits remembered on disk by what they predicted: searches that resume.

A search of the paper's grid is hundreds of network fits, hours of CPU; a
killed process, a full disk or the end of a session would lose them all.
:class:`CachedFit` wraps the estimator a search tunes: each fit is keyed by
the estimator's parameters and its training rows, each prediction by that
key and the rows predicted, and a prediction found on disk is returned
without fitting. A search run again over the same data and candidates
(``GridSearchCV``, ``HalvingGridSearchCV``, ``cross_validate``) therefore
re-fits only what it had not finished, and gives the same scores.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping, process_routing
from sklearn.utils.validation import check_is_fitted

from .._atomic import write_atomic
from ..base.constraints import HasMethods
from ..base.predict import final_estimator
from ..base.docstrings import fill_doc
from ..base.validation import FIT_ROWS_DOC, check_params
from ..metrics import _routing_enabled

__all__ = ["CachedFit"]


def _plain_params(estimator) -> dict:
    """The estimator's parameters with nested estimators replaced by their class names."""
    params = {}
    for name, value in estimator.get_params(deep=True).items():
        if hasattr(value, "get_params"):
            value = f"{type(value).__module__}.{type(value).__qualname__}"
        elif isinstance(value, list) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            value = [(step, f"{type(part).__module__}.{type(part).__qualname__}") for step, part in value]
        params[name] = value
    return params


class CachedFit(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """A regressor whose predictions are kept on disk, so a search can resume.

    ``fit`` only records what would be fitted (the key: the estimator's
    parameters, ``X``, ``y`` and the fit parameters, hashed by
    :func:`joblib.hash`). ``predict`` looks for the prediction of those
    rows by that fit in ``directory``; if it is there it is returned with
    no fit at all, otherwise the estimator is fitted (once), predicts, and
    the prediction is written (atomically) with a JSON record of the fit.
    Inside a search the fit's cost therefore shows in ``score_time``, not
    ``fit_time``.

    The key does not hold the code: after a change to rrlsk or to the
    data's preparation, use a new ``directory``.

    Parameters
    ----------
    estimator : regressor or Pipeline
        Cloned at the first prediction that is not on disk.
    directory : str or path-like
        Folder of the kept predictions (created when needed): one
        ``KEY.npz`` (``prediction``) and ``KEY.json`` (parameters, rows,
        CPU seconds, epochs for a network) per prediction.

    Attributes
    ----------
    fit_key_ : str
        Hash of the fit: estimator parameters, ``X``, ``y``, fit parameters.
    estimator_ : estimator
        The fitted clone; only once a prediction was not on disk.
    n_cached_ : int
        Predictions read from disk since ``fit``.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> X = np.arange(20.0).reshape(10, 2); y = X @ [0.1, 0.2]
    >>> folder = tempfile.mkdtemp()
    >>> first = CachedFit(Ridge(), folder).fit(X, y).predict(X[:3])
    >>> again = CachedFit(Ridge(), folder).fit(X, y)
    >>> bool(np.array_equal(again.predict(X[:3]), first)), again.n_cached_, hasattr(again, "estimator_")
    (True, 1, False)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "directory": [str, os.PathLike],
    }

    def __init__(self, estimator, directory):
        self.estimator = estimator
        self.directory = directory

    @fill_doc(rows=FIT_ROWS_DOC)
    def fit(self, X, y, **fit_params):
        """Record the fit; the estimator is fitted at the first prediction not on disk.

        Parameters
        ----------
        %(rows)s
        **fit_params : dict
            Passed to the estimator's ``fit`` (under metadata routing, the
            ones it requested).

        Returns
        -------
        self
            With ``fit_key_``; the estimator is not fitted yet.
        """
        check_params(self)
        if _routing_enabled():
            fit_params = process_routing(self, "fit", **fit_params).estimator.fit
        self.fit_key_ = joblib.hash((_plain_params(self.estimator), X, np.asarray(y), fit_params))
        self._training = (X, y, fit_params)
        self._n_train = len(np.asarray(y))
        self.n_cached_ = 0
        if hasattr(self, "estimator_"):
            del self.estimator_
        return self

    def _fitted(self):
        if not hasattr(self, "estimator_"):
            if not hasattr(self, "_training"):
                raise ValueError(f"{type(self).__name__} was saved before its estimator was fitted, and a saved "
                                 "model keeps no training rows: call fit again")
            X, y, fit_params = self._training
            start = time.process_time()
            self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
            self._fit_cpu_s = time.process_time() - start
        return self.estimator_

    def predict(self, X) -> np.ndarray:
        """The prediction of ``X`` by the recorded fit, from disk when kept there.

        Parameters
        ----------
        X : array-like or light-curve table
            Rows to predict.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predictions, in the units of ``y`` ([Fe/H]: dex).
        """
        check_is_fitted(self, "fit_key_")
        key = joblib.hash((self.fit_key_, X))
        folder = Path(self.directory)
        kept = folder / f"{key}.npz"
        if kept.exists():
            self.n_cached_ += 1
            with np.load(kept) as stored:
                return stored["prediction"]
        model = self._fitted()
        start = time.process_time()
        prediction = np.asarray(model.predict(X), dtype=np.float64).reshape(-1)
        history = getattr(final_estimator(model), "history_", None)
        record = {
            "fit_key": self.fit_key_,
            "params": {name: value for name, value in _plain_params(self.estimator).items()
                       if isinstance(value, (bool, int, float, str, type(None)))},
            "n_train": self._n_train, "n_predicted": len(prediction),
            "fit_cpu_s": round(self._fit_cpu_s, 2), "predict_cpu_s": round(time.process_time() - start, 2),
            "epochs": None if history is None else len(history["loss"]),
            "load": round(os.getloadavg()[0], 2), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.json", lambda tmp: tmp.write_text(json.dumps(record, indent=1) + "\n"))
        write_atomic(kept, lambda tmp: np.savez_compressed(tmp, prediction=prediction))
        return prediction

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_training", None)  # the training rows are not part of a saved model
        return state

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags  # scikit-learn >= 1.6, the versions that call this method

        tags = super().__sklearn_tags__()
        tags.input_tags = get_tags(self.estimator).input_tags  # it takes what its estimator takes
        return tags

    def get_metadata_routing(self):
        """Route fit parameters to the estimator's ``fit`` (scikit-learn metadata routing).

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRouter
            ``fit`` to the estimator's ``fit``.
        """
        return MetadataRouter(owner=type(self).__name__).add(
            estimator=self.estimator, method_mapping=MethodMapping().add(caller="fit", callee="fit")
        )
