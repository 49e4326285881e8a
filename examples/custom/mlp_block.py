"""An MLP block made of layers, from Keras 3's subclassing guide: sublayers assigned as
attributes are tracked, so their weights are the block's, and the block trains and saves
inside a model. Only the import line changed.

Run: ``python examples/custom/mlp_block.py`` (its last part saves the model to a ``.keras``
file, which needs h5py: ``pip install -e '.[h5]'``).
"""

import os
import tempfile

import numpy as np

import tinykeras as keras
from tinykeras import ops


@keras.saving.register_keras_serializable(package="guide")
class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="guide")
class MLPBlock(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        x = self.linear_2(x)
        x = keras.activations.relu(x)
        return self.linear_3(x)


mlp = MLPBlock()
y = mlp(ops.ones(shape=(3, 64)))  # The first call to the `mlp` will create the weights
print("weights:", len(mlp.weights))
print("trainable weights:", len(mlp.trainable_weights))
assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6

keras.utils.set_random_seed(2)
x_train = np.random.uniform(-1, 1, size=(512, 2)).astype("float32")
y_train = (np.sin(3 * x_train[:, :1]) * x_train[:, 1:]).astype("float32")
model = keras.Sequential([keras.Input(shape=(2,)), MLPBlock()])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
history = model.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
print("loss", history.history["loss"][0], "->", history.history["loss"][-1])
assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]

path = os.path.join(tempfile.mkdtemp(), "mlp.keras")
model.save(path)
restored = keras.models.load_model(path)
np.testing.assert_allclose(restored.predict(x_train, verbose=0),
                           model.predict(x_train, verbose=0), rtol=1e-5, atol=1e-6)
print("saved and loaded:", [type(la).__name__ for la in restored.layers])
