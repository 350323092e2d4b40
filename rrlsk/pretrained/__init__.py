"""Named, offline, pretrained [Fe/H] models.

>>> import rrlsk.pretrained
>>> rrlsk.pretrained.names()
('rrlsk-gaia-g', 'dekany2022-g', 'dekany2022-ks')

:func:`load_pretrained` returns a fitted scikit-learn estimator; every place
that takes a model file (:func:`rrlsk.predict_catalogue`, ``rrlsk predict``,
``rrlsk info``) also takes a registered name (see :func:`is_pretrained_name`
for how a name and a file path are told apart). The weights ship inside the
package, each with its licence; nothing is downloaded.

Adding a model is one :func:`~rrlsk.pretrained._registry.register` call
with its metadata and a loader (``loader(prealigned=...)`` -> the fitted
estimator). Reading the table (``names()``, :func:`describe`) does not
import TensorFlow.
"""

from __future__ import annotations

from ._registry import PretrainedModel, closest_name, data_path, get, names, register

__all__ = ["PretrainedModel", "closest_name", "describe", "is_pretrained_name", "load_pretrained", "names", "sha256"]

_DEKANY_CITATION = (
    "Dékány, I. & Grebel, E. K. 2022, ApJS 261, 33: 'Photometric metallicity prediction of "
    "fundamental-mode RR Lyrae stars in the Gaia optical and Ks infrared wavebands by deep learning'"
)
_DEKANY_LICENCE = "MIT, (c) 2022 István Dékány (rrlsk/pretrained/data/LICENSE-dekany2022)"
_DEKANY_LABELS = ("[Fe/H] labels from OGLE-IV I-band light curves (Dékány, Grebel & Pojmański 2021), "
                  "on the high-resolution spectroscopic scale")


def _load_dekany(band: str):
    def load(*, prealigned: bool = False):
        from .dekany2022 import DekanyEnsembleRegressor

        return DekanyEnsembleRegressor(band, prealigned=prealigned).fit()

    return load


def _load_rrlsk(filename: str):
    def load(*, prealigned: bool = False):
        from sklearn.pipeline import Pipeline

        from ..domain import fitted_parts
        from ..persistence import load_model

        path = data_path(filename)
        if not path.is_file():
            raise ValueError(f"{path}: the shipped model file is missing (reinstall rrlsk)")
        model = load_model(path)
        if prealigned:  # phases as given: every fold step folds at the epoch, no alignment of its own
            for part in fitted_parts(model):
                if isinstance(part, Pipeline) and "fold" in part.named_steps:
                    part.set_params(fold__align="epoch")
        return model

    return load


