"""The paper's hyperparameter grid, and grids written on the command line."""

from __future__ import annotations

__all__ = ["PAPER_PARAM_GRID", "paper_param_grid", "parse_param_grid"]


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
