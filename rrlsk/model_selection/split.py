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

from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import BaseCrossValidator, StratifiedKFold
from sklearn.utils import check_random_state

from ..base.constraints import Interval, validate_parameter_constraints
from ..base.docstrings import fill_doc
from ..base.validation import check_labels as _check_labels
from ..base.validation import num_rows

__all__ = ["DEFAULT_N_BINS", "BinnedStratifiedKFold", "RepeatedBinnedStratifiedKFold", "bin_labels"]

DEFAULT_N_BINS = 10


_BINNING_CONSTRAINTS = {
    "n_bins": [None, Interval(Integral, 1, None, closed="left")],
    "bin_size": [None, Interval(Real, 0, None, closed="neither")],
}

#: The binning parameters of both splitters, for :func:`rrlsk.base.docstrings.fill_doc`.
_BINNING_DOC = """\
n_bins : int, optional
    Number of quantile (equal-count) bins of ``y``. Default 10 when
    ``bin_size`` is not given either.
bin_size : float, optional
    Width of equal-width bins of ``y``, in dex, anchored at 0 dex.
    Mutually exclusive with ``n_bins``.
"""

#: The Parameters and Returns sections of both splitters' ``split``.
_SPLIT_DOC = """\
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
    Positional indices of each split's training and test rows; the
    parameters and labels are checked before the first split.
"""


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


@fill_doc(binning=_BINNING_DOC)
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
    %(binning)s
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

    @fill_doc(split=_SPLIT_DOC)
    def split(self, X, y, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Generate train and test indices, one pair per fold.

        %(split)s
        """
        strata = self.bin_labels(y)
        if len(strata) != num_rows(X):
            raise ValueError(f"X has {num_rows(X)} rows but y has {len(strata)} labels")
        return super().split(np.zeros(len(strata)), strata, groups)


@fill_doc(binning=_BINNING_DOC)
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
    %(binning)s
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

    @fill_doc(split=_SPLIT_DOC)
    def split(self, X, y, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Generate train and test indices, ``n_splits * n_repeats`` pairs, repeat after repeat.

        %(split)s
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
