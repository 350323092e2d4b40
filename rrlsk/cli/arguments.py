"""Argument types of the options: positive numbers, fractions, model names (with a "did you mean")."""

from __future__ import annotations

import argparse
import difflib

from .._registry import BASELINES, network_names

__all__ = ["fraction", "model_list", "model_name", "models_help", "positive_float", "positive_int"]


def models_help() -> str:
    """The models ``--model`` takes, from the registry, without importing TensorFlow.

    Returns
    -------
    str
        ``"networks: fcn, ...; baselines: fourier_relation, ..."``: the
        built-in networks and any other registered in this process.
    """
    return f"networks: {', '.join(network_names())}; baselines: {', '.join(BASELINES)}"


def positive_int(text: str) -> int:
    """An integer of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def positive_float(text: str) -> float:
    """A number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def fraction(text: str) -> float:
    """A number in (0, 1)."""
    value = positive_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {value}")
    return value


def model_name(text: str) -> str:
    """A model name of :func:`models_help`, in any case; a near miss gets a "did you mean".

    Parameters
    ----------
    text : str
        The name as typed (``"GRU"``, ``"InceptionTime"``).

    Returns
    -------
    str
        The registered name (``"gru"``).

    Raises
    ------
    argparse.ArgumentTypeError
        For a name that is not a model, with the closest names, if any, and
        the list of models.
    """
    name = text.strip().lower()
    known = [*network_names(), *BASELINES]
    if name in known:
        return name
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.6)
    guess = f"did you mean {' or '.join(close)}? " if close else ""
    raise argparse.ArgumentTypeError(f"unknown model {text!r}; {guess}({models_help()})")


def model_list(text: str) -> list[str]:
    """Comma-separated model names, each as :func:`model_name` reads it."""
    names = [model_name(name) for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected one or more model names separated by commas")
    return names
