"""Course layers and the functional API against real Keras 3: Normalization.adapt, LeakyReLU,
Dot, Concatenate, a two-tower functional model (forward, loss and gradients after copying the
weights) and TensorFlow's l2_normalize formula."""

import keras
import numpy as np
from harness import keras_value_and_grad

import tinykeras as tk


def _np(x):
    return keras.ops.convert_to_numpy(x)


def test_normalization_adapt_matches_keras():
    X = np.random.default_rng(0).normal([200.0, 13.0], [40.0, 1.2], size=(300, 2))
    ours, theirs = tk.layers.Normalization(axis=-1), keras.layers.Normalization(axis=-1)
    ours.adapt(X)
    theirs.adapt(X)
    np.testing.assert_allclose(ours(X).numpy(), _np(theirs(X)), rtol=1e-6, atol=1e-6)
    assert ours.count_params() == theirs.count_params()
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]


def test_leaky_relu_dot_concatenate_match_keras():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 4)).astype("float32"), rng.normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(tk.layers.LeakyReLU()(a).numpy(),
                               _np(keras.layers.LeakyReLU()(a)), rtol=1e-6)
    for normalize in (False, True):
        np.testing.assert_allclose(
            tk.layers.Dot(axes=1, normalize=normalize)([a, b]).numpy(),
            _np(keras.layers.Dot(axes=1, normalize=normalize)([a, b])), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tk.layers.Concatenate()([a, b]).numpy(),
                               _np(keras.layers.Concatenate()([a, b])))


def _two_towers(lib, l2_normalize):
    def tower():
        return lib.Sequential([lib.layers.Dense(16, activation="relu"),
                               lib.layers.Dense(8, activation="linear")])

    user_nn, item_nn = tower(), tower()
    in_u, in_i = lib.layers.Input(shape=(5,)), lib.layers.Input(shape=(6,))
    vu, vm = l2_normalize(user_nn(in_u)), l2_normalize(item_nn(in_i))
    return lib.Model([in_u, in_i], lib.layers.Dot(axes=1)([vu, vm])), user_nn, item_nn


def test_two_tower_functional_model_forward_loss_and_gradients_match_keras():
    def keras_l2(t):
        # Keras 3 has no TF-op wrapping: the same formula as a Lambda layer.
        return keras.layers.Lambda(
            lambda v: v / keras.ops.sqrt(keras.ops.maximum(
                keras.ops.sum(v * v, axis=1, keepdims=True), 1e-12)))(t)

    ours, ou, oi = _two_towers(tk, lambda t: tk.linalg.l2_normalize(t, axis=1))
    theirs, ku, ki = _two_towers(keras, keras_l2)
    for src, dst in ((ku, ou), (ki, oi)):
        dst.set_weights([_np(w) for w in src.get_weights()])
    rng = np.random.default_rng(2)
    u = rng.normal(size=(12, 5)).astype("float32")
    i = rng.normal(size=(12, 6)).astype("float32")
    y = rng.uniform(-1, 1, size=(12, 1)).astype("float32")
    np.testing.assert_allclose(ours.predict([u, i], verbose=0), theirs.predict([u, i], verbose=0),
                               rtol=1e-5, atol=1e-6)
    ours.compile(loss="mse", optimizer=tk.optimizers.Adam(0.01))
    theirs.compile(loss="mse", optimizer=keras.optimizers.Adam(0.01))
    np.testing.assert_allclose(ours.evaluate([u, i], y, verbose=0),
                               theirs.evaluate([u, i], y, verbose=0), rtol=1e-5)
    with tk.GradientTape() as tape:
        loss = tk.losses.MeanSquaredError()(y, ours([u, i]))
    our_grads = tape.gradient(loss, ou.trainable_variables + oi.trainable_variables)
    variables = ku.trainable_variables + ki.trainable_variables
    _, kgrads = keras_value_and_grad(
        lambda: keras.losses.MeanSquaredError()(y, theirs([u, i])), variables)
    for g_ours, g_keras in zip(our_grads, kgrads):
        np.testing.assert_allclose(g_ours.numpy(), _np(g_keras), rtol=1e-4, atol=1e-6)
    # One epoch of training moves both alike.
    ours.fit([u, i], y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    theirs.fit([u, i], y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(ours.predict([u, i], verbose=0), theirs.predict([u, i], verbose=0),
                               rtol=1e-4, atol=1e-5)
