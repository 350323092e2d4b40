"""Conformance suite: every public estimator class of rrlsk against the
scikit-learn contract.

Each class is registered in :data:`CASES` with small test parameters and
the kind of test data it takes (aeon's ``get_test_params`` idea, kept in
this module so that adding a class means adding one entry here; a test
fails when a public estimator class has none). Three parts:

1. scikit-learn's API checks (``sklearn.utils.estimator_checks``). Most rrlsk
   estimators take light-curve tables or 3-D tensors, for which scikit-learn
   runs no check at all (``two_d_array=False`` tag), so the checks are
   called one by one, one test per estimator; those whose premise is a 2-D
   ndarray ``X`` must fail, with the reason (:data:`FEEDS_2D`), and known
   failures inherited from a dependency may (:data:`KNOWN_FAILURES`).
   The one estimator that takes any 2-D data (``FoldEnsembleRegressor``)
   runs scikit-learn's whole suite through ``parametrize_with_checks``.
2. The data-dependent checks rewritten for light-curve tables and tensors:
   ``fit`` returns self, leaves its input and its parameters untouched,
   adds only trailing-underscore attributes, is idempotent, and a clone
   refitted or a pickled copy gives the same output.
3. The registry covers every public estimator class.
"""

import copy
import importlib
import inspect
import pickle
import pkgutil
from unittest import SkipTest

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.utils import estimator_checks

import rrlsk
from rrlsk import baselines, make_pipeline, preprocessing
from rrlsk.base import TableTransformer
from rrlsk.datasets import make_gaia_rrab
from rrlsk.degrade import LightCurveDegrader
from rrlsk.domain import TrainingDomain
from rrlsk.ensemble import FoldEnsembleRegressor
from rrlsk.model_selection import CachedFit
from rrlsk.pretrained.dekany2022 import DekanyEnsembleRegressor
from rrlsk.per_type import PerTypeRegressor
from rrlsk.uncertainty import CalibratedRegressor

keras = pytest.importorskip("keras")
from rrlsk import regressors as R  # noqa: E402

_SKLEARN = tuple(int(part) for part in sklearn.__version__.split(".")[:2])

# The smallest network of each family, one epoch, no XLA and no inner
# validation split (the GRU keeps it, so that the monitored path is covered
# too): the contract, not accuracy, at about 2 s of CPU a fit.
_NET = {"epochs": 1, "batch_size": 8, "random_state": 0, "jit_compile": False, "validation_fraction": 0.0}

#: Networks refitted in place for the idempotence check: the training loop
#: (``NetworkRegressor.fit``) is one for all, so one recurrent network with
#: the inner validation split and one convolutional network without cover
#: it; every network is still fitted twice (clone-refit) and pickled.
_REFIT_NETWORKS = (R.GRURegressor, R.FCNRegressor)

