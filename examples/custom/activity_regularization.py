"""A layer that adds an activity penalty with ``add_loss``, from Keras 3's subclassing guide:
``layer.losses`` holds the last call's penalty, nested layers' penalties reach the outer
layer, and ``fit`` minimizes them with the compiled loss, or alone when ``compile`` has no
loss. Only the import line changed.

Run: ``python examples/custom/activity_regularization.py`` (its last part saves the model
to a ``.keras`` file, which needs h5py: ``pip install -e '.[h5]'``).
"""

import os
import tempfile

import numpy as np

import tinykeras as keras
from tinykeras import ops


@keras.saving.register_keras_serializable(package="guide")
class ActivityRegularizationLayer(keras.layers.Layer):
    def __init__(self, rate=1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class OuterLayer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


layer = OuterLayer()
assert len(layer.losses) == 0  # No losses yet since the layer has never been called

_ = layer(ops.zeros((1, 1)))
assert len(layer.losses) == 1  # We created one loss value

# `layer.losses` gets reset at the start of each __call__
_ = layer(ops.zeros((1, 1)))
assert len(layer.losses) == 1  # This is the loss created during the call above


class OuterLayerWithKernelRegularizer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(
            32, kernel_regularizer=keras.regularizers.l2(1e-3)
        )

    def call(self, inputs):
        return self.dense(inputs)


layer = OuterLayerWithKernelRegularizer()
_ = layer(ops.zeros((1, 1)))

# This is `1e-3 * sum(layer.dense.kernel ** 2)`,
# created by the `kernel_regularizer` above.
print(layer.losses)
assert len(layer.losses) == 1

inputs = keras.Input(shape=(3,))
outputs = ActivityRegularizationLayer()(inputs)
model = keras.Model(inputs, outputs)

# If there is a loss passed in `compile`, the regularization
# losses get added to it
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)))

# It's also possible not to pass any loss in `compile`,
# since the model already has a loss to minimize, via the `add_loss`
# call during the forward pass!
model.compile(optimizer="adam")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)))

# The penalty shapes what the network learns: a Dense layer before the penalty is pushed to
# make its outputs small (negative, since the penalty is their mean).
keras.utils.set_random_seed(3)
inputs = keras.Input(shape=(4,))
hidden = keras.layers.Dense(8)(inputs)
outputs = ActivityRegularizationLayer(rate=1.0)(hidden)
model = keras.Model(inputs, outputs)
model.compile(optimizer=keras.optimizers.SGD(0.1))
x = np.random.random((64, 4)).astype("float32")
before = float(ops.mean(model(x)))
history = model.fit(x, np.zeros((64, 8), "float32"), epochs=5, verbose=0)
after = float(ops.mean(model(x)))
print("mean activation", before, "->", after, "loss", history.history["loss"])
assert after < before - 0.2

path = os.path.join(tempfile.mkdtemp(), "activity.keras")
model.save(path)
restored = keras.models.load_model(path)
np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                           rtol=1e-6)
print("saved and loaded:", [type(la).__name__ for la in restored.layers])
