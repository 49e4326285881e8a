"""Sequential models end to end: the seed program, fit/evaluate/predict semantics, errors."""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import callbacks, losses, metrics, optimizers, regularizers
from tinykeras.datasets import load_digits01
from tinykeras.layers import Dense, Input
from tinykeras.losses import BinaryCrossentropy
from tinykeras.models import Sequential
from tinykeras.optimizers import SGD, Adam


def seed_model():
    return Sequential([
        Input(shape=(400,)),
        Dense(25, activation="sigmoid", name="layer1"),
        Dense(15, activation="sigmoid", name="layer2"),
        Dense(1, activation="sigmoid", name="layer3"),
    ], name="my_model")


@pytest.mark.parametrize("optimizer", [None, "adam_0.001"])
def test_seed_program_runs_as_written_and_learns_the_digits(optimizer):
    X, y = load_digits01()
    model = seed_model()
    if optimizer is None:
        model.compile(loss=BinaryCrossentropy())  # Keras's default optimizer, rmsprop
        assert isinstance(model.optimizer, optimizers.RMSprop)
    else:
        model.compile(loss=BinaryCrossentropy(), optimizer=Adam(0.001))
    history = model.fit(X, y, epochs=40, verbose=0)
    p = model.predict(X)
    assert p.dtype == np.float32 and p.shape == (len(X), 1)
    assert len(history.history["loss"]) == 40
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert np.mean((p >= 0.5) == y) >= 0.99


def test_logistic_regression_takes_the_textbook_gradient_descent_steps():
    tk.config.set_floatx("float64")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3 > 0).astype(np.float64)[:, None]
    alpha = 0.1
    model = Sequential([Input(shape=(3,)), Dense(1, activation="sigmoid")])
    model.compile(optimizer=SGD(learning_rate=alpha), loss=BinaryCrossentropy())
    w, b = (a.copy() for a in model.get_weights())
    model.fit(X, y, epochs=25, batch_size=len(X), shuffle=False, verbose=0)
    m = len(X)
    for _ in range(25):
        f_wb = 1 / (1 + np.exp(-(X @ w + b)))  # the course's NumPy loop
        dj_dw = X.T @ (f_wb - y) / m
        dj_db = np.sum(f_wb - y, axis=0) / m
        w = w - alpha * dj_dw
        b = b - alpha * dj_db
    w_fit, b_fit = model.get_weights()
    np.testing.assert_allclose(w_fit, w, atol=1e-6, rtol=0)
    np.testing.assert_allclose(b_fit, b, atol=1e-6, rtol=0)


def test_epoch_loss_is_the_batch_size_weighted_mean():
    X, y = load_digits01()
    model = seed_model()
    model.compile(optimizer=SGD(learning_rate=0.0), loss="binary_crossentropy")
    history = model.fit(X, y, batch_size=100, epochs=1, verbose=0)  # batches 100,100,100,60
    full = float(BinaryCrossentropy()(y, model(X)))
    assert history.history["loss"][0] == pytest.approx(full, rel=1e-6)
    assert model.evaluate(X, y, verbose=0) == pytest.approx(full, rel=1e-6)
    assert history.params == {"verbose": 0, "epochs": 1, "steps": 4}


