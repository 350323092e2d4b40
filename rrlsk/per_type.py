"""One model per RR Lyrae type (RRab, RRc), each star sent to its own.

The router implements the protocol of any model (:mod:`rrlsk.base.predict`):
``predict(X, return_std=)``, ``predict_interval`` (when one of its models
is calibrated), ``skip_reasons`` and ``plausibility`` (each star judged
against its own model's training domain), so that the catalogue and every
other caller treat it as one model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .base.constraints import HasMethods
from .base.docstrings import fill_doc
from .base.predict import INTERVAL_DOC, is_calibrated, predict_interval, predict_with_std
from .domain import PlausibilityLimits, model_plausibility, plausibility

__all__ = ["PerTypeRegressor"]


class _ModelsByType(HasMethods):
    """A non-empty mapping whose every value has a ``predict`` method.

    A ``HasMethods`` (``items``) narrowed further, as scikit-learn accepts only
    its own constraint classes in ``_parameter_constraints``.
    """

    def __init__(self):
        super().__init__(["items"])

    def is_satisfied_by(self, val) -> bool:
        return isinstance(val, Mapping) and bool(val) and all(hasattr(model, "predict") for model in val.values())

    def __str__(self) -> str:
        return "a non-empty mapping of type name to model (each with a predict method)"


class PerTypeRegressor(RegressorMixin, BaseEstimator):
    """Route each star to the model made for its pulsation type.

    Fundamental-mode (RRab) and first-overtone (RRc) stars have different
    light curves and different [Fe/H] relations, so each type gets its own
    model. The light-curve table says which is which in its ``type`` column
    (``"RRab"``/``"RRc"``: Gaia DR3's ``best_classification``, set by
    :func:`rrlsk.io.read_gaia_dr3`, :func:`rrlsk.io.iter_light_curves` with
    ``rrlyrae=`` and the simulators).

    Parameters
    ----------
    models : mapping of str to estimator
        Type name to model taking a light-curve table, e.g.
        ``{"RRab": gru_ab, "RRc": gru_c}``. Already fitted models are used
        as they are (no need to call :meth:`fit`); :meth:`fit` fits a clone of
        each on the stars of its type.
    type_column : str, default "type"
        Column of the light-curve table holding each star's type.
    default_type : str, optional
        Type of stars whose type is missing (no column, or an empty value);
        by default such stars have no model.

    Attributes
    ----------
    models_ : dict of str to estimator
        The fitted clones, after :meth:`fit`.

    Examples
    --------
    >>> import rrlsk  # doctest: +SKIP
    >>> model = rrlsk.PerTypeRegressor({"RRab": fitted_ab, "RRc": fitted_c})  # doctest: +SKIP
    >>> rrlsk.predict_catalogue(model, "catalogue.parquet", "predictions/")  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        "models": [_ModelsByType()],
        "type_column": [str],
        "default_type": [None, str],
    }

    def __init__(self, models: Mapping[str, Any], type_column: str = "type", default_type: str | None = None):
        self.models = models
        self.type_column = type_column
        self.default_type = default_type

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # a light-curve table with a type column, not a 2-D array
        return tags

    def models_by_type(self) -> Mapping[str, Any]:
        """The models that predict, by type: the fitted clones after :meth:`fit`, else ``models``.

        Returns
        -------
        mapping of str to estimator
            Type name to model.
        """
        return self.models_ if hasattr(self, "models_") else self.models

    def __sklearn_is_fitted__(self) -> bool:
        if hasattr(self, "models_"):
            return True
        try:
            for model in self.models.values():
                check_is_fitted(model)
        except Exception:  # noqa: BLE001 - NotFittedError or a model sklearn cannot inspect
            return False
        return True

    def star_types(self, X: pd.DataFrame) -> np.ndarray:
        """Each star's type (str; ``""`` where unknown and no ``default_type``).

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table.

        Returns
        -------
        ndarray of object
            The type of each star.
        """
        if not isinstance(X, pd.DataFrame):
            raise ValueError(f"expected a light-curve table (pandas.DataFrame), got {type(X).__name__}")
        fill = self.default_type or ""
        if self.type_column not in X.columns:
            return np.full(len(X), fill, dtype=object)
        values = X[self.type_column].astype("string").str.strip().fillna("")
        return np.where(values.to_numpy(dtype=object) == "", fill, values.to_numpy(dtype=object))

    def skip_reasons(self, X: pd.DataFrame) -> np.ndarray:
        """Why each star cannot be predicted (``""`` when it can).

        :func:`rrlsk.catalogue.predict_table` and :func:`rrlsk.predict_catalogue`
        write such stars as ``skipped`` with this reason (through
        :func:`rrlsk.base.skip_reasons`).

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table.

        Returns
        -------
        ndarray of str
            The reason per star, ``""`` for the stars that can be predicted.
        """
        self._validate_params()
        types = self.star_types(X)
        known = sorted(self.models_by_type())
        reasons = np.full(len(X), "", dtype=object)
        missing = types == ""
        reasons[missing] = (f"no RR Lyrae type ({self.type_column!r} column empty or absent) "
                            f"and no default_type; models exist for {known}")
        other = ~missing & ~np.isin(types, known)
        for name in np.unique(types[other]):
            reasons[types == name] = f"no model for type {name!r} (models exist for {known})"
        return reasons

    def fit(self, X: pd.DataFrame, y, **fit_params):
        """Fit a clone of each type's model on the stars of that type.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table with the type column.
        y : array-like of shape (n_stars,)
            [Fe/H], dex.
        **fit_params
            Per-star arrays (e.g. ``gru__sample_weight``) are split by type;
            other values are passed as they are.

        Returns
        -------
        self
            The fitted router (``models_``).

        Raises
        ------
        ValueError
            When a star's type has no model, or a type with a model has no star.
        """
        reasons = self.skip_reasons(X)
        if (reasons != "").any():
            first = np.flatnonzero(reasons != "")[0]
            raise ValueError(f"PerTypeRegressor.fit: source_id {X.index[first]}: {reasons[first]}")
        types = self.star_types(X)
        y = np.asarray(y)
        fitted = {}
        for name, model in self.models.items():
            rows = np.flatnonzero(types == name)
            if rows.size == 0:
                raise ValueError(f"PerTypeRegressor.fit: no star of type {name!r} to fit its model on")
            params = {key: (np.asarray(value)[rows] if np.ndim(value) == 1 and len(value) == len(X) else value)
                      for key, value in fit_params.items()}
            fitted[name] = clone(model).fit(X.iloc[rows], y[rows], **params)
        self.models_ = fitted
        return self

    def predict(self, X: pd.DataFrame, return_std: bool = False):
        """[Fe/H] of every star from its type's model.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table with the type column.
        return_std : bool, default False
            Also return the uncertainty, dex: from calibrated models
            (:class:`rrlsk.uncertainty.CalibratedRegressor`); NaN for the
            stars of other models.

        Returns
        -------
        feh : ndarray of shape (n_stars,)
            Predicted [Fe/H], dex.
        feh_std : ndarray of shape (n_stars,)
            Only with ``return_std``.

        Raises
        ------
        ValueError
            When a star's type has no model (see :meth:`skip_reasons`).
        """
        if return_std:
            return self._route_pairs(X, predict_with_std)
        feh, _ = self._route_pairs(
            X, lambda model, stars: (np.asarray(model.predict(stars), dtype=np.float64).reshape(-1), np.nan)
        )
        return feh

    def _has_calibrated_model(self) -> bool:
        return any(is_calibrated(model) for model in self.models_by_type().values())

    @available_if(_has_calibrated_model)
    @fill_doc(interval=INTERVAL_DOC)
    def predict_interval(self, X: pd.DataFrame, confidence: float = 0.68) -> tuple[np.ndarray, np.ndarray]:
        """Central interval of the given confidence for each star, from its type's model.

        Available when one of the models is calibrated
        (:func:`rrlsk.base.is_calibrated`); the stars of other models get NaN.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table with the type column.
        %(interval)s

        Raises
        ------
        ValueError
            When a star's type has no model (see :meth:`skip_reasons`).
        """
        return self._route_pairs(
            X, lambda model, stars: predict_interval(model, stars, confidence) if is_calibrated(model) else None
        )

    def plausibility(self, X: pd.DataFrame, feh, limits: PlausibilityLimits | None = None) -> pd.DataFrame:
        """Flag implausible predictions, each star against its own type's model.

        Each model's stars are judged by
        :func:`rrlsk.domain.model_plausibility` (that model's training
        domain); stars without a model by the unit and range checks alone.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table of the predicted stars.
        feh : array-like of shape (n_stars,)
            Their predicted [Fe/H], dex.
        limits : rrlsk.domain.PlausibilityLimits, optional
            Thresholds of the checks.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``X``: ``flagged`` (bool), ``outside_training_domain``
            (bool) and ``reason`` (str), as :func:`rrlsk.domain.plausibility`.
        """
        feh = np.asarray(feh, dtype=np.float64).reshape(-1)
        types = self.star_types(X)
        groups = [(np.flatnonzero(types == name), model) for name, model in self.models_by_type().items()]
        groups.append((np.flatnonzero(~np.isin(types, list(self.models_by_type()))), None))
        columns = {"flagged": np.zeros(len(X), dtype=bool), "outside_training_domain": np.zeros(len(X), dtype=bool),
                   "reason": np.full(len(X), "", dtype=object)}
        for rows, model in groups:
            if rows.size:
                part = X.iloc[rows]
                judged = (plausibility(part, feh[rows], limits=limits) if model is None
                          else model_plausibility(model, part, feh[rows], limits=limits))
                for name, values in columns.items():
                    values[rows] = judged[name].to_numpy()
        return pd.DataFrame({**columns, "reason": columns["reason"].astype(str)}, index=X.index)

    def _routes(self, X: pd.DataFrame) -> list[tuple[np.ndarray, Any]]:
        """The positions of each type's stars with its model; raises when a star has no model."""
        check_is_fitted(self)
        reasons = self.skip_reasons(X)
        if (reasons != "").any():
            bad = np.flatnonzero(reasons != "")
            raise ValueError(f"PerTypeRegressor: {len(bad)} star(s) without a model, e.g. "
                             f"source_id {X.index[bad[0]]}: {reasons[bad[0]]}")
        types = self.star_types(X)
        routes = [(np.flatnonzero(types == name), model) for name, model in self.models_by_type().items()]
        return [(rows, model) for rows, model in routes if rows.size]

    def _route_pairs(
        self, X: pd.DataFrame, predict: Callable[[Any, pd.DataFrame], tuple[Any, Any] | None]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Two values per star from its type's model, ``predict(model, stars)``.

        ``predict`` returns a pair (two arrays of one value per star, or
        scalars), or None where the model gives none: NaN.
        """
        first = np.full(len(X), np.nan)
        second = np.full(len(X), np.nan)
        for rows, model in self._routes(X):
            pair = predict(model, X.iloc[rows])
            if pair is not None:
                first[rows], second[rows] = pair
        return first, second
