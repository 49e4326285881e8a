"""The extension examples in ``examples/custom/`` (Keras 3 guide code with the import lines
changed) run end to end, train, and save and load; plus the subclassing behaviours they rely
on, pinned one by one."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinykeras as keras
from tinykeras import ops

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "custom").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_trains_and_round_trips(path):
    # Its own process: the examples register classes and redefine names, as a script does.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, f"{path.name} failed:\n{result.stdout}\n{result.stderr}"
    assert "saved and loaded" in result.stdout, result.stdout  # every example round-trips


ALLOWED_IMPORTS = {"import os", "import tempfile", "import numpy as np",
                   "import tinykeras as keras", "import tinykeras as tf",
                   "from tinykeras import ops", "from tinykeras import layers, ops"}


def test_examples_import_tinykeras_where_the_guides_import_keras():
    for path in EXAMPLES:
        imports = {line for line in path.read_text().splitlines()
                   if line.startswith(("import ", "from "))}
        assert imports <= ALLOWED_IMPORTS, f"{path.name}: {imports - ALLOWED_IMPORTS}"
        assert "import tinykeras as keras" in imports, path.name


class Scale(keras.layers.Layer):
    def build(self, input_shape):
        self.k = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="k")

    def call(self, inputs):
        self.add_loss(ops.sum(self.k))
        return inputs * self.k


class Block(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Scale()
        self.rest = [Scale(), Scale()]
        self.stat = self.add_weight(shape=(), initializer="zeros", trainable=False, name="n")

    def call(self, inputs):
        self.stat.assign_add(1.0)
        x = self.first(inputs)
        for layer in self.rest:
            x = layer(x)
        return x


def test_sublayers_and_lists_of_layers_are_tracked_in_order():
    block = Block()
    block(np.ones((2, 3), "float32"))
    assert [w.name for w in block.trainable_weights] == ["k", "k", "k"]
    assert block.trainable_weights[0] is block.first.k
    assert block.non_trainable_weights == [block.stat]
    assert len(block.weights) == 4


def test_added_losses_belong_to_the_last_call():
    block = Block()
    block(np.ones((2, 3), "float32"))
    block(np.ones((2, 3), "float32"))
    assert len(block.losses) == 3  # one per Scale, from the second call only
    assert float(sum(block.losses)) == 9.0


def test_a_subclassed_model_trains_its_attribute_layers_with_add_loss():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(4, activation="tanh")
            self.out = keras.layers.Dense(1)

        def call(self, inputs):
            h = self.hidden(inputs)
            self.add_loss(0.01 * ops.mean(ops.square(h)))
            return self.out(h)

    keras.utils.set_random_seed(0)
    x = np.random.normal(size=(64, 3)).astype("float32")
    y = x[:, :1] * 2
    model = Net()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert len(model.trainable_weights) == 4
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert len(model.losses) == 1


def test_compiling_without_a_loss_and_adding_none_says_what_to_do():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd")
    before = model.get_weights()
    with pytest.raises(ValueError, match="no loss to minimize"):
        model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_custom_train_step_must_return_a_dict():
    class Bad(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            return 1.0

    model = Bad()
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="must return a dict of logs"):
        model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)


def test_a_custom_metric_with_add_variable_resets_by_default():
    class Count(keras.metrics.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.n = self.add_variable(shape=(), initializer="zeros", name="n")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n.assign_add(float(len(y_true)))

        def result(self):
            return self.n

    metric = Count()
    metric.update_state(np.ones(5), np.ones(5))
    assert float(metric.result()) == 5.0 and metric.variables == [metric.n]
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_random_draws_follow_the_seed_and_dropout_keeps_the_mean():
    keras.utils.set_random_seed(3)
    a = keras.random.normal((3,)).numpy()
    keras.utils.set_random_seed(3)
    np.testing.assert_array_equal(keras.random.normal((3,)).numpy(), a)
    gen = keras.random.SeedGenerator(5)
    assert not np.array_equal(keras.random.uniform((4,), seed=gen).numpy(),
                              keras.random.uniform((4,), seed=gen).numpy())
    np.testing.assert_array_equal(keras.random.normal((2,), seed=9).numpy(),
                                  keras.random.normal((2,), seed=9).numpy())
    x = keras.Variable(np.ones(20000, "float32"))
    with keras.GradientTape() as tape:
        y = keras.random.dropout(x, 0.25, seed=1)
        total = ops.sum(y)
    assert abs(float(ops.mean(y)) - 1.0) < 0.03
    g = tape.gradient(total, x).numpy()
    np.testing.assert_array_equal(g, y.numpy())  # mask / (1 - rate), the same as the output


class RunningMean(keras.layers.Layer):
    """A non-trainable statistic written with ``assign`` inside ``call`` while training."""

    def build(self, input_shape):
        self.moving = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                      trainable=False, name="moving")

    def call(self, inputs, training=None):
        if training:
            self.moving.assign(0.9 * self.moving + 0.1 * ops.mean(inputs, axis=0))
        return inputs - self.moving


@pytest.mark.parametrize("jit_compile", [True, False])
def test_assign_inside_call_updates_on_every_batch_whatever_the_step(jit_compile):
    # Every batch must move the statistic, whether fit runs the tape or a fast path; the
    # result is the same number either way (any fast path replays the same ops).
    def run(jit):
        keras.utils.set_random_seed(0)
        x = np.random.normal(loc=3.0, size=(64, 2)).astype("float32")
        model = keras.Sequential([keras.Input((2,)), RunningMean(), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit)
        model.fit(x, x[:, :1], batch_size=8, epochs=3, shuffle=False, verbose=0)
        return model

    model = run(jit_compile)
    expected = np.zeros(2)
    keras.utils.set_random_seed(0)
    x = np.random.normal(loc=3.0, size=(64, 2)).astype("float32")
    for _ in range(3):
        for start in range(0, 64, 8):
            expected = 0.9 * expected + 0.1 * x[start:start + 8].mean(axis=0)
    np.testing.assert_allclose(model.layers[0].moving.numpy(), expected, rtol=1e-5)
    other = run(not jit_compile)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
