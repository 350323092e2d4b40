"""Shared validation of light-curve tables (one implementation for every
transformer) and the sklearn plumbing they have in common."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from operator import attrgetter

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .constraints import Interval, validate_params
from .ragged import ARRAY_COLUMNS, flatten
from .validation import MAX_LISTED

__all__ = [
    "DEFAULT_MIN_POINTS",
    "TableTransformer",
    "check_light_curves",
    "check_target_index",
    "validate_table",
]

#: Fewest points a curve needs by default (the smoothing spline's GCV needs
#: clearly more points than the handful of parameters of a smooth curve).
DEFAULT_MIN_POINTS = 8


#: Why a float16 column is refused: three significant digits (steps of 2 d
#: at Gaia's times, of 0.0005 d in a period) destroy the phases.
_HALF_PRECISION = "{} is float16 (3 significant digits destroy the phases); store it as float64"


def _row_is_1d(values: np.ndarray) -> np.ndarray:
    """Per-row: is the cell a 1-D array-like of numbers?"""
    try:  # fast path: every cell is an ndarray
        return np.fromiter(map(attrgetter("ndim"), values), dtype=np.int64, count=len(values)) == 1
    except AttributeError:
        return np.fromiter(
            (isinstance(v, (np.ndarray, list, tuple)) and np.ndim(v) == 1 for v in values),
            dtype=bool,
            count=len(values),
        )


@validate_params(
    {"min_points": [Interval(Integral, 1, None, closed="left")]}, prefer_skip_nested_validation=True
)
def check_light_curves(
    X: pd.DataFrame,
    *,
    min_points: int = DEFAULT_MIN_POINTS,
    required: Sequence[str] = ("mag", "period"),
) -> pd.DataFrame:
    """Per-star health report of a light-curve table.

    Vectorised over stars. Checks every array column present
    (``time``, ``mag``, ``mag_err``, ``phase``) and the scalar ``period``
    (and ``epoch`` when required).

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table (see ``docs/design.md``), one row per star.
    min_points : int, default 8
        Fewest finite points a curve needs to be ``ok``.
    required : sequence of str, default ("mag", "period")
        Columns that must exist. One of ``time`` or ``phase`` must exist too.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``X``, columns ``ok`` (bool), ``reason`` (str, ``""``
        when ok; several problems are joined with ``"; "``) and
        ``n_epochs`` (int, observed points: the length of ``mag``); also
        ``n_points``, its former name (deprecated: ``n_points`` is the
        spline grid's length elsewhere).

    Raises
    ------
    ValueError
        If ``X`` is not a DataFrame or lacks a required column (a problem of
        the whole table, not of single stars).
    """
    if not isinstance(X, pd.DataFrame):
        raise ValueError(
            f"expected a light-curve table (pandas.DataFrame, one row per star), got {type(X).__name__}"
        )
    missing = [c for c in required if c not in X.columns]
    if "time" not in X.columns and "phase" not in X.columns:
        missing.append("time or phase")
    if missing:
        raise ValueError(f"light-curve table lacks column(s) {missing}; has {list(X.columns)}")

    n = len(X)
    problems: list[tuple[np.ndarray, str]] = []
    arrays = [c for c in ARRAY_COLUMNS if c in X.columns]
    valid_rows = np.ones(n, dtype=bool)
    for col in arrays:
        is_1d = _row_is_1d(X[col].to_numpy())
        problems.append((~is_1d, f"{col} is not a 1-D array"))
        valid_rows &= is_1d

    lengths, flat_values = {}, {}
    clean = valid_rows.all()  # fast path: no per-row substitution of unusable cells
    for col in arrays:
        cells = X[col].to_numpy() if clean else [v if ok else () for v, ok in zip(X[col].to_numpy(), valid_rows)]
        flat_values[col], offsets = flatten(cells)
        lengths[col] = np.diff(offsets)

    def star_of(col: str) -> np.ndarray:
        return np.repeat(np.arange(n), lengths[col])

    def any_per_star(col: str, mask: np.ndarray) -> np.ndarray:
        if not mask.any():  # fast path: a clean column needs no count per star
            return np.zeros(n, dtype=bool)
        return np.bincount(star_of(col), weights=mask, minlength=n) > 0

    n_epochs = lengths.get("mag", np.zeros(n, dtype=np.int64))
    for col in arrays:
        if col != "mag" and "mag" in lengths:
            problems.append((valid_rows & (lengths[col] != n_epochs), f"{col} and mag differ in length"))
        finite = np.isfinite(flat_values[col])
        problems.append((any_per_star(col, ~finite), f"{col} has NaN/inf values"))
    if "mag_err" in lengths:
        problems.append((any_per_star("mag_err", flat_values["mag_err"] <= 0), "mag_err <= 0"))
    if "time" in lengths:  # the same time at every point: no phase coverage
        times, finite = flat_values["time"], np.isfinite(flat_values["time"])
        star = star_of("time")
        if not finite.all():
            times, star = times[finite], star[finite]
        # the finite times of a star are all equal iff no two consecutive ones differ
        differs = (times[1:] != times[:-1]) & (star[1:] == star[:-1])
        varied = np.bincount(star[1:][differs], minlength=n) > 0
        some = np.bincount(star, minlength=n) > 0
        problems.append((valid_rows & (lengths["time"] > 1) & some & ~varied, "time values all equal"))
    for col in arrays:
        values = X[col].to_numpy()
        try:  # fast path: every cell an array, none float16
            if np.dtype(np.float16) not in set(map(attrgetter("dtype"), values)):
                continue
        except AttributeError:  # lists or other cells: row by row
            pass
        half = np.fromiter((getattr(v, "dtype", None) == np.float16 for v in values), dtype=bool, count=n)
        problems.append((half, _HALF_PRECISION.format(col)))
    if "phase" in lengths:
        phase = flat_values["phase"]
        problems.append((any_per_star("phase", (phase < 0) | (phase >= 1)), "phase outside [0, 1)"))
    if "mag" in lengths:
        problems.append(
            (valid_rows & (n_epochs < min_points), f"fewer than {min_points} points")
        )

    for col in ("period", "epoch"):
        if col not in X.columns:
            continue
        values = pd.to_numeric(X[col], errors="coerce").to_numpy(dtype=np.float64)
        problems.append((np.full(n, X[col].dtype == np.float16), _HALF_PRECISION.format(col)))
        if col in required or col == "period":
            problems.append((~np.isfinite(values), f"{col} is NaN/inf or not a number"))
        if col == "period":
            problems.append((np.isfinite(values) & (values <= 0), "period <= 0"))

    ok = np.ones(n, dtype=bool)
    reasons = np.full(n, "", dtype=object)
    for mask, text in problems:
        if not mask.any():
            continue
        ok &= ~mask
        reasons[mask] = np.where(reasons[mask] == "", text, reasons[mask] + "; " + text)
    return pd.DataFrame(
        {"ok": ok, "reason": reasons.astype(str), "n_epochs": n_epochs.astype(np.int64),
         "n_points": n_epochs.astype(np.int64)},  # deprecated alias of n_epochs
        index=X.index,
    )


def validate_table(
    X,
    *,
    required: Sequence[str],
    min_points: int = 1,
    where: str = "",
) -> pd.DataFrame:
    """Raise ``ValueError`` naming the bad stars; return ``X`` unchanged.

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table.
    required : sequence of str
        Columns the caller needs.
    min_points : int, default 1
        Fewest points per curve.
    where : str
        Name of the caller, for the message.

    Returns
    -------
    pandas.DataFrame
        ``X`` itself, every curve usable.

    Raises
    ------
    ValueError
        Naming the ``source_id`` s whose curves are unusable and why.
    """
    report = check_light_curves(X, min_points=min_points, required=required)
    if not report["ok"].all():
        bad = report.loc[~report["ok"]]
        listed = "; ".join(f"{sid}: {why}" for sid, why in bad["reason"].iloc[:MAX_LISTED].items())
        more = f" (and {len(bad) - MAX_LISTED} more)" if len(bad) > MAX_LISTED else ""
        raise ValueError(
            f"{where}: {len(bad)} of {len(X)} light curves are unusable "
            f"(source_id: problem) {listed}{more}. "
            "Use rrlsk.preprocessing.check_light_curves(X) to find and drop them."
        )
    return X


def check_target_index(X: pd.DataFrame, y, where: str = "fit") -> None:
    """Refuse labels whose index does not match the light-curve table's.

    scikit-learn fits by position, so a ``y`` Series in another order or
    for other stars would silently pair curves with the wrong labels.
    Numpy arrays (no index) are not checked here.

    Parameters
    ----------
    X : pandas.DataFrame
        Light-curve table, index ``source_id``.
    y : array-like or pandas.Series
        Labels.
    where : str
        Name of the caller, for the message.

    Raises
    ------
    ValueError
        When ``y`` is a Series (or DataFrame) whose index differs from
        ``X.index``, saying whether it is the order or the stars that differ.
    """
    index = getattr(y, "index", None)
    if index is None or not isinstance(X, pd.DataFrame) or index.equals(X.index):
        return
    if len(index) == len(X) and index.sort_values().equals(X.index.sort_values()):
        problem = "holds the same stars in another order"
    else:
        only_y = index.difference(X.index)[:5].tolist()
        only_x = X.index.difference(index)[:5].tolist()
        problem = f"holds other stars (in y only, e.g. {only_y}; in X only, e.g. {only_x})"
    raise ValueError(
        f"{where}: the index of y {problem} than X.index; labels are matched to light curves by position, "
        "so they would be paired with the wrong stars. Align them first: y = y.loc[X.index] "
        "(or pass y.to_numpy() if the order is right)"
    )


class TableTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Common behaviour of transformers that take a light-curve table.

    Parameters are declared in ``_parameter_constraints`` (scikit-learn's
    constraint language) and checked by ``fit`` and ``transform``. ``fit``
    validates the table, records ``feature_names_in_`` (its columns) and
    ``n_features_in_`` and leaves what a subclass learns to ``_fit``;
    ``transform`` validates it and leaves the work to ``_transform``. The
    output of ``transform`` is a DataFrame or the network tensor, never
    wrapped by scikit-learn, so ``set_output`` accepts
    ``"pandas"``/``"default"`` as a no-op (which lets ``Pipeline.set_output``
    pass through these steps).
    """

    #: columns the transformer needs
    _required: tuple[str, ...] = ("mag",)
    #: scikit-learn parameter constraints, name -> list of constraints
    _parameter_constraints: dict = {}

    def __init_subclass__(cls, **kwargs):
        # no sklearn auto-wrapping of transform: the output is already a table
        kwargs.setdefault("auto_wrap_output_keys", None)
        super().__init_subclass__(**kwargs)

    def _min_points(self) -> int:
        return 1

    def _validate(self, X) -> pd.DataFrame:
        return validate_table(
            X, required=self._required, min_points=self._min_points(), where=type(self).__name__
        )

    def _record_columns(self, X: pd.DataFrame) -> None:
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = len(X.columns)

    def _fit(self, X: pd.DataFrame) -> None:
        """Learn from the validated table (nothing by default)."""

    def _transform(self, X: pd.DataFrame):
        """Transform the validated table: what a subclass writes."""
        raise NotImplementedError(f"{type(self).__name__} defines no _transform(X)")

    def fit(self, X, y=None):
        """Check the parameters and the light-curve table; learn what ``transform`` needs.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table with the columns the transformer needs.
        y : array-like, optional
            Labels; a Series must have ``X``'s index (see
            :func:`check_target_index`); otherwise ignored.

        Returns
        -------
        self
            The fitted transformer (see its Attributes).
        """
        self._validate_params()
        X = self._validate(X)
        check_target_index(X, y, type(self).__name__)
        self._record_columns(X)
        self._fit(X)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X).transform(X)``, validating the table once.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table.
        y : None
            Ignored.
        **fit_params : dict
            Ignored (no transformer of rrlsk takes fit parameters).

        Returns
        -------
        pandas.DataFrame or ndarray
            Output of ``transform``.
        """
        return self.fit(X, y)._transform(X)

    def transform(self, X):
        """Check that the transformer is fitted and the table usable; transform it.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table with the columns the transformer needs.

        Returns
        -------
        pandas.DataFrame or ndarray
            What the subclass's ``_transform`` makes of the table.

        Raises
        ------
        ValueError
            Naming the source_ids whose curves are unusable.
        """
        return self._transform(self._check_transform(X))

    def _check_transform(self, X) -> pd.DataFrame:
        check_is_fitted(self, "n_features_in_")
        self._validate_params()
        return self._validate(X)

    def set_output(self, *, transform=None):
        """Accept sklearn's output configuration; the table stays a DataFrame.

        Parameters
        ----------
        transform : {"default", "pandas", None}, default None
            ``"polars"`` is not supported (array columns).

        Returns
        -------
        self
            Unchanged.
        """
        if transform not in (None, "default", "pandas"):
            raise ValueError(
                f"{type(self).__name__} returns a pandas light-curve table; set_output(transform={transform!r}) is not supported"
            )
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags

