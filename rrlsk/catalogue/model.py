"""The fitted model of a run: an estimator, a model file or a pretrained name."""

from __future__ import annotations

import os
from pathlib import Path

from ..pretrained import closest_name, is_pretrained_name, load_pretrained

__all__ = ["load_fitted"]


def load_fitted(model):
    """The fitted model itself, or the model stored in a file.

    Parameters
    ----------
    model : estimator, path or str
        A fitted estimator (returned as is), the path of a file written by
        :func:`rrlsk.persistence.save_model` or :func:`joblib.dump`, or the
        name of a registered pretrained model (:func:`rrlsk.pretrained.names`;
        a ``str`` that is exactly a registered name means the model, see
        :func:`rrlsk.pretrained.is_pretrained_name`).

    Returns
    -------
    estimator
        The fitted model.

    Raises
    ------
    ValueError
        When the file does not exist or cannot be loaded (naming it), or
        the model has no ``predict``.
    sklearn.exceptions.NotFittedError
        When the model is not fitted.
    """
    from sklearn.utils.validation import check_is_fitted

    if is_pretrained_name(model):
        model = load_pretrained(model)
    elif isinstance(model, (str, os.PathLike)):
        path = Path(model)
        if not path.is_file():
            close = closest_name(str(model))
            hint = f"; did you mean the pretrained model {close!r}?" if close else ""
            raise ValueError(f"{path}: model file not found{hint}")
        import joblib

        from ..persistence import load_model, model_info

        try:
            model_info(path)  # reads the header only; ValueError: not save_model's
        except ValueError:
            loader = joblib.load
        else:
            loader = load_model
        try:
            model = loader(path)
        except Exception as err:  # truncated, empty or foreign files raise anything (EOFError, IndexError, ...)
            raise ValueError(
                f"{path}: cannot load the model ({type(err).__name__}: {err}); the file is truncated, "
                "corrupt or not a model file: write it again with rrlsk train or rrlsk.save_model"
            ) from err
    if not hasattr(model, "predict"):
        raise ValueError(f"model must have a predict method, got {type(model).__name__}")
    check_is_fitted(model)
    return model

