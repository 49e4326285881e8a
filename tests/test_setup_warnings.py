"""Warnings for silent mistakes: each says what to change, once per model."""

import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.layers import Dense


def _fit(model, y, **compile_kwargs):
    model.compile(**compile_kwargs)
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, verbose=0)
        model.fit(x, y, verbose=0)  # the second fit must not repeat the warning
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def _model(units, activation):
    return tk.Sequential([tk.Input((3,)), Dense(4, activation="relu"),
                          Dense(units, activation=activation, name="out")])


Y01 = np.array([[0], [1]] * 4, "float32")


def test_softmax_on_one_unit_is_reported_once_with_the_fix():
    messages = _fit(_model(1, "softmax"), Y01, optimizer="adam", loss="binary_crossentropy")
    assert len(messages) == 1
    assert "'out' applies softmax to a single unit" in messages[0]
    assert "activation='sigmoid'" in messages[0]


def test_from_logits_after_a_sigmoid_and_probabilities_from_a_linear_output():
    messages = _fit(_model(1, "sigmoid"), Y01, optimizer="adam",
                    loss=tk.losses.BinaryCrossentropy(from_logits=True))
    assert len(messages) == 1 and "from_logits=True" in messages[0]
    assert "already applies sigmoid" in messages[0]
    y = np.array([0, 1, 2, 1, 0, 2, 1, 0])
    messages = _fit(_model(3, None), y, optimizer="adam",
                    loss="sparse_categorical_crossentropy")
    assert len(messages) == 1 and "Pass from_logits=True" in messages[0]


def test_a_large_adam_learning_rate_is_reported():
    messages = _fit(_model(1, "sigmoid"), Y01, optimizer=tk.optimizers.Adam(5.0),
                    loss="binary_crossentropy")
    assert len(messages) == 1 and "learning_rate=5" in messages[0]
    assert not _fit(_model(1, "sigmoid"), Y01, optimizer=tk.optimizers.SGD(5.0),
                    loss="binary_crossentropy")


def test_a_sound_setup_gets_no_warning():
    assert not _fit(_model(1, "sigmoid"), Y01, optimizer="adam", loss="binary_crossentropy")
    assert not _fit(_model(3, None), np.arange(8) % 3, optimizer="adam",
                    loss=tk.losses.SparseCategoricalCrossentropy(from_logits=True))


def test_label_mistakes_are_refused_before_training():
    # Stronger than a warning: the losses refuse labels they cannot use (issue 11's checks).
    model = _model(1, "sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"labels in \[0, 1\]"):
        model.fit(np.zeros((4, 3)), np.array([[0], [2], [1], [0]]), verbose=0)
    model = _model(3, "softmax")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="3"):
        model.fit(np.zeros((4, 3)), np.array([0, 1, 3, 2]), verbose=0)
