"""The functional API against Keras: the summary of a graph ("Connected to"), arithmetic on
symbolic tensors, and metrics per output of a two-output model."""

import keras
import numpy as np
import pytest
from harness import FIT_RTOL, compare

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


def _two_outputs(lib):
    i = lib.Input((5,), name="features")
    h = lib.layers.Dense(6, activation="relu", name="trunk")(i)
    a = lib.layers.Dense(1, activation="sigmoid", name="out_a")(h)
    b = lib.layers.Dense(2, name="out_b")(h)
    return lib.Model(i, [a, b], name="two_out")


PER_OUTPUT_METRICS = {
    "dict": {"out_a": ["accuracy"], "out_b": ["mae"]},
    "list of lists": [["accuracy"], ["mae", "mse"]],
    "unsorted": [["accuracy"], ["mse", "mae"]],  # evaluate's list sorts them, as Keras's
    "dict, one output": {"out_b": "mae"},
    "none": None,
}


@pytest.mark.slow
@pytest.mark.parametrize("metrics", list(PER_OUTPUT_METRICS))
def test_per_output_metrics_names_and_values_match_keras(metrics, floatx):
    r = np.random.default_rng(31)
    x = r.normal(size=(96, 5)).astype(floatx)
    y = [(x[:, :1] > 0).astype(floatx), (x[:, 1:3] * 2).astype(floatx)]
    w = r.uniform(0.5, 1.5, 96).astype(floatx)
    ours, theirs = _two_outputs(tk), _two_outputs(keras)
    ours.set_weights([np.asarray(v, floatx) for v in theirs.get_weights()])
    spec = PER_OUTPUT_METRICS[metrics]
    for model, lib in ((ours, tk), (theirs, keras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss=["binary_crossentropy", "mse"],
                      loss_weights=[1.0, 0.5], metrics=spec)
    fit = {"epochs": 1, "batch_size": 16, "shuffle": False, "verbose": 0,
           "validation_split": 0.25, "sample_weight": w}
    history_a, history_b = ours.fit(x, y, **fit).history, theirs.fit(x, y, **fit).history
    assert sorted(history_a) == sorted(history_b)
    rtol = FIT_RTOL[floatx]
    for key in history_b:
        compare(history_a[key][0], history_b[key][0], section="fits",
                item=f"two outputs, metrics {metrics}", where=f"epoch 1 {key}", dtype=floatx,
                rtol=rtol)
    logs_a = ours.evaluate(x, y, verbose=0, return_dict=True)
    logs_b = theirs.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(logs_a) == sorted(logs_b)
    for key in logs_b:
        compare(logs_a[key], logs_b[key], section="fits", item=f"two outputs, metrics {metrics}",
                where=f"evaluate {key}", dtype=floatx, rtol=rtol)
    # The list form: the loss, each output's loss, then the metrics in compile order.
    list_a = ours.evaluate(x, y, verbose=0)
    list_b = theirs.evaluate(x, y, verbose=0)
    compare(np.asarray(list_a), np.asarray(list_b), section="fits",
            item=f"two outputs, metrics {metrics}", where="evaluate as a list", dtype=floatx,
            rtol=rtol)


def test_per_output_metrics_flat_list_refused_as_keras_does():
    # Keras refuses at the first batch, tinykeras already in compile (nothing has run yet).
    x, y = np.zeros((4, 5)), [np.zeros((4, 1)), np.zeros((4, 2))]
    theirs = _two_outputs(keras)
    theirs.compile(loss="mse", metrics=["mae"])
    with pytest.raises(ValueError, match="metrics"):
        theirs.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="metrics per output"):
        _two_outputs(tk).compile(loss="mse", metrics=["mae"])


def _operators(lib):
    x = lib.Input((4,), name="features")
    y = lib.layers.Dense(3, name="d1")(x)
    z = y + 1.0
    w = y * y
    return lib.Model(x, lib.layers.Dense(1, name="d2")(z - w), name="ops")


