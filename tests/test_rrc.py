"""First-overtone (RRc) stars: simulation, type handling, per-type prediction."""

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin

import rrlsk
from rrlsk.batch import predict_catalogue, predict_table, read_predictions
from rrlsk.cli import build_parser, main
from rrlsk.cli.training import pipeline as cli_pipeline
from rrlsk.datasets import (
    RRcPopulation,
    make_gaia_catalogue,
    make_gaia_rrab,
    make_gaia_rrc,
    make_paper_sample,
    to_gaia_files,
)
from rrlsk.io import read_gaia_dr3, select_paper_sample, write_parquet


class Constant(RegressorMixin, BaseEstimator):
    """A model whose every prediction is ``value``: tells which model answered."""

    def __init__(self, value=0.0):
        self.value = value

    def fit(self, X, y=None):
        self.n_fit_ = len(X)
        return self

    def predict(self, X):
        return np.full(len(X), float(self.value))


@pytest.fixture(scope="module")
def rrc():
    return make_gaia_rrc(200, random_state=5)


def test_make_gaia_rrc_is_deterministic_and_in_rrc_ranges(rrc):
    X, y, info = rrc
    X2, y2, info2 = make_gaia_rrc(200, random_state=5)
    assert y.equals(y2) and X.index.equals(X2.index)
    assert all(np.array_equal(a, b) for a, b in zip(X["mag"], X2["mag"]))
    assert not np.array_equal(make_gaia_rrc(200, random_state=6)[0]["period"], X["period"])
    pop = RRcPopulation()
    assert (X["type"] == "RRc").all()
    assert X["period"].between(*pop.period_range).all() and X["period"].max() < 0.46
    # near-sinusoidal: small amplitude ratios, far below the RRab ones
    assert info["R21"].between(*pop.r21_range).all() and info["R21"].median() < 0.2
    assert info["R31"].median() < 0.1 and info["amplitude"].between(0.1, 0.55).all()
    ab = make_gaia_rrab(200, random_state=5)[2]
    assert info["R21"].median() < 0.5 * ab["R21"].median()
    assert X.index.min() > make_gaia_rrab(200, random_state=5)[0].index.max()  # ids never collide


def test_population_kinds_are_checked():
    with pytest.raises(ValueError, match="RRcPopulation"):
        make_gaia_rrc(5, population=rrlsk.datasets.RRabPopulation())
    with pytest.raises(ValueError, match="RRabPopulation"):
        make_gaia_rrab(5, population=RRcPopulation())
    with pytest.raises(ValueError, match="amplitude_mean"):
        make_gaia_rrc(5, population=RRcPopulation(amplitude_mean=2.0))


def test_rrc_gaia_files_read_back(rrc, tmp_path):
    X, y, info = rrc
    paths = to_gaia_files(X, info, tmp_path, format="csv")
    vari = pd.read_csv(paths["vari_rrlyrae"])
    assert vari["pf"].isna().all() and np.allclose(vari["p1_o"], X["period"])  # Gaia puts RRc periods in p1_o
    X2, y2, info2 = read_gaia_dr3(tmp_path)
    assert X2.index.equals(X.index) and (X2["type"] == "RRc").all()
    assert np.allclose(X2["period"], X["period"]) and np.allclose(y2, y)


def test_selection_by_type_and_rrc_paper_sample(tmp_path):
    X, y, info = make_gaia_catalogue(60, rrc_fraction=0.5, random_state=1)
    assert (X["type"] == "RRc").sum() == 30 and X.index.is_unique
    paths = to_gaia_files(X, info, tmp_path, format="csv")
    loose = dict(max_feh_error=None, min_epochs=None, max_phi31_error=None)
    chosen, cuts = select_paper_sample(paths["vari_rrlyrae"], classification="RRc", **loose)
    assert set(chosen.index) == set(X.index[X["type"] == "RRc"]) and cuts["n_remaining"].iloc[1] == 30
    Xs, ys, infos = make_paper_sample(20, rr_type="RRc", labels="spectroscopic", random_state=2)
    assert len(Xs) == 20 and (Xs["type"] == "RRc").all()
    assert "best_classification == 'RRc'" in infos.attrs["selection"]["cut"]


