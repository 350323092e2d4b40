"""Cross-validation over a continuous label, and the paper's search grid.

Monti et al. (2024) validate with a repeated *stratified* k-fold: every fold
should hold the same [Fe/H] distribution as the whole sample, which matters
because the RRab metallicity distribution is strongly peaked around
-1.5 dex with thin tails. Stratification needs classes, so the splitters
below bin the continuous label first and stratify on the bins.

Binning
-------
* ``bin_size`` (dex): equal-width bins ``floor(y / bin_size)``, anchored
  at 0 dex, so that the edges are round numbers and do not move with the
  sample.
* ``n_bins``: quantile bins (equal counts), the default with ``n_bins=10``
  when neither is given. Tied quantiles give empty bins, which are dropped.

Afterwards, any bin with fewer than ``n_splits`` members (a thin tail of
the distribution) is merged into its smaller neighbour, repeatedly, until
every bin can put at least one member in every fold. Skewed labels are
therefore never an error, only a coarser stratification of the tails.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import BaseCrossValidator, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from .base.constraints import Interval, validate_parameter_constraints
from .base.validation import check_labels as _check_labels
from .base.validation import check_labels_and_weights, num_rows

__all__ = [
    "BinnedStratifiedKFold",
    "RepeatedBinnedStratifiedKFold",
    "PAPER_PARAM_GRID",
    "paper_param_grid",
    "parse_param_grid",
    "SEARCH_METRICS",
    "grid_search",
    "search_results",
    "bin_labels",
    "fit_with_sample_weight",
    "check_labels",
    "take_rows",
]

DEFAULT_N_BINS = 10

#: Hyperparameter grid searched for every network in Monti et al. (2024),
#: Section 4.1: dropout rate, Adam learning rate, mini-batch size (tuples, so
#: that the values cannot be edited in place). Pass it as ``param_grid`` for a
#: bare regressor; :func:`paper_param_grid` adds a pipeline step prefix.
PAPER_PARAM_GRID: dict[str, tuple] = {
    "dropout": (0.1, 0.2, 0.4, 0.6),
    "learning_rate": (0.001, 0.01, 0.1),
    "batch_size": (32, 64, 128, 256, 512),
}


def paper_param_grid(step_name: str | None = None) -> dict[str, list]:
    """The paper's hyperparameter grid, ready for ``GridSearchCV``.

    Parameters
    ----------
    step_name : str, optional
        Name of the network step in a ``Pipeline`` (for example ``"gru"``);
        keys then read ``"gru__dropout"`` and so on. ``None`` gives the bare
        keys, for a regressor searched on its own.

    Returns
    -------
    dict of str to list
        A fresh copy (4 x 3 x 5 = 60 candidates).
    """
    if step_name is not None and (not isinstance(step_name, str) or not step_name):
        raise ValueError(f"step_name must be a non-empty string or None, got {step_name!r}")
    prefix = "" if step_name is None else f"{step_name}__"
    return {prefix + key: list(values) for key, values in PAPER_PARAM_GRID.items()}


def parse_param_grid(text: str, step_name: str, estimator=None) -> dict[str, list]:
    """A ``GridSearchCV`` grid for one pipeline step, from one line of text.

    Parameters
    ----------
    text : str
        ``"paper"`` for :func:`paper_param_grid`, or semicolon-separated
        ``name=values`` pairs, values separated by commas, e.g.
        ``"dropout=0.1,0.2;batch_size=128,256"``. Values that read as
        integers become ``int``, then ``float``; any other stays text.
    step_name : str
        Name of the step in the pipeline; keys are prefixed with it.
    estimator : estimator, optional
        The step itself. When given, a name that is not one of its
        parameters may be the unique ending of a nested one (``C`` for the
        SVR inside a baseline's own pipeline: ``svr__C``), and text values
        are refused where the parameter's default is a number.

    Returns
    -------
    dict of str to list
        Keys ``"<step_name>__<name>"``, in the order given.

    Raises
    ------
    ValueError
        Naming the bad part: an item that is not ``name=v1,v2``, a name
        that ``estimator`` does not have (or that ends several nested
        ones), a value that is not a number where numbers are taken, or an
        empty grid.

    Examples
    --------
    >>> parse_param_grid("dropout=0.1,0.2; batch_size=128", "gru")
    {'gru__dropout': [0.1, 0.2], 'gru__batch_size': [128]}
    """
    if text.strip().lower() == "paper":
        return paper_param_grid(step_name)
    params = None if estimator is None else estimator.get_params(deep=True)
    grid: dict[str, list] = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise ValueError(f"expected name=v1,v2 but got {item!r}")
        if params is not None and name not in params:
            matches = [key for key in params if key.endswith(f"__{name}")]
            if len(matches) != 1:
                raise ValueError(f"{step_name} has no parameter {name!r}"
                                 + (f" (ambiguous: {matches})" if matches else ""))
            name = matches[0]
        if f"{step_name}__{name}" in grid:
            raise ValueError(f"{name!r} is given twice; give all its values once, as {name}=v1,v2")
        grid[f"{step_name}__{name}"] = [_number(v.strip()) for v in values.split(",")]
        if params is not None:
            _check_grid_values(name, grid[f"{step_name}__{name}"], params[name], step_name)
    if not grid:
        raise ValueError("empty grid; give 'paper' or name=v1,v2;name=v3")
    return grid


def _number(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _is_numeric(value) -> bool:
    if isinstance(value, (tuple, list)):
        return len(value) > 0 and all(map(_is_numeric, value))
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_grid_values(name: str, values: list, default, step_name: str) -> None:
    """Refuse text where the parameter takes numbers (the fits would all fail later)."""
    if not _is_numeric(default):
        return
    text = [v for v in values if isinstance(v, str)]
    if text:
        raise ValueError(f"{name}={','.join(map(str, text))} is not a number; {step_name}'s {name} takes "
                         f"numbers (default {default!r})")


#: Metrics of :func:`search_results`, in the order shown (those the search scored).
SEARCH_METRICS = ("r2", "wrmse", "rmse", "mae")


def grid_search(
    estimator,
    param_grid: dict[str, list],
    X,
    y,
    *,
    cv,
    refit: str = "rmse",
    train_weight=None,
    eval_weight=None,
    n_jobs: int | None = None,
    verbose: int = 0,
):
    """``GridSearchCV`` with training weights to the model and evaluation weights to the scorers.

    Parameters
    ----------
    estimator : regressor or Pipeline
        The model; its final step receives ``train_weight`` as
        ``sample_weight`` (it is marked for that in place).
    param_grid : dict of str to list
        As for ``GridSearchCV``, e.g. from :func:`parse_param_grid`.
    X : array-like or light-curve table
        All rows.
    y : array-like of shape (n_samples,)
        [Fe/H] labels, dex.
    cv : int or splitter
        As for ``GridSearchCV``, e.g. :class:`BinnedStratifiedKFold`.
    refit : str, default="rmse"
        Metric of :func:`rrlsk.metrics.scorers` that picks the best
        candidate (``"wrmse"`` needs ``eval_weight``).
    train_weight : array-like of shape (n_samples,), optional
        Training weights (density weights).
    eval_weight : array-like of shape (n_samples,), optional
        Evaluation weights (``1 / feh_error**2``, dex^-2); with them the
        weighted metrics are scored too.
    n_jobs : int, optional
        Parallel fits; ``-1`` for all cores.
    verbose : int, default=0
        ``GridSearchCV``'s verbosity.

    Returns
    -------
    sklearn.model_selection.GridSearchCV
        Fitted; ``best_estimator_`` refitted on all rows.

    Raises
    ------
    ValueError
        When every fit fails: scikit-learn's "All the N fits failed" with
        the cause on the same line.

    See Also
    --------
    search_results : The candidates ranked, metrics as errors.
    """
    from sklearn.model_selection import GridSearchCV

    from .metrics import route_weights, scorers

    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(route_weights(estimator), param_grid, cv=cv,
                              scoring=scorers(eval_weight=eval_weight is not None), refit=refit,
                              n_jobs=n_jobs, verbose=verbose)
        params = {} if train_weight is None else {"train_weight": train_weight}
        if eval_weight is not None:
            params["eval_weight"] = eval_weight
        try:
            return search.fit(X, y, **params)
        except ValueError as err:
            if "fits failed" not in str(err):
                raise
            raise _all_fits_failed(err) from err


def _all_fits_failed(err: ValueError) -> ValueError:
    """scikit-learn's "All the N fits failed" with the cause on its first line."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    cause = lines[-1] if len(lines) > 1 else ""
    return ValueError(f"{lines[0] if lines else err} Cause: {cause}" if cause else str(err))


def search_results(search) -> pd.DataFrame:
    """The candidates of a fitted multi-metric grid search, best first.

    Parameters
    ----------
    search : sklearn.model_selection.GridSearchCV
        Fitted with :func:`rrlsk.metrics.scorers` and ``refit`` set to one
        of them, as :func:`grid_search` does.

    Returns
    -------
    pandas.DataFrame
        Index ``params`` (the candidate's parameters as text), ranked by
        ``search.refit``; for each metric of :data:`SEARCH_METRICS` that
        was scored, its mean over the validation folds (errors positive,
        dex) and ``<metric>_std``. The first row is ``search.best_index_``.
    """
    results = pd.DataFrame(search.cv_results_).sort_values(f"rank_test_{search.refit}", kind="stable")
    table = pd.DataFrame(index=pd.Index(results["params"].astype(str), name="params"))
    for metric in (m for m in SEARCH_METRICS if f"mean_test_{m}" in results):
        sign = 1.0 if metric == "r2" else -1.0  # the scorers negate errors
        table[metric] = sign * results[f"mean_test_{metric}"].to_numpy()
        table[f"{metric}_std"] = results[f"std_test_{metric}"].to_numpy()
    return table

#: Constraints of the binning parameters, shared by the splitters and
#: :func:`bin_labels` (scikit-learn's declarative parameter validation).
_BINNING_CONSTRAINTS = {
    "n_bins": [None, Interval(Integral, 1, None, closed="left")],
    "bin_size": [None, Interval(Real, 0, None, closed="neither")],
}


def _check_binning(n_bins, bin_size, caller: str) -> None:
    validate_parameter_constraints(_BINNING_CONSTRAINTS, {"n_bins": n_bins, "bin_size": bin_size}, caller)
    if n_bins is not None and bin_size is not None:
        raise ValueError(
            f"{caller}: give either n_bins or bin_size, not both (got n_bins={n_bins!r}, "
            f"bin_size={bin_size!r})"
        )


def bin_labels(y, *, min_count: int, n_bins: int | None = None, bin_size: float | None = None) -> np.ndarray:
    """Bin a continuous label into strata of at least ``min_count`` members.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Continuous label, for example [Fe/H] in dex.
    min_count : int
        Smallest allowed stratum (the number of folds).
    n_bins : int, optional
        Number of quantile bins (default 10 when ``bin_size`` is not given).
    bin_size : float, optional
        Width of equal-width bins, in the units of ``y`` (dex), anchored at 0.

    Returns
    -------
    ndarray of int64, shape (n_samples,)
        Stratum of each sample, 0 for the lowest ``y``, increasing with ``y``.
        Strata smaller than ``min_count`` are merged into their smaller
        neighbour until none is left (a single stratum if
        ``n_samples < 2 * min_count``).
    """
    _check_binning(n_bins, bin_size, "bin_labels")
    values = _check_labels(y)
    if bin_size is not None:
        raw = np.floor(values / bin_size).astype(np.int64)
    else:
        n = DEFAULT_N_BINS if n_bins is None else n_bins
        edges = np.quantile(values, np.linspace(0.0, 1.0, n + 1)[1:-1])
        raw = np.searchsorted(edges, values, side="right")
    _, codes, counts = np.unique(raw, return_inverse=True, return_counts=True)
    # Merge the smallest undersized bin into its smaller neighbour until every
    # bin has min_count members; loops over bins (a handful), not stars.
    groups = [[i] for i in range(len(counts))]
    sizes = counts.tolist()
    while len(sizes) > 1 and min(sizes) < min_count:
        i = int(np.argmin(sizes))
        if i == 0:
            j = 1
        elif i == len(sizes) - 1:
            j = i - 1
        else:
            j = i - 1 if sizes[i - 1] <= sizes[i + 1] else i + 1
        lo, hi = min(i, j), max(i, j)
        groups[lo:hi + 1] = [groups[lo] + groups[hi]]
        sizes[lo:hi + 1] = [sizes[lo] + sizes[hi]]
    lookup = np.empty(len(counts), dtype=np.int64)
    for stratum, members in enumerate(groups):
        lookup[members] = stratum
    return lookup[codes]


class _CheckedParams:
    """Declarative parameter checks for splitters (which are no estimators).

    ``_parameter_constraints`` uses scikit-learn's constraint language; the
    binning parameters are further exclusive.
    """

    _parameter_constraints: dict = {}

    def _validate_params(self) -> None:
        name = type(self).__name__
        params = {key: getattr(self, key) for key in self._parameter_constraints}
        validate_parameter_constraints(self._parameter_constraints, params, name)
        _check_binning(self.n_bins, self.bin_size, name)


class BinnedStratifiedKFold(_CheckedParams, StratifiedKFold):
    """Stratified k-fold on a binned continuous label.

    Each fold holds (to within one star per bin) the same label
    distribution as the whole sample; use it as ``cv=`` in
    ``GridSearchCV``, ``cross_validate`` or :func:`rrlsk.evaluation.cross_validate_report`.
    See the module docstring for how bins are made and merged.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    n_bins : int, optional
        Number of quantile (equal-count) bins of ``y``. Default 10 when
        ``bin_size`` is not given either.
    bin_size : float, optional
        Width of equal-width bins of ``y``, in dex, anchored at 0 dex.
        Mutually exclusive with ``n_bins``.
    shuffle : bool, default=True
        Shuffle each stratum before splitting it into folds.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffle; same seed, same folds.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).normal(-1.5, 0.4, 200)
    >>> cv = BinnedStratifiedKFold(5, n_bins=8, random_state=0)
    >>> [len(test) for _, test in cv.split(np.zeros(200), y)]
    [40, 40, 40, 40, 40]
    """

    _parameter_constraints: dict = {
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        **_BINNING_CONSTRAINTS,
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_splits: int = 5,
        *,
        n_bins: int | None = None,
        bin_size: float | None = None,
        shuffle: bool = True,
        random_state=None,
    ):
        super().__init__(n_splits=n_splits, shuffle=shuffle, random_state=random_state)
        self.n_bins = n_bins
        self.bin_size = bin_size

    def bin_labels(self, y) -> np.ndarray:
        """Stratum of each sample (see :func:`bin_labels`), ``min_count=n_splits``.

        Parameters
        ----------
        y : array-like of shape (n_samples,)
            Continuous label ([Fe/H], dex).

        Returns
        -------
        ndarray of int64, shape (n_samples,)
            Stratum of each sample.
        """
        self._validate_params()
        return bin_labels(y, min_count=self.n_splits, n_bins=self.n_bins, bin_size=self.bin_size)

    def split(self, X, y, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Generate train and test indices.

        Parameters
        ----------
        X : array-like or DataFrame of n_samples rows
            Only its length is used.
        y : array-like of shape (n_samples,)
            Continuous label ([Fe/H], dex); stratification is on its bins.
        groups : None
            Ignored, for API compatibility.

        Returns
        -------
        iterator of (ndarray, ndarray)
            Positional indices of each fold's training and test rows; the
            labels are checked before the first fold.
        """
        strata = self.bin_labels(y)
        if len(strata) != num_rows(X):
            raise ValueError(f"X has {num_rows(X)} rows but y has {len(strata)} labels")
        return super().split(np.zeros(len(strata)), strata, groups)


class RepeatedBinnedStratifiedKFold(_CheckedParams, BaseCrossValidator):
    """:class:`BinnedStratifiedKFold` repeated with different shuffles.

    The paper's validation scheme (repeated stratified k-fold over [Fe/H]
    bins). Splits come repeat after repeat: splits ``r * n_splits`` to
    ``(r + 1) * n_splits - 1`` are the folds of repeat ``r`` and cover every
    sample once.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds per repeat, at least 2.
    n_repeats : int, default=10
        Number of repeats.
    n_bins : int, optional
        Number of quantile bins of ``y`` (default 10 when ``bin_size`` is
        not given).
    bin_size : float, optional
        Width of equal-width bins of ``y``, in dex; exclusive with ``n_bins``.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffles; same seed, same splits.
    """

    _parameter_constraints: dict = {
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        **_BINNING_CONSTRAINTS,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_splits: int = 5,
        n_repeats: int = 10,
        *,
        n_bins: int | None = None,
        bin_size: float | None = None,
        random_state=None,
    ):
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.n_bins = n_bins
        self.bin_size = bin_size
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """Number of splits, ``n_splits * n_repeats``.

        Parameters
        ----------
        X, y, groups : object
            Ignored, for API compatibility.

        Returns
        -------
        int
            ``n_splits * n_repeats``.
        """
        return self.n_splits * self.n_repeats

    def split(self, X, y, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Generate train and test indices, ``n_splits * n_repeats`` pairs.

        Parameters
        ----------
        X : array-like or DataFrame of n_samples rows
            Only its length is used.
        y : array-like of shape (n_samples,)
            Continuous label ([Fe/H], dex).
        groups : None
            Ignored, for API compatibility.

        Returns
        -------
        iterator of (ndarray, ndarray)
            Positional train and test indices, repeat after repeat. The
            parameters and labels are checked before the first split.
        """
        self._validate_params()
        _check_labels(y)
        return self._splits(X, y, groups)

    def _splits(self, X, y, groups):
        # One generator drives every repeat's shuffle, as scikit-learn's
        # RepeatedStratifiedKFold does.
        rng = check_random_state(self.random_state)
        for _ in range(self.n_repeats):
            folds = BinnedStratifiedKFold(
                self.n_splits, n_bins=self.n_bins, bin_size=self.bin_size, shuffle=True, random_state=rng
            )
            yield from folds.split(X, y, groups)


def take_rows(X, rows: np.ndarray):
    """The rows of ``X`` at positions ``rows``: one split's part of the data.

    Parameters
    ----------
    X : pandas.DataFrame, pandas.Series or array-like
        Light-curve table (rows by position, index kept) or array whose
        first axis runs over stars.
    rows : ndarray of int
        Positions, for example one split's ``train`` indices.

    Returns
    -------
    pandas.DataFrame, pandas.Series or ndarray
        Same kind as ``X``.
    """
    return X.iloc[rows] if isinstance(X, (pd.DataFrame, pd.Series)) else np.asarray(X)[rows]


def fit_with_sample_weight(estimator, X, y, sample_weight=None):
    """Fit ``estimator`` with ``sample_weight`` given to its final step.

    Works the same whether scikit-learn metadata routing is enabled or not:
    the fit runs with routing off and the weights go, as the legacy fit
    parameter ``last__sample_weight``, to the final step of a ``Pipeline``
    (through nested pipelines), or as ``sample_weight`` to a plain
    estimator. Used to fit one fold's clone in the fold ensembles and the
    cross-validated report.

    Parameters
    ----------
    estimator : estimator or Pipeline
        Fitted in place.
    X : array-like or light-curve table
        Training rows.
    y : array-like of shape (n_samples,)
        Labels.
    sample_weight : array-like of shape (n_samples,), optional
        Training weights (for example density weights); ``None`` fits
        without weights.

    Returns
    -------
    estimator
        The fitted estimator.
    """
    if sample_weight is None:
        return estimator.fit(X, y)
    path = []
    final = estimator
    while isinstance(final, Pipeline):
        name, final = final.steps[-1]
        path.append(name)
    with sklearn.config_context(enable_metadata_routing=False):
        return estimator.fit(X, y, **{"__".join([*path, "sample_weight"]): sample_weight})


def check_labels(X, y, sample_weight=None, **kwargs) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate labels and weights against the rows of ``X`` (deprecated).

    .. deprecated:: 0.2.0
        Two public ``check_labels`` had different signatures; this one is
        :func:`rrlsk.base.check_labels_and_weights` (same arguments, same
        result) and goes in 0.4.0.

    Parameters
    ----------
    X : array-like or light-curve table
        Only its number of rows is used.
    y : array-like of shape (n_samples,)
        Labels, finite.
    sample_weight : array-like of shape (n_samples,), optional
        Weights, finite and non-negative.
    **kwargs
        ``weight_name`` and ``all_zero``, as
        :func:`rrlsk.base.check_labels_and_weights` takes them.

    Returns
    -------
    tuple of (ndarray, ndarray or None)
        The labels and the weights, as flat float64 arrays.
    """
    warnings.warn(
        "rrlsk.model_selection.check_labels is deprecated and goes in 0.4.0; "
        "use rrlsk.base.check_labels_and_weights (same arguments)",
        FutureWarning,
        stacklevel=2,
    )
    return check_labels_and_weights(X, y, sample_weight, **kwargs)
