"""scikit-learn regressors for the paper's networks (scikeras ``KerasRegressor``).

Every regressor takes the float32 tensor of
:class:`rrlsk.preprocessing.SequenceEncoder` (or ``SequencePadder``), shape
``(n_stars, n_steps, n_channels)``, and [Fe/H] labels (dex). All share one
training loop (:class:`NetworkRegressor`): Adam on the (sample-weighted) mean
squared error, early stopping and learning-rate decay on an inner validation
split of the *training* data, best weights restored.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import warnings
import weakref
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any, ClassVar

import keras
import numpy as np
from scikeras.wrappers import KerasRegressor
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from . import networks
from .base.constraints import Interval, Options, StrOptions
from .base.ragged import CHUNK_STARS, MASK_VALUE
from .base.validation import check_params
from .preprocessing.encoding import SEQUENCE_CHANNELS
from ._keras_utils import (
    VersionMismatchWarning,
    check_sequences,
    check_target,
    check_weights,
    inner_split,
    seeded,
    versions,
    warn_on_version_change,
)
from ._registry import register_network

__all__ = [
    "BiGRURegressor",
    "BiLSTMRegressor",
    "ConvGRURegressor",
    "ConvLSTMRegressor",
    "FCNRegressor",
    "GRURegressor",
    "InceptionTimeRegressor",
    "LSTMRegressor",
    "NetworkRegressor",
    "ResNetRegressor",
    "TransformerRegressor",
    "VersionMismatchWarning",
]

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


class NetworkRegressor(KerasRegressor):
    __doc__ = _doc(
        """Base class: the shared training loop of the rrlsk network regressors.

    A subclass declares its network's hyperparameters and their defaults
    in ``network_defaults`` and builds the network in
    :meth:`_build_network`; its constructor is made from them and the
    shared training parameters (:data:`TRAINING_DEFAULTS`): keyword-only,
    with an explicit signature, as scikit-learn requires (a subclass may
    still write its own ``__init__``). A subclass that sets ``model_name``
    is registered under it when it is defined (:mod:`rrlsk._registry`):
    :func:`rrlsk.make_pipeline`, scikit-learn's searches and the command
    line's list of models then know it. ``docs/networks.md`` ("Adding a
    network") shows a whole example. Its own parameters are the shared ones.""",
        "",
    )

    # scikeras reads these attributes; they are not parameters of rrlsk regressors.
    model = None
    build_fn = None
    warm_start = False
    callbacks = None
    #: Name in make_pipeline (and of its step), the command line and the
    #: registry; None (base classes): not registered.
    model_name: ClassVar[str | None] = None
    #: Whether the network masks padding (the raw catalogue's mask value), and
    #: so is built with a free time axis and takes sequences of any length.
    masks_padding: ClassVar[bool] = False
    #: Default of the constructor's ``learning_rate``.
    default_learning_rate: ClassVar[float] = TRAINING_DEFAULTS["learning_rate"]
    #: The network's hyperparameters (constructor parameters) and their defaults.
    network_defaults: ClassVar[Mapping[str, Any]] = MappingProxyType({})
    #: scikit-learn's constraints on the shared training parameters; a
    #: subclass may add its network's (``{**NetworkRegressor._parameter_constraints, ...}``)
    _parameter_constraints: ClassVar[dict] = {
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [_Count(1)],
        "epochs": [_Count(1)],
        "patience": [_Count(1), None],
        "lr_patience": [_Count(1), None],
        "lr_factor": [Interval(Real, 0, 1, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "lr_schedule": [StrOptions(set(LR_SCHEDULES))],
        "warmup_epochs": [_Count(0)],
        "clipnorm": [Interval(Real, 0, None, closed="neither"), None],
        "standardize": ["boolean"],
        "n_meta": [_Count(0), StrOptions({"auto"})],
        "jit_compile": ["boolean", StrOptions({"auto"})],
        "random_state": ["random_state"],
        "verbose": [Options(Integral, {0, 1, 2})],
    }
    #: stars per prediction batch
    _predict_batch_size: ClassVar[int] = CHUNK_STARS

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            cls.__init__ = _constructor(cls)
        if cls.__dict__.get("model_name") is not None:
            register_network(cls)

    @classmethod
    def _get_param_names(cls) -> list[str]:
        # scikit-learn's convention (the __init__ signature), not scikeras'
        # (every public attribute), so that clone() rebuilds exactly these.
        return BaseEstimator._get_param_names.__func__(cls)

    @classmethod
    def paper_schedule(cls, **params) -> NetworkRegressor:
        """An estimator trained on the paper's schedule (:data:`PAPER_SCHEDULE`).

        Parameters
        ----------
        **params
            Other constructor parameters; they override the schedule too.
        """
        return cls(**{**PAPER_SCHEDULE, **params})

    def _build_network(self, n_steps: int | None, n_channels: int) -> keras.Model:
        raise NotImplementedError

    def __sklearn_tags__(self):
        from sklearn.utils import RegressorTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.required = True
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags

    # -- checks ---------------------------------------------------------------------------

    def _check_params(self) -> None:
        """Check the parameters against ``_parameter_constraints``.

        scikit-learn's own ``_validate_params`` would check the same; this
        one words the error as rrlsk does ("batch_size must be a positive
        integer, got 0").
        """
        check_params(self, _CONSTRAINT_WORDS)

    def _validate_data(self, X=None, y=None, reset: bool = False, y_numeric: bool = False):
        # Replaces scikeras' 2-D-minded checks with the sequence contract
        # (score() checks y alone, with X=None).
        if X is None:
            return None, None if y is None else check_target(y, len(np.asarray(y)))
        X = check_sequences(X)
        name = type(self).__name__
        if reset:
            self.X_shape_, self.X_dtype_ = X.shape, X.dtype
            self.n_steps_in_, self.n_channels_in_ = X.shape[1], X.shape[2]
        else:
            if X.shape[2] != self.n_channels_in_:
                raise ValueError(f"X has {X.shape[2]} channels per step but this {name} was fitted on {self.n_channels_in_}")
            if not self.masks_padding and X.shape[1] != self.n_steps_in_:
                raise ValueError(
                    f"X has {X.shape[1]} steps per sequence but this {name} takes only the {self.n_steps_in_} "
                    "steps it was fitted on; resample (or pad) the curves to that length"
                )
        if y is not None:
            y = check_target(y, len(X))
            if reset:
                self.target_type_, self.y_dtype_, self.y_ndim_ = "continuous", y.dtype, 1
        return X, y

    # -- fit ------------------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None) -> NetworkRegressor:
        """Train a new network on light-curve tensors.

        Parameters
        ----------
        X : array-like of shape (n_stars, n_steps, n_channels)
            Encoded light curves (float32; channels ``m - <m>`` in mag and
            ``phase * P`` in days). Raw curves padded with -1 are masked by the
            recurrent and Transformer networks.
        y : array-like of shape (n_stars,)
            [Fe/H] (dex).
        sample_weight : array-like of shape (n_stars,), default None
            Non-negative weights of each star in the loss and in the
            validation loss (rescaled to mean 1; zero-weight stars are dropped).

        Returns
        -------
        self
            The fitted regressor (see its Attributes).
        """
        self._check_params()
        X, y = self._validate_data(X, y, reset=True)
        self.n_meta_ = self._resolve_n_meta()
        sample_weight = check_weights(sample_weight, len(X))
        self.versions_ = versions()
        self._learn_standardization(X, y, sample_weight)
        super().fit(X, y, sample_weight=sample_weight)
        return self

    def _resolve_n_meta(self) -> int:
        """``n_meta`` as a count, checked against the channels seen in fit."""
        n_sequence = len(SEQUENCE_CHANNELS)
        n_channels = self.n_channels_in_
        if self.n_meta == "auto":
            if n_channels < n_sequence:
                raise ValueError(
                    f"n_meta='auto' takes the channels after the encoder's {n_sequence} light-curve "
                    f"channels {SEQUENCE_CHANNELS}, but X has {n_channels}"
                )
            return n_channels - n_sequence
        if self.n_meta >= n_channels:
            raise ValueError(f"n_meta={self.n_meta} leaves no light-curve channel of the {n_channels} in X")
        if self.n_meta and n_channels - self.n_meta != n_sequence:
            raise ValueError(
                f"n_meta={self.n_meta} but X has {n_channels} channels: the encoder's {n_sequence} "
                f"light-curve channels and {n_channels - n_sequence} per-star scalar(s); set n_meta='auto' "
                "(the pipeline's meta step then decides) or the matching count"
            )
        return int(self.n_meta)

    def _padding(self, X: np.ndarray) -> np.ndarray:
        """Boolean ``(n_stars, n_steps)``: steps whose channels all equal the mask value."""
        mask_value = getattr(self, "mask_value", MASK_VALUE)
        if mask_value is None:
            return np.zeros(X.shape[:2], dtype=bool)
        return (X == mask_value).all(axis=-1)

    def _learn_standardization(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        n_channels = X.shape[2]
        self.target_mean_, self.target_scale_ = 0.0, 1.0
        self.input_mean_ = np.zeros(n_channels, dtype=np.float32)
        self.input_scale_ = np.ones(n_channels, dtype=np.float32)
        if not self.standardize:
            return
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        mean = float(np.average(y, weights=w))
        scale = float(np.sqrt(np.average((y - mean) ** 2, weights=w)))
        self.target_mean_, self.target_scale_ = mean, scale if scale > 0 else 1.0
        steps = X[(w > 0)[:, None] & ~self._padding(X)]  # (n_real_steps, n_channels)
        if len(steps):
            sd = steps.std(axis=0)
            self.input_mean_ = steps.mean(axis=0).astype(np.float32)
            self.input_scale_ = np.where(sd > 0, sd, 1.0).astype(np.float32)

    def _standardize_inputs(self, X: np.ndarray) -> np.ndarray:
        if not self.standardize:
            return X
        out = (X - self.input_mean_) / self.input_scale_
        padding = self._padding(X)
        if padding.any():
            out[padding] = X[padding]
        return out.astype(np.float32, copy=False)

    def _keras_build_fn(self, meta: dict) -> keras.Model:
        n_steps = None if self.masks_padding else meta["n_steps_in_"]
        with seeded(self._random_state):
            model = self._build_network(n_steps, meta["n_channels_in_"] - self.n_meta_)
            if self.n_meta_:
                model = networks.with_meta_inputs(model, self.n_meta_)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate, clipnorm=self.clipnorm),
            loss="mse",
            jit_compile=self.jit_compile,
        )
        return model

    def _initialize_callbacks(self) -> None:
        # Callbacks are made per fit in _fit_keras_model.
        self._fit_callbacks, self._predict_callbacks = [], []

    def _training_callbacks(self, monitored: bool) -> list[keras.callbacks.Callback]:
        callbacks = [keras.callbacks.TerminateOnNaN()]
        if monitored and self.patience is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(monitor="val_loss", patience=self.patience, restore_best_weights=True)
            )
        if monitored and self.lr_schedule == "plateau" and self.lr_patience is not None:
            callbacks.append(
                keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=self.lr_factor, patience=self.lr_patience)
            )
        if self.lr_schedule == "cosine" or self.warmup_epochs:
            callbacks.append(keras.callbacks.LearningRateScheduler(self._scheduled_rate))
        if self.verbose == 1:
            from tqdm.keras import TqdmCallback

            callbacks.append(TqdmCallback(epochs=self.epochs, verbose=0, desc=type(self).__name__))
        return callbacks

    def _scheduled_rate(self, epoch: int, rate: float) -> float:
        """Learning rate of ``epoch`` (0-based): warm-up, then cosine decay or as it is."""
        if epoch < self.warmup_epochs:
            return self.learning_rate * (epoch + 1) / (self.warmup_epochs + 1)
        if self.lr_schedule != "cosine":
            return self.learning_rate if epoch == self.warmup_epochs else rate
        span = max(self.epochs - self.warmup_epochs, 1)
        return 0.5 * self.learning_rate * (1.0 + math.cos(math.pi * (epoch - self.warmup_epochs) / span))

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs) -> None:
        # X, y, sample_weight arrive checked, with zero-weight stars dropped.
        X = self._standardize_inputs(X)
        y = ((y - self.target_mean_) / self.target_scale_).astype(np.float32)
        if sample_weight is not None:
            sample_weight = (sample_weight / sample_weight.mean()).astype(np.float32)
        fit_args = {"batch_size": self.batch_size, "epochs": epochs, "verbose": 2 if self.verbose == 2 else 0}
        monitored = self.validation_fraction > 0
        if monitored:
            train, val = inner_split(y, self.validation_fraction, self._random_state)
            w_val = None if sample_weight is None else sample_weight[val]
            fit_args["validation_data"] = (X[val], y[val]) if w_val is None else (X[val], y[val], w_val)
            X, y = X[train], y[train]
            sample_weight = None if sample_weight is None else sample_weight[train]
        with seeded(self._random_state):
            hist = self.model_.fit(
                X, y, sample_weight=sample_weight, shuffle=True, callbacks=self._training_callbacks(monitored), **fit_args
            )
        in_dex = {"loss": self.target_scale_**2, "val_loss": self.target_scale_**2}
        self.history_ = {key: [float(v) * in_dex.get(key, 1.0) for v in values] for key, values in hist.history.items()}
        monitor = self.history_["val_loss" if monitored else "loss"]
        finite = [v if math.isfinite(v) else math.inf for v in monitor]
        self.best_epoch_ = int(np.argmin(finite)) + 1 if monitored and self.patience is not None else len(monitor)
        if not math.isfinite(self.history_["loss"][-1]):
            warnings.warn(
                f"{type(self).__name__}: the training loss became NaN/inf at epoch {len(monitor)}; "
                "lower learning_rate", RuntimeWarning, stacklevel=4,
            )

    # -- predict --------------------------------------------------------------------------

    def _predict_raw(self, X, **kwargs):
        if not self.initialized_:
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit first.")
        X, _ = self._validate_data(X)
        scaled = _predict_batches(self.model_, self._standardize_inputs(X), self._predict_batch_size)
        return scaled * self.target_scale_ + self.target_mean_

    def predict(self, X) -> np.ndarray:
        """Predict [Fe/H] (dex) for encoded light curves.

        Parameters
        ----------
        X : array-like of shape (n_stars, n_steps, n_channels)
            As in :meth:`fit`; recurrent and Transformer networks take any
            ``n_steps``, the convolutional ones only the fitted length.

        Returns
        -------
        ndarray of float64, shape (n_stars,)
            Predicted [Fe/H] (dex).
        """
        return np.asarray(super().predict(X), dtype=np.float64)

    def __setstate__(self, state: dict) -> None:
        # Regressors pickled by rrlsk 0.1.0 predate standardisation and meta inputs.
        state = {"standardize": False, "n_meta": 0, "lr_schedule": "plateau", "warmup_epochs": 0, "clipnorm": None, **state}
        if state.get("initialized_", False) or "model_" in state:
            n_channels = state.get("n_channels_in_", 2)
            state.setdefault("target_mean_", 0.0)
            state.setdefault("target_scale_", 1.0)
            state.setdefault("input_mean_", np.zeros(n_channels, dtype=np.float32))
            state.setdefault("input_scale_", np.ones(n_channels, dtype=np.float32))
            state.setdefault("n_meta_", state["n_meta"])
        super().__setstate__(state)
        warn_on_version_change(state.get("versions_"), type(self).__name__)


