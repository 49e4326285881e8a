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


# Keras 3.15.1's text for this two-input model at line_length=60 (tests/oracle compares live).
EXPECTED_GRAPH_60 = """\
Model: "two_in"
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)    ┃ Output Shape ┃ Param # ┃ Connected to  ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ input_a         │ (None, 3)    │       0 │ -             │
│ (InputLayer)    │              │         │               │
├─────────────────┼──────────────┼─────────┼───────────────┤
│ input_b         │ (None, 2)    │       0 │ -             │
│ (InputLayer)    │              │         │               │
├─────────────────┼──────────────┼─────────┼───────────────┤
│ da (Dense)      │ (None, 4)    │      16 │ input_a[0][0] │
├─────────────────┼──────────────┼─────────┼───────────────┤
│ db (Dense)      │ (None, 4)    │      12 │ input_b[0][0] │
├─────────────────┼──────────────┼─────────┼───────────────┤
│ cat             │ (None, 8)    │       0 │ da[0][0],     │
│ (Concatenate)   │              │         │ db[0][0]      │
├─────────────────┼──────────────┼─────────┼───────────────┤
│ out (Dense)     │ (None, 1)    │       9 │ cat[0][0]     │
└─────────────────┴──────────────┴─────────┴───────────────┘
 Total params: 37 (148.00 B)
 Trainable params: 37 (148.00 B)
 Non-trainable params: 0 (0.00 B)"""


def test_graph_summary_has_keras_connected_to_column_and_a_chain_has_not():
    from tinykeras.layers import Concatenate
    from tinykeras.models import Model

    a, b = Input((3,), name="input_a"), Input((2,), name="input_b")
    cat = Concatenate(name="cat")([Dense(4, name="da")(a), Dense(4, name="db")(b)])
    lines = []
    Model([a, b], Dense(1, name="out")(cat), name="two_in").summary(
        line_length=60, print_fn=lines.append)
    assert "\n".join(lines) == EXPECTED_GRAPH_60
    # A shared layer called twice makes a graph too: its second call is node 1.
    shared = Dense(3, name="shared")
    h = shared(Dense(3, name="first")(a))
    lines = []
    Model(a, shared(h)).summary(line_length=76, print_fn=lines.append)
    assert "Connected to" in lines[2]
    assert any("input_a[0][0]" in line for line in lines)
    # As Keras (checked against 3.15.1): the shared layer's row lists both calls' inputs.
    row = next(i for i, line in enumerate(lines) if "shared (Dense)" in line)
    assert lines[row].endswith("│ first[0][0],      │")
    assert lines[row + 1].endswith("│ shared[0][0]      │")
    chain = []
    Model(a, Dense(1)(Dense(2)(a))).summary(line_length=76, print_fn=chain.append)
    assert "Connected to" not in chain[2]
