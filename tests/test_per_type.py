"""The per-type router implements the protocol of any model, and the catalogue knows no router."""

import io
import subprocess
import sys
import tokenize
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from test_batch import make_model, make_table, truth

import rrlsk
from rrlsk.base import is_calibrated, predict_interval, predict_with_std, skip_reasons
from rrlsk.catalogue import content_digest, predict_catalogue, predict_table, read_predictions
from rrlsk.domain import model_plausibility, record_training_domain
from rrlsk.ensemble import FoldEnsembleRegressor
from rrlsk.io import write_parquet
from rrlsk.uncertainty import CalibratedRegressor

CATALOGUE = Path(rrlsk.__file__).parent / "catalogue"


def shifted(X, dm):
    """``X`` with every magnitude ``dm`` fainter."""
    return X.assign(mag=pd.Series([m + dm for m in X["mag"]], index=X.index, dtype=object))


@pytest.fixture(scope="module")
def members():
    """A calibrated RRab model and a plain RRc model trained on stars 6 mag fainter, both with domains."""
    X = make_table(200, seed=5, first_id=1)
    y = truth(X) + np.random.default_rng(0).normal(0, 0.05, len(X))
    rrab = CalibratedRegressor(FoldEnsembleRegressor(make_model(), cv=3, random_state=0), spread="ensemble",
                               random_state=0).fit(X, y)
    Xc = shifted(make_table(80, seed=6, first_id=1), 6.0)
    rrc = make_model(final=Ridge(alpha=1.0)).fit(Xc, truth(Xc))
    return record_training_domain(rrab, X, y), record_training_domain(rrc, Xc, truth(Xc))


@pytest.fixture(scope="module")
def mixed():
    """12 RRab stars (the first 4 outside the RRab domain), 15 faint RRc stars, 3 RRd stars."""
    X = make_table(30, seed=7, first_id=5000).assign(type=["RRab"] * 12 + ["RRc"] * 15 + ["RRd"] * 3)
    faint = X.index[np.r_[0:4, 12:27]]
    X.loc[faint, "mag"] = shifted(X.loc[faint], 6.0)["mag"]
    return X


def test_the_router_goes_through_the_catalogue_with_std_and_domain_flags(members, mixed, tmp_path):
    rrab, rrc = members
    router = rrlsk.PerTypeRegressor({"RRab": rrab, "RRc": rrc})
    write_parquet(mixed, tmp_path / "mixed.parquet")
    predict_catalogue(router, tmp_path / "mixed.parquet", tmp_path / "out", chunk_size=7, progress=False)
    got = read_predictions(tmp_path / "out")
    pd.testing.assert_frame_equal(got, predict_table(router, mixed))
    ab, c = mixed.index[:12], mixed.index[12:27]
    alone_ab, alone_c = predict_table(rrab, mixed.loc[ab]), predict_table(rrc, mixed.loc[c])
    pd.testing.assert_frame_equal(got.loc[ab], alone_ab, check_exact=False, rtol=1e-10)
    pd.testing.assert_frame_equal(got.loc[c], alone_c, check_exact=False, rtol=1e-10)
    assert np.isfinite(alone_ab["feh_std"]).all() and alone_c["feh_std"].isna().all()
    assert alone_ab["outside_training_domain"].tolist() == [True] * 4 + [False] * 8
    assert not alone_c["outside_training_domain"].any()  # faint, as the RRc model's training stars
    rrd = got.loc[mixed.index[27:]]
    assert (rrd["status"] == "skipped").all() and rrd["reason"].str.contains("no model for type 'RRd'").all()