#: Each Keras network's compiled inference pass (:func:`_inference_pass`), dropped with the network.
_INFERENCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _inference_pass(model: keras.Model) -> Callable[[np.ndarray], np.ndarray]:
    """``model(x, training=False)`` as one compiled call per batch.

    With TensorFlow: a ``tf.function`` compiled by XLA (for the GRU on CPU
    about 0.6 of the CPU time of ``Model.predict`` per star and under a
    third of its wall time, the outputs equal to float32 rounding; compiling
    takes a few seconds, once per network), or without XLA for a network
    that XLA cannot compile; other backends compile
    ``Model.predict_on_batch`` themselves. The network is held weakly, so
    the pass goes with it.
    """
    network = weakref.ref(model)
    if keras.backend.backend() != "tensorflow":
        return lambda x: np.asarray(network().predict_on_batch(x))
    import tensorflow as tf

    def forward(x):
        return network()(x, training=False)

    passes = [tf.function(forward, jit_compile=True, autograph=False), tf.function(forward, autograph=False)]

    def run(x: np.ndarray) -> np.ndarray:
        if len(passes) == 1:
            return passes[0](x).numpy()
        try:
            return passes[0](x).numpy()
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError):
            result = passes[1](x).numpy()  # raises when the network itself fails: XLA is kept
            del passes[0]  # XLA cannot compile this network
            return result

    return run