register(PretrainedModel(
    name="rrlsk-gaia-g",
    band="G",
    summary="rrlsk's own model of real Gaia G curves: two GRUs pre-trained on 6,002 simulated stars, then "
            "trained on the nine folds of 4,013 real Gaia DR2 RRab stars, one reading the spline grid (the "
            "paper's input), one the observed points; the mean of the nine fold models (each the mean of its "
            "two views), with per-star intervals calibrated on their out-of-fold residuals",
    training_data="the 4,013 labelled Gaia DR2 RRab stars of Dékány & Grebel (2022) "
                  "(rrlsk.datasets.load_dekany2022), " + _DEKANY_LABELS,
    licence="BSD-3-Clause (rrlsk); trained on data under MIT, (c) 2022 István Dékány",
    citation="Monti et al. 2024, arXiv:2410.17906 (the method); " + _DEKANY_CITATION + " (the training data)",
    loader=_load_rrlsk("rrlsk-gaia-g.joblib"),
    files=("rrlsk-gaia-g.joblib",),
    notes="Phases are aligned on the first Fourier phase found from each curve, as in its training, "
          "so any epoch works. feh_std and predict_interval are calibrated for the labels' scale "
          "(OGLE-IV photometric [Fe/H], spectroscopic scale) and include the labels' own error; on new "
          "stars the nine-model mean is more accurate than the out-of-fold residuals they were calibrated "
          "on, so the intervals err on the wide side. The observed-points view reads at most as many points "
          "as its fold's longest training curve (91 or 97): a longer cycle loses its last points there (a "
          "warning names the stars), and stars with more points per cycle than any training star are "
          "flagged outside the training domain. Made by scripts/make_rrlsk_gaia_g.py; its "
          "out-of-fold accuracy is in docs/real_data.md.",
))
register(PretrainedModel(
    name="dekany2022-g",
    band="G",
    summary="The published Gaia G-band BiLSTM ensemble of Dékány & Grebel (2022): ten cross-validation "
            "fold models (bidirectional LSTM, 16 units), mean [Fe/H] and their spread",
    training_data="Gaia DR2 G-band light curves of RRab stars with " + _DEKANY_LABELS
                  + "; the 4,013 labelled stars of rrlsk.datasets.load_dekany2022 are its cross-validation sample",
    licence=_DEKANY_LICENCE,
    citation=_DEKANY_CITATION,
    loader=_load_dekany("G"),
    files=("dekany2022_g.npz",),
    notes="Input as published: one cycle, first 80 points in phase order (denser curves lose the end of "
          "the cycle and are flagged outside the training domain); phases aligned on the first Fourier "
          "phase. feh_std is the ensemble spread, not a calibrated error.",
))
register(PretrainedModel(
    name="dekany2022-ks",
    band="Ks",
    summary="The published VISTA Ks-band BiLSTM ensemble of Dékány & Grebel (2022): ten cross-validation "
            "fold models (bidirectional LSTM, 32 units), mean [Fe/H] and their spread",
    training_data="VVV Ks-band light curves of Galactic-bulge RRab stars with " + _DEKANY_LABELS
                  + "; the training curves are not public: its training domain is the published selection "
                  "(period, [Fe/H]) of the parameter file kfeh.par",
    licence=_DEKANY_LICENCE,
    citation=_DEKANY_CITATION,
    loader=_load_dekany("Ks"),
    files=("dekany2022_ks.npz",),
    notes="Input as published: the cycle extended to phase 1.2 and averaged in 60 phase bins. "
          "feh_std is the ensemble spread, not a calibrated error.",
))


def describe(name: str) -> dict[str, str]:
    """What a registered model is.

    Parameters
    ----------
    name : str
        A registered name.

    Returns
    -------
    dict of str to str
        ``name``, ``band``, ``summary``, ``training_data``, ``licence``,
        ``citation``, ``files`` and ``notes``.

    Raises
    ------
    ValueError
        When ``name`` is not registered (with the closest name).
    """
    return get(name).describe()


def sha256(name: str) -> str:
    """SHA-256 of a registered model's shipped files (identifies it in a prediction run).

    Parameters
    ----------
    name : str
        A registered name.

    Returns
    -------
    str
        Hex digest.
    """
    return get(name).sha256()


def is_pretrained_name(model) -> bool:
    """Whether ``model`` (as passed where a model file is accepted) means a registered model.

    The rule: a ``str`` that is exactly a registered name is the registered
    model, even when a file of that name exists in the working directory.
    Anything else, a ``pathlib.Path`` included, is a file path. So
    ``"dekany2022-g"`` is always the pretrained model and
    ``"./dekany2022-g"`` or ``Path("dekany2022-g")`` always the file,
    whatever the directory holds (``rrlsk predict`` and ``rrlsk info``
    warn when both exist).

    Parameters
    ----------
    model : object
        A model argument: an estimator, a path or a name.

    Returns
    -------
    bool
        True when ``model`` is a ``str`` equal to a registered name.
    """
    return isinstance(model, str) and model in names()


def load_pretrained(name: str, *, prealigned: bool = False):
    """A registered pretrained model, fitted and ready to predict.

    Parameters
    ----------
    name : str
        A registered name (:func:`names`), e.g. ``"dekany2022-g"``.
    prealigned : bool, default False
        True: the light curves' phases ``((time - epoch) / period) mod 1``
        are already aligned as the model's training curves were, and are
        used as given.

    Returns
    -------
    estimator
        A fitted scikit-learn regressor taking light-curve tables; its
        ``predict(X, return_std=True)`` also returns a per-star spread.

    Raises
    ------
    ValueError
        When ``name`` is unknown (with the closest name), or naming the
        weights file when it is missing or damaged.

    Examples
    --------
    >>> import rrlsk
    >>> model = rrlsk.load_pretrained("dekany2022-g")  # doctest: +SKIP
    """
    return get(name).loader(prealigned=prealigned)
