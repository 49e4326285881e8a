"""The layers of issue 9: gradient checks in float64, training vs inference, seeding, moving
statistics, freezing, configs and constraints (numbers against Keras: tests/oracle)."""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import constraints
from tinykeras import layers as L
from tinykeras.layers.embedding import embedding_lookup
from tinykeras.layers.normalization import l2_normalize, normalize, normalize_with
from tinykeras.layers.regularization import (
    alpha_dropout,
    dropout,
    gaussian_dropout,
    gaussian_noise,
)
from tinykeras.utils.gradient_check import check_gradients

TOL = 1e-6


def _x(shape=(5, 4), seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _weighted(out):
    """A loss with a different weight per output (a plain sum hides some gradient errors)."""
    w = np.linspace(-1.0, 2.0, out.value.size).reshape(out.shape)
    return tk.ops.multiply(out, w)


@pytest.mark.parametrize("axes,shape", [((0,), (5, 4)), ((0, 1), (3, 2, 4)), ((1,), (4, 3))])
def test_normalize_gradients_for_input_gamma_and_beta(axes, shape):
    gshape = tuple(1 if a in axes else s for a, s in enumerate(shape))
    errors = check_gradients(
        lambda x, g, b: _weighted(normalize(x, g, b, None, None, axes=axes, epsilon=1e-3)),
        _x(shape), _x(gshape, 1) + 1.5, _x(gshape, 2))
    assert max(errors) < TOL, errors


def test_normalize_with_given_statistics_gradients():
    stats = np.abs(_x((4,), 3)) + 0.5
    errors = check_gradients(
        lambda x, g, b: _weighted(normalize_with(x, g, b, _x((4,), 4), stats, shape=(1, 4))),
        _x(), _x((4,), 1), _x((4,), 2))
    assert max(errors) < TOL, errors


def test_noise_ops_gradients_with_a_fixed_mask():
    for fn in (lambda x: dropout(x, rate=0.4, rng=np.random.default_rng(5)),
               lambda x: dropout(x, rate=0.4, noise_shape=(5, 1), rng=np.random.default_rng(5)),
               lambda x: alpha_dropout(x, rate=0.3, rng=np.random.default_rng(5)),
               lambda x: gaussian_dropout(x, rate=0.3, rng=np.random.default_rng(5)),
               lambda x: gaussian_noise(x, stddev=0.3, rng=np.random.default_rng(5))):
        assert check_gradients(lambda x, fn=fn: _weighted(fn(x)), _x())[0] < TOL


def test_l2_normalize_embedding_prelu_relu_gradients():
    assert check_gradients(lambda x: _weighted(l2_normalize(x, axis=-1)), _x())[0] < TOL
    idx = np.array([[0, 2], [2, 2], [4, 1]])
    assert check_gradients(lambda t: _weighted(embedding_lookup(t, idx)), _x((5, 3)))[0] < TOL
    prelu = L.PReLU(alpha_initializer=tk.initializers.Constant(0.3), dtype="float64")
    prelu.build((None, 4))
    assert check_gradients(lambda x: _weighted(prelu(x)), _x())[0] < TOL
    relu = L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.3, dtype="float64")
    x = _x()
    x[np.abs(x - 0.3) < 1e-3] += 0.01  # keep away from the kinks
    assert check_gradients(lambda x: _weighted(relu(x)), x)[0] < TOL


def test_layer_normalization_and_batch_norm_layers_gradients():
    ln = L.LayerNormalization(dtype="float64")
    ln.build((None, 4))
    ln.set_weights([_x((4,), 1) + 1, _x((4,), 2)])
    assert check_gradients(lambda x: _weighted(ln(x)), _x())[0] < TOL
    bn = L.BatchNormalization(dtype="float64")
    bn.build((None, 4))
    bn.set_weights([_x((4,), 1) + 1, _x((4,), 2), _x((4,), 3), np.abs(_x((4,), 4)) + 0.2])
    for training in (True, False):
        moving = [w.numpy() for w in bn.non_trainable_weights]
        err = check_gradients(lambda x, t=training: _weighted(bn(x, training=t)), _x())[0]
        assert err < TOL
        bn.set_weights(bn.trainable_weights + moving)