class _RetracingFilter(logging.Filter):
    """Drops TensorFlow's "triggered tf.function retracing" warning.

    Each network traces its own predict function once; several networks
    predicting in turn (the members of a fold ensemble) set off TensorFlow's
    warning about repeated tracing, which here is expected, not a fault.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _without_retracing_warnings():
    """TensorFlow's logger without the retracing warning, for the block only."""
    logger, drop = logging.getLogger("tensorflow"), _RetracingFilter()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


def _predict_batches(model: keras.Model, X: np.ndarray, batch_size: int) -> np.ndarray:
    """The network's outputs for ``X``.

    Fewer than ``batch_size`` stars go through ``Model.predict_on_batch``;
    more, ``batch_size`` stars per call of the compiled pass
    (:func:`_inference_pass`), the last batch padded with zeros to the full
    size (rows are independent at inference), so that it is compiled for one
    shape and pays its compilation only on catalogue-sized predictions.

    Parameters
    ----------
    model : keras.Model
        The fitted network.
    X : ndarray of shape (n_stars, n_steps, n_channels)
        Its standardised inputs.
    batch_size : int
        Stars per compiled call.

    Returns
    -------
    ndarray of shape (n_stars, n_outputs)
        The network's outputs, in the order of ``X``.
    """
    if len(X) < batch_size:
        with _without_retracing_warnings():
            return np.asarray(model.predict_on_batch(X))
    forward = _INFERENCE.get(model)
    if forward is None:
        forward = _INFERENCE[model] = _inference_pass(model)
    outputs = []
    for start in range(0, len(X), batch_size):
        batch = X[start : start + batch_size]
        n = len(batch)
        if n < batch_size:
            batch = np.concatenate([batch, np.zeros((batch_size - n, *batch.shape[1:]), dtype=batch.dtype)])
        outputs.append(forward(batch)[:n])
    return np.concatenate(outputs)


