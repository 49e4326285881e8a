"""Layers with non-trainable state, from Keras 3's subclassing guide: ``ComputeSum`` keeps a
running total, and a normalizing layer keeps a running mean that it updates with ``assign``
inside ``call`` while training and uses as is at inference. Only the import line changed.

Run: ``python examples/custom/running_statistic.py`` (its last part saves the model to a ``.keras``
file, which needs h5py: ``pip install -e '.[h5]'``).
"""

import os
import tempfile

import numpy as np

import tinykeras as keras
from tinykeras import ops


class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(
            initializer="zeros", shape=(input_dim,), trainable=False
        )

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


x = ops.ones((2, 2))
my_sum = ComputeSum(2)
y = my_sum(x)
print(y.numpy())
y = my_sum(x)
print(y.numpy())
assert my_sum.weights == [my_sum.total]
assert my_sum.non_trainable_weights == [my_sum.total]
assert my_sum.trainable_weights == []
np.testing.assert_array_equal(y.numpy(), [4.0, 4.0])


@keras.saving.register_keras_serializable(package="guide")
class RunningCenter(keras.layers.Layer):
    """Subtracts a running mean of its inputs, updated during training."""

    def __init__(self, momentum=0.9, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def build(self, input_shape):
        self.moving_mean = self.add_weight(
            shape=(input_shape[-1],), initializer="zeros", trainable=False,
            name="moving_mean",
        )

    def call(self, inputs, training=None):
        if training:
            batch_mean = ops.mean(inputs, axis=0)
            self.moving_mean.assign(
                self.momentum * self.moving_mean + (1 - self.momentum) * batch_mean
            )
        return inputs - self.moving_mean

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum})
        return config


keras.utils.set_random_seed(1)
x_train = np.random.normal(loc=5.0, size=(512, 4)).astype("float32")
y_train = (x_train[:, :1] - 5.0) * 2.0
model = keras.Sequential([keras.Input(shape=(4,)), RunningCenter(),
                          keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x_train, y_train, epochs=5, batch_size=32, verbose=0)
center = model.layers[0]
print("moving mean:", center.moving_mean.numpy())
np.testing.assert_allclose(center.moving_mean.numpy(), x_train.mean(axis=0), atol=0.2)
before = center.moving_mean.numpy()
model.predict(x_train, verbose=0)  # inference leaves the statistic alone
np.testing.assert_array_equal(center.moving_mean.numpy(), before)

path = os.path.join(tempfile.mkdtemp(), "center.keras")
model.save(path)
restored = keras.models.load_model(path)
np.testing.assert_array_equal(restored.layers[0].moving_mean.numpy(), before)
np.testing.assert_allclose(restored.predict(x_train[:8], verbose=0),
                           model.predict(x_train[:8], verbose=0), rtol=1e-6)
print("saved and loaded with its running mean")