def test_dropout_is_inverted_training_only_and_seeded():
    x = np.ones((200, 50), "float32")
    layer = L.Dropout(0.25, seed=3)
    out = layer(x, training=True).numpy()
    kept = out != 0
    assert np.allclose(out[kept], 1 / 0.75) and 0.7 < kept.mean() < 0.8
    assert np.array_equal(layer(x).numpy(), x)  # inference: the identity
    again = L.Dropout(0.25, seed=3)(x, training=True).numpy()
    assert np.array_equal(out, again), "the same seed gives the same mask"
    shared = L.Dropout(0.5, noise_shape=(None, 1), seed=0)(x, training=True).numpy()
    assert np.all((shared == 0).all(axis=1) | (shared != 0).all(axis=1))
    with pytest.raises(ValueError, match="rate"):
        L.Dropout(1.5)


def _net(seed=0, extra=()):
    tk.utils.set_random_seed(seed)
    model = tk.Sequential([tk.Input((6,)), L.Dense(16, activation="relu"), *extra,
                           L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _data(n=128):
    r = np.random.default_rng(9)
    x = r.normal(size=(n, 6)).astype("float32")
    return x, (x[:, :2].sum(axis=1, keepdims=True) > 0).astype("float32")


def test_two_seeded_runs_with_dropout_and_noise_are_bit_identical():
    x, y = _data()
    runs = []
    for _ in range(2):
        model = _net(42, (L.Dropout(0.3), L.GaussianNoise(0.1), L.BatchNormalization()))
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, validation_split=0.2)
        runs.append((model.get_weights(), history.history))
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1]
    other = _net(43, (L.Dropout(0.3),))
    other.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert not np.array_equal(other.get_weights()[0], runs[0][0][0])


def test_batch_norm_learns_moving_statistics_in_fit_and_uses_them_in_predict():
    x, y = _data()
    x = x * 3 + 5  # moving stats must travel from (0, 1) to about (5, 9)
    bn = L.BatchNormalization(momentum=0.5)
    model = tk.Sequential([tk.Input((6,)), bn, L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), x.mean(axis=0), atol=0.6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), x.var(axis=0), rtol=0.4)
    pred = model.predict(x[:4], verbose=0)
    manual = bn(x[:4], training=False).numpy() @ model.layers[1].kernel.numpy()
    manual = 1 / (1 + np.exp(-(manual + model.layers[1].bias.numpy())))
    np.testing.assert_allclose(pred, manual, rtol=1e-5)


def test_frozen_layers_keep_their_weights_and_count_as_non_trainable(capsys):
    x, y = _data()
    model = _net(0, (L.BatchNormalization(),))
    first, bn = model.layers[0], model.layers[1]
    first.trainable = False
    bn.trainable = False  # Keras 3: runs in inference mode, statistics frozen too
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = [w.numpy() for w in first.weights + bn.weights]
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    for a, b in zip(before, [w.numpy() for w in first.weights + bn.weights]):
        np.testing.assert_array_equal(a, b)
    model.summary()
    text = capsys.readouterr().out
    frozen = sum(w.numpy().size for w in first.weights + bn.weights)
    assert f"Non-trainable params: {frozen:,}" in text