#: class -> (list of test parameter sets, kind of test data), see ``_data``.
CASES = {
    preprocessing.PhaseFolder: ([{}, {"align": "maximum", "order": 2}], "raw"),
    preprocessing.SplineResampler: ([{"n_points": 16}, {"n_points": "max", "method": "exact"}], "folded"),
    preprocessing.MeanMagSubtractor: ([{}], "folded"),
    preprocessing.SequenceEncoder: ([{}], "resampled"),
    preprocessing.SequencePadder: ([{}, {"max_length": 160, "mask_value": -2.0}], "folded"),
    preprocessing.PerStarScalars: ([{}, {"names": ["period", "mean_mag", "n_epochs"], "fourier_order": 3}], "folded"),
    preprocessing.FourierFeatures: ([{"order": 3}, {"order": 3, "convention": "cosine", "weighted": False}], "folded"),
    baselines.PeriodPhi31Relation: ([{}, {"refit": True}], "features"),
    baselines.SktimePanel: ([{}], "tensor"),
    baselines.MiniRocketFeatures: ([{"num_kernels": 84}], "panel"),
    FoldEnsembleRegressor: (
        [{"estimator": baselines.PeriodPhi31Relation(refit=True), "cv": 3, "random_state": 0}],
        "features",
    ),
    TrainingDomain: ([{}, {"quantiles": (0.1, 0.9)}], "raw"),
    CalibratedRegressor: (
        [{"estimator": make_pipeline("fourier_linear"), "cv": 3, "random_state": 0},
         {"estimator": make_pipeline("fourier_linear"), "cv": 3, "random_state": 0, "interval": "classical",
          "difficulty_quantiles": (0.5, 0.9)}],
        "raw",
    ),
    PerTypeRegressor: ([{"models": {"RRab": make_pipeline("fourier_linear")}, "default_type": "RRab"}], "raw"),
    R.FCNRegressor: ([{"filters": (2,), "kernel_sizes": (3,), **_NET}], "tensor"),
    R.ResNetRegressor: ([{"filters": (2,), "kernel_sizes": (3,), **_NET}], "tensor"),
    R.InceptionTimeRegressor: (
        [{"depth": 1, "filters": 2, "kernel_sizes": (5,), "bottleneck": 2, **_NET}],
        "tensor",
    ),
    R.LSTMRegressor: ([{"units": (2,), "dropout": 0.1, **_NET}], "tensor"),
    R.GRURegressor: ([{"units": (2,), "dropout": 0.1, **_NET, "validation_fraction": 0.2}], "tensor"),
    R.BiLSTMRegressor: ([{"units": (2,), "dropout": 0.1, **_NET}], "tensor"),
    R.BiGRURegressor: ([{"units": (2,), "dropout": 0.1, **_NET}], "tensor"),
    R.ConvLSTMRegressor: ([{"filters": (2,), "kernel_sizes": (3,), "units": (2,), "dropout": 0.1, **_NET}], "tensor"),
    R.ConvGRURegressor: ([{"filters": (2,), "kernel_sizes": (3,), "units": (2,), "dropout": 0.1, **_NET}], "tensor"),
    R.TransformerRegressor: ([{"d_model": 4, "num_heads": 1, "ff_dim": 4, "n_blocks": 1, **_NET}], "tensor"),
}

#: Public estimator classes with no case of their own, and why.
NOT_INSTANTIATED = {
    R.NetworkRegressor: "abstract base (no network); every concrete subclass has a case",
    TableTransformer: "abstract base (no _transform); every concrete subclass has a case",
    LightCurveDegrader: "no fit, transform or predict: parameters and degrade(X) (tests/test_degrade.py)",
    CachedFit: "a lazy wrapper: fit records what to fit and the estimator is fitted at the first prediction "
               "not on disk, so the checks that expect fit to validate or fail do not apply; a resumed search, "
               "its scores, routing, pickling and its errors are tested in tests/test_model_selection_cache.py",
    DekanyEnsembleRegressor: "a published model: fit() loads its shipped weights and learns nothing from data; "
                             "clone, pickle, predict and its errors are tested in tests/test_pretrained.py",
}

#: API checks of scikit-learn that fit on a 2-D ndarray ``X``: their premise
#: does not hold for light-curve tables and tensors, so they must fail
#: (MiniRocketFeatures, which reads a 2-D array as univariate panels, skips
#: them: compiling its numba kernels for those takes over a minute); part 2
#: re-states them for light-curve data.
FEEDS_2D = {
    "check_fit_score_takes_y": "fits a 2-D ndarray",
    "check_estimators_overwrite_params": "fits a 2-D ndarray (see test_fit_contract_on_light_curve_data)",
    "check_dont_overwrite_parameters": "fits a 2-D ndarray (see test_fit_contract_on_light_curve_data)",
    "check_estimators_fit_returns_self": "fits a 2-D ndarray (see test_fit_contract_on_light_curve_data)",
    "check_readonly_memmap_input": "fits a read-only 2-D memmap",
    "check_positive_only_tag_during_fit": "fits a 2-D ndarray of negative values",
}

