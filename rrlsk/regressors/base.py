"""The shared training loop of the network regressors (:class:`NetworkRegressor`).

Every regressor takes the float32 tensor of
:class:`rrlsk.preprocessing.SequenceEncoder` (or ``SequencePadder``), shape
``(n_stars, n_steps, n_channels)``, and [Fe/H] labels (dex): Adam on the
(sample-weighted) mean squared error, early stopping and learning-rate decay
on an inner validation split of the *training* data, best weights restored.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any, ClassVar

import keras
import numpy as np
from scikeras.wrappers import KerasRegressor
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from .. import networks
from .._keras_utils import (
    check_sequences,
    check_target,
    check_weights,
    inner_split,
    seeded,
    versions,
    warn_on_version_change,
)
from .._registry import register_network
from ..base.constraints import Interval, Options, StrOptions
from ..base.ragged import CHUNK_STARS, MASK_VALUE
from ..base.validation import check_params
from ..preprocessing.encoding import SEQUENCE_CHANNELS
from ._inference import _predict_batches
from ._params import _CONSTRAINT_WORDS, LR_SCHEDULES, PAPER_SCHEDULE, TRAINING_DEFAULTS, _constructor, _Count, _doc

__all__ = ["NetworkRegressor"]


class NetworkRegressor(KerasRegressor):
    __doc__ = _doc(
        """Base class: the shared training loop of the rrlsk network regressors.

    A subclass declares its network's hyperparameters and their defaults
    in ``network_defaults`` and builds the network in
    :meth:`_build_network` (by default, its builder ``_builder`` called with
    those hyperparameters); its constructor is made from them and the
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
    #: The network's builder (a function of :mod:`rrlsk.networks`), which
    #: the default :meth:`_build_network` calls with the hyperparameters of
    #: ``network_defaults`` as keywords; None: the subclass writes
    #: :meth:`_build_network`.
    _builder: ClassVar[Callable[..., keras.Model] | None] = None
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
        if self._builder is None:
            raise NotImplementedError(f"{type(self).__name__} sets no _builder and writes no _build_network")
        return self._builder(n_steps, n_channels, **{name: getattr(self, name) for name in self.network_defaults})

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


# The base takes the shared parameters alone (it is abstract: no network).
NetworkRegressor.__init__ = _constructor(NetworkRegressor)