def test_every_new_layer_trains_in_a_model_and_round_trips_its_config():
    x, y = _data()
    cases = [L.Dropout(0.2), L.BatchNormalization(), L.LayerNormalization(),
             L.UnitNormalization(), L.GaussianNoise(0.1), L.GaussianDropout(0.2),
             L.AlphaDropout(0.1), L.ReLU(max_value=6.0), L.ELU(), L.PReLU(),
             L.Rescaling(0.5), L.Reshape((4, 4)), L.Flatten(), L.Softmax()]
    for layer in cases:
        # Reshape's (4, 4) samples are flattened back for the Dense(1) head.
        model = _net(1, (layer, L.Flatten()) if isinstance(layer, L.Reshape) else (layer,))
        history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
        assert np.isfinite(history.history["loss"]).all(), type(layer).__name__
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_embedding_and_category_encoding_take_integer_features():
    r = np.random.default_rng(0)
    idx = r.integers(0, 10, (64, 1))
    y = (idx[:, :1] > 4).astype("float32")
    model = tk.Sequential([tk.Input((1,)), L.Embedding(10, 3), L.Flatten(),
                           L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=tk.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(idx, y, epochs=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    with pytest.raises(ValueError, match="outside"):
        model.predict(np.array([[12]]))
    enc = L.CategoryEncoding(4, output_mode="multi_hot")
    assert enc(np.array([[0, 3], [1, 1]])).numpy().tolist() == [[1, 0, 0, 1], [0, 1, 0, 0]]


def test_category_encoding_sparse_is_dense_with_a_warning_and_trains_in_a_model(tmp_path):
    r = np.random.default_rng(0)
    idx = r.integers(0, 5, (64, 2))
    y = (idx[:, :1] > 2).astype("float32")
    with pytest.warns(UserWarning, match="sparse=True gives a dense array"):
        enc = L.CategoryEncoding(5, output_mode="count", sparse=True)
    out = enc(np.array([[0, 3, 3], [1, 1, 4]])).numpy()
    assert isinstance(out, np.ndarray)
    assert out.tolist() == [[1, 0, 0, 2, 0], [0, 2, 0, 0, 1]]
    model = tk.Sequential([tk.Input((2,)), enc, L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=tk.optimizers.Adam(0.05), loss="binary_crossentropy")
    model.fit(idx, y, epochs=2, verbose=0)
    model.save(tmp_path / "enc.keras")
    with pytest.warns(UserWarning, match="sparse=True"):  # loading says it again
        loaded = tk.models.load_model(tmp_path / "enc.keras")
    assert loaded.layers[0].get_config()["sparse"] is True
    np.testing.assert_array_equal(loaded.predict(idx, verbose=0), model.predict(idx, verbose=0))


def test_constraints_by_name_and_object_and_their_configs():
    w = np.array([[3.0, -1.0], [4.0, 0.5]], "float32")
    np.testing.assert_allclose(constraints.MaxNorm(1.0)(w)[:, 0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(constraints.UnitNorm()(w)[:, 0], [0.6, 0.8], rtol=1e-6)
    assert constraints.NonNeg()(w).min() == 0
    mm = constraints.MinMaxNorm(min_value=2.0, max_value=3.0)(w)
    np.testing.assert_allclose(np.linalg.norm(mm, axis=0), [3.0, 2.0], rtol=1e-6)
    for name, cls in (("max_norm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
                      ("unit_norm", constraints.UnitNorm),
                      ("min_max_norm", constraints.MinMaxNorm)):
        obj = constraints.get(name)
        assert type(obj) is cls
        again = constraints.deserialize(constraints.serialize(obj))
        assert type(again) is cls and again.get_config() == obj.get_config()
    with pytest.raises(ValueError, match="constraint identifier"):
        constraints.get("positive")
    x, y = _data()
    model = tk.Sequential([tk.Input((6,)), L.Dense(4, kernel_constraint="non_neg",
                                                   bias_constraint=constraints.MaxNorm(0.1)),
                           L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=3, verbose=0)
    assert model.layers[0].kernel.numpy().min() >= 0
    assert np.linalg.norm(model.layers[0].bias.numpy()) <= 0.1 + 1e-6
    config = model.layers[0].get_config()
    assert config["kernel_constraint"]["class_name"] == "NonNeg"
    assert type(L.Dense.from_config(config).kernel_constraint) is constraints.NonNeg
