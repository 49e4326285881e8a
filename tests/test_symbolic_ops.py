"""Arithmetic on symbolic tensors while building a functional model (``y + 1.0``, ``y * y``):
Keras 3's operation nodes, in predictions, gradients, fit, the summary and ``.keras`` files."""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.autodiff import GradientTape
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers import Dense, Input, Multiply, Subtract
from tinykeras.utils.gradient_check import numerical_gradient


def _with_operators():
    x = Input((4,))
    y = Dense(3, name="d1")(x)
    z = y + 1.0
    w = y * y
    return tk.Model(x, Dense(1, name="d2")(z - w))


def _with_layers():
    """The same function from layers only: y + 1 as a frozen identity Dense with bias 1."""
    x = Input((4,))
    y = Dense(3, name="d1")(x)
    shift = Dense(3, name="shift", trainable=False,
                  kernel_initializer="identity", bias_initializer="ones")
    z = shift(y)
    w = Multiply()([y, y])
    return tk.Model(x, Dense(1, name="d2")(Subtract()([z, w])))


def _data(dtype="float32"):
    r = np.random.default_rng(3)
    x = r.normal(size=(48, 4)).astype(dtype)
    return x, (x[:, :1] - 0.5 * x[:, 1:2] ** 2).astype(dtype)


def test_operators_predict_and_train_as_the_same_model_written_with_layers():
    ours, ref = _with_operators(), _with_layers()
    ref.get_layer("d1").set_weights(ours.get_layer("d1").get_weights())
    ref.get_layer("d2").set_weights(ours.get_layer("d2").get_weights())
    x, y = _data()
    k, b = ours.get_layer("d1").get_weights()
    k2, b2 = ours.get_layer("d2").get_weights()
    h = x @ k + b
    np.testing.assert_allclose(ours.predict(x, verbose=0), ((h + 1) - h * h) @ k2 + b2,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict(x, verbose=0), ref.predict(x, verbose=0), rtol=1e-6)
    for model in (ours, ref):
        model.compile(optimizer=tk.optimizers.SGD(0.01), loss="mse")
    fit = {"epochs": 3, "batch_size": 16, "shuffle": False, "verbose": 0}
    h_ours, h_ref = ours.fit(x, y, **fit).history, ref.fit(x, y, **fit).history
    np.testing.assert_allclose(h_ours["loss"], h_ref["loss"], rtol=1e-6)
    assert h_ours["loss"][-1] < h_ours["loss"][0]
    for name in ("d1", "d2"):  # the gradients through the operations moved the same weights
        for a, b in zip(ours.get_layer(name).get_weights(), ref.get_layer(name).get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert [la.name for la in ours.layers] == [ours.layers[0].name, "d1", "d2"]  # as Keras


def test_gradients_through_every_operator_match_finite_differences_in_float64():
    tk.config.set_floatx("float64")
    try:
        x = Input((3,))
        y = Dense(3, name="g1")(x)
        out = (2.0 - y) * y / (abs(y) + 1.5) + (-y) ** 2 - 0.5 ** (y * 0.1)
        model = tk.Model(x, out)
        data = np.random.default_rng(4).normal(size=(5, 3))
        kernel = model.get_layer("g1").kernel

        def loss_of(k):
            kernel.assign(k)
            return float(np.sum(model(data).numpy()))

        k0 = kernel.numpy().copy()
        with GradientTape() as tape:
            total = tk.ops.sum(model(data))
        grad = tape.gradient(total, kernel).numpy()
        numeric = numerical_gradient(loss_of, k0.copy())
        kernel.assign(k0)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
    finally:
        tk.config.set_floatx("float32")


def test_operations_show_in_the_summary_and_round_trip_through_a_keras_file(tmp_path):
    model = _with_operators()
    lines = []
    model.summary(line_length=76, print_fn=lines.append)
    text = "\n".join(lines)
    for row in ("add (Add)", "multiply (Multiply)", "subtract (Subtract)", "add[0][0],"):
        assert row in text
    x, _ = _data()
    model.save(tmp_path / "ops.keras")
    loaded = tk.models.load_model(tmp_path / "ops.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    spec = next(la for la in model.get_config()["layers"] if la["name"].startswith("add"))
    assert spec["module"] == "keras.src.ops.numpy" and spec["class_name"] == "Add"
    assert spec["inbound_nodes"][0]["args"][1] == 1.0  # the number, in its place


def test_numbers_on_either_side_and_numpy_scalars():
    x = Input((2,))
    out = 1.0 - x * np.float32(3.0) + 2 / (x + 4)
    model = tk.Model(x, out)
    data = np.array([[1.0, 2.0]], dtype="float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), 1.0 - data * 3 + 2 / (data + 4),
                               rtol=1e-6)
    assert tuple(out.shape) == (None, 2)


def test_bad_operands_are_refused_with_the_fix():
    x = Input((4,))
    with pytest.raises(InvalidArgumentError, match="symbolic tensor or a Python number"):
        _ = x + np.ones(4)
    with pytest.raises(InvalidArgumentError, match="symbolic tensor or a Python number"):
        _ = np.ones(4) * x  # NumPy defers to the KerasTensor instead of looping over it
    with pytest.raises(InvalidArgumentError, match=r"\(None, 4\), \(None, 3\)"):
        _ = x - Input((3,))
    with pytest.raises(InvalidArgumentError, match="symbolic tensor or a Python number"):
        _ = x + "1"
