"""Grid search with the paper's folds and weights, and its results as a table."""

from __future__ import annotations

import pandas as pd
import sklearn

__all__ = ["SEARCH_METRICS", "grid_search", "search_results"]


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

    from ..metrics import route_weights, scorers

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
