"""A custom loss, a custom metric and a custom callback, from Keras 3's guide "Training &
evaluation with the built-in methods" (keras.io/guides/training_with_built_in_methods), with
only the import line changed; each is used in ``fit``, and the model saves and loads with
them registered.

Run: ``python examples/custom/custom_loss_metric.py`` (its last part saves the model to a ``.keras``
file, which needs h5py: ``pip install -e '.[h5]'``).
"""

import os
import tempfile

import numpy as np

import tinykeras as keras
from tinykeras import ops


@keras.saving.register_keras_serializable(package="guide")
class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor

    def get_config(self):
        return {**super().get_config(), "regularization_factor": self.regularization_factor}


@keras.saving.register_keras_serializable(package="guide")
class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(
            shape=(), name="ctp", initializer="zeros"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        # The state of the metric will be reset at the start of each epoch.
        self.true_positives.assign(0.0)


class LossHistory(keras.callbacks.Callback):
    def on_train_begin(self, logs):
        self.per_batch_losses = []

    def on_batch_end(self, batch, logs):
        self.per_batch_losses.append(logs.get("loss"))


def get_uncompiled_model():
    inputs = keras.Input(shape=(64,), name="digits")
    x = keras.layers.Dense(32, activation="relu", name="dense_1")(inputs)
    x = keras.layers.Dense(32, activation="relu", name="dense_2")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


keras.utils.set_random_seed(4)
(x_train, y_train), (x_test, y_test) = keras.datasets.load_digits(size=8)

# The custom loss, on one-hot targets.
model = get_uncompiled_model()
model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())
y_train_one_hot = ops.one_hot(y_train[:, 0], num_classes=10)
history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=5, verbose=0)
print("CustomMSE", history.history["loss"][0], "->", history.history["loss"][-1])
assert history.history["loss"][-1] < history.history["loss"][0]

# The custom metric and the callback, with a built-in loss.
model = get_uncompiled_model()
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=[CategoricalTruePositives()],
)
loss_history = LossHistory()
history = model.fit(x_train, y_train, batch_size=64, epochs=5, callbacks=[loss_history],
                    validation_data=(x_test, y_test), verbose=0)
print({k: round(v[-1], 3) for k, v in history.history.items()})
assert len(loss_history.per_batch_losses) == 5 * int(np.ceil(len(x_train) / 64))
true_positives = history.history["categorical_true_positives"]
assert true_positives[-1] > true_positives[0]
# The metric counts the correct predictions of the epoch's last pass over the data.
correct = int(np.sum(np.argmax(model.predict(x_test, verbose=0), axis=1) == y_test[:, 0]))
assert history.history["val_categorical_true_positives"][-1] == correct

path = os.path.join(tempfile.mkdtemp(), "custom.keras")
model.save(path)
restored = keras.models.load_model(path)
np.testing.assert_allclose(restored.predict(x_test, verbose=0),
                           model.predict(x_test, verbose=0), rtol=1e-6)
print("evaluate after loading:", restored.evaluate(x_test, y_test, verbose=0,
                                                   return_dict=True))

model = get_uncompiled_model()
model.compile(optimizer="adam", loss=CustomMSE(regularization_factor=0.5))
model.fit(x_train, y_train_one_hot, epochs=1, verbose=0)
model.save(path)
restored = keras.models.load_model(path)
assert isinstance(restored.loss, CustomMSE) and restored.loss.regularization_factor == 0.5
print("saved and loaded with", restored.loss)
