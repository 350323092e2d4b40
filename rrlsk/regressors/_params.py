"""The training parameters every network regressor shares, stated once.

:data:`TRAINING_DEFAULTS` (the parameters and their defaults),
:data:`PAPER_SCHEDULE` (the paper's), the wording of their errors and of
their documentation, and :func:`_constructor`, which makes a regressor's
``__init__`` from its network's parameters and these.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from numbers import Integral
from types import MappingProxyType

import numpy as np

from ..base.constraints import Interval

__all__ = ["LR_SCHEDULES", "PAPER_SCHEDULE", "TRAINING_DEFAULTS"]

PAPER_SCHEDULE = {
    "learning_rate": 0.01,
    "batch_size": 256,
    "epochs": 20_000,
    "patience": 1_000,
    "lr_schedule": "constant",
    "lr_patience": None,
    "warmup_epochs": 0,
    "standardize": False,
}
"""Monti et al. (2024): Adam 0.01, batches of 256, up to 20,000 epochs,
early stopping after 1,000 epochs without improvement, constant learning
rate, targets and inputs as they come."""

LR_SCHEDULES = ("plateau", "cosine", "constant")

TRAINING_DEFAULTS = MappingProxyType({
    "learning_rate": 0.01,
    "batch_size": 256,
    "epochs": 400,
    "patience": 40,
    "lr_patience": 15,
    "lr_factor": 0.5,
    "validation_fraction": 0.1,
    "lr_schedule": "plateau",
    "warmup_epochs": 0,
    "clipnorm": None,
    "standardize": True,
    "n_meta": 0,
    "jit_compile": "auto",
    "random_state": None,
    "verbose": 0,
})
"""The training parameters every network regressor takes after its
network's own, and their defaults, stated once (``learning_rate``: the
class's ``default_learning_rate``, this value unless a class says other)."""

_COMMON_PARAMS = """\
    learning_rate : float, default {learning_rate}
        Initial Adam learning rate.
    batch_size : int, default {batch_size}
        Stars per gradient step.
    epochs : int, default {epochs}
        Maximum number of passes over the training part.
    patience : int or None, default {patience}
        Stop after this many epochs without a lower validation loss and
        restore the best weights; None trains for ``epochs`` epochs.
    lr_patience : int or None, default {lr_patience}
        Multiply the learning rate by ``lr_factor`` after this many epochs
        without a lower validation loss; None keeps it constant.
    lr_factor : float, default {lr_factor}
        Learning-rate decay factor, in (0, 1).
    validation_fraction : float, default {validation_fraction}
        Fraction of the training stars held out (stratified on binned [Fe/H],
        weighted like the loss) to monitor early stopping and the learning
        rate; 0 disables both.
    lr_schedule : {{"plateau", "cosine", "constant"}}, default "{lr_schedule}"
        "plateau": multiply the rate by ``lr_factor`` after ``lr_patience``
        epochs without a lower validation loss; "cosine": linear warm-up
        over ``warmup_epochs`` then cosine decay to zero at ``epochs``;
        "constant": the paper's fixed rate.
    warmup_epochs : int, default {warmup_epochs}
        Epochs of linear learning-rate warm-up from zero (any schedule).
    clipnorm : float or None, default {clipnorm}
        Clip each gradient to this L2 norm; None: no clipping.
    standardize : bool, default {standardize}
        Standardise the target (weighted mean and standard deviation of the
        training labels, kept as ``target_mean_``/``target_scale_``) and
        each input channel (mean and standard deviation over the training
        stars' real steps; padding steps keep the mask value) before
        training; predictions are mapped back to dex.
    n_meta : int or "auto", default {n_meta}
        The last ``n_meta`` input channels are per-star scalars, constant
        along the curve (``SequenceEncoder(meta=...)``); they join the
        sequence features before the head
        (:func:`rrlsk.networks.with_meta_inputs`). 0: the paper's network.
        "auto" (what ``make_pipeline(..., meta=...)`` sets): every channel
        after the encoder's two light-curve channels, so the pipeline's
        ``meta__names`` alone decides. A positive count must leave exactly
        those two channels.
    jit_compile : bool or 'auto', default '{jit_compile}'
        Compile the training step with XLA ('auto': Keras' choice, off on CPU
        with TensorFlow).
    random_state : int, RandomState or None, default {random_state}
        Seed of weight initialisation, dropout, shuffling and the validation
        split. With an int, refitting on the same data on CPU gives the same
        predictions.
    verbose : int, default {verbose}
        0: silent; 1: a progress bar over epochs (tqdm); 2: one line per epoch.

    Attributes
    ----------
    model_ : keras.Model
        The fitted network.
    history_ : dict of str to list of float
        Per-epoch ``loss`` (training, weighted MSE + penalties, dex^2),
        ``val_loss`` (dex^2) and ``learning_rate``, for learning curves.
    target_mean_, target_scale_ : float
        Target standardisation (dex); 0 and 1 when ``standardize=False``.
    input_mean_, input_scale_ : ndarray of shape (n_channels,)
        Input channel standardisation; zeros and ones when
        ``standardize=False``.
    best_epoch_ : int
        Epoch (1-based) whose weights were kept.
    n_steps_in_ : int
        Sequence length seen in fit.
    n_channels_in_ : int
        Channels per step seen in fit.
    n_meta_ : int
        Per-star scalar channels of the fitted network (``n_meta`` resolved).
    versions_ : dict of str to str
        Package versions at fit time; loading under others warns.

    Notes
    -----
    :meth:`paper_schedule` gives the paper's training schedule.
"""