def test_rrc_preset_aligns_on_the_first_harmonic():
    fold = rrlsk.make_pipeline("fourier_relation", rr_type="RRc").named_steps["fold"]
    assert (fold.align, fold.order) == ("maximum", 1)
    assert rrlsk.make_pipeline("fourier_relation").named_steps["fold"].align == "epoch"
    relation = rrlsk.make_pipeline("fourier_relation", rr_type="RRc").steps[-1][1]
    assert relation.coefficients == RRcPopulation.relation
    with pytest.raises(ValueError, match="rr_type"):
        rrlsk.make_pipeline("gru", rr_type="RRd")


def test_type_option_reaches_preset_and_selection(tmp_path, capsys):
    args = build_parser().parse_args(["cv", "data.parquet", "--type", "RRc"])
    assert cli_pipeline(args, "fourier_relation").named_steps["fold"].order == 1
    args = build_parser().parse_args(["train", "data.parquet", "--out", "m.joblib"])
    assert cli_pipeline(args, "fourier_relation").named_steps["fold"].align == "epoch"

    X, y, info = make_gaia_catalogue(40, rrc_fraction=0.5, labels="spectroscopic", random_state=3)
    to_gaia_files(X, info, tmp_path / "gaia", format="csv")
    loose = ["--max-feh-error", "9", "--min-epochs", "1", "--max-phi31-error", "99"]
    assert main(["select", str(tmp_path / "gaia"), "--type", "RRc", "--out", str(tmp_path / "c.parquet"), *loose]) == 0
    assert "best_classification == 'RRc'" in capsys.readouterr().out
    picked = rrlsk.io.read_parquet(tmp_path / "c.parquet")
    assert len(picked) == 20 and (picked["type"] == "RRc").all()


@pytest.fixture(scope="module")
def mixed():
    X, y, info = make_gaia_catalogue(50, rrc_fraction=0.4, random_state=4)
    X = X.copy()
    X.loc[X.index[:3], "type"] = "RRd"  # a type without a model
    return X


def test_per_type_regressor_routes_every_star_to_its_model(mixed, tmp_path):
    model = rrlsk.PerTypeRegressor({"RRab": Constant(-1.0).fit(mixed), "RRc": Constant(-2.0).fit(mixed)})
    write_parquet(mixed, tmp_path / "mixed.parquet")
    summary = predict_catalogue(model, tmp_path / "mixed.parquet", tmp_path / "out", chunk_size=7, progress=False)
    table = read_predictions(tmp_path / "out")
    assert table.index.equals(mixed.index) and summary.n_written == len(mixed)  # one row per star
    expected = mixed["type"].map({"RRab": -1.0, "RRc": -2.0})
    ok = table["status"] == "ok"
    assert ok.sum() == len(mixed) - 3 and np.array_equal(table.loc[ok, "feh"], expected[ok])
    skipped = table.loc[~ok]
    assert (skipped["status"] == "skipped").all() and skipped["reason"].str.contains("no model for type 'RRd'").all()
    with pytest.raises(ValueError, match="RRd"):
        model.predict(mixed)


def test_per_type_regressor_fit_split_and_one_file(mixed, tmp_path):
    known = mixed[mixed["type"] != "RRd"]
    model = rrlsk.PerTypeRegressor({"RRab": Constant(1.0), "RRc": Constant(2.0)}).fit(known, np.zeros(len(known)))
    assert model.models_["RRc"].n_fit_ == (known["type"] == "RRc").sum()
    joblib.dump(model, tmp_path / "both.joblib")
    table = predict_table(str(tmp_path / "both.joblib"), mixed.assign(type=mixed["type"].replace("RRd", None)))
    assert table["reason"].iloc[:3].str.contains("no RR Lyrae type").all()
    defaulted = rrlsk.PerTypeRegressor(model.models_, default_type="RRab").predict(mixed.drop(columns="type"))
    assert np.all(defaulted == 1.0)