# The base takes the shared parameters alone (it is abstract: no network).
NetworkRegressor.__init__ = _constructor(NetworkRegressor)


def _recurrent_sizes(units, dropout, kernel_l1, kernel_l2, recurrent_l1, recurrent_l2, mask_value) -> str:
    return f"""\
    units : sequence of int, default {units}
        Units of each recurrent layer (per direction when bidirectional).
    dropout : float or sequence of float, default {dropout}
        Rate of the dropout after each recurrent layer (a float: every layer).
    kernel_l1, kernel_l2 : float, default {kernel_l1} and {kernel_l2}
        L1 and L2 penalties on the input kernels.
    recurrent_l1, recurrent_l2 : float, default {recurrent_l1} and {recurrent_l2}
        L1 and L2 penalties on the recurrent kernels.
    mask_value : float or None, default {mask_value}
        Padding value whose steps are skipped (raw catalogue); None: no masking.
"""


_CONV_SIZES = """\
    filters : sequence of int, default {filters}
        Filters of the convolutions ({what}).
    kernel_sizes : sequence of int, default {kernel_sizes}
        Kernel sizes (time steps) of the convolutions.
    dropout : float, default {dropout}
        Dropout before the Dense head (the paper's network has none).
"""

_CONV_RECURRENT_SIZES = """\
    filters : sequence of int, default {filters}
        Filters of the Conv1D-BN-ReLU units.
    kernel_sizes : sequence of int, default {kernel_sizes}
        Their kernel sizes (time steps).
    pool_size : int, default {pool_size}
        Max-pooling window and stride (time steps).
    units : sequence of int, default {units}
        Units of the recurrent layers.
    dropout : float or sequence of float, default {dropout}
        Dropout after each recurrent layer.
    kernel_l1, kernel_l2 : float, default {kernel_l1} and {kernel_l2}
        Penalties on the recurrent layers' input kernels.
    recurrent_l1, recurrent_l2 : float, default {recurrent_l1} and {recurrent_l2}
        Penalties on their recurrent kernels.
"""


