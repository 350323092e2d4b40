"""The catalogue of models: one class defined = one network everywhere.

The built-in entries name their classes by ``"module:Class"`` and state
their tags without TensorFlow; these tests check them against the classes.
A toy network is added here as a user adds one (a builder and a small
``NetworkRegressor`` subclass naming itself, nothing else) and found by
``make_pipeline``, :func:`rrlsk.all_models`, the command line's list of
models and ``GridSearchCV``.
"""

import inspect
import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from rrlsk import _registry, all_models, baselines, cli, make_pipeline
from rrlsk.datasets import make_gaia_rrab
from rrlsk.model_selection import BinnedStratifiedKFold
from rrlsk.pipelines import MODELS, NETWORKS

keras = pytest.importorskip("keras")
from rrlsk import regressors as R  # noqa: E402

PAPER_ORDER = ["fcn", "resnet", "inception", "lstm", "bilstm", "gru", "bigru", "convlstm", "convgru", "transformer"]


def test_builtin_table_is_the_registry():
    """The TensorFlow-free entries (CLI help, public names) are what the classes register."""
    assert list(NETWORKS) == PAPER_ORDER
    assert dict(_registry.BUILTIN_NETWORKS) == {name: cls.__name__ for name, cls in NETWORKS.items()}
    assert all(getattr(R, cls.__name__) is cls and cls.__name__ in R.__all__ for cls in NETWORKS.values())
    for entry in _registry._BUILTIN:
        if entry.kind == "network":  # import path, masking and scalars as the class states them
            cls = NETWORKS[entry.name]
            assert entry.target == f"{cls.__module__}:{cls.__qualname__}"
            assert (entry.masks_padding, entry.takes_scalars) == (cls.masks_padding, "n_meta" in cls().get_params())
            assert MODELS[entry.name] == entry
    assert list(_registry.BASELINES) == [*baselines.FEATURE_MODELS, *baselines.PANEL_MODELS]
    assert MODELS["minirocket"].load() is baselines.PANEL_MODELS["minirocket"]
    assert list(MODELS) == [*PAPER_ORDER, *_registry.BASELINES]


def test_all_models_lists_names_without_tensorflow_and_classes_on_request():
    code = (
        "import sys, rrlsk\n"
        "rrlsk.make_pipeline\n"
        "names = rrlsk.all_models(names_only=True)\n"
        "nets = rrlsk.all_models('network', names_only=True)\n"
        "print('tensorflow' in sys.modules, len(names), ','.join(nets))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", str(len(PAPER_ORDER) + len(_registry.BASELINES)), ",".join(PAPER_ORDER)]
    assert all_models("network") == [(name, NETWORKS[name]) for name in PAPER_ORDER]
    assert [name for name, _ in all_models("baseline")] == list(_registry.BASELINES)
    assert all_models("baseline")[0][1] is baselines.PeriodPhi31Relation
    with pytest.raises(ValueError, match="kind must be one of"):
        all_models("regressor")
    assert MODELS["gru"].tags == {"kind": "network", "inputs": "sequence", "masks_padding": True, "takes_scalars": True}
    assert MODELS["svr"].tags["kind"] == "baseline" and not MODELS["svr"].takes_scalars


def test_capabilities_come_from_the_classes():
    maskers = {name for name, cls in NETWORKS.items() if cls.masks_padding}
    assert maskers == {"lstm", "bilstm", "gru", "bigru", "transformer"}
    for name, cls in NETWORKS.items():
        assert MODELS[name].masks_padding is cls.masks_padding
        assert cls().learning_rate == cls.default_learning_rate
    assert R.TransformerRegressor.default_learning_rate == 1e-3


def test_private_bases_and_unnamed_subclasses_are_not_registered():
    class MyGRU(R.GRURegressor):  # inherits model_name "gru": a variant, not a new network
        pass

    assert NETWORKS["gru"] is R.GRURegressor
    assert R._RecurrentRegressor not in NETWORKS.values()


def test_a_taken_or_malformed_name_is_refused():
    with pytest.raises(ValueError, match="model name 'gru' of .* is taken by rrlsk.regressors.recurrent.GRURegressor"):
        type("OtherGRU", (R.GRURegressor,), {"model_name": "gru"})
    with pytest.raises(ValueError, match="lower-case identifier"):
        type("Bad", (R.GRURegressor,), {"model_name": "My GRU"})
    assert NETWORKS["gru"] is R.GRURegressor