class _Count(Interval):
    """A whole number from ``left`` on; unlike ``Interval(Integral, ...)``, not a bool."""

    def __init__(self, left: int):
        super().__init__(Integral, left, None, closed="left")

    def is_satisfied_by(self, val) -> bool:
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


#: How the error for each training parameter reads ("<name> must <words>, got <value>").
_CONSTRAINT_WORDS = {
    "learning_rate": "be > 0",
    "batch_size": "be a positive integer",
    "epochs": "be a positive integer",
    "patience": "be a positive integer or None",
    "lr_patience": "be a positive integer or None",
    "lr_factor": "lie in (0, 1)",
    "validation_fraction": "lie in [0, 1)",
    "lr_schedule": f"be one of {LR_SCHEDULES}",
    "warmup_epochs": "be a non-negative integer",
    "clipnorm": "be > 0 or None",
    "n_meta": "be a non-negative integer or 'auto'",
    "verbose": "be 0, 1 or 2",
}


def _doc(summary: str, params: str, learning_rate: float = TRAINING_DEFAULTS["learning_rate"]) -> str:
    """A regressor's docstring: its network's parameters, then the shared ones."""
    shared = _COMMON_PARAMS.format(**{**TRAINING_DEFAULTS, "learning_rate": learning_rate})
    return f"{summary}\n\n    Parameters\n    ----------\n{params}{shared}"


def _constructor(cls) -> Callable:
    """``cls.__init__``: keyword-only parameters, the network's then the shared ones.

    Its ``__signature__`` names every parameter with its default, which is
    what scikit-learn reads (``get_params``, ``clone``, ``set_params``,
    the repr) and what ``help()`` and the API reference show.
    """
    defaults = {**cls.network_defaults, **TRAINING_DEFAULTS, "learning_rate": cls.default_learning_rate}
    signature = inspect.Signature([
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value) for name, value in defaults.items()),
    ])

    def __init__(self, **params):
        bound = signature.bind(self, **params)  # TypeError on a name it does not take
        bound.apply_defaults()
        for name, value in bound.arguments.items():
            if name != "self":
                setattr(self, name, value)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    __init__.__doc__ = f"Store the parameters; see :class:`{cls.__name__}`."
    return __init__

