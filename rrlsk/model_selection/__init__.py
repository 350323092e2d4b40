"""Cross-validation over a continuous label, and the paper's search grid.

Monti et al. (2024) validate with a repeated *stratified* k-fold over
[Fe/H]; the splitters bin the continuous label and stratify on the bins
(how, in :mod:`~rrlsk.model_selection.split`).

One module an idea: :mod:`~rrlsk.model_selection.split` (binning and the
splitters), :mod:`~rrlsk.model_selection.grid` (the paper's grid, grids
from text), :mod:`~rrlsk.model_selection.search` (the grid search and its
table), :mod:`~rrlsk.model_selection.cache` (fits kept on disk, so a
search resumes) and :mod:`~rrlsk.model_selection.fitting` (a split's rows,
a weighted fit).
"""

from .cache import CachedFit
from .fitting import check_labels, fit_with_sample_weight, take_rows
from .grid import PAPER_PARAM_GRID, paper_param_grid, parse_param_grid
from .search import SEARCH_METRICS, grid_search, search_results
from .split import BinnedStratifiedKFold, RepeatedBinnedStratifiedKFold, bin_labels

__all__ = [
    "CachedFit",
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
