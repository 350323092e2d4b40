"""One owner of the per-star scalar list: the ``meta`` step's ``names``.

``make_pipeline(..., meta=...)`` used to write the list three times
(``meta__names``, ``encode__meta``, ``<model>__n_meta``); changing the first
alone fitted without error and silently dropped the new scalar.
"""

import pickle

import pytest

pytest.importorskip("keras")
import rrlsk  # noqa: E402
from rrlsk.preprocessing import PerStarScalars, PhaseFolder, SequenceEncoder, SequencePadder  # noqa: E402

TINY = {"units": (4,), "dropout": 0.0, "epochs": 1, "batch_size": 32, "validation_fraction": 0.0, "random_state": 0}


@pytest.fixture(scope="module")
def sample():
    X, y = rrlsk.datasets.make_paper_sample(60, random_state=0)[:2]
    return X, y


def test_meta_names_alone_reach_the_encoder_and_the_network(sample):
    X, y = sample
    pipe = rrlsk.make_pipeline("gru", meta=("period",), n_points=16, **TINY)
    pipe.set_params(meta__names=("period", "amplitude", "phi31"))
    pipe.fit(X, y)
    network = pipe.named_steps["gru"]
    assert pipe.named_steps["encode"].meta_ == ("period", "amplitude", "phi31")
    assert network.n_meta_ == 3
    assert network.model_.input_shape[-1] == 2 + 3
    assert pipe.predict(X).shape == (len(X),)


def test_raw_catalogue_follows_the_meta_step_too(sample):
    X, y = sample
    pipe = rrlsk.make_pipeline("gru", "raw", meta=("period",), **TINY)
    pipe.set_params(meta__names=("period", "R21"))
    assert pipe.fit(X, y).named_steps["gru"].model_.input_shape[-1] == 4


def test_an_inconsistent_explicit_setting_is_an_error(sample):
    X, y = sample
    pipe = rrlsk.make_pipeline("gru", meta=("period",), n_points=16, **TINY)
    pipe.set_params(meta__names=("period", "amplitude"), encode__meta=("period",))
    with pytest.raises(ValueError, match=r"would drop the per-star scalar\(s\) \['amplitude'\]"):
        pipe.fit(X, y)
    pipe.set_params(encode__meta="auto", gru__n_meta=1)
    with pytest.raises(ValueError, match="n_meta=1 but X has 4 channels"):
        pipe.fit(X, y)
    with pytest.raises(ValueError, match=r"n_meta=1 contradicts meta=\['period', 'R21'\]"):
        rrlsk.make_pipeline("gru", meta=("period", "R21"), n_meta=1)
    # consistent explicit settings still work, as before
    pipe.set_params(encode__meta=("period", "amplitude"), gru__n_meta=2)
    assert pipe.fit(X, y).named_steps["gru"].n_meta_ == 2


def test_encoders_read_the_scalars_the_meta_step_declares(sample):
    X, _ = sample
    folded = PerStarScalars(("period", "R21")).fit_transform(PhaseFolder().fit_transform(X))
    padder = SequencePadder().fit(folded)
    assert padder.meta_ == ("period", "R21") and padder.transform(folded).shape[-1] == 4
    plain = PhaseFolder().fit_transform(X)
    assert SequencePadder().fit(plain).meta_ == ()


def test_encoders_pickled_before_auto_keep_their_list(sample):
    X, _ = sample
    table = PerStarScalars(("period",)).fit_transform(PhaseFolder().fit_transform(X))
    encoder = SequencePadder(meta=("period",)).fit(table)
    state = dict(encoder.__getstate__())
    del state["meta_"]
    old = SequencePadder.__new__(SequencePadder)
    old.__setstate__(state)
    assert old.meta_ == ("period",)
    assert (old.transform(table) == encoder.transform(table)).all()
    assert pickle.loads(pickle.dumps(SequenceEncoder())).meta == "auto"
