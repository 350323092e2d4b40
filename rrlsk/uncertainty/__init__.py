"""Per-star [Fe/H] uncertainties made honest by conformal calibration.

A model spread is rarely a standard error: the spread of a fold ensemble
measures how much the fold models disagree, not how far the truth is.
:class:`CalibratedRegressor` turns a per-star scale into intervals that
hold, by split conformal prediction with a normalised conformity score;
:func:`make_calibrated_ensemble` is the recipe of ``rrlsk train
--calibrate``. How it works, the choices it offers (``spread``,
``interval``, ``difficulty_quantiles``, ``difficulty_target``, ``degrade``,
label errors) and how well the intervals hold: :doc:`accuracy`.

One module a piece: :mod:`~rrlsk.uncertainty.calibrated` (the estimator),
:mod:`~rrlsk.uncertainty.scales` (normal quantiles, the default difficulty
model), :mod:`~rrlsk.uncertainty.classical` (the inverse line of
``interval="classical"``), the private ``_difficulty`` (the scales, fitted
and predicted) and ``_calibration`` (the conformal factors), and
:mod:`~rrlsk.uncertainty.calibrated_ensemble`.
"""

from .calibrated import CalibratedRegressor
from .calibrated_ensemble import make_calibrated_ensemble
from .scales import ONE_SIGMA

__all__ = ["ONE_SIGMA", "CalibratedRegressor", "make_calibrated_ensemble"]
