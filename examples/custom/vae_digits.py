"""A variational autoencoder on the 8x8 digits, written as Keras 3 writes one, twice:

1. the end-to-end example of the subclassing guide (keras.io/guides/making_new_layers_and_
   models_via_subclassing): layers and a Model subclass, the KL term through ``add_loss``,
   trained with the built-in ``fit``;
2. the keras.io VAE example (keras.io/examples/generative/vae): encoder and decoder as
   functional models, a ``VAE(keras.Model)`` with its own ``train_step`` on a GradientTape
   and its own loss trackers, with Dense layers instead of the convolutions (out of scope).

Only the import lines changed (``import tensorflow as tf`` became ``import tinykeras as tf``).
Run: ``python examples/custom/vae_digits.py``.
"""

import os
import tempfile

import numpy as np

import tinykeras as keras
import tinykeras as tf
from tinykeras import layers, ops

(x_train, _), (x_test, _) = keras.datasets.load_digits(size=8)  # 64 pixels in [0, 1]
original_dim = 64
keras.utils.set_random_seed(7)


# -- 1. the subclassing guide's VAE --------------------------------------------------------------
class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class Encoder(layers.Layer):
    """Maps digits to a triplet (z_mean, z_log_var, z)."""

    def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean = self.dense_mean(x)
        z_log_var = self.dense_log_var(x)
        z = self.sampling((z_mean, z_log_var))
        return z_mean, z_log_var, z


class Decoder(layers.Layer):
    """Converts z, the encoded digit vector, back into a readable digit."""

    def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        x = self.dense_proj(inputs)
        return self.dense_output(x)


@keras.saving.register_keras_serializable(package="guide")
class VariationalAutoEncoder(keras.Model):
    """Combines the encoder and decoder into an end-to-end model for training."""

    def __init__(self, original_dim, intermediate_dim=64, latent_dim=32, name="autoencoder",
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.intermediate_dim = intermediate_dim
        self.latent_dim = latent_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        # Add KL divergence regularization loss.
        kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
        self.add_loss(kl_loss)
        return reconstructed

    def get_config(self):
        return {"original_dim": self.original_dim, "intermediate_dim": self.intermediate_dim,
                "latent_dim": self.latent_dim, "name": self.name}


vae = VariationalAutoEncoder(original_dim, 32, 8)
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
vae.compile(optimizer, loss=keras.losses.MeanSquaredError())
history = vae.fit(x_train, x_train, epochs=10, batch_size=64, verbose=0)
print("guide VAE loss", history.history["loss"][0], "->", history.history["loss"][-1])
assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
assert len(vae.losses) == 1  # the KL term of the last call

path = os.path.join(tempfile.mkdtemp(), "vae.keras")
vae.save(path)
restored = keras.models.load_model(path)
for a, b in zip(restored.weights, vae.weights, strict=True):
    np.testing.assert_array_equal(a.numpy(), b.numpy())
print("saved and loaded:", type(restored).__name__, len(restored.weights), "weights")


# -- 2. the keras.io VAE, with a custom train_step -----------------------------------------------
latent_dim = 2

encoder_inputs = keras.Input(shape=(original_dim,))
x = layers.Dense(32, activation="relu")(encoder_inputs)
x = layers.Dense(16, activation="relu")(x)
z_mean = layers.Dense(latent_dim, name="z_mean")(x)
z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
z = Sampling()([z_mean, z_log_var])
encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

latent_inputs = keras.Input(shape=(latent_dim,))
x = layers.Dense(16, activation="relu")(latent_inputs)
x = layers.Dense(32, activation="relu")(x)
decoder_outputs = layers.Dense(original_dim, activation="sigmoid")(x)
decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")


class VAE(keras.Model):
    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [
            self.total_loss_tracker,
            self.reconstruction_loss_tracker,
            self.kl_loss_tracker,
        ]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            reconstruction_loss = ops.mean(
                ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=-1)
            )
            kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {
            "loss": self.total_loss_tracker.result(),
            "reconstruction_loss": self.reconstruction_loss_tracker.result(),
            "kl_loss": self.kl_loss_tracker.result(),
        }


vae = VAE(encoder, decoder)
vae.compile(optimizer=keras.optimizers.Adam())
history = vae.fit(x_train, epochs=15, batch_size=32, verbose=0)
print({k: [round(v[0], 3), round(v[-1], 3)] for k, v in history.history.items()})
assert history.history["reconstruction_loss"][-1] < 0.9 * history.history[
    "reconstruction_loss"][0]
assert set(history.history) == {"loss", "reconstruction_loss", "kl_loss"}

z_mean, _, _ = vae.encoder.predict(x_test, verbose=0)
print("latent means of the test digits:", z_mean.shape)
assert z_mean.shape == (len(x_test), latent_dim)

path = os.path.join(tempfile.mkdtemp(), "encoder.keras")
vae.encoder.save(path)
restored = keras.models.load_model(path, custom_objects={"Sampling": Sampling})
np.testing.assert_allclose(restored.predict(x_test, verbose=0)[0], z_mean, rtol=1e-5)
print("encoder saved and loaded")