def test_the_router_implements_the_model_protocol(members, mixed):
    rrab, rrc = members
    known = mixed.iloc[:27]
    plain = rrlsk.PerTypeRegressor({"RRab": rrc, "RRc": rrc})
    assert not hasattr(plain, "predict_interval") and not is_calibrated(plain)
    assert np.isnan(predict_with_std(plain, known)[1]).all()

    router = rrlsk.PerTypeRegressor({"RRab": rrab, "RRc": rrc})
    assert is_calibrated(router)
    mean, std = predict_with_std(router, known)
    lower, upper = router.predict_interval(known, confidence=0.9)
    ab_lower, ab_upper = rrab.predict_interval(known.iloc[:12], confidence=0.9)
    np.testing.assert_allclose(lower[:12], ab_lower, rtol=1e-12)
    np.testing.assert_allclose(upper[:12], ab_upper, rtol=1e-12)
    assert np.isnan(lower[12:]).all() and np.isnan(std[12:]).all() and np.isfinite(std[:12]).all()
    np.testing.assert_allclose(mean[:12], rrab.predict(known.iloc[:12]), rtol=1e-12)
    wrapped = Pipeline([("same", FunctionTransformer()), ("router", router)])
    np.testing.assert_array_equal(predict_interval(wrapped, known, 0.9)[0], lower)  # the pipeline walked
    with pytest.raises(ValueError, match="no calibrated interval"):
        predict_interval(plain, known)

    np.testing.assert_array_equal(skip_reasons(router, mixed), router.skip_reasons(mixed))
    assert (skip_reasons(rrc, mixed) == "").all()
    flags = model_plausibility(router, known, mean)
    pd.testing.assert_frame_equal(flags.iloc[:12], model_plausibility(rrab, known.iloc[:12], mean[:12]))
    pd.testing.assert_frame_equal(flags.iloc[12:], model_plausibility(rrc, known.iloc[12:], mean[12:]))


def test_the_routers_content_identity(members, tmp_path):
    rrab, rrc = members
    router = rrlsk.PerTypeRegressor({"RRab": rrab, "RRc": rrc})
    joblib.dump(router, tmp_path / "router.joblib")
    assert content_digest(joblib.load(tmp_path / "router.joblib")) == content_digest(router)
    assert content_digest(rrlsk.PerTypeRegressor({"RRab": rrab, "RRc": rrab})) != content_digest(router)


class Declining(RegressorMixin, BaseEstimator):
    """Not a router: a model with the whole protocol, which the catalogue must follow as it is."""

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def predict(self, X, return_std=False):
        feh = np.full(len(X), -1.5)
        return (feh, np.full(len(X), 0.1)) if return_std else feh

    def predict_interval(self, X, confidence=0.68):
        return np.full(len(X), -1.6), np.full(len(X), -1.4)

    def skip_reasons(self, X):
        return np.where(X.index.to_numpy() % 2 == 1, "odd source_id", "")

    def plausibility(self, X, feh, limits=None):
        long = X["period"].to_numpy() > 0.7
        return pd.DataFrame({"flagged": long, "outside_training_domain": long,
                             "reason": np.where(long, "long period", "")}, index=X.index)


def test_any_model_with_the_protocol_is_followed_without_special_cases():
    X = make_table(20)
    out = predict_table(Declining().fit(X), X)
    odd, long = X.index.to_numpy() % 2 == 1, X["period"].to_numpy() > 0.7
    assert (out.loc[odd, "status"] == "skipped").all() and (out.loc[odd, "reason"] == "odd source_id").all()
    even = ~odd
    assert out.loc[even & long, "status"].eq("flagged").all() and out.loc[even & ~long, "status"].eq("ok").all()
    assert out.loc[even, "outside_training_domain"].tolist() == long[even].tolist()
    assert (out.loc[even, "feh_std"] == 0.1).all() and out.loc[odd, "feh_std"].isna().all()


def _code_names(path):
    """The names in a module's code (no strings, no comments)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return {token.string for token in tokens if token.type == tokenize.NAME}


def test_the_catalogue_knows_no_router():
    for path in CATALOGUE.glob("*.py"):
        assert not _code_names(path) & {"PerTypeRegressor", "models_by_type", "models_", "star_types", "per_type"}, path


def test_no_estimator_imports_the_catalogue():
    code = ("import sys, rrlsk.per_type, rrlsk.ensemble, rrlsk.uncertainty, rrlsk.preprocessing, "
            "rrlsk.pretrained, rrlsk.domain, rrlsk.base.predict\n"
            "print(sorted(m for m in sys.modules if m.startswith(('rrlsk.catalogue', 'rrlsk.batch', 'rrlsk.dask'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