def test_fit_is_bit_reproducible_with_set_random_seed():
    X, y = load_digits01()

    def run():
        tk.utils.set_random_seed(7)
        model = seed_model()
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(X, y, epochs=2, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_validation_split_uses_the_last_samples_and_logs_are_sorted():
    X, y = load_digits01()
    model = seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=2, validation_split=0.25, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    val_loss, val_acc = model.evaluate(X[270:], y[270:], verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(val_loss, rel=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(val_acc)
    h2 = model.fit(X[:270], y[:270], epochs=1, verbose=0, validation_data=(X[270:], y[270:]))
    assert "val_loss" in h2.history


def test_regularization_penalty_is_part_of_the_reported_loss():
    X, y = load_digits01()
    model = Sequential([Input(shape=(400,)),
                        Dense(4, activation="relu", kernel_regularizer=regularizers.l2(0.1)),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer=SGD(0.0), loss="binary_crossentropy")
    kernel = model.layers[0].kernel.numpy()
    base = float(BinaryCrossentropy()(y, model(X)))
    expected = base + 0.1 * np.sum(kernel.astype(np.float64) ** 2)
    assert model.evaluate(X, y, verbose=0) == pytest.approx(expected, rel=1e-5)
    history = model.fit(X, y, epochs=1, batch_size=len(X), verbose=0)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("y_shape,units,expected", [
    ((8, 1), 1, metrics.BinaryAccuracy),
    ((8,), 3, metrics.SparseCategoricalAccuracy),
    ((8, 3), 3, metrics.CategoricalAccuracy),
    ((8, 1), 3, metrics.SparseCategoricalAccuracy),
])
def test_accuracy_string_is_resolved_from_shapes(y_shape, units, expected):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 2)).astype(np.float32)
    y = rng.integers(0, units if units > 1 else 2, size=y_shape).astype(np.float32)
    if y_shape == (8, 3):
        y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]
    model = Sequential([Dense(units, activation="softmax" if units > 1 else "sigmoid")])
    loss = {metrics.BinaryAccuracy: "binary_crossentropy",
            metrics.SparseCategoricalAccuracy: "sparse_categorical_crossentropy",
            metrics.CategoricalAccuracy: "categorical_crossentropy"}[expected]
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    history = model.fit(X, y, epochs=1, verbose=0)
    (metric,) = model.metrics
    assert type(metric) is expected and metric.name == "accuracy"
    pred = model.predict(X, verbose=0)
    ref = expected()
    ref.update_state(y, pred)
    assert model.evaluate(X, y, verbose=0)[1] == pytest.approx(ref.result())
    assert "accuracy" in history.history


def test_softmax_classifier_with_sparse_labels_learns_blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[-5, 2], [-2, -2], [1, 2], [5, -2]], dtype=np.float64)
    labels = rng.integers(0, 4, 400)
    X = centers[labels] + rng.standard_normal((400, 2))
    model = Sequential([Dense(25, activation="relu"), Dense(15, activation="relu"),
                        Dense(4, activation="linear")])
    model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=Adam(0.01), metrics=["accuracy"])
    model.fit(X, labels, epochs=30, verbose=0)
    assert np.mean(np.argmax(model.predict(X), axis=1) == labels) > 0.9


def test_predict_call_and_on_batch_methods():
    X, y = load_digits01()
    model = seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    np.testing.assert_allclose(model.predict(X, batch_size=50), model(X).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(model.predict_on_batch(X[:3]), model.predict(X[:3]))
    assert model.predict(X[0:1]).shape == (1, 1)
    out = model.train_on_batch(X[:32], y[:32])
    assert isinstance(out, list) and len(out) == 2
    logs = model.test_on_batch(X[:32], y[:32], return_dict=True)
    assert set(logs) == {"accuracy", "loss"}


def test_float64_policy_gives_float64_predictions():
    tk.config.set_floatx("float64")
    model = Sequential([Input(shape=(2,)), Dense(1)])
    assert model.predict(np.ones((3, 2), dtype=np.float32)).dtype == np.float64


def test_sequential_structure_and_lazy_build():
    model = Sequential([Dense(3, name="a"), Dense(1, name="b")])
    assert not model.built and model.count_params() == 0
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((4, 5)), np.zeros((4, 1)), verbose=0)
    assert model.built and [la.name for la in model.layers] == ["a", "b"]
    assert model.input.shape.as_list() == [None, 5]
    assert model.layers[0].output.shape.as_list() == [None, 3]
    assert model.count_params() == 5 * 3 + 3 + 3 + 1
    model.build(input_shape=(None, 5))  # already built: a harmless no-op
    assert model.get_layer("b") is model.layers[1] and model.get_layer(index=0).name == "a"
    with pytest.raises(ValueError, match="No such layer: c"):
        model.get_layer("c")
    legacy = Sequential([Dense(1, input_dim=1, activation="sigmoid", name="L1")])
    assert legacy.built and legacy.count_params() == 2
    legacy.add(Dense(2))
    assert legacy.output.shape.as_list() == [None, 2]
    assert legacy.pop().units == 2


def test_layer_names_must_be_unique():
    with pytest.raises(ValueError, match="should have unique names. Name 'x' is already"):
        Sequential([Dense(1, name="x"), Dense(1, name="x")])


