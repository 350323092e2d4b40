"""Ready-made pipelines: light-curve table in, [Fe/H] out.

:func:`make_pipeline` assembles the paper's chain (Section 3) in front of any
of its networks or of a baseline, as a :class:`sklearn.pipeline.Pipeline`
whose step names are stable, so that grids such as
``{"gru__dropout": [...], "spline__n_points": [...]}`` address the same
steps whatever the catalogue:

============  =====================================================
step          what it does
============  =====================================================
``domain``    :class:`~rrlsk.domain.TrainingDomain`: records the
              training stars' ranges at fit, passes ``X`` through
``fold``      :class:`~rrlsk.preprocessing.PhaseFolder` (Eq. 1)
``spline``    :class:`~rrlsk.preprocessing.SplineResampler` (Eq. 2)
``mean``      :class:`~rrlsk.preprocessing.MeanMagSubtractor`
``encode``    :class:`~rrlsk.preprocessing.SequenceEncoder` (Eq. 3), or
              :class:`~rrlsk.preprocessing.SequencePadder` for "raw"
*model*       the network or baseline, under its own name (``gru``...)
============  =====================================================

The paper's three catalogues (Section 3) differ only in which steps are
``"passthrough"``:

* ``"spline"``: fold, spline, mean, encode (the paper's pre-processed
  catalogue, its best);
* ``"spline_nomean"``: fold, spline, encode (the resampled magnitudes keep
  their mean);
* ``"raw"``: fold, then the unequal-length curves padded with the mask value
  -1 (:data:`~rrlsk.preprocessing.MASK_VALUE`): only the recurrent networks
  (and the Transformer) mask the padding, so only they are offered it.

Feature-based baselines (:mod:`rrlsk.baselines`) replace spline, mean and
encode by a ``features`` step (:class:`~rrlsk.preprocessing.FourierFeatures`).

Nothing here is an if/else over model names: the models come from the
catalogue (:mod:`rrlsk._registry`, :func:`rrlsk.all_models`: where each
lives and its tags, read without TensorFlow; a network's class is imported
when a pipeline is built) and the steps from their declarations
(:class:`Step`, :func:`declared_steps`); :func:`declare_step` adds a step of
one's own (docs/preprocessing.md, "Adding a preprocessing step").
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.pipeline import Pipeline

from . import _registry
from ._steps import CATALOGUES, FOLDS, PipelineOptions, Step, assemble, declare_step, declared_steps, remove_step

__all__ = [
    "CATALOGUES",
    "MODELS",
    "NETWORKS",
    "PipelineOptions",
    "Step",
    "declare_step",
    "declared_steps",
    "make_pipeline",
    "remove_step",
]

#: Network name -> regressor class, a live read-only view of the catalogue
#: (:mod:`rrlsk._registry`): the paper's nine, the Transformer, and any
#: :class:`~rrlsk.regressors.NetworkRegressor` subclass defined since with a
#: ``model_name``. Names are read without TensorFlow; a class on access.
NETWORKS = _registry.NETWORKS

#: Model name -> :class:`~rrlsk._registry.ModelEntry` (target and capability
#: tags) of every model :func:`make_pipeline` accepts, a live view.
MODELS = _registry.MODELS


def make_pipeline(
    model: str = "gru",
    catalogue: str = "spline",
    *,
    n_points: int = 100,
    align: str | None = None,
    rr_type: str = "RRab",
    spline_method: str = "pspline",
    fourier_order: int | None = None,
    meta: Sequence[str] | None = None,
    **model_params,
) -> Pipeline:
    """Build the paper's preprocessing chain in front of a model.

    Parameters
    ----------
    model : str, default "gru"
        A network (``"fcn"``, ``"resnet"``, ``"inception"``, ``"lstm"``,
        ``"bilstm"``, ``"gru"``, ``"bigru"``, ``"convlstm"``, ``"convgru"``,
        ``"transformer"``, or the ``model_name`` of any other
        :class:`~rrlsk.regressors.NetworkRegressor` subclass defined, see
        :doc:`networks`) or a baseline of :mod:`rrlsk.baselines`
        (``"fourier_relation"``, ``"fourier_linear"``, ``"svr"``,
        ``"random_forest"``, ``"gradient_boosting"``, ``"minirocket"``).
        The model step is named after it.
    catalogue : {"spline", "spline_nomean", "raw"}, default "spline"
        Which of the paper's input catalogues feeds a sequence model (see
        the module notes). Ignored by the Fourier-feature baselines.
    n_points : int, default 100
        Length of the common phase grid of the spline resampler (points per
        cycle).
    align : {"epoch", "maximum"}, optional
        How :class:`~rrlsk.preprocessing.PhaseFolder` puts maximum light at
        phase 0; by default as ``rr_type`` needs.
    rr_type : {"RRab", "RRc"}, default "RRab"
        Pulsation type the pipeline is for. RRab curves fold at Gaia's
        ``epoch_g`` (their sharp maximum defines it well); the broad maximum
        of near-sinusoidal RRc curves does not, so they are aligned on the
        maximum of their first harmonic (``PhaseFolder(align="maximum",
        order=1)``), a phase every RRc curve defines well. For RRc the
        ``fourier_relation`` baseline applies the RRc relation of the
        simulator (:attr:`rrlsk.datasets.RRcPopulation.relation`) unless
        ``coefficients`` are given.
    spline_method : {"pspline", "exact"}, default "pspline"
        Batched periodic P-spline or scipy's per-star smoothing spline.
    fourier_order : int, optional
        Harmonics of the Fourier decomposition of the feature baselines;
        None keeps :class:`~rrlsk.preprocessing.FourierFeatures`' default.
    meta : sequence of str, optional
        Per-star scalars fed to a network beside the sequence (Dekany &
        Grebel 2022): any of :data:`~rrlsk.preprocessing.SCALARS` (``period``,
        ``amplitude``, ``A1``, ``R21``, ``R31``, ``phi21``, ``phi31``,
        ``mean_mag``, ``n_epochs``) or scalar columns of the table. A
        :class:`~rrlsk.preprocessing.PerStarScalars` step named ``meta``
        follows ``fold`` and owns the list: the encoder (``meta="auto"``)
        appends whatever scalars it adds as channels and the network
        (``n_meta="auto"``) counts them, so ``set_params(meta__names=...)``
        alone changes all three. None (default): exactly the paper's
        network and steps.
    **model_params
        Passed to the model's constructor (for example ``epochs=50``,
        ``dropout=(0.1, 0.1, 0.1)``, ``random_state=0``).

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted; takes the light-curve table of :doc:`design`.

    Raises
    ------
    ValueError
        Unknown model or catalogue, or the raw catalogue with a network that
        cannot mask padding.

    Examples
    --------
    >>> pipe = make_pipeline("gru", epochs=5, random_state=0)
    >>> [name for name, _ in pipe.steps]
    ['domain', 'fold', 'spline', 'mean', 'encode', 'gru']
    """
    entry = _registry.model_entry(model)
    if catalogue not in CATALOGUES:
        raise ValueError(f"unknown catalogue {catalogue!r}; choose one of {list(CATALOGUES)}")
    if rr_type not in FOLDS:
        raise ValueError(f"unknown rr_type {rr_type!r}; choose one of {sorted(FOLDS)}")
    if meta is not None:
        if not entry.takes_scalars:
            takers = sorted(name for name, e in MODELS.items() if e.takes_scalars)
            raise ValueError(f"meta= feeds per-star scalars to a network; {model!r} is not one of {takers}")
        meta = (meta,) if isinstance(meta, str) else tuple(meta)
        n_meta = model_params.get("n_meta", "auto")
        if n_meta not in ("auto", len(meta)):
            raise ValueError(
                f"n_meta={n_meta!r} contradicts meta={list(meta)} ({len(meta)} scalar(s)); leave n_meta out: "
                "the meta step's names decide"
            )
        model_params = {**model_params, "n_meta": "auto"}
    if catalogue == "raw" and entry.inputs == "sequence" and not entry.masks_padding:
        maskers = sorted(name for name, e in MODELS.items() if e.masks_padding)
        raise ValueError(
            f"the raw catalogue pads curves with a mask value that {model!r} cannot mask; "
            f"use catalogue='spline' or one of {maskers}"
        )
    if model == "fourier_relation" and rr_type == "RRc":
        from .relations import RELATIONS

        model_params.setdefault("coefficients", RELATIONS["rrc_g"].coefficients)
    options = PipelineOptions(model, catalogue, n_points, align, rr_type, spline_method, fourier_order, meta)
    return Pipeline([*assemble(options, entry.inputs), (model, entry.load()(**model_params))])
