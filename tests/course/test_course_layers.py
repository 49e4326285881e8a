"""Layers the course uses beyond Dense: Normalization with adapt, LeakyReLU."""

import numpy as np
import pytest
from course_data import load_coffee

import tinykeras as tf
from tinykeras.layers import LeakyReLU, Normalization
from tinykeras.utils.gradient_check import check_gradients


def test_normalization_adapt_reproduces_the_coffee_lab_numbers():
    X, _ = load_coffee()
    norm_l = tf.keras.layers.Normalization(axis=-1)
    norm_l.adapt(X)
    Xn = norm_l(X)
    assert Xn.dtype == "float32" and Xn.numpy().shape == (200, 2)
    # The values the notebook prints after normalizing.
    np.testing.assert_allclose(np.max(Xn, axis=0), [1.66, 1.79], atol=0.005)
    np.testing.assert_allclose(np.min(Xn, axis=0), [-1.69, -1.70], atol=0.005)
    np.testing.assert_allclose(norm_l.adapt_mean.numpy(), X.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(norm_l.adapt_variance.numpy(), X.var(axis=0), rtol=1e-6)
    assert np.tile(Xn, (1000, 1)).shape == (200000, 2) and Xn[:, 0].shape == (200,)
    assert norm_l(X[:1]).numpy().shape == (1, 2)
    assert norm_l.count_params() == 5  # mean, variance, count: as Keras counts them


def test_normalization_adapt_on_batches_equals_adapt_on_the_whole_array():
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(103, 4))
    whole, batched = Normalization(), Normalization()
    whole.adapt(X)
    batched.adapt(tf.data.Dataset.from_tensor_slices(X).batch(10))
    np.testing.assert_allclose(batched.adapt_mean.numpy(), whole.adapt_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(batched.adapt_variance.numpy(), whole.adapt_variance.numpy(),
                               rtol=1e-5)


def test_normalization_given_statistics_invert_and_gradient():
    layer = Normalization(mean=3.0, variance=2.0)
    out = layer(np.array([[1.0], [2.0], [3.0]]))
    np.testing.assert_allclose(out.numpy()[:, 0], [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
    inv = Normalization(mean=3.0, variance=2.0, invert=True)
    np.testing.assert_allclose(inv(out).numpy(), [[1.0], [2.0], [3.0]], rtol=1e-6)
    layer64 = Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0], dtype="float64")
    errors = check_gradients(lambda x: layer64(x) ** 2, np.ones((3, 2)))
    assert max(errors) < 1e-6
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        Normalization(mean=1.0)


def test_leaky_relu_layer_values_config_and_gradient():
    layer = tf.keras.layers.LeakyReLU()
    assert layer.negative_slope == pytest.approx(0.3)  # the Keras default
    np.testing.assert_allclose(layer(np.array([[-1.0, 2.0]])).numpy(), [[-0.3, 2.0]], rtol=1e-6)
    assert LeakyReLU(alpha=0.1).negative_slope == pytest.approx(0.1)  # Keras 2 spelling
    assert LeakyReLU.from_config(LeakyReLU(0.2).get_config()).negative_slope == 0.2
    layer64 = LeakyReLU(0.2, dtype="float64")
    errors = check_gradients(lambda x: layer64(x) * 3.0, np.array([[-1.5, 0.7, 2.0]]))
    assert max(errors) < 1e-6
    with pytest.raises(ValueError, match="cannot be None or negative"):
        LeakyReLU(-1.0)


def test_generators_reproduce_the_course_data_files_exactly():
    from course_data import course_file

    from tinykeras.datasets import make_blobs, make_coffee

    X, Y = make_coffee()
    np.testing.assert_array_equal(X, np.load(course_file("C2_W1_Lab02_CoffeeRoasting_TF",
                                                         "coffee_X.npy")))
    np.testing.assert_array_equal(Y, np.load(course_file("C2_W1_Lab02_CoffeeRoasting_TF",
                                                         "coffee_Y.npy")))
    cases = {
        "C2_W2_SoftMax": (2000, [[-5, 2], [-2, -2], [1, 2], [5, -2]], 1.0, 30),
        "C2_W2_Multiclass_TF": (100, [[-5, 2], [-2, -2], [1, 2], [5, -2]], 1.0, 30),
        "C2_W3_Assignment": (800, [[-1, 0], [1, 0], [0, 1], [0, -1], [-2, 1], [-2, -1]], 0.4, 2),
    }
    for folder, (n, centers, std, seed) in cases.items():
        X, y = make_blobs(n, centers=centers, cluster_std=std, random_state=seed)
        np.testing.assert_array_equal(X, np.load(course_file(folder, "blobs_X.npy")))
        np.testing.assert_array_equal(y, np.load(course_file(folder, "blobs_y.npy")))
