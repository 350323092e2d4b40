"""One model per RR Lyrae type (RRab, RRc), each star sent to its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from .base.constraints import HasMethods
from .base.predict import predict_with_std

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

        :func:`rrlsk.predict_catalogue` reads it to keep each model's
        calibrated uncertainty and to flag each star against its own
        model's training domain.

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

        :func:`rrlsk.batch.predict_table` and :func:`rrlsk.predict_catalogue`
        write such stars as ``skipped`` with this reason.

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
        check_is_fitted(self)
        reasons = self.skip_reasons(X)
        if (reasons != "").any():
            bad = np.flatnonzero(reasons != "")
            raise ValueError(f"PerTypeRegressor: {len(bad)} star(s) without a model, e.g. "
                             f"source_id {X.index[bad[0]]}: {reasons[bad[0]]}")
        types = self.star_types(X)
        feh = np.full(len(X), np.nan)
        std = np.full(len(X), np.nan)
        for name, model in self.models_by_type().items():
            rows = np.flatnonzero(types == name)
            if rows.size:
                part = X.iloc[rows]
                if return_std:
                    feh[rows], std[rows] = predict_with_std(model, part)
                else:
                    feh[rows] = np.asarray(model.predict(part), dtype=np.float64).reshape(-1)
        return (feh, std) if return_std else feh