@pytest.mark.slow
def test_symbolic_arithmetic_matches_keras_summary_fit_and_files(tmp_path, floatx):
    # Fresh name counters on both sides: the operations are auto-named ("add", "multiply").
    keras.backend.clear_session()
    tk.backend.clear_session()
    ours, theirs = _operators(tk), _operators(keras)
    assert _ours_text(ours, 76) == _keras_text(theirs, 76)
    ours.set_weights([np.asarray(v, floatx) for v in theirs.get_weights()])
    r = np.random.default_rng(41)
    x = r.normal(size=(64, 4)).astype(floatx)
    y = (x[:, :1] - 0.5 * x[:, 1:2] ** 2).astype(floatx)
    rtol = FIT_RTOL[floatx]
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="forward",
            item="y + 1.0, y * y, z - w", where="predict", dtype=floatx)
    for model, lib in ((ours, tk), (theirs, keras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse")
    fit = {"epochs": 2, "batch_size": 16, "shuffle": False, "verbose": 0}
    history_a, history_b = ours.fit(x, y, **fit).history, theirs.fit(x, y, **fit).history
    for epoch in range(2):
        compare(history_a["loss"][epoch], history_b["loss"][epoch], section="fits",
                item="y + 1.0, y * y, z - w", where=f"epoch {epoch + 1} loss", dtype=floatx,
                rtol=rtol)
    for i, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        compare(a, b, section="fits", item="y + 1.0, y * y, z - w", where=f"final weight {i}",
                dtype=floatx, rtol=rtol)
    # Each library loads the other's .keras file and predicts what its writer predicts.
    ours.save(tmp_path / "ours.keras")
    theirs.save(tmp_path / "theirs.keras")
    compare(keras.models.load_model(tmp_path / "ours.keras").predict(x, verbose=0),
            ours.predict(x, verbose=0), section="saving", item="operations, tinykeras file",
            where="Keras loads it", dtype=floatx)
    compare(tk.models.load_model(tmp_path / "theirs.keras").predict(x, verbose=0),
            theirs.predict(x, verbose=0), section="saving", item="operations, Keras file",
            where="tinykeras loads it", dtype=floatx)


def _dict_outputs(lib):
    # Keys that sort differently from the layers' order and names: Keras runs the outputs
    # in sorted-key order and logs them by key.
    i = lib.Input((5,), name="features")
    h = lib.layers.Dense(6, activation="relu", name="trunk")(i)
    a = lib.layers.Dense(1, activation="sigmoid", name="head_a")(h)
    b = lib.layers.Dense(2, name="head_b")(h)
    return lib.Model(i, {"zeta": a, "alpha": b}, name="dict_out")


@pytest.mark.slow
def test_dict_outputs_fit_evaluate_predict_and_files_match_keras(tmp_path, floatx):
    r = np.random.default_rng(32)
    x = r.normal(size=(96, 5)).astype(floatx)
    y = {"zeta": (x[:, :1] > 0).astype(floatx), "alpha": (x[:, 1:3] * 2).astype(floatx)}
    ours, theirs = _dict_outputs(tk), _dict_outputs(keras)
    ours.set_weights([np.asarray(v, floatx) for v in theirs.get_weights()])
    for model, lib in ((ours, tk), (theirs, keras)):
        model.compile(optimizer=lib.optimizers.Adam(0.01),
                      loss={"zeta": "binary_crossentropy", "alpha": "mse"},
                      loss_weights={"zeta": 1.0, "alpha": 0.5},
                      metrics={"zeta": ["accuracy"], "alpha": ["mae"]})
    fit = {"epochs": 1, "batch_size": 16, "shuffle": False, "verbose": 0,
           "validation_split": 0.25}
    history_a, history_b = ours.fit(x, y, **fit).history, theirs.fit(x, y, **fit).history
    assert sorted(history_a) == sorted(history_b)
    rtol = FIT_RTOL[floatx]
    for key in history_b:
        compare(history_a[key][0], history_b[key][0], section="fits", item="dict outputs",
                where=f"epoch 1 {key}", dtype=floatx, rtol=rtol)
    list_a, list_b = ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0)
    compare(np.asarray(list_a), np.asarray(list_b), section="fits", item="dict outputs",
            where="evaluate as a list", dtype=floatx, rtol=rtol)
    pred_a, pred_b = ours.predict(x, verbose=0), theirs.predict(x, verbose=0)
    assert sorted(pred_a) == sorted(pred_b) == ["alpha", "zeta"]
    for key in pred_b:
        compare(pred_a[key], np.asarray(pred_b[key]), section="fits", item="dict outputs",
                where=f"predict {key}", dtype=floatx, rtol=rtol)
    # Our file, architecture and weights (compiled with one loss: the per-output compile
    # config is not written yet), loads in Keras with its outputs by key.
    ours.compile(optimizer="adam", loss="mse")
    path = str(tmp_path / "dict_out.keras")
    ours.save(path)
    loaded = keras.models.load_model(path)
    again = loaded.predict(x, verbose=0)
    for key in pred_a:
        compare(np.asarray(again[key]), pred_a[key], section="fits", item="dict outputs",
                where=f"our file in Keras, predict {key}", dtype=floatx, rtol=1e-6)
