"""``model.summary()`` prints Keras 3's table (observed text in reference/keras-facts.md 3.2)."""

import numpy as np

from tinykeras.layers import Dense, Input
from tinykeras.models import Sequential

EXPECTED_76 = """\
Model: "my_model"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ layer1 (Dense)                  │ (None, 25)             │        10,025 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ layer2 (Dense)                  │ (None, 15)             │           390 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ layer3 (Dense)                  │ (None, 1)              │            16 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 10,431 (40.75 KB)
 Trainable params: 10,431 (40.75 KB)
 Non-trainable params: 0 (0.00 B)"""


def _seed():
    return Sequential([Input(shape=(400,)), Dense(25, activation="sigmoid", name="layer1"),
                       Dense(15, activation="sigmoid", name="layer2"),
                       Dense(1, activation="sigmoid", name="layer3")], name="my_model")


def test_summary_matches_keras_text_when_not_on_a_terminal():
    lines = []
    _seed().summary(line_length=76, print_fn=lines.append)
    assert "\n".join(lines) == EXPECTED_76


def test_summary_counts_optimizer_params_after_fit_and_marks_unbuilt_layers():
    model = _seed()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(np.zeros((4, 400)), np.zeros((4, 1)), verbose=0)
    lines = []
    model.summary(line_length=88, print_fn=lines.append)
    assert lines[-4:] == [
        " Total params: 31,295 (122.25 KB)",  # 10,431 + Adam's 2 + 2 x 10,431
        " Trainable params: 10,431 (40.75 KB)",
        " Non-trainable params: 0 (0.00 B)",
        " Optimizer params: 20,864 (81.50 KB)",
    ]
    assert len(lines[1]) == 88
    unbuilt = []
    Sequential([Dense(3, name="d")]).summary(print_fn=unbuilt.append)
    assert any("d (Dense)" in line and "?" in line and "0 (unbuilt)" in line for line in unbuilt)
