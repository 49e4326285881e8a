"""The compiled step takes the same steps as the tape-based ``train_step`` it stands in for."""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import losses, regularizers
from tinykeras.layers import Dense, Input
from tinykeras.models import Sequential
from tinykeras.optimizers import SGD, Adam

R = np.random.default_rng(0)
X = R.standard_normal((70, 6))
Y_BIN = (R.uniform(size=(70, 1)) > 0.5).astype(float)
Y_INT = R.integers(0, 3, 70)
Y_ONEHOT = np.eye(3)[Y_INT]
Y_REAL = R.standard_normal((70, 2))

CASES = {
    "seed_sigmoid_bce": (["sigmoid", "sigmoid", ("sigmoid", 1)], "binary_crossentropy", Y_BIN),
    "bce_labels_m": (["relu", ("sigmoid", 1)], losses.BinaryCrossentropy(), Y_BIN[:, 0]),
    "bce_smoothing": (["tanh", ("sigmoid", 1)], losses.BinaryCrossentropy(label_smoothing=0.1),
                      Y_BIN),
    "bce_from_logits": (["relu", ("linear", 1)], losses.BinaryCrossentropy(from_logits=True),
                        Y_BIN),
    "scce_softmax": (["relu", ("softmax", 3)], "sparse_categorical_crossentropy", Y_INT),
    "scce_logits": (["elu", ("linear", 3)],
                    losses.SparseCategoricalCrossentropy(from_logits=True), Y_INT[:, None]),
    "cce_softmax": (["tanh", ("softmax", 3)], losses.CategoricalCrossentropy(), Y_ONEHOT),
    "cce_logits_smoothing": (["gelu", ("linear", 3)], losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=0.2), Y_ONEHOT),
    "mse_linear": (["relu", "softplus", ("linear", 2)], "mse", Y_REAL),
    "mse_tanh_out": (["sigmoid", ("tanh", 2)], losses.MeanSquaredError(), Y_REAL),
}


def _fit(case, jit_compile, dtype, epochs=3, optimizer=None, metrics=None):
    tk.config.set_floatx(dtype)
    tk.utils.set_random_seed(5)
    hidden, loss, y = CASES[case]
    layers = [Dense(4, activation=a) if isinstance(a, str) else Dense(a[1], activation=a[0])
              for a in hidden]
    model = Sequential([Input(shape=(6,))] + layers)
    # Optimizers are made after set_floatx: their learning-rate variable takes floatx.
    model.compile(optimizer=optimizer() if optimizer else Adam(0.01), loss=loss, metrics=metrics,
                  jit_compile=jit_compile)
    history = model.fit(X, y, batch_size=16, epochs=epochs, verbose=0)
    return model, history


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("case", sorted(CASES))
def test_compiled_step_takes_the_same_steps_as_the_tape(case, dtype, tol):
    compiled, h_fast = _fit(case, "auto", dtype)
    taped, h_tape = _fit(case, False, dtype)
    assert compiled._compiled_step is not None, "the compiled step should apply"
    assert taped._compiled_step is None
    np.testing.assert_allclose(h_fast.history["loss"], h_tape.history["loss"], rtol=tol,
                               err_msg="epoch losses")
    for i, (a, b) in enumerate(zip(compiled.get_weights(), taped.get_weights())):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=f"weight {i}")


def test_compiled_step_reports_the_same_metrics_and_works_with_sgd():
    kwargs = {"optimizer": lambda: SGD(0.1, momentum=0.9), "metrics": ["accuracy"]}
    fast = _fit("scce_softmax", True, "float64", **kwargs)[1].history
    slow = _fit("scce_softmax", False, "float64", **kwargs)[1].history
    assert fast.keys() == slow.keys()
    for key in fast:
        np.testing.assert_allclose(fast[key], slow[key], rtol=1e-12, err_msg=key)


@pytest.mark.parametrize("change", ["regularizer", "custom_loss", "run_eagerly", "subclass",
                                    "probability_route", "loss_weights"])
def test_models_the_compiled_step_cannot_run_use_the_tape(change):
    layer_kwargs = {"kernel_regularizer": regularizers.l2(0.01)} if change == "regularizer" else {}
    cls = Sequential
    if change == "subclass":
        class Custom(Sequential):
            def train_step(self, x, y, sample_weight=None):
                return super().train_step(x, y, sample_weight)
        cls = Custom
    last = Dense(1, activation="relu" if change == "probability_route" else "sigmoid")
    model = cls([Input(shape=(6,)), Dense(3, **layer_kwargs), last])
    loss = (lambda yt, yp: losses.mean_squared_error(yt, yp)) if change == "custom_loss" \
        else "binary_crossentropy"
    model.compile(optimizer="adam", loss=loss, run_eagerly=change == "run_eagerly",
                  loss_weights=2.0 if change == "loss_weights" else None)
    model.fit(X, Y_BIN, epochs=1, verbose=0)
    assert model._compiled_step is None


def test_batches_it_cannot_run_fall_back_to_the_tape():
    sw = np.linspace(0.5, 1.5, 70)
    results = []
    for jit_compile in (True, False):
        tk.utils.set_random_seed(3)
        model = Sequential([Input(shape=(6,)), Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      jit_compile=jit_compile)
        history = model.fit(X, Y_INT, sample_weight=sw, epochs=2, verbose=0)
        results.append((model, history.history["loss"]))
    (fast, fast_loss), (taped, taped_loss) = results
    assert fast._compiled_step is not None  # the model qualifies; weighted batches do not
    np.testing.assert_allclose(fast_loss, taped_loss, rtol=1e-6)
    with pytest.raises(ValueError, match="outside the valid range"):
        fast.fit(X, np.full(70, 7), epochs=1, verbose=0)  # the tape path explains the error


@pytest.mark.parametrize("case", sorted(CASES))
def test_predict_runs_the_same_arithmetic_as_calling_the_model(case):
    model, _ = _fit(case, "auto", "float32", epochs=1)
    from tinykeras.models import compiled

    assert compiled.is_dense_stack(model.layers)
    np.testing.assert_array_equal(model.predict(X, batch_size=16), model(X).numpy())
    np.testing.assert_array_equal(model.predict(X[:1]), model(X[:1]).numpy())


def test_calling_a_dense_stack_keeps_the_logits_and_checks_the_input():
    model = Sequential([Input(shape=(6,)), Dense(4, activation="relu"),
                        Dense(3, activation="softmax", name="out")])
    out = model(X[:5])
    np.testing.assert_allclose(out._keras_logits.numpy(), model.layers[1](
        model.layers[0](X[:5])).__getattribute__("_keras_logits").numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 6"):
        model(np.zeros((2, 5)))
