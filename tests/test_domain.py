"""Training-domain record and plausibility flags (rrlsk.domain)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor

import rrlsk
from rrlsk.datasets import make_gaia_rrab
from rrlsk.domain import (
    PlausibilityLimits,
    TrainingDomain,
    curve_features,
    find_training_domain,
    plausibility,
    record_training_domain,
)
from rrlsk.io.gaia import G_ZEROPOINT, TIME_OFFSET_JD


@pytest.fixture(scope="module")
def sample():
    X, y, _ = make_gaia_rrab(200, random_state=1)
    return X, y


def mistakes(X):
    """Six copies of real-looking stars, each with one classic input mistake."""
    bad = X.iloc[:6].copy()
    ids = bad.index
    bad.loc[ids[0], "period"] *= 24  # hours
    bad.at[ids[1], "mag"] = 10 ** (-0.4 * (bad.at[ids[1], "mag"] - G_ZEROPOINT))  # fluxes
    outlier = bad.at[ids[2], "mag"].copy()
    outlier[3] += 50.0
    bad.at[ids[2], "mag"] = outlier
    bad.at[ids[3], "mag"] = np.full(len(bad.at[ids[3], "mag"]), 15.0)  # constant
    bad.at[ids[4], "time"] = bad.at[ids[4], "time"] + TIME_OFFSET_JD  # JD
    noise = np.random.default_rng(0).normal(17.0, 0.3, len(bad.at[ids[5], "mag"]))
    bad.at[ids[5], "mag"] = noise  # pure noise
    return bad


def test_curve_features_of_a_known_curve():
    t = np.linspace(1700.0, 1701.0, 101)[:-1]
    X = pd.DataFrame({"time": [t], "mag": [15.0 + 0.5 * np.sin(2 * np.pi * t)], "period": [1.0], "epoch": [0.0]},
                     index=pd.Index([7], name="source_id"))
    f = curve_features(X).loc[7]
    assert f["n_points"] == 100 and f["period"] == 1.0
    assert f["amplitude"] == pytest.approx(1.0, abs=1e-3)
    assert f["mean_mag"] == pytest.approx(15.0, abs=1e-9)
    assert f["scatter"] == pytest.approx(0.5 * 2 * np.pi / 100 / np.sqrt(2) / np.sqrt(2), rel=0.05)


def test_every_unit_mistake_is_flagged_with_its_reason(sample):
    X, y = sample
    domain = TrainingDomain().fit(X, y)
    flags = plausibility(mistakes(X), np.full(6, -1.5), domain=domain)
    assert flags["flagged"].all()
    reasons = flags["reason"].tolist()
    assert "hours instead of days" in reasons[0]
    assert "fluxes in the mag column" in reasons[1]
    assert "magnitudes above 30" in reasons[2] and "amplitude" in reasons[2]
    assert "amplitude 0 mag" in reasons[3]
    assert "JD or MJD" in reasons[4]
    assert "outside the training domain: scatter" in reasons[5]
    assert flags["outside_training_domain"].iloc[[0, 1, 2, 3, 5]].all()


def test_training_like_stars_are_not_flagged(sample):
    X, y = sample
    domain = TrainingDomain().fit(X, y)
    fresh, y_fresh, _ = make_gaia_rrab(200, random_state=2)
    flags = plausibility(fresh, y_fresh, domain=domain)
    assert flags["flagged"].mean() < 0.05
    assert (flags["reason"] == "").equals(~flags["flagged"])


def test_prediction_range_and_label_domain(sample):
    X, y = sample
    domain = TrainingDomain().fit(X, y)
    flags = plausibility(X.iloc[:3], [976_653.0, -1.5, -8.0], domain=domain)
    assert flags["flagged"].tolist() == [True, False, True]
    assert "[Fe/H] 9.767e+05 dex outside the physical range [-4, 1] dex" in flags["reason"].iloc[0]
    assert "outside the training domain: [Fe/H]" in flags["reason"].iloc[2]
    without = plausibility(X.iloc[:3], [976_653.0, -1.5, -8.0])  # no record: range check only
    assert without["flagged"].tolist() == [True, False, True]
    assert not without["outside_training_domain"].any()


def test_thresholds_are_parameters(sample):
    X, _ = sample
    star = X.iloc[:1].copy()
    star["period"] = 2.5
    assert plausibility(star)["flagged"].iloc[0]
    assert not plausibility(star, limits=PlausibilityLimits(period=(0.1, 3.0)))["flagged"].iloc[0]
    with pytest.raises(ValueError, match="PlausibilityLimits.period"):
        PlausibilityLimits(period=(2.0, 0.1))
    with pytest.raises(ValueError, match="quantiles"):
        TrainingDomain(quantiles=(0.9, 0.1)).fit(X)


def test_pipelines_record_the_domain_and_any_model_can_carry_one(sample):
    X, y = sample
    pipe = rrlsk.make_pipeline("fourier_linear").fit(X, y)
    domain = find_training_domain(pipe)
    assert isinstance(domain, TrainingDomain) and domain.n_stars_ == len(X)
    assert domain.label_range_ == (pytest.approx(y.min()), pytest.approx(y.max()))
    assert pipe.named_steps["domain"].transform(X) is X
    plain = DummyRegressor().fit(np.zeros((len(X), 1)), y)
    assert find_training_domain(plain) is None
    assert find_training_domain(record_training_domain(plain, X, y)).n_stars_ == len(X)


def test_labels_indexed_differently_from_x_are_refused(sample):
    X, y = sample
    pipe = rrlsk.make_pipeline("fourier_linear")
    with pytest.raises(ValueError, match=r"same stars in another order.*y = y.loc\[X.index\]"):
        pipe.fit(X, y.iloc[::-1])
    other = y.copy()
    other.index = other.index + 1
    with pytest.raises(ValueError, match="holds other stars"):
        pipe.fit(X, other)
    pipe.fit(X, y.to_numpy())  # arrays carry no index: fitted by position, as documented


def test_wrapped_models_expose_their_domain(sample):
    from rrlsk.ensemble import FoldEnsembleRegressor

    X, y = sample
    ensemble = FoldEnsembleRegressor(rrlsk.make_pipeline("fourier_linear"), cv=2).fit(X, y)
    assert find_training_domain(ensemble) is find_training_domain(ensemble.estimators_[0])


def test_domain_ranges_of_non_negative_features_are_shown_from_zero(sample):
    X, y = sample
    domain = TrainingDomain().fit(X, y)
    domain.ranges_["scatter"] = (0.001, 0.1)  # widened by the margin to below zero
    star = X.iloc[:1].copy()
    star["mag"] = [star["mag"].iloc[0] + np.resize([0.5, -0.5], len(star["mag"].iloc[0]))]
    reason = plausibility(star, domain=domain)["reason"].iloc[0]
    assert "scatter" in reason and "not in [0, " in reason and "[-" not in reason


def test_stars_of_another_type_are_outside_an_rrab_models_domain(sample):
    from rrlsk.catalogue import predict_table
    from rrlsk.datasets import make_gaia_rrc

    X, y = sample
    model = rrlsk.make_pipeline("fourier_linear").fit(X, y)
    assert find_training_domain(model).types_ == ["RRab"]
    rrc, _, _ = make_gaia_rrc(100, random_state=3)
    table = predict_table(model, rrc)
    assert (table["status"] == "flagged").all() and table["outside_training_domain"].all()
    assert table["reason"].str.contains("type 'RRc', the model was trained on RRab stars").all()
    untyped = predict_table(model, X.drop(columns="type").iloc[:20])  # no type column: no type check
    assert not untyped["reason"].str.contains("type").any()


def test_per_star_scalars_outside_their_training_range_are_outside_the_domain(sample):
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from rrlsk.catalogue import predict_table
    from rrlsk.preprocessing import PerStarScalars, PhaseFolder

    X, y = sample
    X = X.assign(parallax=np.random.default_rng(0).uniform(0.2, 1.0, len(X)))
    scalars = PerStarScalars(["parallax", "phi31"])
    model = Pipeline([("domain", TrainingDomain()), ("fold", PhaseFolder()), ("meta", scalars),
                      ("features", FunctionTransformer(lambda T: T[["meta_parallax", "meta_phi31"]].to_numpy())),
                      ("reg", Ridge())]).fit(X, y)
    assert set(scalars.ranges_) == {"parallax", "phi31"} and scalars.ranges_["parallax"][1] <= 1.0
    new = X.iloc[:20].copy()
    new.loc[new.index[:10], "parallax"] = 3.0  # 3x the training range
    table = predict_table(model, new)
    assert table["outside_training_domain"].iloc[:10].all() and not table["outside_training_domain"].iloc[10:].any()
    assert table["reason"].iloc[:10].str.contains(r"outside the training domain: meta parallax 3 not in").all()