def test_cli_help_lists_the_registry_without_tensorflow():
    code = (
        "import contextlib, io, sys\n"
        "from rrlsk.cli import main\n"
        "text = io.StringIO()\n"
        "with contextlib.redirect_stdout(text), contextlib.suppress(SystemExit):\n"
        "    main(['train', '--help'])\n"
        "print('tensorflow' in sys.modules, text.getvalue())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    tf_loaded, help_text = out.stdout.split(" ", 1)
    assert tf_loaded == "False"
    listed = "networks: " + ", ".join(PAPER_ORDER) + "; baselines: fourier_relation"
    assert listed in " ".join(help_text.split())  # argparse wraps lines
    assert cli.models_help().startswith(listed)


def _defaults(cls):
    return {name: p.default for name, p in inspect.signature(cls).parameters.items()}


@pytest.mark.parametrize("name", PAPER_ORDER)
def test_shared_training_parameters_are_stated_once(name):
    """Each constructor is the network's parameters, then TRAINING_DEFAULTS."""
    cls = NETWORKS[name]
    parameters = inspect.signature(cls).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    expected = {**cls.network_defaults, **R.TRAINING_DEFAULTS, "learning_rate": cls.default_learning_rate}
    assert _defaults(cls) == expected
    assert list(_defaults(cls)) == list(expected)  # the network's sizes first, as before
    assert cls().get_params() == expected


def test_generated_constructors_keep_the_sklearn_contract():
    est = R.GRURegressor(epochs=3, units=(4,))
    assert "\tepochs=3\n" in repr(est) and "\tunits=(4,)\n" in repr(est)  # scikeras' repr, every parameter
    assert clone(est).get_params() == est.get_params()
    assert pickle.loads(pickle.dumps(est)).get_params() == est.get_params()
    assert est.set_params(dropout=0.3).dropout == 0.3
    with pytest.raises(TypeError, match="unexpected keyword argument 'unit'"):
        R.GRURegressor(unit=4)
    with pytest.raises(TypeError):
        R.GRURegressor((4,))  # keyword-only, as before
    assert R.GRURegressor.__init__.__qualname__ == "GRURegressor.__init__"


def test_training_parameters_are_checked_by_declared_constraints():
    """Constraints in scikit-learn's language; its own _validate_params is not overridden."""
    from sklearn.base import BaseEstimator
    from sklearn.utils._param_validation import InvalidParameterError

    assert set(R.NetworkRegressor._parameter_constraints) == set(R.TRAINING_DEFAULTS)
    assert R.NetworkRegressor._validate_params is BaseEstimator._validate_params
    with pytest.raises(InvalidParameterError, match="The 'batch_size' parameter of GRURegressor must be"):
        R.GRURegressor(batch_size=0)._validate_params()  # scikit-learn's words
    with pytest.raises(InvalidParameterError, match="^batch_size must be a positive integer, got 0$"):
        R.GRURegressor(batch_size=0)._check_params()  # rrlsk's, as fit raises it
    with pytest.raises(ValueError, match="n_meta must be a non-negative integer or 'auto', got True"):
        R.GRURegressor(n_meta=True)._check_params()  # a count, not a flag
    for params in ({}, {"patience": None, "clipnorm": 1.0, "jit_compile": False, "random_state": 0}):
        R.TransformerRegressor(**params)._check_params()


def test_variants_change_defaults_or_write_their_own_constructor():
    class Wider(R.FCNRegressor):  # inherits model_name "fcn": a variant, not registered again
        network_defaults = {**R.FCNRegressor.network_defaults, "filters": (256, 512, 256)}

    class Explicit(R.NetworkRegressor):
        def __init__(self, *, units=4, epochs=2):
            self.units, self.epochs = units, epochs

    assert Wider().get_params() == {**R.FCNRegressor().get_params(), "filters": (256, 512, 256)}
    assert Explicit().get_params() == {"units": 4, "epochs": 2}
    assert NETWORKS["fcn"] is R.FCNRegressor


# --- a toy network, added the way docs/networks.md tells ------------------------------------------

def build_toy(n_steps, n_channels=2, *, units=4):
    """The whole curve through one hidden Dense layer."""
    inputs = keras.Input((n_steps, n_channels))
    hidden = keras.layers.Dense(units, activation="relu")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, keras.layers.Dense(1)(hidden))


@pytest.fixture
def toy():
    class ToyRegressor(R.NetworkRegressor):
        """A toy network: one hidden layer."""

        model_name = "toy"
        network_defaults = {"units": 4}

        def _build_network(self, n_steps, n_channels):
            return build_toy(n_steps, n_channels, units=self.units)

    yield ToyRegressor
    _registry.unregister_network("toy")
    assert "toy" not in NETWORKS


def test_a_toy_network_is_everywhere_once_defined(toy):
    assert NETWORKS["toy"] is toy and "toy" in MODELS
    assert ("toy", toy) in all_models("network") and not MODELS["toy"].masks_padding
    pipe = make_pipeline("toy", epochs=2, random_state=0)
    assert [name for name, _ in pipe.steps] == ["domain", "fold", "spline", "mean", "encode", "toy"]
    assert "toy" in cli.models_help()
    with pytest.raises(ValueError, match="cannot mask"):  # toy.masks_padding is False
        make_pipeline("toy", "raw")

    X, y, _ = make_gaia_rrab(30, random_state=0)
    search = GridSearchCV(
        make_pipeline("toy", n_points=20, epochs=2, batch_size=8, validation_fraction=0.0, random_state=0),
        {"toy__units": [2, 4]},
        cv=BinnedStratifiedKFold(n_splits=2, n_bins=3, random_state=0),
        scoring="neg_mean_absolute_error",
    )
    search.fit(X, y)
    assert search.best_params_["toy__units"] in (2, 4)
    assert np.isfinite(search.predict(X)).all()
