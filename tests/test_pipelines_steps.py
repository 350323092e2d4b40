"""Adding a preprocessing step: one module (here, this file) and one declaration.

A toy step is defined and declared here as docs/preprocessing.md ("Adding a
preprocessing step") tells a user to, and found by ``make_pipeline``, the
catalogue of steps and ``GridSearchCV``, with no other edit.
"""

from numbers import Real

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold

import rrlsk
from rrlsk.base.constraints import Interval
from rrlsk.base.table import TableTransformer
from rrlsk.pipelines import CATALOGUES, PipelineOptions, Step, declare_step, declared_steps, make_pipeline, remove_step

BUILTIN_STEPS = ["domain", "fold", "meta", "features", "spline", "mean", "encode", "encode", "panel"]


class PeriodShifter(TableTransformer):
    """Add ``offset`` (d) to every star's period: a toy step that touches a scalar the next steps read."""

    _required = ("period",)
    _parameter_constraints = {"offset": [Interval(Real, None, None, closed="neither")]}

    def __init__(self, offset=0.0):
        self.offset = offset

    def _transform(self, X):
        return X.assign(period=X["period"] + self.offset)


@pytest.fixture
def shifter():
    """PeriodShifter declared after ``fold`` for the feature baselines, removed afterwards."""
    step = declare_step(Step("shift", PeriodShifter, inputs=("features",), after="fold",
                             params=lambda o: {"offset": 0.0 if o.fourier_order is None else 1e-3}))
    yield step
    assert remove_step("shift") == (step,)
    assert [s.name for s in declared_steps()] == BUILTIN_STEPS


@pytest.fixture(scope="module")
def sample():
    X, y, _ = rrlsk.datasets.make_gaia_rrab(40, random_state=0)
    return X, y


def test_builtin_declarations_build_the_paper_pipelines():
    assert [s.name for s in declared_steps()] == BUILTIN_STEPS
    options = PipelineOptions(catalogue="raw")
    encoders = [s for s in declared_steps() if s.name == "encode"]
    assert [s.works_in("raw") for s in encoders] == [False, True]
    assert [s.load().__name__ for s in encoders] == ["SequenceEncoder", "SequencePadder"]
    assert declared_steps()[2].params(options) is None  # no meta: the meta step is left out


def test_a_declared_step_is_in_make_pipeline_and_grid_searched(shifter, sample):
    X, y = sample
    assert shifter in declared_steps()
    pipe = make_pipeline("fourier_linear")
    assert [name for name, _ in pipe.steps] == ["domain", "fold", "shift", "features", "fourier_linear"]
    assert isinstance(pipe.named_steps["shift"], PeriodShifter)
    assert make_pipeline("fourier_linear", fourier_order=3).named_steps["shift"].offset == 1e-3  # from the options
    assert "shift" not in make_pipeline("minirocket").named_steps  # feeds only the feature baselines
    search = GridSearchCV(pipe, {"shift__offset": [0.0, 0.01]}, cv=KFold(2), scoring="neg_mean_absolute_error")
    search.fit(X, y)
    assert search.best_params_["shift__offset"] in (0.0, 0.01)
    assert np.isfinite(search.predict(X)).all()


def test_a_step_for_some_catalogues_is_passthrough_in_the_others():
    step = declare_step(Step("shift", PeriodShifter, after="mean", catalogues=("spline",)))
    try:
        for catalogue in CATALOGUES:
            steps = make_pipeline("minirocket", catalogue).named_steps
            assert list(steps).index("shift") == list(steps).index("mean") + 1
            assert isinstance(steps["shift"], PeriodShifter) == (catalogue == "spline")
    finally:
        assert remove_step("shift") == (step,)


def test_bad_declarations_are_refused(shifter):
    with pytest.raises(ValueError, match="after='smooth' names no declared step"):
        declare_step(Step("clip", PeriodShifter, after="smooth"))
    with pytest.raises(ValueError, match="step name 'shift' is taken"):
        declare_step(Step("shift", PeriodShifter, inputs=("features",), after="domain"))
    with pytest.raises(ValueError, match="inputs must be a tuple of"):
        Step("clip", PeriodShifter, inputs="sequence")
    with pytest.raises(ValueError, match="catalogues must be among"):
        Step("clip", PeriodShifter, catalogues=("smooth",))
    with pytest.raises(ValueError, match="must be an identifier"):
        Step("my clip", PeriodShifter)
