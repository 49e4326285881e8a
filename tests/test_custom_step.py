"""Keras 3's ``train_step(self, data)`` / ``test_step(self, data)`` overrides (the guide
"Customizing what happens in fit()", on our GradientTape) on single- and multi-output
functional models: the guide's loop over ``self.metrics`` and ``self.compute_metrics`` give
Keras's log keys, and the values the built-in step logs for the same batches.

The expected keys were read from Keras 3.15.1 (torch backend, the guide's torch version of the
same step: only the gradient lines differ), e.g. a list-output model compiled with
``metrics={"out_a": ["mae"], "out_b": ["accuracy"]}`` returning ``compute_metrics(...)`` logs
``loss, out_a_loss, out_a_mae, out_b_accuracy, out_b_loss`` (``loss`` is 0.0 there: the step
never updates the loss tracker) and has ``model.metrics`` named ``loss, compile_metrics,
out_a_loss, out_b_loss``. Keras itself fails the guide's loop on a multi-output model (it
hands the targets to each output's loss tracker, a ``Mean``); ours logs what ``fit`` logs.
"""

import numpy as np
import pytest

import tinykeras as keras
import tinykeras as tf


class GuideLoop(keras.Model):
    """The guide's first train_step, sample weights as in its third."""

    def train_step(self, data):
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        trainable_vars = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, trainable_vars), trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name != "loss":
                metric.update_state(y, y_pred)
            else:
                metric.update_state(loss)
        return {m.name: m.result() for m in self.metrics}


class ComputeMetrics(keras.Model):
    """The step that returns ``self.compute_metrics(...)`` (Keras's own train_step's end)."""

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, trainable_vars), trainable_vars)
        return self.compute_metrics(x, y, y_pred, None)


ROWS = 64
RNG = np.random.default_rng(0)
X = RNG.random((ROWS, 4)).astype("float32")
Y_A = RNG.random((ROWS, 1)).astype("float32")
Y_B = RNG.integers(0, 3, ROWS)
SW = RNG.random(ROWS).astype("float32")
MULTI_KEYS = {"loss", "out_a_loss", "out_a_mae", "out_b_accuracy", "out_b_loss"}


def build(cls, outputs):
    """The same weights for every class (one seed); ``outputs``: single, list or dict."""
    keras.utils.set_random_seed(1)
    inp = keras.Input(shape=(4,))
    h = keras.layers.Dense(8, activation="relu")(inp)
    a = keras.layers.Dense(1, name="out_a")(h)
    b = keras.layers.Dense(3, activation="softmax", name="out_b")(h)
    if outputs == "single":
        model = cls(inp, a)
        model.compile("adam", loss="mse", metrics=["mae"])
        return model, Y_A
    if outputs == "dict":
        model = cls(inp, {"out_b": b, "out_a": a})
        model.compile("adam", loss={"out_a": "mse", "out_b": "sparse_categorical_crossentropy"},
                      metrics={"out_a": ["mae"], "out_b": ["accuracy"]})
        return model, {"out_a": Y_A, "out_b": Y_B}
    model = cls(inp, [a, b])
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics={"out_a": ["mae"], "out_b": ["accuracy"]})
    return model, [Y_A, Y_B]


def fit(model, y, **kwargs):
    history = model.fit(X, y, epochs=2, batch_size=16, shuffle=False, verbose=0, **kwargs)
    return history.history


def fit_both(cls, outputs, **kwargs):
    """History of ``cls`` and of a plain Model with the same weights, on the same batches."""
    custom, y = build(cls, outputs)
    return fit(custom, y, **kwargs), fit(build(keras.Model, outputs)[0], y, **kwargs)


def assert_same(logs, expected, keys):
    for key in keys:  # the same batches in the same order: the same numbers
        np.testing.assert_allclose(logs[key], expected[key], rtol=1e-5, err_msg=key)


