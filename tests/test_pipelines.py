"""make_pipeline and the baselines: structure, errors, and end-to-end fits."""

import numpy as np
import pytest
from sklearn.base import clone

import rrlsk
from rrlsk.baselines import PeriodPhi31Relation, SktimePanel
from rrlsk.datasets import feh_from_phi31, make_gaia_rrab
from rrlsk.pipelines import CATALOGUES, MODELS, NETWORKS, make_pipeline


@pytest.fixture(scope="module")
def sample():
    X, y, info = make_gaia_rrab(60, labels="spectroscopic", random_state=1)
    return X, y, info


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_step_names_are_stable_across_catalogues(catalogue):
    pipe = make_pipeline("gru", catalogue, epochs=1)
    assert [name for name, _ in pipe.steps] == ["domain", "fold", "spline", "mean", "encode", "gru"]
    if catalogue == "raw":
        assert pipe.named_steps["spline"] == "passthrough"
        assert type(pipe.named_steps["encode"]).__name__ == "SequencePadder"
    if catalogue == "spline_nomean":
        assert pipe.named_steps["mean"] == "passthrough"


def test_every_network_and_baseline_is_offered():
    assert set(NETWORKS) == {"fcn", "resnet", "inception", "lstm", "bilstm", "gru", "bigru", "convlstm", "convgru", "transformer"}
    assert {"fourier_relation", "fourier_linear", "svr", "random_forest", "gradient_boosting", "minirocket"} <= set(MODELS)
    for name in MODELS:
        assert make_pipeline(name).steps[-1][0] == name


def test_model_params_reach_the_model_and_grid_names_work():
    pipe = make_pipeline("gru", epochs=3, dropout=(0.1, 0.1, 0.1), n_points=50)
    assert pipe.named_steps["gru"].epochs == 3
    assert pipe.named_steps["spline"].n_points == 50
    pipe.set_params(gru__learning_rate=0.003, spline__n_points=64)
    assert clone(pipe).get_params()["gru__learning_rate"] == 0.003


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"model": "xgboost"}, "unknown model 'xgboost'"),
        ({"catalogue": "smooth"}, "unknown catalogue 'smooth'"),
        ({"model": "fcn", "catalogue": "raw"}, "cannot mask"),
    ],
)
def test_bad_choices_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_pipeline(**kwargs)


def test_top_level_name():
    assert rrlsk.make_pipeline is make_pipeline


def test_published_relation_is_the_simulators(sample):
    X, y, info = sample
    features = info[["period", "phi31"]]
    relation = PeriodPhi31Relation().fit(features, y)
    np.testing.assert_allclose(relation.predict(features), feh_from_phi31(info["period"], info["phi31"]))


def test_refit_relation_recovers_known_coefficients():
    rng = np.random.default_rng(0)
    import pandas as pd

    table = pd.DataFrame({"period": rng.uniform(0.4, 0.9, 200), "phi31": rng.uniform(4, 6, 200)})
    y = -7.0 - 6.0 * table["period"] + 1.6 * table["phi31"]
    relation = PeriodPhi31Relation(refit=True).fit(table, y, sample_weight=rng.uniform(0.1, 1, 200))
    np.testing.assert_allclose(relation.coefficients_, [-7.0, -6.0, 1.6], atol=1e-9)


def test_relation_rejects_a_table_without_phi31():
    import pandas as pd

    with pytest.raises(ValueError, match="phi31"):
        PeriodPhi31Relation().fit(pd.DataFrame({"period": [0.5]}), [0.0])


def test_sktime_panel_transposes():
    X = np.arange(24, dtype=np.float32).reshape(2, 6, 2)
    panel = SktimePanel().fit_transform(X)
    assert panel.shape == (2, 2, 6)
    np.testing.assert_array_equal(panel[1, 0], X[1, :, 0])


@pytest.mark.parametrize("model", ["fourier_linear", "svr", "gradient_boosting"])
def test_feature_baselines_fit_and_predict_the_light_curve_table(sample, model):
    X, y, _ = sample
    pipe = make_pipeline(model).fit(X, y)
    pred = pipe.predict(X)
    assert pred.shape == (len(X),) and np.isfinite(pred).all()


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_gru_pipeline_end_to_end(sample, catalogue):
    X, y, _ = sample
    pipe = make_pipeline("gru", catalogue, n_points=32, epochs=1, batch_size=32, random_state=0)
    pipe.fit(X, y, gru__sample_weight=rrlsk.density_weights(y))
    pred = pipe.predict(X)
    assert pred.shape == (len(X),) and np.isfinite(pred).all()
