"""``fit`` and ``predict`` never go around user code: overridden ``call``, ``compute_loss``
and ``train_step`` run whichever fast path applies."""

import numpy as np
import pytest

from tinykeras.layers import Dense, Input
from tinykeras.models import Sequential

R = np.random.default_rng(3)
X = R.standard_normal((40, 3)).astype("float32")
Y = (R.uniform(size=(40, 1)) > 0.5).astype("float32")


def _stack(cls):
    return cls([Input(shape=(3,)), Dense(4, activation="relu"), Dense(1, activation="sigmoid")])


@pytest.mark.parametrize("jit_compile", ["auto", True, False])
def test_an_overridden_compute_loss_decides_the_update(jit_compile):
    class ZeroLoss(Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
            return super().compute_loss(x, y, y_pred, sample_weight) * 0.0

    model = _stack(ZeroLoss)
    model.compile(optimizer="sgd", loss="binary_crossentropy", jit_compile=jit_compile)
    before = model.get_weights()
    history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert history.history["loss"] == [0.0, 0.0]


@pytest.mark.parametrize("jit_compile", ["auto", True, False])
def test_predict_runs_an_overridden_call(jit_compile):
    class Doubled(Sequential):
        def call(self, inputs, training=False):
            return super().call(inputs, training=training) * 2.0

    model = _stack(Doubled)
    model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
    direct = model(X).numpy()
    np.testing.assert_array_equal(model.predict(X, verbose=0), direct)
    np.testing.assert_array_equal(model.predict(X[:5], verbose=0), direct[:5])
    np.testing.assert_array_equal(model.predict_on_batch(X), direct)
    base = _stack(Sequential)
    base.set_weights(model.get_weights())
    np.testing.assert_allclose(direct, 2 * base.predict(X, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("jit_compile", ["auto", True, False])
def test_fit_trains_through_an_overridden_call(jit_compile):
    class Doubled(Sequential):
        def call(self, inputs, training=False):
            return super().call(inputs, training=training) * 2.0

    def run(cls, jit):
        from tinykeras.utils import set_random_seed

        set_random_seed(7)
        model = _stack(cls)
        model.compile(optimizer="adam", loss="mse", jit_compile=jit)
        model.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        return model.get_weights()

    for a, b in zip(run(Doubled, jit_compile), run(Doubled, False)):
        np.testing.assert_array_equal(a, b)
    # and the override changed training: plain Sequential ends elsewhere
    assert any(not np.array_equal(a, b) for a, b in zip(run(Doubled, jit_compile),
                                                         run(Sequential, jit_compile)))
