"""Customizing what happens in ``fit()``, from Keras 3's guide for the TensorFlow backend
(keras.io/guides/custom_train_step_in_tensorflow), with only the import lines changed
(``import tensorflow as tf`` became ``import tinykeras as tf``): a ``train_step`` on a
GradientTape with the compiled loss and metrics, one with its own loss and metric trackers
and a ``test_step``, and one that reads sample weights.

Run: ``python examples/custom/custom_train_step.py`` (its last part saves the model to a ``.keras``
file, which needs h5py: ``pip install -e '.[h5]'``).
"""

import os
import tempfile

import numpy as np

import tinykeras as keras
import tinykeras as tf


class CustomModel(keras.Model):
    def train_step(self, data):
        # Unpack the data. Its structure depends on your model and
        # on what you pass to `fit()`.
        x, y = data

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute the loss value
            # (the loss function is configured in `compile()`)
            loss = self.compute_loss(y=y, y_pred=y_pred)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply(gradients, trainable_vars)

        # Update metrics (includes the metric that tracks the loss)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)

        # Return a dict mapping metric names to current value
        return {m.name: m.result() for m in self.metrics}


keras.utils.set_random_seed(5)
# Construct and compile an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])

# Just use `fit` as usual
x = np.random.random((1000, 32))
y = np.random.random((1000, 1))
history = model.fit(x, y, epochs=3, verbose=0)
print({k: [round(v[0], 4), round(v[-1], 4)] for k, v in history.history.items()})
assert set(history.history) == {"loss", "mae"}
assert history.history["loss"][-1] < history.history["loss"][0]


# Going lower-level: our own loss function and metric trackers, and a test_step.
class CustomModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute our own loss
            loss = self.loss_fn(y, y_pred)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply(gradients, trainable_vars)

        # Compute our own metrics
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {
            "loss": self.loss_tracker.result(),
            "mae": self.mae_metric.result(),
        }

    def test_step(self, data):
        # Unpack the data
        x, y = data
        # Compute predictions
        y_pred = self(x, training=False)
        # Updates the metrics tracking the loss
        self.loss_tracker.update_state(self.loss_fn(y, y_pred))
        # Update the metrics.
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        # We list our `Metric` objects here so that `reset_states()` can be
        # called automatically at the start of each epoch
        # or at the start of `evaluate()`.
        return [self.loss_tracker, self.mae_metric]


# Construct an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)

# We don't pass a loss or metrics here.
model.compile(optimizer="adam")

# Just use `fit` as usual -- you can use callbacks, etc.
history = model.fit(x, y, epochs=5, verbose=0)
print({k: [round(v[0], 4), round(v[-1], 4)] for k, v in history.history.items()})
assert history.history["loss"][-1] < history.history["loss"][0]
results = model.evaluate(x, y, verbose=0, return_dict=True)
print("evaluate:", results)
pred = model.predict(x, verbose=0)
np.testing.assert_allclose(results["mae"], np.mean(np.abs(y - pred)), rtol=1e-4)
# (the loss tracker averages the batch losses, so it differs slightly from the global MSE)
np.testing.assert_allclose(results["loss"], np.mean((y - pred) ** 2), rtol=1e-2)


# Supporting sample_weight.
class CustomModel(keras.Model):
    def train_step(self, data):
        # Unpack the data. Its structure depends on your model and
        # on what you pass to `fit()`.
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute the loss value.
            # The loss function is configured in `compile()`.
            loss = self.compute_loss(
                y=y,
                y_pred=y_pred,
                sample_weight=sample_weight,
            )

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply(gradients, trainable_vars)

        # Update the metrics.
        # Metrics are configured in `compile()`.
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)

        # Return a dict mapping metric names to current value.
        # Note that it will include the loss (tracked in self.metrics).
        return {m.name: m.result() for m in self.metrics}


# Construct and compile an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])

# You can now use sample_weight argument
sw = np.random.random((1000, 1))
history = model.fit(x, y, sample_weight=sw, epochs=3, verbose=0)
print({k: [round(v[0], 4), round(v[-1], 4)] for k, v in history.history.items()})
assert history.history["loss"][-1] < history.history["loss"][0]

# Saving: the subclass is registered, so loading rebuilds it with its own train_step.
keras.saving.register_keras_serializable(package="guide")(CustomModel)
path = os.path.join(tempfile.mkdtemp(), "custom_model.keras")
model.save(path)
restored = keras.models.load_model(path)
assert isinstance(restored, CustomModel)
np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                           rtol=1e-6)
restored.fit(x, y, sample_weight=sw, epochs=1, verbose=0)  # and it trains on after loading
print("saved and loaded:", type(restored).__name__)
