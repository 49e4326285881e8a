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


# SHA-256 of (dtype, shape, bytes) of the course's own files in ../shared/data/course, recorded
# here so that the check runs on any machine, with or without that folder.
COURSE_DIGESTS = {
    ("C2_W1_Lab02_CoffeeRoasting_TF", "coffee_X.npy"):
        ("float64", (200, 2), "2213ed94d1583358e16c00ff8c1d4bf058836f51bd036d9ba40b82b447214be9"),
    ("C2_W1_Lab02_CoffeeRoasting_TF", "coffee_Y.npy"):
        ("float64", (200, 1), "540e723fae3c129192304d639ceb8ffbe6996be825d99ff802361f31ba3c0f1e"),
    ("C2_W2_SoftMax", "blobs_X.npy"):
        ("float64", (2000, 2), "fa18b0a676e906b24f1691f1f2ab3f5b0bf10bd71e63728adef3eede68d6bf4a"),
    ("C2_W2_SoftMax", "blobs_y.npy"):
        ("int64", (2000,), "0e026bfa8a3cffed9a1105ef35f38d00c2477324cec8a0c99f4f5375c2166ee2"),
    ("C2_W2_Multiclass_TF", "blobs_X.npy"):
        ("float64", (100, 2), "214b9d73a5e5d29474d4e676e2a2617d2b70851f84c25070fc8d2ab3b69496fd"),
    ("C2_W2_Multiclass_TF", "blobs_y.npy"):
        ("int64", (100,), "a857667b9dffaed97784c55e7881d84c2e2dc2f54418a339d19d72b490f6adf8"),
    ("C2_W3_Assignment", "blobs_X.npy"):
        ("float64", (800, 2), "b63de9c38149f7ea2afdf71e494715e38a9a9356b5d9a975aff9525428027868"),
    ("C2_W3_Assignment", "blobs_y.npy"):
        ("int64", (800,), "76f15aa730bac3d535f3eab43b6d42c1d327e5a3d4f57405f75704c27336b566"),
}


def _digest(array):
    """The (dtype, shape, SHA-256 of the bytes) triple COURSE_DIGESTS records."""
    import hashlib

    array = np.ascontiguousarray(array)
    return str(array.dtype), array.shape, hashlib.sha256(array.tobytes()).hexdigest()


def test_generators_reproduce_the_course_data_files_exactly():
    from course_data import COURSE

    from tinykeras.datasets import make_blobs, make_coffee

    made = {}
    made["C2_W1_Lab02_CoffeeRoasting_TF", "coffee_X.npy"], \
        made["C2_W1_Lab02_CoffeeRoasting_TF", "coffee_Y.npy"] = make_coffee()
    cases = {
        "C2_W2_SoftMax": (2000, [[-5, 2], [-2, -2], [1, 2], [5, -2]], 1.0, 30),
        "C2_W2_Multiclass_TF": (100, [[-5, 2], [-2, -2], [1, 2], [5, -2]], 1.0, 30),
        "C2_W3_Assignment": (800, [[-1, 0], [1, 0], [0, 1], [0, -1], [-2, 1], [-2, -1]], 0.4, 2),
    }
    for folder, (n, centers, std, seed) in cases.items():
        made[folder, "blobs_X.npy"], made[folder, "blobs_y.npy"] = make_blobs(
            n, centers=centers, cluster_std=std, random_state=seed)
    assert set(made) == set(COURSE_DIGESTS)
    for key, array in made.items():
        assert _digest(array) == COURSE_DIGESTS[key], key
        path = COURSE.joinpath(*key)
        if path.exists():  # on the project machines, also against the file itself
            np.testing.assert_array_equal(array, np.load(path))
