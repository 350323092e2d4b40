"""The published BiLSTM ensembles of Dékány & Grebel (2022) as a scikit-learn regressor.

Dékány, I. & Grebel, E. K. 2022, ApJS 261, 33, "Photometric metallicity
prediction of fundamental-mode RR Lyrae stars in the Gaia optical and Ks
infrared wavebands by deep learning". Their two ensembles (Gaia G, VISTA
Ks; ten cross-validation fold models each, MIT licence, (c) 2022 István
Dékány, ``rrlsk/pretrained/data/LICENSE-dekany2022``) ship with rrlsk as
plain arrays converted from the published Keras 2 files by
``scripts/convert_dekany2022_weights.py``; the network is rebuilt in Keras 3
(:mod:`rrlsk.pretrained._network`) and its input exactly as the published
runs built it (:mod:`rrlsk.pretrained._sequences`).

Use them through :func:`rrlsk.load_pretrained` (``"dekany2022-g"``,
``"dekany2022-ks"``); cite the paper with their predictions.
"""

from __future__ import annotations

import os
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from ..base.constraints import Interval, StrOptions
from ..base.docstrings import fill_doc
from ..base.predict import INTERVAL_DOC
from ..base.ragged import flatten
from ..base.table import validate_table
from ..base.validation import check_params
from ..domain import TrainingDomain
from ..preprocessing.folding import PhaseFolder
from ._band import check_band, normalise_band
from ._registry import data_path
from ._sequences import sequences_binned, sequences_g
from ._weights import read_ensemble

__all__ = ["BANDS", "DekanyEnsembleRegressor", "normalise_band"]

#: The bands of the published ensembles -> their shipped weights file.
BANDS = {"G": "dekany2022_g.npz", "Ks": "dekany2022_ks.npz"}


def _domain(record: dict | None) -> TrainingDomain | None:
    """A fitted :class:`rrlsk.domain.TrainingDomain` from its stored record."""
    if record is None:
        return None
    domain = TrainingDomain(quantiles=tuple(record["quantiles"]))
    domain.ranges_ = {name: tuple(bounds) for name, bounds in record["ranges"].items()}
    domain.label_range_ = None if record["label_range"] is None else tuple(record["label_range"])
    domain.n_stars_ = record["n_stars"]
    domain.types_ = record["types"]
    return domain