ENSEMBLE_N_FEATURES = "does not set n_features_in_ (X may be a light-curve table)"
_KERAS = [cls for cls in CASES if issubclass(cls, R.NetworkRegressor)]
#: (class, check) -> reason, for failures inherited from a dependency.
KNOWN_FAILURES = {
    **{
        (cls, "check_estimator_tags_renamed"): "scikeras' KerasRegressor defines _more_tags (scikit-learn < 1.6 tags)"
        for cls in _KERAS
    },
    **{
        (cls, "check_mixin_order"): "scikeras' KerasRegressor puts BaseWrapper before RegressorMixin"
        for cls in _KERAS
    },
    (baselines.PeriodPhi31Relation, "check_n_features_in_after_fitting"): (
        "fits a bare 2-D ndarray; the relation needs named period and phi31 columns"
    ),
    (FoldEnsembleRegressor, "check_n_features_in_after_fitting"): ENSEMBLE_N_FEATURES,
}

#: scikit-learn's API checks (``_yield_api_checks`` of 1.6-1.9, plus the
#: parameter checks) whose premise holds for every estimator; looked up by
#: name, as older releases lack some.
API_CHECKS = (
    "check_estimator_cloneable",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_get_params_invariance",
    "check_set_params",
    "check_parameters_default_constructible",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimators_unfitted",
    "check_mixin_order",
    "check_n_features_in_after_fitting",  # returns at once for tables and tensors
)


#: FoldEnsembleRegressor under scikit-learn's whole suite: failures and why.
ENSEMBLE_EXPECTED_FAILURES = {
    "check_n_features_in_after_fitting": ENSEMBLE_N_FEATURES,
    "check_n_features_in": ENSEMBLE_N_FEATURES,
    "check_sample_weights_not_an_array": "takes len() of sample_weight-like objects",
    "check_regressor_data_not_an_array": "takes len() of X-like objects",
    "check_sample_weight_equivalence_on_dense_data": "cv must be an int or splitter, not a list of splits",
    "check_estimators_empty_data_messages": "leaves empty data to the wrapped estimator",
    "check_estimator_sparse_tag": "passes sparse data on to the wrapped estimator",
    "check_estimator_sparse_array": "passes sparse data on to the wrapped estimator",
    "check_estimator_sparse_matrix": "passes sparse data on to the wrapped estimator",
    "check_supervised_y_2d": "flattens a column y without a DataConversionWarning",
    "check_requires_y_none": "names y=None in its own words",
}


def _required(cls, params):
    """The parameters of ``params`` that ``cls`` has no default for."""
    signature = inspect.signature(cls.__init__).parameters
    return {k: v for k, v in params.items() if signature[k].default is inspect.Parameter.empty}


def _instances():
    for cls, (param_sets, kind) in CASES.items():
        for i, params in enumerate(param_sets):
            yield pytest.param(cls, params, kind, id=f"{cls.__name__}-{i}")


@pytest.fixture(scope="module")
def data():
    """Tiny simulated sample in every form an estimator takes: name -> (X, y)."""
    raw, y, _ = make_gaia_rrab(24, random_state=1)
    folded = preprocessing.PhaseFolder().fit_transform(raw)
    resampled = preprocessing.MeanMagSubtractor().fit_transform(
        preprocessing.SplineResampler(n_points=16).fit_transform(folded)
    )
    tensor = preprocessing.SequenceEncoder().fit_transform(resampled)
    forms = {
        "raw": raw,
        "folded": folded,
        "resampled": resampled,
        "tensor": tensor,
        "panel": preprocessing.to_sktime(tensor),
        "features": preprocessing.FourierFeatures(order=3).fit_transform(folded),
    }
    return {name: (X, y) for name, X in forms.items()}


def _output(est, X):
    return est.predict(X) if hasattr(est, "predict") else est.transform(X)


def _snapshot(X):
    """A copy of ``X`` down to the arrays inside its cells."""
    if isinstance(X, pd.DataFrame):
        return X.apply(lambda col: col.map(np.copy) if col.dtype == object else col.copy())
    return copy.deepcopy(X)


def _assert_same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    else:
        # networks are seeded and deterministic; float32 rounding only
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-6, atol=1e-7)


# --- 1. scikit-learn's API checks ----------------------------------------------------------------