class _RecurrentRegressor(NetworkRegressor):
    masks_padding = True
    _builder: ClassVar

    def _build_network(self, n_steps, n_channels):
        return type(self)._builder(
            n_steps,
            n_channels,
            units=self.units,
            dropout=self.dropout,
            kernel_l1=self.kernel_l1,
            kernel_l2=self.kernel_l2,
            recurrent_l1=self.recurrent_l1,
            recurrent_l2=self.recurrent_l2,
            mask_value=self.mask_value,
        )


class _StackedRecurrentRegressor(_RecurrentRegressor):
    network_defaults = MappingProxyType({
        "units": (20, 16, 8),
        "dropout": (0.2, 0.2, 0.1),
        "kernel_l1": 0.0,
        "kernel_l2": 2e-6,
        "recurrent_l1": 2e-6,
        "recurrent_l2": 0.0,
        "mask_value": -1.0,
    })


class _BidirectionalRegressor(_RecurrentRegressor):
    network_defaults = MappingProxyType({
        "units": (20, 16, 16),
        "dropout": (0.2, 0.2, 0.1),
        "kernel_l1": 2e-6,
        "kernel_l2": 0.0,
        "recurrent_l1": 2e-6,
        "recurrent_l2": 0.0,
        "mask_value": -1.0,
    })


