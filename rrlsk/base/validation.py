"""The one check of labels and the one check of weights, naming bad stars.

Every estimator, splitter and metric of rrlsk validates its ``y`` through
:func:`check_labels` and its weights through :func:`check_weights`, so the
same bad input gives the same message everywhere: the offending rows are
named by ``source_id`` when the array (or ``X``) carries an index.
:func:`check_params` checks an estimator's ``_parameter_constraints`` with
scikit-learn's mechanism, worded as rrlsk words it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from .constraints import InvalidParameterError, validate_parameter_constraints

__all__ = [
    "FIT_ROWS_DOC",
    "MAX_LISTED",
    "check_labels",
    "check_labels_and_weights",
    "check_params",
    "check_weights",
    "index_of",
    "name_rows",
    "num_rows",
]

#: How many offending rows an error message lists.
MAX_LISTED = 10

#: Numpydoc of a regressor's training rows and labels (``%(rows)s`` with
#: :func:`rrlsk.base.docstrings.fill_doc`).
FIT_ROWS_DOC = """
X : array-like or light-curve table
    Training rows.
y : array-like of shape (n_samples,)
    Labels ([Fe/H], dex).
"""


def name_rows(bad: np.ndarray, index=None, limit: int = MAX_LISTED) -> str:
    """Name the rows flagged by ``bad``: index labels when known, else positions.

    Parameters
    ----------
    bad : ndarray of bool, shape (n_rows,)
        Flags of the offending rows.
    index : pandas.Index or None, default None
        Row labels (for example the ``source_id`` s); None names positions.
    limit : int, default 10
        Most rows listed; the rest are counted.

    Returns
    -------
    str
        For example ``"source_id 11, 22 and 3 more"`` or ``"rows 0, 4"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> name_rows(np.array([True, False, True]), pd.Index([7, 8, 9], name="source_id"))
    'source_id 7, 9'
    """
    where = np.flatnonzero(bad)
    labels = where if index is None else np.asarray(index)[where]
    kind = "rows" if index is None else (getattr(index, "name", None) or "index")
    shown = ", ".join(str(v) for v in labels[:limit])
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return f"{kind} {shown}{more}"


def index_of(data, default=None):
    """Row labels of a pandas object, else ``default``.

    Parameters
    ----------
    data : object
        Array, list, ``pandas.Series`` or ``pandas.DataFrame``.
    default : pandas.Index or None, default None
        Returned when ``data`` is no pandas object.

    Returns
    -------
    pandas.Index or None
        The index of ``data``, or ``default``.
    """
    return data.index if isinstance(data, (pd.Series, pd.DataFrame)) else default


def num_rows(X) -> int:
    """Number of rows of an array, a table or a sequence.

    Parameters
    ----------
    X : array-like, pandas object or sequence
        Anything with ``shape`` or ``len``.

    Returns
    -------
    int
        ``X.shape[0]``, else ``len(X)``.
    """
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


def check_labels(
    y, n_samples: int | None = None, *, name: str = "y", index=None, against: str = "X"
) -> np.ndarray:
    """Return labels as a finite 1-D float64 array.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Labels, for example [Fe/H] in dex. A ``pandas.Series`` lets the
        message name stars by its index.
    n_samples : int or None, default None
        Number of rows of ``X`` the labels must match; None skips the check.
    name : str, default "y"
        Name of the labels in messages.
    index : pandas.Index or None, default None
        Row labels used when ``y`` has no index of its own (``X.index``).
    against : str, default "X"
        Name of what gives ``n_samples``, in messages.

    Returns
    -------
    ndarray of float64, shape (n_samples,)
        The labels as a flat array.

    Raises
    ------
    ValueError
        If ``y`` is None, not numeric, not 1-D, of the wrong length, or holds
        NaN/inf (naming the stars).
    """
    if y is None:
        raise ValueError(f"{name} is required (one label per star, e.g. [Fe/H] in dex); got {name}=None")
    index = index_of(y, index)
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric (one label per star): {exc}") from None
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per star); got shape {values.shape}")
    if n_samples is not None and len(values) != n_samples:
        raise ValueError(f"{name} has {len(values)} values but {against} has {n_samples} stars (one label per row)")
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(f"{name} holds NaN or infinite values in {name_rows(bad, index)}")
    return values


def check_weights(
    weights,
    n_samples: int | None = None,
    *,
    name: str = "sample_weight",
    index=None,
    strictly_positive: bool = False,
    all_zero: str = "nothing to weigh",
) -> np.ndarray | None:
    """Return weights as a finite, non-negative 1-D float64 array, or None.

    Parameters
    ----------
    weights : array-like of shape (n_samples,) or None
        One weight per star; None passes through.
    n_samples : int or None, default None
        Number of rows the weights must match; None skips the check.
    name : str, default "sample_weight"
        Name of the weights in messages.
    index : pandas.Index or None, default None
        Row labels used when ``weights`` has no index of its own.
    strictly_positive : bool, default False
        Reject zeros too (for quantities that divide, such as label errors).
    all_zero : str, default "nothing to weigh"
        What weights that are zero for every star mean to the caller, and
        what to do, for the message.

    Returns
    -------
    ndarray of float64, shape (n_samples,), or None
        The weights as a flat array (``None`` stays ``None``).

    Raises
    ------
    ValueError
        If the weights are not 1-D, of the wrong length, negative (or zero
        with ``strictly_positive``), NaN or infinite (naming the stars), or
        zero for every star.
    """
    if weights is None:
        return None
    index = index_of(weights, index)
    try:
        values = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric (one weight per star): {exc}") from None
    if values.ndim != 1 or (n_samples is not None and len(values) != n_samples):
        expected = "" if n_samples is None else f" ({n_samples})"
        raise ValueError(f"{name} must be 1-D with one value per star{expected}; got shape {values.shape}")
    bad = ~np.isfinite(values) | ((values <= 0) if strictly_positive else (values < 0))
    if bad.any():
        problem = "zero, negative, NaN or infinite" if strictly_positive else "negative, NaN or infinite"
        raise ValueError(f"{name} is {problem} in {name_rows(bad, index)}")
    if not (values > 0).any():
        raise ValueError(f"{name} is zero for every star: {all_zero}")
    return values


def check_labels_and_weights(
    X, y, sample_weight=None, *, weight_name: str = "sample_weight", all_zero: str = "nothing to weigh"
) -> tuple[np.ndarray, np.ndarray | None]:
    """Check the labels and weights of a ``fit`` against the rows of ``X``.

    :func:`check_labels` and :func:`check_weights` with the number of rows
    and the ``source_id`` s taken from ``X``.

    Parameters
    ----------
    X : array-like or light-curve table
        Only its number of rows and its index (if any) are used.
    y : array-like of shape (n_samples,)
        Labels, finite.
    sample_weight : array-like of shape (n_samples,), optional
        Weights, finite and non-negative.
    weight_name : str, default="sample_weight"
        Name of the weights in error messages.
    all_zero : str, default="nothing to weigh"
        What weights that are zero for every star mean, for the message
        (see :func:`check_weights`).

    Returns
    -------
    y : ndarray of float64, shape (n_samples,)
        The labels as a flat array.
    sample_weight : ndarray of float64, shape (n_samples,), or None
        The weights as a flat array (``None`` stays ``None``).
    """
    n_rows = num_rows(X)
    index = index_of(X)
    values = check_labels(y, n_rows, index=index)
    weight = check_weights(sample_weight, n_rows, name=weight_name, index=index, all_zero=all_zero)
    return values, weight


def check_params(estimator, words: Mapping[str, str] | None = None) -> None:
    """Check an estimator's parameters against its ``_parameter_constraints``.

    scikit-learn's ``validate_parameter_constraints`` does the checking, one
    parameter at a time, so that the error names the first bad parameter;
    scikit-learn's own ``BaseEstimator._validate_params`` checks the same
    constraints with scikit-learn's wording.

    Parameters
    ----------
    estimator : estimator
        Has ``_parameter_constraints`` (parameter name -> list of
        scikit-learn constraints) and the parameters as attributes.
    words : mapping of str to str, optional
        Parameter name -> what it must be, for rrlsk's wording: the error
        reads ``"<name> must <words>, got <value>"``. Parameters not named
        here keep scikit-learn's message.

    Raises
    ------
    rrlsk.base.constraints.InvalidParameterError
        A parameter breaks its constraints (a subclass of both
        ``ValueError`` and ``TypeError``).
    """
    words = words or {}
    for name, constraints in estimator._parameter_constraints.items():
        value = getattr(estimator, name)
        try:
            validate_parameter_constraints({name: constraints}, {name: value}, type(estimator).__name__)
        except InvalidParameterError as err:
            if name not in words:
                raise
            raise InvalidParameterError(f"{name} must {words[name]}, got {value!r}") from err