def test_per_type_regressor_parameters_are_declared(mixed):
    from sklearn.base import clone
    from sklearn.utils._param_validation import InvalidParameterError

    assert set(rrlsk.PerTypeRegressor._parameter_constraints) == set(clone(
        rrlsk.PerTypeRegressor({"RRab": Constant()})).get_params(deep=False))
    for models in ({}, {"RRab": Constant(), "RRc": object()}, [Constant()]):
        with pytest.raises(InvalidParameterError, match="'models' parameter of PerTypeRegressor must be a non-empty"):
            rrlsk.PerTypeRegressor(models).fit(mixed, np.zeros(len(mixed)))
    with pytest.raises(InvalidParameterError, match="'type_column' parameter"):
        rrlsk.PerTypeRegressor({"RRab": Constant()}, type_column=3).fit(mixed, np.zeros(len(mixed)))
    with pytest.raises(InvalidParameterError, match="'default_type' parameter"):
        rrlsk.PerTypeRegressor({"RRab": Constant()}, default_type=1).skip_reasons(mixed)


def test_cli_predict_with_one_model_per_type(mixed, tmp_path):
    write_parquet(mixed, tmp_path / "mixed.parquet")
    joblib.dump(Constant(-1.0).fit(mixed), tmp_path / "ab.joblib")
    joblib.dump(Constant(-2.0).fit(mixed), tmp_path / "c.joblib")
    assert main(["predict", "--model-rrab", str(tmp_path / "ab.joblib"), "--model-rrc", str(tmp_path / "c.joblib"),
                 str(tmp_path / "mixed.parquet"), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    table = read_predictions(tmp_path / "out")
    assert np.array_equal(table["feh"].iloc[3:], mixed["type"].iloc[3:].map({"RRab": -1.0, "RRc": -2.0}))
    assert main(["predict", str(tmp_path / "mixed.parquet"), "--out", str(tmp_path / "out2")]) == 1  # no model
    assert main(["predict", str(tmp_path / "mixed.parquet"), "--model-rrc",
                 str(tmp_path / "c.joblib"), "--out", str(tmp_path / "out3"), "--quiet"]) == 0
    only_c = read_predictions(tmp_path / "out3")
    assert (only_c["status"] == "ok").sum() == (mixed["type"] == "RRc").sum()


def test_per_type_regressor_in_dask(mixed):
    dd = pytest.importorskip("dask.dataframe")
    import dask

    from rrlsk.dask import predict_dask

    model = rrlsk.PerTypeRegressor({"RRab": Constant(-1.0).fit(mixed), "RRc": Constant(-2.0).fit(mixed)})
    with dask.config.set({"dataframe.convert-string": False}):
        ddf = dd.from_pandas(mixed, npartitions=3)
        table = predict_dask(model, ddf).compute(scheduler="sync")
    assert table.index.sort_values().equals(mixed.index)
    assert (table.loc[mixed.index[:3], "status"] == "skipped").all()
    assert np.array_equal(table.loc[mixed.index[3:], "feh"], mixed["type"].iloc[3:].map({"RRab": -1.0, "RRc": -2.0}))


def test_the_router_keeps_each_models_uncertainty_and_training_domain():
    from rrlsk.uncertainty import CalibratedRegressor

    X, y, _ = make_gaia_rrab(300, labels="spectroscopic", random_state=1)
    rrab = CalibratedRegressor(rrlsk.make_pipeline("fourier_linear"), random_state=0).fit(X, y)
    Xc, yc, _ = make_gaia_rrc(80, random_state=2)
    router = rrlsk.PerTypeRegressor({"RRab": rrab, "RRc": rrlsk.make_pipeline("fourier_linear", rr_type="RRc")
                                     .fit(Xc.iloc[:60], yc.iloc[:60])})
    new = make_gaia_rrab(20, random_state=7)[0].assign(type="RRab")
    new.loc[new.index[:10], "mag"] = pd.Series([m + 6.0 for m in new["mag"].iloc[:10]], index=new.index[:10])
    mixed = pd.concat([new, Xc.iloc[60:].assign(type="RRc")])
    alone, routed = predict_table(rrab, new), predict_table(router, mixed)
    assert np.isfinite(alone["feh_std"]).all()
    assert routed.loc[new.index, "feh_std"].equals(alone["feh_std"])
    assert routed.loc[new.index, "outside_training_domain"].equals(alone["outside_training_domain"])
    assert alone["outside_training_domain"].iloc[:10].all()
    rrc_rows = routed.loc[Xc.index[60:]]  # judged by the RRc model's domain, not the RRab one's periods
    assert rrc_rows["feh_std"].isna().all() and not rrc_rows["reason"].str.contains("period").any()
