"""The catalogue of preprocessing steps that :func:`rrlsk.make_pipeline` assembles.

Each step is one declaration (:class:`Step`): its name in the pipeline, its
estimator (``"module:Class"``, imported when a pipeline is built, or the
class), which models it feeds (by what they take: "sequence", "features",
"panel"), in which of the paper's catalogues it works ("passthrough" in
the others, so that one grid addresses the same steps whatever the
catalogue) and its constructor parameters as a function of
:func:`~rrlsk.make_pipeline`'s options (:class:`PipelineOptions`; ``None``
leaves the step out). :func:`declare_step` adds one, after the step it
names; docs/preprocessing.md ("Adding a preprocessing step") shows it.
This module imports nothing heavy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "ALL_INPUTS",
    "CATALOGUES",
    "PipelineOptions",
    "Step",
    "TABLE_INPUTS",
    "declare_step",
    "declared_steps",
    "remove_step",
]

#: The paper's three input catalogues.
CATALOGUES = ("spline", "spline_nomean", "raw")

#: Models that take the light-curve tensor (networks) or sktime's panel of it.
TABLE_INPUTS = ("sequence", "panel")

#: Every kind of model input (:data:`rrlsk._registry.INPUTS`).
ALL_INPUTS = ("sequence", "features", "panel")

#: PhaseFolder parameters of each pulsation type (make_pipeline's ``rr_type``).
FOLDS = {"RRab": {"align": "epoch"}, "RRc": {"align": "maximum", "order": 1}}


@dataclass(frozen=True)
class PipelineOptions:
    """The options of :func:`rrlsk.make_pipeline` a step's parameters depend on.

    Parameters
    ----------
    model : str
        Model name.
    catalogue : {"spline", "spline_nomean", "raw"}
        Input catalogue.
    n_points : int or "max"
        Length of the spline resampler's phase grid (points per cycle).
    align : {"epoch", "maximum"} or None
        PhaseFolder alignment; None: as ``rr_type`` needs.
    rr_type : {"RRab", "RRc"}
        Pulsation type.
    spline_method : {"pspline", "exact"}
        Spline fit.
    fourier_order : int or None
        Harmonics of the feature baselines' Fourier fit; None: the default.
    meta : tuple of str or None
        Per-star scalars; None: none (no ``meta`` step).
    """

    model: str = "gru"
    catalogue: str = "spline"
    n_points: int | str = 100
    align: str | None = None
    rr_type: str = "RRab"
    spline_method: str = "pspline"
    fourier_order: int | None = None
    meta: tuple[str, ...] | None = None


def _no_params(options: PipelineOptions) -> dict:
    return {}


@dataclass(frozen=True)
class Step:
    """One step :func:`rrlsk.make_pipeline` may put before the model.

    Parameters
    ----------
    name : str
        The step's name in the pipeline (grids address ``<name>__<param>``).
    estimator : str or type
        ``"module:Class"`` (imported when a pipeline is built) or the class,
        usually a :class:`rrlsk.base.table.TableTransformer`.
    inputs : tuple of str, default ("sequence", "panel")
        The model inputs it feeds (:data:`ALL_INPUTS`): a model that takes
        none of them gets no such step.
    catalogues : tuple of str or None, default None
        The catalogues it works in; in the others the step is
        ``"passthrough"`` (unless another declaration of the same name
        works there). None: every catalogue.
    params : callable, default: no parameters
        ``params(options)`` -> the constructor's keyword arguments, from
        :class:`PipelineOptions`; ``None`` leaves the step out.
    after : str or None, default None
        For :func:`declare_step`: the step it follows.
    """

    name: str
    estimator: str | type
    inputs: tuple[str, ...] = TABLE_INPUTS
    catalogues: tuple[str, ...] | None = None
    params: Callable[[PipelineOptions], dict | None] = field(default=_no_params, compare=False)
    after: str | None = None

    def __post_init__(self):
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise ValueError(f"a step's name must be an identifier, got {self.name!r}")
        unknown = [i for i in self.inputs if i not in ALL_INPUTS]
        if unknown or isinstance(self.inputs, str):
            raise ValueError(f"step {self.name!r}: inputs must be a tuple of {ALL_INPUTS}, got {self.inputs!r}")
        if self.catalogues is not None and not set(self.catalogues) <= set(CATALOGUES):
            raise ValueError(f"step {self.name!r}: catalogues must be among {CATALOGUES}, got {self.catalogues!r}")

    def load(self) -> type:
        """Import the estimator class.

        Returns
        -------
        type
            The class ``estimator`` names (or ``estimator`` itself).
        """
        if not isinstance(self.estimator, str):
            return self.estimator
        module, _, name = self.estimator.partition(":")
        return getattr(importlib.import_module(module), name)

    def works_in(self, catalogue: str) -> bool:
        """Tell whether the step works in a catalogue.

        Parameters
        ----------
        catalogue : {"spline", "spline_nomean", "raw"}
            An input catalogue.

        Returns
        -------
        bool
            True where the step works; elsewhere it is "passthrough".
        """
        return self.catalogues is None or catalogue in self.catalogues


def _fold_params(options: PipelineOptions) -> dict:
    return FOLDS[options.rr_type] if options.align is None else {"align": options.align}


_SPLINE_CATALOGUES = ("spline", "spline_nomean")

#: The steps rrlsk declares, in pipeline order.
_STEPS: list[Step] = [
    Step("domain", "rrlsk.domain:TrainingDomain", ALL_INPUTS),
    Step("fold", "rrlsk.preprocessing:PhaseFolder", ALL_INPUTS, params=_fold_params),
    Step("meta", "rrlsk.preprocessing:PerStarScalars", ("sequence",),
         params=lambda o: None if o.meta is None else {"names": o.meta}),
    Step("features", "rrlsk.preprocessing:FourierFeatures", ("features",),
         params=lambda o: {} if o.fourier_order is None else {"order": o.fourier_order}),
    Step("spline", "rrlsk.preprocessing:SplineResampler", catalogues=_SPLINE_CATALOGUES,
         params=lambda o: {"n_points": o.n_points, "method": o.spline_method}),
    Step("mean", "rrlsk.preprocessing:MeanMagSubtractor", catalogues=("spline",)),
    Step("encode", "rrlsk.preprocessing:SequenceEncoder", catalogues=_SPLINE_CATALOGUES),
    Step("encode", "rrlsk.preprocessing:SequencePadder", catalogues=("raw",)),
    Step("panel", "rrlsk.baselines:SktimePanel", ("panel",)),
]


def declared_steps() -> tuple[Step, ...]:
    """List every declared step, in pipeline order.

    Returns
    -------
    tuple of Step
        The declarations, rrlsk's and any declared since.
    """
    return tuple(_STEPS)


def declare_step(step: Step) -> Step:
    """Add a step to every pipeline :func:`rrlsk.make_pipeline` builds from now on.

    Parameters
    ----------
    step : Step
        Its declaration; ``step.after`` names the step it follows.

    Returns
    -------
    Step
        ``step``.

    Raises
    ------
    ValueError
        ``after`` names no declared step, or a declaration of the same name
        already feeds the same models in the same catalogue.
    """
    anchors = [i for i, s in enumerate(_STEPS) if s.name == step.after]
    if not anchors:
        raise ValueError(
            f"step {step.name!r}: after={step.after!r} names no declared step; "
            f"choose one of {list(dict.fromkeys(s.name for s in _STEPS))}"
        )
    for other in _STEPS:
        if other.name == step.name and set(other.inputs) & set(step.inputs) and any(
            other.works_in(c) and step.works_in(c) for c in CATALOGUES
        ):
            raise ValueError(f"step name {step.name!r} is taken by {other.estimator!r}; choose another name")
    _STEPS.insert(anchors[-1] + 1, step)
    return step


def remove_step(name: str) -> tuple[Step, ...]:
    """Remove every declaration of a step (tests, interactive sessions).

    Parameters
    ----------
    name : str
        The step's name.

    Returns
    -------
    tuple of Step
        The declarations removed.
    """
    removed = tuple(s for s in _STEPS if s.name == name)
    _STEPS[:] = [s for s in _STEPS if s.name != name]
    return removed


def assemble(options: PipelineOptions, inputs: str) -> list[tuple[str, object]]:
    """The ``(name, estimator or "passthrough")`` steps in front of a model.

    Parameters
    ----------
    options : PipelineOptions
        make_pipeline's options.
    inputs : {"sequence", "features", "panel"}
        What the model takes.

    Returns
    -------
    list of (str, estimator or "passthrough")
        In declaration order, one per step name that feeds ``inputs`` and is
        not left out by its ``params``.
    """
    steps = []
    for name in dict.fromkeys(s.name for s in _STEPS):
        candidates: Sequence[Step] = [s for s in _STEPS if s.name == name and inputs in s.inputs]
        if not candidates:
            continue
        chosen = next((s for s in candidates if s.works_in(options.catalogue)), None)
        if chosen is None:
            steps.append((name, "passthrough"))
            continue
        params = chosen.params(options)
        if params is not None:
            steps.append((name, chosen.load()(**params)))
    return steps