class DekanyEnsembleRegressor(RegressorMixin, BaseEstimator):
    """[Fe/H] from the published Dékány & Grebel (2022) BiLSTM ensembles.

    Takes rrlsk light-curve tables (``time``, ``mag``, ``period``,
    ``epoch``; ``mag_err`` is not used and may be absent), builds the
    published input and returns the mean of the ten fold models. Nothing is
    trained here: :meth:`fit` loads the published weights and ignores its
    arguments, so that ``clone`` and scikit-learn's tools work; the usual
    entry point is :func:`rrlsk.load_pretrained`, which returns it fitted.

    The input of each star: fold at ``period`` and ``epoch``, then (unless
    ``prealigned``) shift the phase so that the first Fourier phase is zero
    (sine convention, the alignment of the published curves). G: the points
    of one cycle in phase order, magnitude minus its mean over all of them,
    the first 80 kept (a denser curve loses the end of its cycle: such
    stars lie outside the training domain), time = phase x period, padded
    with -1 to 80 steps. Ks: the cycle extended to phase 1.2 by repeating
    [0, 0.2), averaged in 60 phase bins of 0.02 (closed on the left), empty
    bins dropped, time = the bin's mean phase x period, magnitude minus the
    mean over the bins, padded with -1 to 60.

    Parameters
    ----------
    band : {"G", "Ks"}, default "G"
        Which ensemble: Gaia G (16 LSTM units per direction) or VISTA Ks
        (32 units).
    prealigned : bool, default False
        True: the table's phase ``((time - epoch) / period) mod 1`` is
        already aligned on the first Fourier phase (as in the published
        light-curve files; write ``time = phase * period`` and ``epoch = 0``)
        and is used as given. False: the phase is aligned here.
    fourier_order : int, default 4
        Harmonics of the Fourier fit that finds the first Fourier phase
        (when not ``prealigned``); a star needs ``2 * fourier_order + 1``
        points.
    batch_size : int, default 8192
        Stars per network batch.
    weights : str or path-like, optional
        The ensemble file (``.npz`` of :mod:`rrlsk.pretrained._weights`);
        default: the one shipped with rrlsk for ``band``.

    Attributes
    ----------
    band_ : str
        The band of the loaded ensemble.
    n_members_ : int
        Fold models in the ensemble (10).
    metadata_ : dict
        What the weights file records: the input recipe, the units, the
        SHA-256 of the published source files and the training domain.
    training_domain_ : rrlsk.domain.TrainingDomain or None
        The training stars' domain (:func:`rrlsk.domain.find_training_domain`
        finds it; batch predictions flag stars outside it).

    Notes
    -----
    A table may say its band: a scalar column ``band`` (one value per star)
    or ``X.attrs["band"]``. ``"g"`` means ``"G"``; ``"K"``, ``"KS"``,
    ``"ks"`` mean ``"Ks"``. A band other than the model's is refused.
    Without either (or where the column is empty), the table is taken to be
    in the model's band.

    ``predict(X, return_std=True)`` returns the published per-star
    uncertainty: the population standard deviation (ddof 0) of the ten
    members. It is the models' disagreement, not a calibrated error (the
    published out-of-fold G scatter against the labels is 0.18 dex, the
    median spread a few hundredths): :meth:`predict_interval` is a Gaussian
    interval of that spread and covers less than its nominal confidence.

    Cite Dékány & Grebel (2022, ApJS 261, 33) with the predictions.

    Examples
    --------
    >>> import rrlsk
    >>> model = rrlsk.load_pretrained("dekany2022-g")  # doctest: +SKIP
    >>> feh, feh_std = model.predict(X, return_std=True)  # doctest: +SKIP
    """

    _parameter_constraints: dict = {
        "band": [StrOptions(set(BANDS))],
        "prealigned": ["boolean"],
        "fourier_order": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "weights": [str, os.PathLike, None],
    }

    def __init__(
        self,
        band: str = "G",
        *,
        prealigned: bool = False,
        fourier_order: int = 4,
        batch_size: int = 8192,
        weights: str | os.PathLike | None = None,
    ):
        self.band = band
        self.prealigned = prealigned
        self.fourier_order = fourier_order
        self.batch_size = batch_size
        self.weights = weights

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_networks", None)  # Keras models: rebuilt from the arrays after unpickling
        return state

    def fit(self, X=None, y=None):
        """Load the published weights (nothing is trained; ``X`` and ``y`` are ignored).

        Parameters
        ----------
        X : ignored
            Present for the scikit-learn API.
        y : ignored
            Present for the scikit-learn API.

        Returns
        -------
        self
            The fitted estimator.

        Raises
        ------
        ValueError
            On a bad parameter, or naming the weights file when it is
            missing or damaged, or holds another band's ensemble.
        """
        check_params(self)
        path = Path(self.weights) if self.weights is not None else data_path(BANDS[self.band])
        members, metadata = read_ensemble(path)
        if metadata.get("band") != self.band:
            raise ValueError(f"{path}: holds the {metadata.get('band')!r} ensemble, not band={self.band!r}")
        self.members_weights_ = members
        self.metadata_ = metadata
        self.band_ = metadata["band"]
        self.n_members_ = len(members)
        self.training_domain_ = _domain(metadata.get("training_domain"))
        self._networks = {}
        return self

    # ------------------------------------------------------------------
    # Input
    # ------------------------------------------------------------------

    def _check_band(self, X: pd.DataFrame) -> None:
        others = ", ".join(f"dekany2022-{b.lower()}" for b in BANDS)
        check_band(X, self.band_, f"the {self.band_}-band Dékány & Grebel (2022) ensemble",
                   f"; use the model of that band (rrlsk.pretrained.names(): {others})")

    def encode(self, X: pd.DataFrame) -> np.ndarray:
        """The network input of each star (see the class notes).

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table: ``time`` (d), ``mag`` (mag), ``period`` (d)
            and ``epoch`` (d; taken as 0 when absent and not
            ``prealigned``: the alignment does not depend on it).

        Returns
        -------
        ndarray of float32, shape (n_stars, n_steps, 2)
            Channels (time in d, magnitude in mag), padded with -1.

        Raises
        ------
        ValueError
            Naming the stars whose curves are unusable (NaN, too few points
            to align, no period), or when the table's band differs from
            the model's.
        """
        check_is_fitted(self, "members_weights_")
        required = ("time", "mag", "period", "epoch") if self.prealigned else ("time", "mag", "period")
        min_points = 1 if self.prealigned else 2 * self.fourier_order + 1
        X = validate_table(X, required=required, min_points=min_points, where=type(self).__name__)
        self._check_band(X)
        # the published curves' phases: at the epoch as given, or with zero first Fourier phase
        align = "epoch" if self.prealigned else "first_phase"
        folded = PhaseFolder(align=align, order=self.fourier_order).fit_transform(X)
        phase, offsets = flatten(folded["phase"].to_numpy())
        mag, _ = flatten(folded["mag"].to_numpy())
        period = pd.to_numeric(X["period"]).to_numpy(dtype=np.float64)
        recipe = self.metadata_["input"]
        if recipe["kind"] == "points":
            return sequences_g(phase, mag, offsets, period, recipe["n_steps"])
        return sequences_binned(phase, mag, offsets, period, recipe["n_steps"], recipe["max_phase"])

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------

    def _network(self, members: tuple[int, ...]):
        from ._network import build_members

        networks = self.__dict__.setdefault("_networks", {})
        if members not in networks:
            networks[members] = build_members([self.members_weights_[k] for k in members],
                                              self.metadata_["units"], self.metadata_["input"]["n_steps"])
        return networks[members]

    def predict_sequences(self, sequences: np.ndarray, members=None) -> np.ndarray:
        """Each member's [Fe/H] for ready-made input sequences.

        Parameters
        ----------
        sequences : ndarray of shape (n_stars, n_steps, 2)
            Input as :meth:`encode` returns it.
        members : sequence of int, optional
            Which fold models (0-based); default all.

        Returns
        -------
        ndarray of shape (n_stars, n_members)
            [Fe/H], dex, one column per member asked for.
        """
        from ._network import predict_members

        check_is_fitted(self, "members_weights_")
        members = tuple(range(self.n_members_)) if members is None else tuple(int(k) for k in members)
        if not members or min(members) < 0 or max(members) >= self.n_members_:
            raise ValueError(f"members must be fold models among 0..{self.n_members_ - 1}, got {members!r}")
        sequences = np.asarray(sequences, dtype=np.float32)
        return predict_members(self._network(members), sequences, self.batch_size)

    def predict_members(self, X: pd.DataFrame, members=None) -> np.ndarray:
        """Each fold model's [Fe/H].

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table.
        members : sequence of int, optional
            Which fold models (0-based); default all.

        Returns
        -------
        ndarray of shape (n_stars, n_members)
            [Fe/H], dex.
        """
        return self.predict_sequences(self.encode(X), members)

    def predict(self, X: pd.DataFrame, return_std: bool = False):
        """[Fe/H] of each star: the mean of the fold models.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table.
        return_std : bool, default False
            Also return the published uncertainty: the population standard
            deviation (ddof 0) of the fold models.

        Returns
        -------
        feh : ndarray of shape (n_stars,)
            [Fe/H], dex.
        feh_std : ndarray of shape (n_stars,)
            Ensemble spread, dex; only with ``return_std``.
        """
        each = self.predict_members(X)
        mean = each.mean(axis=1)
        return (mean, each.std(axis=1, ddof=0)) if return_std else mean

    @fill_doc(interval=INTERVAL_DOC)
    def predict_interval(self, X: pd.DataFrame, confidence: float = 0.68) -> tuple[np.ndarray, np.ndarray]:
        """Gaussian interval of the ensemble spread: ``feh -+ z * feh_std``.

        ``z`` is the normal quantile of the central ``confidence``. The
        spread is the published uncertainty, not a calibrated error (see the
        class notes): wrap the model in
        :class:`rrlsk.uncertainty.CalibratedRegressor` for calibrated
        intervals.

        Parameters
        ----------
        X : pandas.DataFrame
            Light-curve table.
        %(interval)s
        """
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
            raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}")
        mean, std = self.predict(X, return_std=True)
        half = norm.ppf(0.5 + confidence / 2.0) * std
        return mean - half, mean + half
