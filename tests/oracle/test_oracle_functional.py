"""The functional API against Keras: the summary of a graph ("Connected to"), arithmetic on
symbolic tensors, and metrics per output of a two-output model."""

import keras
import pytest

import tinykeras as tk


def _two_inputs(lib):
    a = lib.Input((3,), name="input_a")
    b = lib.Input((2,), name="input_b")
    x = lib.layers.Dense(4, name="da")(a)
    y = lib.layers.Dense(4, name="db")(b)
    c = lib.layers.Concatenate(name="cat")([x, y])
    return lib.Model([a, b], lib.layers.Dense(1, name="out")(c), name="two_in")


def _chain(lib):
    a = lib.Input((3,), name="input_c")
    h = lib.layers.Dense(4, name="hidden")(a)
    return lib.Model(a, lib.layers.Dense(1, name="last")(h), name="chain")


def _keras_text(model, line_length):
    # Keras hands print_fn the whole table at once, ending in a newline.
    captured = []
    model.summary(line_length=line_length, print_fn=captured.append)
    return "".join(captured).rstrip("\n")


def _ours_text(model, line_length):
    lines = []
    model.summary(line_length=line_length, print_fn=lines.append)
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("line_length", [76, 60])
@pytest.mark.parametrize("build", [_two_inputs, _chain], ids=["two inputs", "one chain"])
def test_functional_summary_text_matches_keras(build, line_length):
    # Widths are given (Keras would size the table to the terminal); within 80 columns,
    # which rich does not crop when it is not writing to a terminal.
    theirs = _keras_text(build(keras), line_length)
    ours = _ours_text(build(tk), line_length)
    assert ours == theirs, f"ours:\n{ours}\nKeras:\n{theirs}"
    assert ("Connected to" in ours) == (build is _two_inputs)
