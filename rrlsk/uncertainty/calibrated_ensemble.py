"""The recipe of ``rrlsk train --calibrate``: a fold ensemble with calibrated uncertainties."""

from __future__ import annotations

from sklearn.base import clone

from ..ensemble import FoldEnsembleRegressor
from .calibrated import CalibratedRegressor

__all__ = ["make_calibrated_ensemble"]


def make_calibrated_ensemble(
    estimator,
    *,
    n_folds: int = 5,
    calibration_size: float = 0.25,
    degrade="auto",
    interval: str = "auto",
    difficulty_target: str = "auto",
    random_state: int | None = None,
) -> CalibratedRegressor:
    """A fold ensemble of a model, with calibrated per-star uncertainties.

    What ``rrlsk train --calibrate`` trains: a
    :class:`~rrlsk.ensemble.FoldEnsembleRegressor` of ``n_folds`` clones of
    ``estimator`` inside a :class:`CalibratedRegressor` with the default
    ``spread="difficulty"`` (whose difficulty model learns from the
    ensemble's out-of-fold predictions, at no extra fit).

    Parameters
    ----------
    estimator : regressor or Pipeline
        The [Fe/H] model (for example :func:`rrlsk.make_pipeline`'s); cloned,
        so a fitted model may be given: only its parameters are used.
    n_folds : int, default 5
        Folds of the ensemble, and so the number of fold models.
    calibration_size : float, default 0.25
        Share of the training stars held out for the calibration, in (0, 1).
    degrade : "auto", LightCurveDegrader or None, default "auto"
        Also learn and calibrate the uncertainties on sparser, fainter
        copies of the training stars (see :class:`CalibratedRegressor`;
        ``"auto"``: one copy of each star where the table has point errors).
    interval : {"auto", "prediction", "classical"}, default "auto"
        The kind of interval (see :class:`CalibratedRegressor`).
    difficulty_target : {"auto", "abs", "variance"}, default "auto"
        What the difficulty model learns (see :class:`CalibratedRegressor`).
    random_state : int or None, default None
        Seed of the ensemble's folds and of the calibration split.

    Returns
    -------
    CalibratedRegressor
        Unfitted; its ``fit(X, y, sample_weight=..., y_err=...)`` takes
        [Fe/H] labels and their errors in dex, and its
        ``predict(X, return_std=True)`` returns [Fe/H] and its calibrated
        standard deviation, dex.

    See Also
    --------
    CalibratedRegressor : Any model with calibrated uncertainties.

    Examples
    --------
    >>> import rrlsk
    >>> model = make_calibrated_ensemble(rrlsk.make_pipeline("fourier_linear"), n_folds=3, random_state=0)
    >>> type(model.estimator).__name__, model.estimator.cv
    ('FoldEnsembleRegressor', 3)
    """
    ensemble = FoldEnsembleRegressor(clone(estimator), cv=n_folds, random_state=random_state)
    return CalibratedRegressor(
        ensemble, calibration_size=calibration_size, degrade=degrade, interval=interval,
        difficulty_target=difficulty_target, random_state=random_state,
    )
