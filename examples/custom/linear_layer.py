"""A linear layer from scratch, as Keras 3's guide "Making new layers and models via
subclassing" writes it (keras.io/guides/making_new_layers_and_models_via_subclassing);
only the imports differ. Weights made in ``__init__``, then lazily in ``build``,
a config, and the layer trained and saved inside a model.

Run: ``python examples/custom/linear_layer.py`` (its last part saves the model to a ``.keras``
file, which needs h5py: ``pip install -e '.[h5]'``).
"""

import os
import tempfile

import numpy as np

import tinykeras as keras
from tinykeras import ops


class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(
            shape=(input_dim, units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


x = ops.ones((2, 2))
linear_layer = Linear(4, 2)
y = linear_layer(x)
print(y)
assert linear_layer.weights == [linear_layer.w, linear_layer.b]


# Deferring weight creation until the shape of the inputs is known, and a config.
@keras.saving.register_keras_serializable(package="guide")
class LazyLinear(keras.layers.Layer):
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
        config = super().get_config()
        config.update({"units": self.units})
        return config


layer = LazyLinear(64)
config = layer.get_config()
print(config)
new_layer = LazyLinear.from_config(config)
assert new_layer.units == 64

# Train it as part of a model, then save and load the model.
keras.utils.set_random_seed(0)
x_train = np.random.normal(size=(256, 3)).astype("float32")
y_train = x_train @ np.array([[1.0], [-2.0], [0.5]], dtype="float32") + 0.3
model = keras.Sequential([keras.Input(shape=(3,)), LazyLinear(1)])
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
history = model.fit(x_train, y_train, epochs=20, batch_size=32, verbose=0)
print("loss", history.history["loss"][0], "->", history.history["loss"][-1])
assert history.history["loss"][-1] < 0.01 * history.history["loss"][0]

path = os.path.join(tempfile.mkdtemp(), "linear.keras")
model.save(path)
restored = keras.models.load_model(path)
np.testing.assert_allclose(restored.predict(x_train, verbose=0),
                           model.predict(x_train, verbose=0), rtol=1e-6)
print("saved and loaded:", type(restored.layers[0]).__name__)