@pytest.mark.parametrize("outputs", ["single", "multi", "dict"])
def test_the_guides_loop_logs_what_the_built_in_step_logs(outputs):
    logs, expected = fit_both(GuideLoop, outputs)
    assert set(logs) == ({"loss", "mae"} if outputs == "single" else MULTI_KEYS)
    assert_same(logs, expected, expected)


@pytest.mark.parametrize("outputs", ["multi", "dict"])
def test_the_guides_loop_with_sample_weights_on_two_outputs(outputs):
    logs, expected = fit_both(GuideLoop, outputs, sample_weight=SW)
    assert set(logs) == MULTI_KEYS
    # Keras's fit weighs each output's loss; the guide's loop passes the weights to every
    # metric, which here are unweighted ones in fit: compare the losses.
    assert_same(logs, expected, ("loss", "out_a_loss", "out_b_loss"))


@pytest.mark.parametrize("outputs", ["single", "multi", "dict"])
def test_compute_metrics_gives_keras_keys_and_leaves_the_loss_tracker_alone(outputs):
    logs, expected = fit_both(ComputeMetrics, outputs)
    assert set(logs) == ({"loss", "mae"} if outputs == "single" else MULTI_KEYS)
    assert logs["loss"] == [0.0, 0.0]  # as Keras: only the built-in step updates it
    assert_same(logs, expected, set(expected) - {"loss"})


def test_metrics_are_listed_as_keras_lists_them_for_a_custom_step():
    model, y = build(GuideLoop, "multi")
    fit(model, y)
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics", "out_a_loss",
                                               "out_b_loss"]
    single, y = build(GuideLoop, "single")
    fit(single, y)
    assert [m.name for m in single.metrics] == ["loss", "compile_metrics"]


@pytest.mark.parametrize("outputs", ["multi", "dict"])
def test_the_guides_test_step_evaluates_two_outputs(outputs):
    model, y = build(GuideLoop, outputs)
    fit(model, y)
    logs = model.evaluate(X, y, batch_size=16, verbose=0, return_dict=True)
    assert set(logs) == MULTI_KEYS
    pred = model.predict(X, verbose=0)
    pred_a, pred_b = (pred["out_a"], pred["out_b"]) if outputs == "dict" else pred
    np.testing.assert_allclose(logs["out_a_mae"], np.mean(np.abs(pred_a - Y_A)), rtol=1e-5)
    np.testing.assert_allclose(logs["out_b_accuracy"],
                               np.mean(np.argmax(pred_b, axis=1) == Y_B), rtol=1e-6)


@pytest.mark.parametrize("outputs", ["multi", "dict"])
def test_the_step_sees_the_targets_as_fit_was_given_them(outputs):
    seen = []

    class Peek(GuideLoop):  # and super().train_step(data) runs the parent's step
        def train_step(self, data):
            seen.append(type(data[1]))
            return super().train_step(data)

    model, y = build(Peek, outputs)
    logs = model.fit(X, y, epochs=1, batch_size=32, verbose=0).history
    assert seen == [type(y), type(y)]
    assert set(logs) == MULTI_KEYS


class SuperStep(keras.Model):
    """A step that adds to Keras's own: ``super().train_step(data)`` (and test_step)."""

    def train_step(self, data):
        self.seen = getattr(self, "seen", 0) + 1
        return super().train_step(data)

    def test_step(self, data):
        return super().test_step(data)


@pytest.mark.parametrize("outputs", ["single", "multi", "dict"])
def test_super_train_step_of_data_runs_kerass_own_step(outputs):
    # Keras 3's Model.train_step(data): the built-in step, the loss tracker, compute_metrics.
    custom, y = build(SuperStep, outputs)
    logs = fit(custom, y, validation_data=(X, y))
    expected = fit(build(keras.Model, outputs)[0], y, validation_data=(X, y))
    assert custom.seen == 8  # 4 batches, 2 epochs
    assert set(logs) == set(expected)
    assert_same(logs, expected, expected)