def test_model_weights_round_trip_and_checks():
    model = seed_model()
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(400, 25), (25,), (25, 15), (15,), (15, 1), (1,)]
    model.set_weights([w + 1 for w in weights])
    np.testing.assert_array_equal(model.get_weights()[0], weights[0] + 1)
    with pytest.raises(ValueError, match="expecting 6 weights"):
        model.set_weights(weights[:5])
    bad = list(weights)
    bad[4] = np.zeros((3, 1))
    with pytest.raises(ValueError, match=r"Layer 'layer3' weight shape \(15, 1\)"):
        model.set_weights(bad)
    np.testing.assert_array_equal(model.get_weights()[0], weights[0] + 1)  # nothing half-set
    assert len(model.trainable_variables) == 6 and model.weights[0].path == "layer1/kernel"


# -- bad input ------------------------------------------------------------------------------------
def test_bad_input_is_refused_before_any_state_changes():
    X, y = load_digits01()
    model = seed_model()
    with pytest.raises(ValueError, match=r"must call `compile\(\)`"):
        model.fit(X, y, verbose=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = model.get_weights()
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(X, y[:-1], verbose=0)
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 400, "
                       r"but received input with shape \(32, 300\)"):
        model.fit(X[:, :300], y, verbose=0)
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        model.fit(X, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="must be numeric"):
        model.fit(np.array([["a"] * 400]), np.array([[1]]), verbose=0)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        model.compile(optimizer="adam", loss="binary_crossentropyy")
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


# -- callbacks and output -----------------------------------------------------------------------
class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(f"epoch_begin {epoch}")

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(f"batch_begin {batch}")

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(f"batch_end {batch} {sorted(logs)}")

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(f"epoch_end {epoch} {sorted(logs)}")

    def on_train_end(self, logs=None):
        self.events.append("train_end")


def test_callbacks_run_in_keras_order():
    rec = Recorder()
    model = Sequential([Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((3, 2)), np.zeros((3, 1)), batch_size=2, epochs=1, verbose=0,
              validation_data=(np.zeros((2, 2)), np.zeros((2, 1))), callbacks=[rec])
    assert rec.events == [
        "train_begin", "epoch_begin 0", "batch_begin 0", "batch_end 0 ['loss']",
        "batch_begin 1", "batch_end 1 ['loss']", "epoch_end 0 ['loss', 'val_loss']",
        "train_end"]


def test_early_stopping_stops_and_restores_best_weights():
    X, y = load_digits01()
    model = seed_model()
    model.compile(optimizer=SGD(0.0), loss="binary_crossentropy")
    stop = callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    history = model.fit(X, y, epochs=20, verbose=0, callbacks=[stop])
    assert len(history.history["loss"]) == 3  # no improvement after the first epoch
    lam = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: setattr(model, "stop_training",
                                                                        True))
    assert len(model.fit(X, y, epochs=5, verbose=0, callbacks=[lam]).history["loss"]) == 1


def test_keras_namespace_mirrors_the_subset():
    import tinykeras as keras

    assert keras.Sequential is Sequential and keras.Input is Input
    assert keras.layers.Dense is Dense and keras.optimizers.schedules.ExponentialDecay
    assert keras.config.floatx() == "float32" and keras.config.epsilon() == 1e-7
    assert keras.utils.set_random_seed and keras.ops.matmul and keras.Variable
    assert keras.metrics.BinaryAccuracy and keras.initializers.GlorotUniform
    assert keras.callbacks.History and keras.models.Model and keras.regularizers.L2


def test_a_one_element_loss_list_is_the_loss_of_a_one_output_model():
    # Keras's loss per output: loss=['mse'] on a one-output model trains as loss='mse' and
    # model.loss keeps the list; a list of another length is refused with the fix.
    x, y = np.linspace(0, 1, 12, dtype="float32").reshape(4, 3), np.ones(4, "float32")
    losses = {}
    for loss in ("mse", ["mse"], ("mse",)):
        model = Sequential([Input(shape=(3,)), Dense(1, kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss=loss, loss_weights=[2.0])
        assert model.loss == loss
        losses[str(loss)] = model.evaluate(x, y, verbose=0)
    assert len(set(losses.values())) == 1
    for bad, said in ((["mse", "mae"], "list of 2 losses"), ([], "empty list")):
        with pytest.raises(tk.errors.InvalidArgumentError, match=said):
            model.compile(loss=bad)
    assert model.loss == ("mse",)  # the refused compile changed nothing
