"""The network builders: shapes, the paper's parameter counts, masking, checks."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from rrlsk import networks  # noqa: E402

BUILDERS = [name for name in networks.__all__ if name.startswith("build_")]


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_maps_sequences_to_one_value(name):
    model = getattr(networks, name)(30, 2)
    x = np.random.default_rng(0).normal(size=(3, 30, 2)).astype("float32")
    out = model(x, training=False)
    assert tuple(out.shape) == (3, 1)
    assert model.count_params() > 0


def test_gru_parameter_counts_match_paper_table_2():
    model = networks.build_gru(None, 2)
    counts = {layer.name: layer.count_params() for layer in model.layers}
    assert [counts["gru_1"], counts["gru_2"], counts["gru_3"], counts["feh"]] == [1440, 1824, 624, 9]
    assert model.count_params() == 1440 + 1824 + 624 + 9


def test_lstm_and_bidirectional_parameter_counts():
    # LSTM: 4 * (u * (d + u) + u) per layer
    lstm = networks.build_lstm(None)
    expected = sum(4 * (u * (d + u) + u) for d, u in [(2, 20), (20, 16), (16, 8)]) + 9
    assert lstm.count_params() == expected
    # BiGRU (reset_after): 2 directions * 3 * (u * (d + u) + 2u); inputs double after each layer
    bigru = networks.build_bigru(None)
    expected = sum(2 * 3 * (u * (d + u) + 2 * u) for d, u in [(2, 20), (40, 16), (32, 16)]) + 33
    assert bigru.count_params() == expected


def test_fcn_parameter_count():
    model = networks.build_fcn(100)
    convs = (8 * 2 * 128 + 128) + (5 * 128 * 256 + 256) + (3 * 256 * 128 + 128)
    bn = 4 * (128 + 256 + 128)
    assert model.count_params() == convs + bn + 129


def test_regularisation_is_applied_as_configured():
    model = networks.build_gru(None)
    gru = model.get_layer("gru_1")
    assert float(gru.kernel_regularizer.l2) == pytest.approx(2e-6)
    assert float(gru.kernel_regularizer.l1) == 0.0
    assert float(gru.recurrent_regularizer.l1) == pytest.approx(2e-6)
    assert [model.get_layer(f"dropout_{i}").rate for i in (1, 2, 3)] == [0.2, 0.2, 0.1]
    bilstm = networks.build_bilstm(None)
    assert float(bilstm.get_layer("lstm_1").forward_layer.kernel_regularizer.l1) == pytest.approx(2e-6)
    assert bilstm.get_layer("gru_3").forward_layer.units == 16


@pytest.mark.parametrize("builder", ["build_gru", "build_bilstm", "build_transformer"])
def test_masked_padding_does_not_change_the_output(builder):
    rng = np.random.default_rng(1)
    model = getattr(networks, builder)(None, 2)
    x = rng.normal(size=(2, 12, 2)).astype("float32")
    x[..., 1] = np.abs(x[..., 1])
    padded = np.concatenate([x, np.full((2, 5, 2), -1.0, dtype="float32")], axis=1)
    np.testing.assert_allclose(model(padded, training=False), model(x, training=False), rtol=1e-5, atol=1e-6)


def test_resnet_and_inception_structure():
    resnet = networks.build_resnet(50, filters=(8, 16, 16))
    adds = [layer for layer in resnet.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == 3
    # block 3 keeps 16 channels: its shortcut is BN only, no convolution
    assert "res3_shortcut_conv" not in [layer.name for layer in resnet.layers]
    inception = networks.build_inception(50, depth=6, filters=4, bottleneck=4)
    assert sum(isinstance(layer, keras.layers.Add) for layer in inception.layers) == 2
    assert inception.get_layer("inception1_concat").output.shape[-1] == 16


def test_conv_recurrent_pools_then_recurs():
    model = networks.build_conv_recurrent(40, cell="lstm", filters=(4, 4, 4))
    assert model.get_layer("pool").output.shape[1] == 20
    assert model.get_layer("lstm_1").units == 8 and model.get_layer("lstm_2").units == 4


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: networks.build_gru(None, units=(20, 16), dropout=(0.2, 0.2, 0.1)), "dropout has 3 values"),
        (lambda: networks.build_gru(None, dropout=1.5), "dropout must lie"),
        (lambda: networks.build_gru(None, kernel_l2=-1.0), "regularisation"),
        (lambda: networks.build_recurrent(None, cells="rnn", units=(4,), dropout=0.1), "unknown recurrent cell"),
        (lambda: networks.build_recurrent(None, cells=("gru",), units=(4, 4)), "differ in length"),
        (lambda: networks.build_fcn(30, filters=(4, 4), kernel_sizes=(3,)), "differ in length"),
        (lambda: networks.build_transformer(None, d_model=30, num_heads=4), "not divisible"),
        (lambda: networks.build_conv_recurrent(1, pool_size=2), "shorter than pool_size"),
        (lambda: networks.build_fcn(0), "n_steps"),
    ],
)
def test_bad_hyperparameters_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_meta_inputs_join_scalars_before_the_head():
    base = networks.build_gru(12, 2, units=(3,), dropout=0.0)
    model = networks.with_meta_inputs(base, n_meta=2, units=4)
    x = np.random.default_rng(0).normal(size=(5, 12, 4)).astype("float32")
    x[:, :, 2:] = x[:, :1, 2:]  # scalars constant along the curve
    out = np.asarray(model(x, training=False))
    assert out.shape == (5, 1) and np.isfinite(out).all()
    # changing a star's scalars changes only that star's prediction
    y = x.copy()
    y[0, :, 2:] += 1.0
    changed = np.asarray(model(y, training=False))
    assert changed[0, 0] != out[0, 0]
    np.testing.assert_allclose(changed[1:], out[1:], rtol=1e-6)
    # the slice layer round-trips through Keras' serialisation
    clone = keras.Model.from_config(model.get_config())
    assert [type(layer).__name__ for layer in clone.layers].count("ChannelSlice") == 2