class _ConvRecurrentRegressor(NetworkRegressor):
    network_defaults = MappingProxyType({
        "filters": (128, 256, 128),
        "kernel_sizes": (8, 5, 3),
        "pool_size": 2,
        "units": (8, 4),
        "dropout": (0.2, 0.1),
        "kernel_l1": 0.0,
        "kernel_l2": 2e-6,
        "recurrent_l1": 2e-6,
        "recurrent_l2": 0.0,
    })
    _cell: ClassVar[str]

    def _build_network(self, n_steps, n_channels):
        return networks.build_conv_recurrent(
            n_steps,
            n_channels,
            cell=self._cell,
            filters=self.filters,
            kernel_sizes=self.kernel_sizes,
            pool_size=self.pool_size,
            units=self.units,
            dropout=self.dropout,
            kernel_l1=self.kernel_l1,
            kernel_l2=self.kernel_l2,
            recurrent_l1=self.recurrent_l1,
            recurrent_l2=self.recurrent_l2,
        )


class FCNRegressor(NetworkRegressor):
    model_name = "fcn"
    network_defaults = MappingProxyType({"filters": (128, 256, 128), "kernel_sizes": (8, 5, 3), "dropout": 0.0})
    __doc__ = _doc(
        "Fully Convolutional Network: Conv1D-BN-ReLU x3 (128, 256, 128 filters), global average pooling, Dense(1).",
        _CONV_SIZES.format(what="one per unit", **network_defaults),
    )

    def _build_network(self, n_steps, n_channels):
        return networks.build_fcn(
            n_steps, n_channels, filters=self.filters, kernel_sizes=self.kernel_sizes, dropout=self.dropout
        )


class ResNetRegressor(NetworkRegressor):
    model_name = "resnet"
    network_defaults = MappingProxyType({"filters": (64, 128, 128), "kernel_sizes": (8, 5, 3), "dropout": 0.0})
    __doc__ = _doc(
        "Residual Network: three residual blocks of three Conv1D-BN units (64, 128, 128 filters), GAP, Dense(1).",
        _CONV_SIZES.format(what="one residual block per value", **network_defaults),
    )

    def _build_network(self, n_steps, n_channels):
        return networks.build_resnet(
            n_steps, n_channels, filters=self.filters, kernel_sizes=self.kernel_sizes, dropout=self.dropout
        )


class InceptionTimeRegressor(NetworkRegressor):
    model_name = "inception"
    network_defaults = MappingProxyType({
        "depth": 6,
        "filters": 32,
        "kernel_sizes": (40, 20, 10),
        "bottleneck": 32,
        "residual_every": 3,
        "dropout": 0.0,
    })
    __doc__ = _doc(
        "InceptionTime: six Inception modules (bottleneck, kernels 40/20/10, max-pool branch), residual every 3.",
        """\
    depth : int, default {depth}
        Inception modules.
    filters : int, default {filters}
        Filters per branch.
    kernel_sizes : sequence of int, default {kernel_sizes}
        Kernel sizes (time steps) of the parallel convolutions.
    bottleneck : int, default {bottleneck}
        Filters of the 1x1 bottleneck; 0 disables it.
    residual_every : int, default {residual_every}
        Modules between residual shortcuts; 0 disables them.
    dropout : float, default {dropout}
        Dropout before the Dense head (the paper's network has none).
""".format(**network_defaults),
    )

    def _build_network(self, n_steps, n_channels):
        return networks.build_inception(
            n_steps,
            n_channels,
            depth=self.depth,
            filters=self.filters,
            kernel_sizes=self.kernel_sizes,
            bottleneck=self.bottleneck,
            residual_every=self.residual_every,
            dropout=self.dropout,
        )


