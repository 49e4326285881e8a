"""Plots render to PNG files: history curves, decision regions, image grids, the model."""

import matplotlib  # noqa: E402, F401 - in the `test` extra: missing must fail, not skip
import numpy as np
import pytest

import tinykeras as tf
from tinykeras.layers import Dense
from tinykeras.models import Sequential
from tinykeras.utils import plotting

PNG = b"\x89PNG\r\n\x1a\n"


def _png(path):
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 2000
    return data


def test_history_decision_regions_images_and_model_render(tmp_path):
    X, y = tf.datasets.make_blobs(120, centers=[[-2, 0], [2, 0], [0, 2]], random_state=0)
    model = Sequential([tf.keras.Input(shape=(2,)), Dense(8, activation="relu"),
                        Dense(3)], name="blob_model")
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam", metrics=["accuracy"])
    history = model.fit(X, y, epochs=3, verbose=0, validation_split=0.25)
    fig = plotting.plot_history(history, path=tmp_path / "h.png")
    assert len(fig.axes) == 2  # loss and accuracy, each with its validation curve
    assert len(fig.axes[0].lines) == 2
    _png(tmp_path / "h.png")
    plotting.plot_decision_boundary(model.predict, X, y, path=tmp_path / "multi.png",
                                    resolution=50)
    _png(tmp_path / "multi.png")
    plotting.plot_decision_boundary(lambda g: (g[:, :1] > 0).astype(float), X, y > 0,
                                    path=tmp_path / "binary.png", resolution=40)
    _png(tmp_path / "binary.png")
    (Xd, yd), _ = tf.datasets.load_digits(size=20)
    fig = plotting.plot_images(Xd[:10], yd[:10], yd[:10] + 1, path=tmp_path / "g.png",
                               transpose=True, cols=5)
    assert sum(1 for ax in fig.axes if ax.images) == 10
    _png(tmp_path / "g.png")
    tf.keras.utils.plot_model(model, to_file=tmp_path / "m.png", show_shapes=True)
    _png(tmp_path / "m.png")
    assert tf.keras.utils.plot_history is plotting.plot_history


def test_bad_plot_inputs_are_refused_with_the_shape():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plotting.plot_decision_boundary(lambda g: g, np.ones((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="no logged values"):
        plotting.plot_history({})