@pytest.mark.parametrize("cls, params, kind", _instances())
def test_sklearn_api_checks(cls, params, kind):
    """Every API check passes but the expected failures, each with its
    reason; a check whose 2-D premise does not apply must fail."""
    must_fail = {} if cls is baselines.MiniRocketFeatures else dict(FEEDS_2D)
    may_fail = {name: why for (klass, name), why in KNOWN_FAILURES.items() if klass is cls}
    failures = {}
    for name in (*API_CHECKS, *must_fail):
        check = getattr(estimator_checks, name, None)
        if check is None:  # not in this scikit-learn release
            continue
        kept = params if name != "check_parameters_default_constructible" else _required(cls, params)
        try:
            check(cls.__name__, cls(**kept))
        except SkipTest:
            continue
        except (AssertionError, ValueError, TypeError) as exc:
            failures[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
    unexpected = {name: why for name, why in failures.items() if name not in must_fail and name not in may_fail}
    assert not unexpected, f"{cls.__name__} fails scikit-learn API checks: {unexpected}"
    passed = sorted(set(must_fail) - set(failures))
    assert not passed, f"{cls.__name__} passes {passed}: their 2-D premise applies, run them for real"


if _SKLEARN >= (1, 6):

    @estimator_checks.parametrize_with_checks(
        [FoldEnsembleRegressor(Ridge(), cv=3)],
        expected_failed_checks=lambda est: ENSEMBLE_EXPECTED_FAILURES,
    )
    def test_fold_ensemble_passes_sklearn_suite(estimator, check):
        check(estimator)


# --- 2. the data-dependent checks on light-curve tables and tensors ------------------------------

@pytest.mark.parametrize("cls, params, kind", _instances())
def test_fit_contract_on_light_curve_data(cls, params, kind, data):
    """scikit-learn's data checks (fit returns self, input not mutated,
    parameters not overwritten, clone-refit equality, pickle, fit
    idempotent), on the estimator's own kind of input."""
    X, y = data[kind]
    est = cls(**params)
    if est.__sklearn_tags__().requires_fit:
        with pytest.raises(NotFittedError):
            _output(est, X)
    X_before, y_before = _snapshot(X), y.copy()
    params_before = pickle.dumps(est.get_params(deep=False))
    public_before = {k for k in vars(est) if not k.startswith("_")}

    assert est.fit(X, y) is est
    first = _output(est, X)
    assert len(first) == len(X)
    _assert_same(X, X_before)
    pd.testing.assert_series_equal(y, y_before)
    assert pickle.dumps(est.get_params(deep=False)) == params_before, "fit changed a parameter"
    added = {k for k in vars(est) if not k.startswith("_")} - public_before
    assert all(k.endswith("_") for k in added), f"fit set public attributes without a trailing _: {added}"

    _assert_same(_output(clone(est).fit(X, y), X), first)  # a clone refits to the same
    if not issubclass(cls, R.NetworkRegressor) or cls in _REFIT_NETWORKS:
        _assert_same(_output(est.fit(X, y), X), first)  # fit is idempotent
    _assert_same(_output(pickle.loads(pickle.dumps(est)), X), first)  # a pickled copy predicts the same


_TABLES_AND_TENSORS = ("raw", "folded", "resampled", "tensor")


@pytest.mark.parametrize("cls, params, kind", [case for case in _instances() if case.values[2] in _TABLES_AND_TENSORS])
def test_tags_say_light_curve_tables_and_tensors_are_not_2d(cls, params, kind):
    """scikit-learn's checks then feed them no 2-D ndarray (part 2 checks their data instead)."""
    assert cls(**params).__sklearn_tags__().input_tags.two_d_array is False


# --- 3. coverage ---------------------------------------------------------------------------------

def _public_estimator_classes():
    found = set()
    for module_info in pkgutil.walk_packages(rrlsk.__path__, "rrlsk."):
        if any(part.startswith("_") for part in module_info.name.split(".")) or module_info.name == "rrlsk.cli":
            continue
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:  # an optional extra (dask) not installed
            continue
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator) and obj.__module__.startswith("rrlsk"):
                found.add(obj)
    return found


def test_every_public_estimator_class_has_a_case():
    missing = _public_estimator_classes() - set(CASES) - set(NOT_INSTANTIATED)
    assert not missing, f"add test parameters and data for {sorted(c.__name__ for c in missing)} to CASES"
    assert set(NOT_INSTANTIATED).isdisjoint(CASES)