class LSTMRegressor(_StackedRecurrentRegressor):
    model_name = "lstm"
    __doc__ = _doc(
        "Three stacked LSTM layers (20, 16, 8 units), each followed by dropout, Dense(1).",
        _recurrent_sizes(**_StackedRecurrentRegressor.network_defaults),
    )
    _builder = staticmethod(networks.build_lstm)


class BiLSTMRegressor(_BidirectionalRegressor):
    model_name = "bilstm"
    __doc__ = _doc(
        "Bidirectional LSTM (20, 16 units) then bidirectional GRU (16), each followed by dropout, Dense(1).",
        _recurrent_sizes(**_BidirectionalRegressor.network_defaults),
    )
    _builder = staticmethod(networks.build_bilstm)


class GRURegressor(_StackedRecurrentRegressor):
    model_name = "gru"
    __doc__ = _doc(
        "The paper's best model: three stacked GRU layers (20, 16, 8 units), each followed by dropout, Dense(1).",
        _recurrent_sizes(**_StackedRecurrentRegressor.network_defaults),
    )
    _builder = staticmethod(networks.build_gru)


class BiGRURegressor(_BidirectionalRegressor):
    model_name = "bigru"
    __doc__ = _doc(
        "Three bidirectional GRU layers (20, 16, 16 units per direction), each followed by dropout, Dense(1).",
        _recurrent_sizes(**_BidirectionalRegressor.network_defaults),
    )
    _builder = staticmethod(networks.build_bigru)


class ConvLSTMRegressor(_ConvRecurrentRegressor):
    model_name = "convlstm"
    __doc__ = _doc(
        "FCN conv stack, max pooling, then LSTM layers of 8 and 4 units with dropout, Dense(1).",
        _CONV_RECURRENT_SIZES.format(**_ConvRecurrentRegressor.network_defaults),
    )
    _cell = "lstm"


class ConvGRURegressor(_ConvRecurrentRegressor):
    model_name = "convgru"
    __doc__ = _doc(
        "FCN conv stack, max pooling, then GRU layers of 8 and 4 units with dropout, Dense(1).",
        _CONV_RECURRENT_SIZES.format(**_ConvRecurrentRegressor.network_defaults),
    )
    _cell = "gru"


class TransformerRegressor(NetworkRegressor):
    model_name = "transformer"
    masks_padding = True
    default_learning_rate = 1e-3  # the usual value for attention
    network_defaults = MappingProxyType({
        "d_model": 32,
        "num_heads": 4,
        "ff_dim": 64,
        "n_blocks": 2,
        "dropout": 0.1,
        "mask_value": -1.0,
    })
    __doc__ = _doc(
        "A small Transformer encoder (the paper's future work): Dense embedding, attention blocks, masked GAP.",
        """\
    d_model : int, default {d_model}
        Width of the step embedding.
    num_heads : int, default {num_heads}
        Attention heads (must divide ``d_model``).
    ff_dim : int, default {ff_dim}
        Hidden width of the feed-forward sub-layers.
    n_blocks : int, default {n_blocks}
        Encoder blocks.
    dropout : float, default {dropout}
        Dropout on attention weights and after each sub-layer.
    mask_value : float or None, default {mask_value}
        Padding value ignored by attention and pooling; None: no masking.
""".format(**network_defaults),
        learning_rate=default_learning_rate,
    )

    def _build_network(self, n_steps, n_channels):
        return networks.build_transformer(
            n_steps,
            n_channels,
            d_model=self.d_model,
            num_heads=self.num_heads,
            ff_dim=self.ff_dim,
            n_blocks=self.n_blocks,
            dropout=self.dropout,
            mask_value=self.mask_value,
        )
