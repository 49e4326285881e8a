"""The catalogue of bad inputs: one row per case (entry point, input, the error it raises).

``tests/test_bad_input.py`` runs every case against a fresh ``World`` and checks that it
raises the listed error type (always one of ``tinykeras.errors``), that the message matches,
and that nothing in the world changed (``state_snapshot``). ``scripts/make_errors_doc.py``
writes ``docs/errors.md`` from the same table, with the messages the cases really raise.
"""

import atexit
import shutil
import tempfile
from collections import namedtuple
from pathlib import Path

import numpy as np

import tinykeras as tk
from tinykeras import callbacks, initializers, losses, metrics, optimizers, regularizers
from tinykeras.errors import InvalidArgumentError as Arg
from tinykeras.errors import InvalidTypeError as Typ
from tinykeras.errors import NonFiniteInputError as NonFinite
from tinykeras.layers import Activation, Dense, Input
from tinykeras.models import Sequential

Case = namedtuple("Case", "entry given run error match")


def _two_outputs():
    inputs = Input(shape=(4,), name="features")
    return tk.Model(inputs, [Dense(1, name="out_a")(inputs), Dense(2, name="out_b")(inputs)])


class World:
    """Fresh objects for one case: models in every state a user meets, already trained once
    (so the optimizers have iterations and slots), plus data."""

    def __init__(self):
        tk.backend.clear_session()
        tk.utils.set_random_seed(7)
        rng = np.random.default_rng(0)
        self.x = rng.random((20, 4)).astype("float32")
        self.y = (rng.random((20, 1)) > 0.5).astype("float32")
        self.labels = rng.integers(0, 3, 20)
        self.model = Sequential([Input(shape=(4,)), Dense(3, activation="relu", name="hidden"),
                                 Dense(1, activation="sigmoid", name="out")], name="binary")
        self.model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        self.model.fit(self.x, self.y, epochs=1, batch_size=10, verbose=0)
        self.multi = Sequential([Input(shape=(4,)), Dense(3, name="three")], name="regressor")
        self.multi.compile(optimizer="sgd", loss="mse")
        self.multi.fit(self.x, self.x[:, :3], epochs=1, batch_size=10, verbose=0)
        self.sparse = Sequential([Input(shape=(4,)), Dense(3, activation="softmax", name="probs")],
                                 name="classifier")
        self.sparse.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        self.sparse.fit(self.x, self.labels, epochs=1, batch_size=10, verbose=0)
        self.unbuilt = Sequential([Dense(2, name="first"), Dense(1, name="last")], name="unbuilt")
        self.unbuilt.compile(optimizer="adam", loss="mse")
        self.fresh = Sequential([Input(shape=(4,)), Dense(1, name="only")], name="uncompiled")
        self.onehot = Sequential([Input(shape=(4,)), Dense(3, activation="softmax")], name="cce")
        self.onehot.compile(optimizer="sgd", loss="categorical_crossentropy")
        self.noloss = Sequential([Input(shape=(4,)), Dense(1)], name="no_loss")
        self.noloss.compile(optimizer="sgd")
        self.stop = callbacks.EarlyStopping(monitor="loss", patience=1)
        self.var = tk.Variable(np.ones((2, 3)), name="w")
        self.layer_a, self.other_a = Dense(2, name="a"), Dense(1, name="a")
        inputs = Input(shape=(4,), name="features")
        self.functional = tk.Model(inputs, Dense(1, name="head")(inputs), name="functional")
        self.functional.compile(optimizer="sgd", loss="mse")
        self.opt = optimizers.Adam(0.1)
        self.opt.apply_gradients([(np.ones((2, 3)), self.var)])
        first, second = Input(shape=(4,), name="first"), Input(shape=(2,), name="second")
        merged = tk.layers.Concatenate()([first, second])
        self.two_inputs = tk.Model([first, second], Dense(1, name="joined")(merged),
                                   name="two_inputs")
        self.two_inputs.compile(optimizer="adam", loss="mse")
        self.two_inputs.fit([self.x, self.x[:, :2]], self.y, epochs=1, batch_size=10, verbose=0)
        self.two_outputs = _two_outputs()

    def objects(self):
        """What a refused call must leave unchanged."""
        return (self.model, self.multi, self.sparse, self.unbuilt, self.fresh, self.onehot,
                self.noloss, self.functional, self.two_inputs, self.stop, self.var, self.opt,
                self.two_outputs)

    def still_works(self):
        """Every model trains and predicts after the refusal (nothing is broken for good)."""
        self.model.fit(self.x, self.y, epochs=1, verbose=0)
        self.multi.fit(self.x, self.x[:, :3], epochs=1, verbose=0)
        self.sparse.fit(self.x, self.labels, epochs=1, verbose=0)
        self.unbuilt.fit(self.x, self.y, epochs=1, verbose=0)
        assert self.unbuilt.predict(self.x, verbose=0).shape == (20, 1)


def _with(array, index, value):
    out = np.array(array, dtype="float64")
    out[index] = value
    return out


def _weights_with(w, index, value):
    weights = w.model.get_weights()
    weights[index] = value
    return weights


def fit(**kw):
    """A fit on the binary model with one argument changed."""
    return lambda w: w.model.fit(**{"x": w.x, "y": w.y, "verbose": 0, **kw})


def compile_(model="model", **kw):
    """A compile with one argument changed, on an already trained model."""
    return lambda w: getattr(w, model).compile(**{"optimizer": "adam", "loss": "mse", **kw})


C = Case
CASES = [
    # -- fit: the data --------------------------------------------------------------------------
    C("fit", "x with a NaN at row 3, column 2", lambda w: w.model.fit(
        _with(w.x, (3, 2), np.nan), w.y, verbose=0), NonFinite, r"`x`.*row 3, column 2"),
    C("fit", "x with +inf", lambda w: w.model.fit(_with(w.x, (0, 0), np.inf), w.y, verbose=0),
      NonFinite, r"`x`.*inf at row 0, column 0"),
    C("fit", "y with a NaN", lambda w: w.model.fit(w.x, _with(w.y, (5, 0), np.nan), verbose=0),
      NonFinite, r"`y`.*row 5"),
    C("fit", "y with -inf", lambda w: w.multi.fit(w.x, _with(w.x[:, :3], (1, 2), -np.inf),
                                                  verbose=0), NonFinite, "`y`.*row 1, column 2"),
    C("fit", "sample_weight with a NaN", fit(sample_weight=_with(np.ones(20), 7, np.nan)),
      NonFinite, "`sample_weight`.*row 7"),
    C("fit", "sample_weight with a negative weight", fit(sample_weight=_with(np.ones(20), 2, -1)),
      Arg, r"`sample_weight`.*>= 0"),
    C("fit", "sample_weight of shape (20, 3) for one output",
      fit(sample_weight=np.ones((20, 3))), Arg, r"`sample_weight`.*shape"),
    C("fit", "sample_weight of 19 rows for 20", fit(sample_weight=np.ones(19)), Arg,
      "sample_weight sizes: 19"),
    C("fit", "empty x and y", lambda w: w.model.fit(w.x[:0], w.y[:0], verbose=0), Arg,
      "`x` has no samples"),
    C("fit", "x of 20 rows, y of 19", lambda w: w.model.fit(w.x, w.y[:-1], verbose=0), Arg,
      "x sizes: 20, y sizes: 19"),
    C("fit", "x = None", lambda w: w.model.fit(None, w.y, verbose=0), Arg, "`x`"),
    C("fit", "y = None", lambda w: w.model.fit(w.x, None, verbose=0), Arg, "`y`"),
    C("fit", "x of strings", lambda w: w.model.fit(np.full((20, 4), "a"), w.y, verbose=0), Arg,
      "`x` must be numeric"),
    C("fit", "x of Python objects", lambda w: w.model.fit(
        np.array([[object()] * 4] * 20, dtype=object), w.y, verbose=0), Arg, "`x`"),
    C("fit", "x complex", lambda w: w.model.fit(w.x + 1j, w.y, verbose=0), Arg,
      "`x` must be numeric"),
    C("fit", "x a scalar", lambda w: w.model.fit(3.0, w.y, verbose=0), Arg, "`x`.*scalar"),
    C("fit", "ragged nested lists as x", lambda w: w.model.fit([[1, 2], [3]], w.y[:2], verbose=0),
      Arg, "`x`"),
    C("fit", "a list of two arrays as x", lambda w: w.model.fit([w.x, w.x], w.y, verbose=0), Arg,
      "list of 2 arrays"),
    C("fit", "x with 5 features for a 4-feature model", lambda w: w.model.fit(
        np.ones((20, 5)), w.y, verbose=0), Arg, "expected axis -1 of input shape to have value 4"),
    C("fit", "3-D x to a built model", lambda w: w.model.fit(np.ones((20, 4, 2)), w.y, verbose=0),
      Arg, r"`x`.*\(20, 4, 2\)"),
    C("fit", "3-D x to an unbuilt Dense model", lambda w: w.unbuilt.fit(
        np.ones((20, 4, 2)), w.y, verbose=0), Arg, r"`x`.*\(20, 4, 2\)"),
    C("fit", "1-D x to an unbuilt model", lambda w: w.unbuilt.fit(w.x[:, 0], w.y, verbose=0), Arg,
      r"`x`.*1-D.*reshape\(-1, 1\)"),
    C("fit", "1-D x to a built model", lambda w: w.model.fit(w.x[:, 0], w.y, verbose=0), Arg,
      r"`x`.*1-D"),
    C("fit", "labels 0/2 for binary_crossentropy", lambda w: w.model.fit(w.x, 2 * w.y, verbose=0),
      Arg, r"binary_crossentropy.*\[0, 1\].*2"),
    C("fit", "labels -1/1 for binary_crossentropy", lambda w: w.model.fit(
        w.x, 2 * w.y - 1, verbose=0), Arg, r"\[0, 1\].*-1"),
    C("fit", "y of shape (20, 1) for 3 outputs", lambda w: w.multi.fit(w.x, w.y, verbose=0), Arg,
      r"`y`.*\(20, 1\).*3 outputs"),
    C("fit", "y of shape (20, 3) for 1 output", lambda w: w.model.fit(
        w.x, np.zeros((20, 3)), verbose=0), Arg, r"`y`.*\(20, 3\).*1 output"),
    C("fit", "y of shape (20, 2, 1) for 1 output", lambda w: w.model.fit(
        w.x, np.zeros((20, 2, 1)), verbose=0), Arg, r"`y`.*\(20, 2, 1\)"),
    C("fit", "one-hot labels to sparse_categorical_crossentropy", lambda w: w.sparse.fit(
        w.x, np.eye(3)[w.labels], verbose=0), Arg, "one-hot.*categorical_crossentropy"),
    C("fit", "label 3 for 3 classes (sparse)", lambda w: w.sparse.fit(
        w.x, _with(w.labels, 4, 3), verbose=0), Arg, r"label.*3.*\[0, 3\)"),
    C("fit", "label -1 (sparse)", lambda w: w.sparse.fit(w.x, _with(w.labels, 0, -1), verbose=0),
      Arg, r"-1.*\[0, 3\)"),
    C("fit", "label 1.5 (sparse)", lambda w: w.sparse.fit(w.x, _with(w.labels, 0, 1.5),
                                                          verbose=0), Arg, "integer class labels"),
    C("fit", "NaN label (sparse)", lambda w: w.sparse.fit(w.x, _with(w.labels, 0, np.nan),
                                                          verbose=0), NonFinite, "`y`"),
    C("fit", "integer labels (20, 1) to categorical_crossentropy", lambda w: w.onehot.fit(
        w.x, w.labels[:, None], verbose=0), Arg, "sparse_categorical_crossentropy"),
    # -- fit: the arguments ---------------------------------------------------------------------
    C("fit", "batch_size=0", fit(batch_size=0), Arg, "`batch_size`.*positive integer"),
    C("fit", "batch_size=-4", fit(batch_size=-4), Arg, "`batch_size`"),
    C("fit", "batch_size=2.5", fit(batch_size=2.5), Arg, "`batch_size`"),
    C("fit", "batch_size='32'", fit(batch_size="32"), Arg, "`batch_size`"),
    C("fit", "batch_size=True", fit(batch_size=True), Arg, "`batch_size`"),
    C("fit", "epochs=-1", fit(epochs=-1), Arg, "`epochs`"),
    C("fit", "epochs=2.5", fit(epochs=2.5), Arg, "`epochs`"),
    C("fit", "epochs='3'", fit(epochs="3"), Arg, "`epochs`"),
    C("fit", "initial_epoch=5 beyond epochs=2", fit(epochs=2, initial_epoch=5), Arg,
      "`initial_epoch`.*epochs=2"),
    C("fit", "initial_epoch=-1", fit(initial_epoch=-1), Arg, "`initial_epoch`"),
    C("fit", "shuffle='maybe'", fit(shuffle="maybe"), Arg, "`shuffle`.*'batch'"),
    C("fit", "shuffle=2", fit(shuffle=2), Arg, "`shuffle`"),
    C("fit", "verbose=7", fit(verbose=7), Arg, "`verbose`.*'auto', 0, 1, 2"),
    C("fit", "verbose='loud'", fit(verbose="loud"), Arg, "`verbose`"),
    C("fit", "steps_per_epoch=0", fit(steps_per_epoch=0), Arg, "`steps_per_epoch`"),
    C("fit", "steps_per_epoch=-1", fit(steps_per_epoch=-1), Arg, "`steps_per_epoch`"),
    C("fit", "steps_per_epoch=1.5", fit(steps_per_epoch=1.5), Arg, "`steps_per_epoch`"),
    C("fit", "validation_split=1.5", fit(validation_split=1.5), Arg, "`validation_split`"),
    C("fit", "validation_split=-0.2", fit(validation_split=-0.2), Arg, "`validation_split`"),
    C("fit", "validation_split='0.2'", fit(validation_split="0.2"), Arg, "`validation_split`"),
    C("fit", "validation_split=0.99 of 20 rows", fit(validation_split=0.99), Arg,
      "not sufficient"),
    C("fit", "validation_data with 2 features", lambda w: w.model.fit(
        w.x, w.y, validation_data=(w.x[:, :2], w.y), verbose=0), Arg,
      r"expected axis -1.*`validation_data\[0\]`"),
    C("fit", "validation_data with a NaN", lambda w: w.model.fit(
        w.x, w.y, validation_data=(_with(w.x, (2, 1), np.nan), w.y), verbose=0), NonFinite,
      r"`validation_data\[0\]`.*row 2, column 1"),
    C("fit", "validation_data as one array", fit(validation_data=np.ones((4, 4))), Arg,
      "`validation_data`.*tuple"),
    C("fit", "validation_data of 4 items", lambda w: w.model.fit(
        w.x, w.y, validation_data=(w.x, w.y, None, None), verbose=0), Arg, "`validation_data`"),
    C("fit", "validation_data with mismatched lengths", lambda w: w.model.fit(
        w.x, w.y, validation_data=(w.x, w.y[:5]), verbose=0), Arg, "validation_data"),
    C("fit", "validation_data labels 2 for binary_crossentropy", lambda w: w.model.fit(
        w.x, w.y, validation_data=(w.x, 2 * w.y), verbose=0), Arg, r"\[0, 1\]"),
    C("fit", "validation_freq=0", fit(validation_data=(np.ones((2, 4)), np.ones((2, 1))),
                                      validation_freq=0), Arg, "`validation_freq`"),
    C("fit", "validation_freq='2'", fit(validation_freq="2"), Arg, "`validation_freq`"),
    C("fit", "validation_steps=0", fit(validation_steps=0), Arg, "`validation_steps`"),
    C("fit", "validation_batch_size=0", fit(validation_batch_size=0), Arg,
      "`validation_batch_size`"),
    C("fit", "callbacks=42", fit(callbacks=42), Arg, "`callbacks`.*Callback"),
    C("fit", "callbacks=[42]", fit(callbacks=[42]), Arg, "`callbacks`.*42"),
    C("fit", "callbacks='EarlyStopping'", fit(callbacks="EarlyStopping"), Arg,
      r"EarlyStopping\(\)"),
    C("fit", "callbacks=[EarlyStopping] (the class)", fit(callbacks=[callbacks.EarlyStopping]),
      Arg, r"EarlyStopping\(\)"),
    C("fit", "class_weight as a list", fit(class_weight=[1.0, 2.0]), Typ,
      "`class_weight`.*dict"),
    C("fit", "class_weight with an unknown class 5", fit(class_weight={0: 1.0, 5: 2.0}), Arg,
      "`class_weight`.*5"),
    C("fit", "class_weight with a negative weight", fit(class_weight={0: 1.0, 1: -2.0}), Arg,
      "`class_weight.*-2"),
    C("fit", "class_weight with a NaN weight", fit(class_weight={0: 1.0, 1: np.nan}), Arg,
      "`class_weight"),
    C("fit", "class_weight with a string weight", fit(class_weight={0: 1.0, 1: "a"}), Arg,
      "`class_weight"),
    C("fit", "class_weight with a string key", fit(class_weight={"zero": 1.0}), Arg,
      "`class_weight`"),
    C("fit", "class_weight on a regression target", lambda w: w.multi.fit(
        w.x, w.x[:, :3], class_weight={0: 1.0, 1: 2.0}, verbose=0), Arg,
      "`class_weight`.*class labels"),
    C("fit", "before compile", lambda w: w.fresh.fit(w.x, w.y, verbose=0), Arg,
      r"compile\(\)"),
    C("fit", "compiled without a loss", lambda w: w.noloss.fit(w.x, w.y, verbose=0),
      Arg, "loss"),
    # -- evaluate, predict and the *_on_batch methods --------------------------------------------
    C("evaluate", "x with a NaN", lambda w: w.model.evaluate(
        _with(w.x, (1, 1), np.nan), w.y, verbose=0), NonFinite, "row 1, column 1"),
    C("evaluate", "empty x and y", lambda w: w.model.evaluate(w.x[:0], w.y[:0], verbose=0), Arg,
      "no samples"),
    C("evaluate", "x with 3 features", lambda w: w.model.evaluate(w.x[:, :3], w.y, verbose=0), Arg,
      "expected axis -1"),
    C("evaluate", "batch_size=0", lambda w: w.model.evaluate(w.x, w.y, batch_size=0, verbose=0),
      Arg, "`batch_size`"),
    C("evaluate", "steps=0", lambda w: w.model.evaluate(w.x, w.y, steps=0, verbose=0), Arg,
      "`steps`"),
    C("evaluate", "verbose=5", lambda w: w.model.evaluate(w.x, w.y, verbose=5), Arg, "`verbose`"),
    C("evaluate", "y (20, 3) for 1 output", lambda w: w.model.evaluate(
        w.x, np.zeros((20, 3)), verbose=0), Arg, r"\(20, 3\)"),
    C("evaluate", "callbacks=42", lambda w: w.model.evaluate(w.x, w.y, callbacks=42, verbose=0),
      Arg, "`callbacks`"),
    C("evaluate", "before compile", lambda w: w.fresh.evaluate(w.x, w.y, verbose=0), Arg,
      r"compile\(\)"),
    C("predict", "x with a NaN", lambda w: w.model.predict(_with(w.x, (4, 3), np.nan), verbose=0),
      NonFinite, "row 4, column 3"),
    C("predict", "empty x", lambda w: w.model.predict(w.x[:0], verbose=0), Arg, "no samples"),
    C("predict", "x with 6 features", lambda w: w.model.predict(np.ones((2, 6)), verbose=0), Arg,
      "expected axis -1 of input shape to have value 4"),
    C("predict", "1-D x", lambda w: w.model.predict(np.ones(4), verbose=0), Arg, "1-D"),
    C("predict", "1-D x to an unbuilt model", lambda w: w.unbuilt.predict(np.ones(4), verbose=0),
      Arg, "1-D"),
    C("predict", "x of strings", lambda w: w.model.predict(np.full((2, 4), "x"), verbose=0), Arg,
      "numeric"),
    C("predict", "batch_size=0", lambda w: w.model.predict(w.x, batch_size=0, verbose=0), Arg,
      "`batch_size`"),
    C("predict", "steps=0", lambda w: w.model.predict(w.x, steps=0, verbose=0), Arg, "`steps`"),
    C("predict", "verbose='yes'", lambda w: w.model.predict(w.x, verbose="yes"), Arg,
      "`verbose`"),
    C("predict", "callbacks=[42]", lambda w: w.model.predict(w.x, callbacks=[42], verbose=0), Arg,
      "`callbacks`"),
    C("train_on_batch", "x with a NaN", lambda w: w.model.train_on_batch(
        _with(w.x, (0, 1), np.nan), w.y), NonFinite, "row 0, column 1"),
    C("train_on_batch", "labels 3 for binary_crossentropy", lambda w: w.model.train_on_batch(
        w.x, 3 * w.y), Arg, r"\[0, 1\]"),
    C("train_on_batch", "class_weight with an unknown class", lambda w: w.model.train_on_batch(
        w.x, w.y, class_weight={7: 1.0}), Arg, "`class_weight`"),
    C("train_on_batch", "empty batch", lambda w: w.model.train_on_batch(w.x[:0], w.y[:0]), Arg,
      "no samples"),
    C("train_on_batch", "1-D x to an unbuilt model", lambda w: w.unbuilt.train_on_batch(
        w.x[:, 0], w.y), Arg, "1-D"),
    C("test_on_batch", "x with +inf", lambda w: w.model.test_on_batch(
        _with(w.x, (2, 2), np.inf), w.y), NonFinite, "row 2, column 2"),
    C("test_on_batch", "y of shape (20, 3)", lambda w: w.model.test_on_batch(
        w.x, np.ones((20, 3))), Arg, r"\(20, 3\)"),
    C("predict_on_batch", "x with a NaN", lambda w: w.model.predict_on_batch(
        _with(w.x, (1, 0), np.nan)), NonFinite, "row 1, column 0"),
    C("predict_on_batch", "x with 2 features", lambda w: w.model.predict_on_batch(
        np.ones((3, 2))), Arg, "expected axis -1"),
    # -- compile --------------------------------------------------------------------------------
    C("compile", "optimizer='adamm'", compile_(optimizer="adamm"), Arg, "Did you mean 'adam'"),
    C("compile", "optimizer=42", compile_(optimizer=42), Arg, "optimizer identifier: 42"),
    C("compile", "optimizer=Adam (the class)", compile_(optimizer=optimizers.Adam), Typ,
      r"Adam\(\)"),
    C("compile", "loss='binary_crossentropyy'", compile_(loss="binary_crossentropyy"), Arg,
      "Did you mean 'binary_crossentropy'"),
    C("compile", "loss='mean_squared_eror'", compile_(loss="mean_squared_eror"), Arg,
      "Did you mean 'mean_squared_error'"),
    C("compile", "loss=BinaryCrossentropy (the class)", compile_(loss=losses.BinaryCrossentropy),
      Typ, r"BinaryCrossentropy\(\)"),
    C("compile", "loss=42", compile_(loss=42), Arg, "loss identifier: 42"),
    C("compile", "metrics=['acuracy']", compile_(metrics=["acuracy"]), Arg,
      "Did you mean 'accuracy'"),
    C("compile", "metrics=['mea']", compile_(metrics=["mea"]), Arg, "metric identifier"),
    C("compile", "metrics=[42]", compile_(metrics=[42]), Arg, "metric identifier: 42"),
    C("compile", "metrics='accuracy' (not a list)", compile_(metrics="accuracy"), Arg,
      r"`metrics`.*list.*\['accuracy'\]"),
    C("compile", "metrics=[MeanSquaredError] (the class)",
      compile_(metrics=[losses.MeanSquaredError]), Typ, "a Metric"),
    C("compile", "weighted_metrics=['acc_']", compile_(weighted_metrics=["acc_"]), Arg,
      "metric identifier"),
    C("compile", "loss_weights=[1, 2] for one output", compile_(loss_weights=[1.0, 2.0]), Arg,
      "`loss_weights`"),
    C("compile", "loss_weights='a'", compile_(loss_weights="a"), Arg, "`loss_weights`"),
    C("compile", "loss_weights=nan", compile_(loss_weights=float("nan")), Arg, "`loss_weights`"),
    C("compile", "jit_compile='maybe'", compile_(jit_compile="maybe"), Arg, "`jit_compile`"),
    C("compile", "run_eagerly='yes'", compile_(run_eagerly="yes"), Arg, "`run_eagerly`"),
    C("compile", "steps_per_execution=0", compile_(steps_per_execution=0), Arg,
      "`steps_per_execution`"),
    C("compile", "a bad loss on the sparse model", compile_("sparse", loss="cross"), Arg,
      "loss identifier"),
    # -- weights --------------------------------------------------------------------------------
    C("Model.set_weights", "5 arrays for 4 weights", lambda w: w.model.set_weights(
        w.model.get_weights() + [np.ones(1)]), Arg, "expecting 4 weights"),
    C("Model.set_weights", "a wrong shape in the last array", lambda w: w.model.set_weights(
        _weights_with(w, 3, np.ones(2))), Arg, r"'out' weight shape \(1,\)"),
    C("Model.set_weights", "strings in the last array", lambda w: w.model.set_weights(
        _weights_with(w, 3, np.array(["a"]))), Arg, "numeric"),
    C("Model.set_weights", "None in the list", lambda w: w.model.set_weights(
        _weights_with(w, 2, None)), Arg, "weight 2"),
    C("Model.set_weights", "a NaN in the last array", lambda w: w.model.set_weights(
        _weights_with(w, 3, np.array([np.nan]))), NonFinite, "weights"),
    C("Model.set_weights", "an int (not a list)", lambda w: w.model.set_weights(42), Typ,
      "list of arrays"),
    C("Layer.set_weights", "strings", lambda w: w.model.layers[0].set_weights(
        [np.full((4, 3), "s"), np.zeros(3)]), Arg, "numeric"),
    C("Layer.set_weights", "one array for two", lambda w: w.model.layers[0].set_weights(
        [np.zeros((4, 3))]), Arg, "expecting 2 weights"),
    C("Layer.set_weights", "a NaN", lambda w: w.model.layers[0].set_weights(
        [np.zeros((4, 3)), np.array([0, np.nan, 0])]), NonFinite, "weights"),
    C("Variable.assign", "a wrong shape", lambda w: w.var.assign(np.ones(3)), Arg,
      r"shape \(3,\)"),
    C("Variable.assign", "strings", lambda w: w.var.assign(np.full((2, 3), "s")), Arg, "numeric"),
    # -- layers and models ----------------------------------------------------------------------
    C("Dense", "units=0", lambda w: Dense(0), Arg, "`units`"),
    C("Dense", "units=-3", lambda w: Dense(-3), Arg, "`units`"),
    C("Dense", "units=2.5", lambda w: Dense(2.5), Arg, "`units`"),
    C("Dense", "units='8'", lambda w: Dense("8"), Arg, "`units`"),
    C("Dense", "activation='relux'", lambda w: Dense(2, activation="relux"), Arg,
      "Did you mean 'relu'"),
    C("Dense", "activation=42", lambda w: Dense(2, activation=42), Arg, "activation"),
    C("Dense", "kernel_initializer='glorot'", lambda w: Dense(2, kernel_initializer="glorot"),
      Arg, "(?i)Did you mean 'glorot"),
    C("Dense", "kernel_regularizer='l3'", lambda w: Dense(2, kernel_regularizer="l3"), Arg,
      "regularizer"),
    C("Dense", "use_bias='no'", lambda w: Dense(2, use_bias="no"), Arg, "`use_bias`"),
    C("Dense", "name=3", lambda w: Dense(2, name=3), Arg, "`name`"),
    C("Dense", "an unknown keyword units2=3", lambda w: Dense(2, units2=3), Arg, "units2"),
    C("Dense", "input_dim=0", lambda w: Dense(2, input_dim=0), Arg, "`input_dim`"),
    C("Dense", "input_shape=(2.5,)", lambda w: Dense(2, input_shape=(2.5,)), Arg,
      "`input_shape`"),
    C("Dense", "dtype='float33'", lambda w: Dense(2, dtype="float33"), Arg, "dtype"),
    C("Dense", "kernel_constraint=42", lambda w: Dense(2, kernel_constraint=42), Arg,
      "constraint identifier: 42"),
    C("Dense.__call__", "strings", lambda w: w.model.layers[0](np.full((2, 4), "s")), Arg,
      "numeric"),
    C("Dense.__call__", "3 features for 4", lambda w: w.model.layers[0](np.ones((2, 3))), Arg,
      "expected axis -1"),
    C("Activation", "'sigmoidd'", lambda w: Activation("sigmoidd"), Arg, "Did you mean 'sigmoid'"),
    C("Input", "shape=(2.5,)", lambda w: Input(shape=(2.5,)), Arg, r"`shape`.*2\.5"),
    C("Input", "shape=(0,)", lambda w: Input(shape=(0,)), Arg, "`shape`"),
    C("Input", "shape=(-4,)", lambda w: Input(shape=(-4,)), Arg, "`shape`"),
    C("Input", "shape='4'", lambda w: Input(shape="4"), Arg, "`shape`"),
    C("Input", "no shape", lambda w: Input(), Arg, "`shape`"),
    C("Input", "shape and batch_shape", lambda w: Input(shape=(4,), batch_shape=(None, 4)), Arg,
      "both"),
    C("Input", "batch_size=0", lambda w: Input(shape=(4,), batch_size=0), Arg, "`batch_size`"),
    C("Input", "dtype='float33'", lambda w: Input(shape=(4,), dtype="float33"), Arg, "dtype"),
    C("Sequential", "a layer list with 42", lambda w: Sequential([w.layer_a, 42]), Arg,
      "Only instances of `keras.Layer`"),
    C("Sequential", "an Input after a layer", lambda w: Sequential([w.layer_a, Input(shape=(3,))]),
      Arg, "Input"),
    C("Sequential", "two layers named 'a'", lambda w: Sequential([w.layer_a, w.other_a]), Arg,
      "unique names"),
    C("Sequential", "layers='dense'", lambda w: Sequential("dense"), Typ, "`layers`.*list"),
    C("Sequential.add", "the Dense class", lambda w: w.unbuilt.add(Dense), Typ, r"Dense\(\.\.\.\)"),
    C("Model.get_layer", "name='nope'", lambda w: w.model.get_layer("nope"), Arg,
      "No such layer: nope"),
    C("Model.get_layer", "index=10", lambda w: w.model.get_layer(index=10), Arg, "index 10"),
    C("Model.build", "input_shape=(None, 0)", lambda w: w.unbuilt.build((None, 0)), Arg,
      "`input_shape`"),
    C("Model.build", "input_shape=None on an unbuilt model", lambda w: w.unbuilt.build(), Arg,
      "input_shape"),
    # -- losses ---------------------------------------------------------------------------------
    C("BinaryCrossentropy", "label_smoothing=2", lambda w: losses.BinaryCrossentropy(
        label_smoothing=2), Arg, r"`label_smoothing`.*\[0, 1\]"),
    C("BinaryCrossentropy", "label_smoothing=-0.1", lambda w: losses.BinaryCrossentropy(
        label_smoothing=-0.1), Arg, "`label_smoothing`"),
    C("BinaryCrossentropy", "from_logits='yes'", lambda w: losses.BinaryCrossentropy(
        from_logits="yes"), Arg, "`from_logits`"),
    C("CategoricalCrossentropy", "label_smoothing=1.5", lambda w: losses.CategoricalCrossentropy(
        label_smoothing=1.5), Arg, "`label_smoothing`"),
    C("SparseCategoricalCrossentropy", "ignore_class=1.5",
      lambda w: losses.SparseCategoricalCrossentropy(ignore_class=1.5), Arg, "`ignore_class`"),
    C("Huber", "delta=0", lambda w: losses.Huber(delta=0), Arg, "`delta`"),
    C("Huber", "delta=nan", lambda w: losses.Huber(delta=float("nan")), Arg, "`delta`"),
    C("Loss", "reduction='avg'", lambda w: losses.MeanSquaredError(reduction="avg"), Arg,
      "`reduction`"),
    C("Loss", "reduction='summ'", lambda w: losses.MeanSquaredError(reduction="summ"), Arg,
      "Did you mean 'sum'"),
    C("Loss", "name=3", lambda w: losses.MeanSquaredError(name=3), Arg, "`name`"),
    C("MeanSquaredError()", "y_true (4, 3) against y_pred (4, 2)",
      lambda w: losses.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 2))), Arg,
      r"y_true.*\(4, 3\).*y_pred.*\(4, 2\)"),
    C("MeanSquaredError()", "y_true (4, 1) against y_pred (4, 3)",
      lambda w: losses.MeanSquaredError()(np.zeros((4, 1)), np.zeros((4, 3))), Arg,
      r"\(4, 1\).*\(4, 3\)"),
    C("MeanSquaredError()", "4 labels for 3 predictions",
      lambda w: losses.MeanSquaredError()(np.zeros((4, 1)), np.zeros((3, 1))), Arg,
      "same number of samples"),
    C("MeanSquaredError()", "y_true of strings",
      lambda w: losses.MeanSquaredError()(np.full((2, 1), "a"), np.zeros((2, 1))), Arg,
      "numeric"),
    C("MeanSquaredError()", "y_pred of strings",
      lambda w: losses.MeanSquaredError()(np.zeros((2, 1)), np.full((2, 1), "a")), Arg,
      "numeric"),
    C("MeanSquaredError()", "sample_weight of 3 for 2 samples",
      lambda w: losses.MeanSquaredError()(np.zeros((2, 1)), np.zeros((2, 1)),
                                          sample_weight=np.ones(3)), Arg, "`sample_weight`"),
    C("BinaryCrossentropy()", "labels 2", lambda w: losses.BinaryCrossentropy()(
        np.array([[2.0]]), np.array([[0.5]])), Arg, r"\[0, 1\]"),
    C("SparseCategoricalCrossentropy()", "label 5 for 3 classes",
      lambda w: losses.SparseCategoricalCrossentropy()(np.array([5]), np.full((1, 3), 1 / 3)),
      Arg, r"\[0, 3\)"),
    C("SparseCategoricalCrossentropy()", "one-hot labels",
      lambda w: losses.SparseCategoricalCrossentropy()(np.eye(3), np.full((3, 3), 1 / 3)), Arg,
      "one-hot"),
    C("CategoricalCrossentropy()", "integer labels (3, 1) for 3 classes",
      lambda w: losses.CategoricalCrossentropy()(np.array([[0], [2], [1]]),
                                                 np.full((3, 3), 1 / 3)), Arg,
      "SparseCategoricalCrossentropy"),
    C("losses.mean_squared_error", "(4, 3) against (4, 2)", lambda w: losses.mean_squared_error(
        np.zeros((4, 3)), np.zeros((4, 2))), Arg, r"\(4, 3\).*\(4, 2\)"),
    C("losses.get", "'msee'", lambda w: losses.get("msee"), Arg, "Did you mean 'mse'"),
    C("losses.get", "42", lambda w: losses.get(42), Arg, "loss identifier: 42"),
    # -- metrics --------------------------------------------------------------------------------
    C("metrics.get", "'acuracy'", lambda w: metrics.get("acuracy"), Arg, "Did you mean 'accuracy'"),
    C("metrics.get", "42", lambda w: metrics.get(42), Arg, "metric identifier: 42"),
    C("metrics.get", "{'class_name': 'Nope'}", lambda w: metrics.get({"class_name": "Nope"}), Arg,
      "Nope"),
    C("metrics.MeanSquaredError()", "y_true (4, 3) against y_pred (4, 2)",
      lambda w: metrics.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 2))), Arg,
      r"\(4, 3\).*\(4, 2\)"),
    C("metrics.BinaryAccuracy()", "4 labels for 3 predictions",
      lambda w: metrics.BinaryAccuracy()(np.zeros((4, 1)), np.zeros((3, 1))), Arg,
      "same number of samples"),
    C("metrics.CategoricalAccuracy()", "(4, 3) against (4, 2)",
      lambda w: metrics.CategoricalAccuracy()(np.eye(4)[:, :3], np.zeros((4, 2))), Arg,
      r"\(4, 3\).*\(4, 2\)"),
    C("metrics.BinaryAccuracy", "threshold=2", lambda w: metrics.BinaryAccuracy(threshold=2), Arg,
      "`threshold`"),
    C("metrics.Mean().update_state", "strings", lambda w: metrics.Mean().update_state("abc"), Arg,
      "numeric"),
    C("metrics.Mean().update_state", "sample_weight of 3 for 2 values",
      lambda w: metrics.Mean().update_state(np.ones(2), sample_weight=np.ones(3)), Arg,
      "`sample_weight`"),
    C("metrics.Mean", "name=3", lambda w: metrics.Mean(name=3), Arg, "`name`"),
    C("metrics.Mean", "dtype='int8'", lambda w: metrics.Mean(dtype="int8"), Arg, "dtype"),
    # -- optimizers -----------------------------------------------------------------------------
    C("Adam", "learning_rate=nan", lambda w: optimizers.Adam(learning_rate=float("nan")), Arg,
      "`learning_rate`"),
    C("Adam", "learning_rate=inf", lambda w: optimizers.Adam(learning_rate=float("inf")), Arg,
      "`learning_rate`"),
    C("Adam", "learning_rate=-0.1", lambda w: optimizers.Adam(learning_rate=-0.1), Arg,
      "`learning_rate`"),
    C("Adam", "learning_rate='0.1'", lambda w: optimizers.Adam(learning_rate="0.1"), Arg,
      "`learning_rate`"),
    C("Adam", "beta_1=1", lambda w: optimizers.Adam(beta_1=1.0), Arg, "`beta_1`"),
    C("Adam", "beta_2=-0.5", lambda w: optimizers.Adam(beta_2=-0.5), Arg, "`beta_2`"),
    C("Adam", "epsilon=-1", lambda w: optimizers.Adam(epsilon=-1.0), Arg, "`epsilon`"),
    C("Adam", "epsilon=nan", lambda w: optimizers.Adam(epsilon=float("nan")), Arg, "`epsilon`"),
    C("Adam", "amsgrad='no'", lambda w: optimizers.Adam(amsgrad="no"), Arg, "`amsgrad`"),
    C("Adam", "an unknown keyword lr_decay", lambda w: optimizers.Adam(lr_decay=0.1), Arg,
      "lr_decay"),
    C("Adam", "clipnorm=-1", lambda w: optimizers.Adam(clipnorm=-1.0), Arg, "`clipnorm`"),
    C("Adam", "clipvalue=nan", lambda w: optimizers.Adam(clipvalue=float("nan")), Arg,
      "`clipvalue`"),
    C("Adam", "clipnorm and clipvalue", lambda w: optimizers.Adam(clipnorm=1.0, clipvalue=1.0),
      Arg, "Only one of"),
    C("SGD", "momentum=-0.1", lambda w: optimizers.SGD(momentum=-0.1), Arg, "`momentum`"),
    C("SGD", "momentum=1.5", lambda w: optimizers.SGD(momentum=1.5), Arg, "`momentum`"),
    C("SGD", "nesterov='yes'", lambda w: optimizers.SGD(nesterov="yes"), Arg, "`nesterov`"),
    C("RMSprop", "rho=2", lambda w: optimizers.RMSprop(rho=2.0), Arg, "`rho`"),
    C("RMSprop", "learning_rate=nan", lambda w: optimizers.RMSprop(learning_rate=float("nan")),
      Arg, "`learning_rate`"),
    C("optimizers.get", "'rmsprob'", lambda w: optimizers.get("rmsprob"), Arg,
      "Did you mean 'rmsprop'"),
    C("optimizers.get", "the SGD class", lambda w: optimizers.get(optimizers.SGD), Typ,
      r"SGD\(\)"),
    C("Optimizer.learning_rate", "set to nan", lambda w: setattr(w.opt, "learning_rate",
                                                                 float("nan")), Arg,
      "`learning_rate`"),
    C("Optimizer.apply_gradients", "a gradient of shape (3,) for a (2, 3) variable",
      lambda w: w.opt.apply_gradients([(np.ones(3), w.var)]), Arg, r"\(3,\).*\(2, 3\)"),
    C("Optimizer.apply_gradients", "a NaN gradient", lambda w: w.opt.apply_gradients(
        [(_with(np.ones((2, 3)), (1, 1), np.nan), w.var)]), NonFinite, "gradient"),
    C("Optimizer.apply_gradients", "a gradient of strings", lambda w: w.opt.apply_gradients(
        [(np.full((2, 3), "g"), w.var)]), Arg, "numeric"),
    C("Optimizer.apply", "2 gradients for 1 variable", lambda w: w.opt.apply(
        [np.ones((2, 3)), np.ones((2, 3))], [w.var]), Arg, "2 gradients for 1 variables"),
    C("schedules.ExponentialDecay", "decay_steps=0",
      lambda w: optimizers.schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.9), Arg,
      "`decay_steps`"),
    C("schedules.ExponentialDecay", "decay_rate=nan",
      lambda w: optimizers.schedules.ExponentialDecay(0.1, 10, decay_rate=float("nan")), Arg,
      "`decay_rate`"),
    # -- callbacks ------------------------------------------------------------------------------
    C("EarlyStopping", "patience=-1", lambda w: callbacks.EarlyStopping(patience=-1), Arg,
      "`patience`"),
    C("EarlyStopping", "patience=2.5", lambda w: callbacks.EarlyStopping(patience=2.5), Arg,
      "`patience`"),
    C("EarlyStopping", "mode='minimum'", lambda w: callbacks.EarlyStopping(mode="minimum"), Arg,
      "`mode`.*Did you mean 'min'"),
    C("EarlyStopping", "min_delta=nan", lambda w: callbacks.EarlyStopping(min_delta=float("nan")),
      Arg, "`min_delta`"),
    C("EarlyStopping", "monitor=3", lambda w: callbacks.EarlyStopping(monitor=3), Arg,
      "`monitor`"),
    C("EarlyStopping", "start_from_epoch=-2", lambda w: callbacks.EarlyStopping(
        start_from_epoch=-2), Arg, "`start_from_epoch`"),
    C("EarlyStopping", "baseline='low'", lambda w: callbacks.EarlyStopping(baseline="low"), Arg,
      "`baseline`"),
    C("EarlyStopping", "restore_best_weights='yes'", lambda w: callbacks.EarlyStopping(
        restore_best_weights="yes"), Arg, "`restore_best_weights`"),
    C("LambdaCallback", "on_epoch_ends=...", lambda w: callbacks.LambdaCallback(
        on_epoch_ends=print), Arg, "Did you mean 'on_epoch_end'"),
    C("LambdaCallback", "on_epoch_end=42", lambda w: callbacks.LambdaCallback(on_epoch_end=42),
      Typ, "`on_epoch_end`"),
    C("LearningRateScheduler", "schedule=42", lambda w: callbacks.LearningRateScheduler(42), Typ,
      "`schedule`"),
    C("LearningRateScheduler", "a schedule that returns 'fast'", lambda w: w.model.fit(
        w.x, w.y, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e, lr: "fast")]),
      Arg, "schedule"),
    C("LearningRateScheduler", "a schedule that returns nan", lambda w: w.model.fit(
        w.x, w.y, verbose=0,
        callbacks=[callbacks.LearningRateScheduler(lambda e, lr: float("nan"))]), Arg,
      "`learning_rate`"),
    # -- Variable, GradientTape, ops --------------------------------------------------------------
    C("Variable", "'abc'", lambda w: tk.Variable("abc"), Arg, "numeric"),
    C("Variable", "None", lambda w: tk.Variable(None), Arg, "`initial_value`"),
    C("Variable", "a ragged list", lambda w: tk.Variable([[1.0, 2.0], [3.0]]), Arg,
      "`initial_value`"),
    C("Variable", "an initializer without a shape", lambda w: tk.Variable(
        initializers.Zeros()), Arg, "`shape`"),
    C("Variable", "dtype='float33'", lambda w: tk.Variable(1.0, dtype="float33"), Arg, "dtype"),
    C("GradientTape.gradient", "a target that is not a Tensor", lambda w: _tape_grad("loss"), Typ,
      "`target`"),
    C("GradientTape.gradient", "sources of strings", lambda w: _tape_grad(None, sources="w"), Typ,
      "`sources`"),
    C("ops.add", "(4, 3) + (4, 2)", lambda w: tk.ops.add(np.zeros((4, 3)), np.zeros((4, 2))), Arg,
      r"ops\.add.*\(4, 3\).*\(4, 2\)"),
    C("ops.matmul", "(4, 3) @ (4, 2)", lambda w: tk.ops.matmul(np.zeros((4, 3)), np.zeros((4, 2))),
      Arg, r"ops\.matmul.*\(4, 3\).*\(4, 2\)"),
    C("ops.reshape", "(4, 3) to (5,)", lambda w: tk.ops.reshape(np.zeros((4, 3)), (5,)), Arg,
      r"ops\.reshape"),
    C("ops.sum", "axis=5 of a 2-D array", lambda w: tk.ops.sum(np.zeros((4, 3)), axis=5), Arg,
      r"ops\.sum.*axis"),
    C("ops.dense", "x (2, 3) with a (4, 1) kernel", lambda w: tk.ops.dense(
        np.zeros((2, 3)), np.zeros((4, 1))), Arg, r"ops\.dense"),
    C("ops.convert_to_tensor", "'abc'", lambda w: tk.ops.convert_to_tensor(["a", "b"]), Arg,
      "numeric"),
    # -- utilities, config, initializers, regularizers, activations ------------------------------
    C("utils.to_categorical", "label -1", lambda w: tk.utils.to_categorical([0, -1, 2]), Arg,
      "-1"),
    C("utils.to_categorical", "label 1.5", lambda w: tk.utils.to_categorical([0, 1.5]), Arg,
      "integer"),
    C("utils.to_categorical", "label 3 with num_classes=3", lambda w: tk.utils.to_categorical(
        [0, 3], num_classes=3), Arg, "num_classes"),
    C("utils.set_random_seed", "'abc'", lambda w: tk.utils.set_random_seed("abc"), Arg, "`seed`"),
    C("config.set_floatx", "'float33'", lambda w: tk.config.set_floatx("float33"), Arg,
      "floatx"),
    C("config.set_epsilon", "-1", lambda w: tk.config.set_epsilon(-1.0), Arg, "epsilon"),
    C("initializers.get", "'glorot'", lambda w: initializers.get("glorot"), Arg,
      "(?i)Did you mean 'glorot"),
    C("initializers.RandomNormal", "stddev=-1", lambda w: initializers.RandomNormal(stddev=-1.0),
      Arg, "`stddev`"),
    C("initializers.Constant", "value='a'", lambda w: initializers.Constant("a"), Arg, "`value`"),
    C("regularizers.L2", "l2=-1", lambda w: regularizers.L2(-1.0), Arg, "l2"),
    C("regularizers.L2", "l2=nan", lambda w: regularizers.L2(float("nan")), Arg, "l2"),
    C("regularizers.get", "'l3'", lambda w: regularizers.get("l3"), Arg, "regularizer"),
    C("activations.get", "'relux'", lambda w: tk.activations.get("relux"), Arg,
      "Did you mean 'relu'"),
]


TMP = Path(tempfile.mkdtemp(prefix="tinykeras-bad-input-"))
atexit.register(shutil.rmtree, TMP, ignore_errors=True)


def _text_file(name):
    path = TMP / name
    path.write_text("not a model")
    return str(path)


def _batches(x, y, n=2):
    return ((x, y) for _ in range(n))


NEW_CASES = [
    # -- what the other issues added: layers, functional models, callbacks, saving, data, tf --
    C("Dropout", "rate=2", lambda w: tk.layers.Dropout(2.0), Arg, "`rate`"),
    C("Dropout", "rate=-0.1", lambda w: tk.layers.Dropout(-0.1), Arg, "`rate`"),
    C("BatchNormalization", "momentum=2", lambda w: tk.layers.BatchNormalization(momentum=2.0),
      Arg, "`momentum`"),
    C("BatchNormalization", "epsilon=-1", lambda w: tk.layers.BatchNormalization(epsilon=-1.0),
      Arg, "`epsilon`"),
    C("BatchNormalization", "renorm_clipping={'r_max': 3}",
      lambda w: tk.layers.BatchNormalization(renorm=True, renorm_clipping={"r_max": 3.0}),
      Arg, "Supported keys: 'rmax', 'rmin', 'dmax'"),
    C("BatchNormalization", "renorm_clipping rmax < rmin",
      lambda w: tk.layers.BatchNormalization(renorm=True, renorm_clipping={
          "rmin": 2.0, "rmax": 1.0}), Arg, "rmax >= rmin"),
    C("BatchNormalization", "renorm_clipping dmax=-1",
      lambda w: tk.layers.BatchNormalization(renorm=True, renorm_clipping={"dmax": -1.0}),
      Arg, "dmax >= 0"),
    C("BatchNormalization", "renorm_momentum=1.5",
      lambda w: tk.layers.BatchNormalization(renorm=True, renorm_momentum=1.5), Arg,
      "`renorm_momentum`"),
    C("Embedding", "input_dim=0", lambda w: tk.layers.Embedding(0, 4), Arg, "`input_dim`"),
    C("LeakyReLU", "negative_slope=-1", lambda w: tk.layers.LeakyReLU(negative_slope=-1), Arg,
      "negative_slope"),
    C("GaussianNoise", "stddev=-1", lambda w: tk.layers.GaussianNoise(-1.0), Arg, "`stddev`"),
    C("Normalization.adapt", "strings", lambda w: tk.layers.Normalization().adapt(
        np.full((3, 2), "a")), Arg, "numeric"),
    C("Normalization.adapt", "a NaN", lambda w: tk.layers.Normalization().adapt(
        np.array([[np.nan, 1.0], [0.0, 2.0]])), NonFinite, "row 0, column 0"),
    C("Normalization.adapt", "no rows", lambda w: tk.layers.Normalization().adapt(
        np.zeros((0, 2))), Arg, "no samples"),
    C("Add", "inputs of shapes (2, 3) and (2, 4)", lambda w: tk.layers.Add()(
        [np.ones((2, 3)), np.ones((2, 4))]), Arg, "matching shapes"),
    C("Concatenate", "inputs of 2 and 3 rows", lambda w: tk.layers.Concatenate()(
        [np.ones((2, 3)), np.ones((3, 3))]), Arg, r"\(2, 3\), \(3, 3\)"),
    C("Model (functional)", "inputs=42", lambda w: tk.Model(42, 43), Arg, "`inputs`"),
    C("Model.fit (functional)", "x with a NaN", lambda w: w.functional.fit(
        _with(w.x, (2, 3), np.nan), w.y, verbose=0), NonFinite, "row 2, column 3"),
    C("Model.fit (functional)", "x with 2 features", lambda w: w.functional.fit(
        w.x[:, :2], w.y, verbose=0), Arg, "expected axis -1"),
    C("Model.fit (functional)", "y of shape (20, 3) for 1 output", lambda w: w.functional.fit(
        w.x, np.ones((20, 3)), verbose=0), Arg, r"\(20, 3\)"),
    C("KerasTensor + array", "Input((4,)) + np.ones(4)", lambda w: Input(shape=(4,)) + np.ones(4),
      Arg, "symbolic tensor or a Python number"),
    C("KerasTensor * KerasTensor", "shapes (None, 3) and (None, 4)", lambda w: Input(
        shape=(3,)) * Input(shape=(4,)), Arg, r"\(None, 3\), \(None, 4\)"),
    C("Model.compile (two outputs)", "metrics=['mae']", lambda w: w.two_outputs.compile(
        loss="mse", metrics=["mae"]), Arg, "metrics per output"),
    C("Model.predict (functional)", "1-D x", lambda w: w.functional.predict(
        np.ones(4), verbose=0), Arg, "1-D"),
    C("fit (Dataset)", "a batch with NaN", lambda w: w.model.fit(
        tk.data.Dataset.from_tensor_slices((np.full((8, 4), np.nan), np.zeros((8, 1)))).batch(4),
        verbose=0), NonFinite, "`x`"),
    C("fit (generator)", "batches with 2 features", lambda w: w.model.fit(
        _batches(w.x[:, :2], w.y), verbose=0), Arg, "expected axis -1"),
    C("fit (generator)", "items that are not (x, y)", lambda w: w.model.fit(
        (42 for _ in range(2)), verbose=0), Arg, "`y`"),
    C("fit (generator)", "with y given as well", lambda w: w.model.fit(
        _batches(w.x, w.y), w.y, verbose=0), Arg, "`y` must be None"),
    C("Dataset.batch", "batch_size=0", lambda w: tk.data.Dataset.from_tensor_slices(w.x).batch(0),
      Arg, "`batch_size`"),
    C("Dataset.from_tensor_slices", "x of 20 rows, y of 3", lambda w: (
        tk.data.Dataset.from_tensor_slices((w.x, w.y[:3]))), Arg, "same length"),
    C("Dataset.shuffle", "buffer_size=-1", lambda w: tk.data.Dataset.from_tensor_slices(
        w.x).shuffle(-1), Arg, "`buffer_size`"),
    C("ModelCheckpoint", "save_freq='often'", lambda w: tk.callbacks.ModelCheckpoint(
        str(TMP / "m.keras"), save_freq="often"), Arg, "save_freq"),
    C("ModelCheckpoint", "mode='up'", lambda w: tk.callbacks.ModelCheckpoint(
        str(TMP / "m.keras"), mode="up"), Arg, "`mode`"),
    C("ReduceLROnPlateau", "factor=1", lambda w: tk.callbacks.ReduceLROnPlateau(factor=1.0), Arg,
      "factor"),
    C("ReduceLROnPlateau", "patience=-1", lambda w: tk.callbacks.ReduceLROnPlateau(patience=-1),
      Arg, "`patience`"),
    C("ModelCheckpoint", "filepath=42", lambda w: tk.callbacks.ModelCheckpoint(42), Typ,
      "`filepath`"),
    C("CSVLogger", "filename=42", lambda w: tk.callbacks.CSVLogger(42), Typ, "`filename`"),
    C("Reshape", "target_shape='a'", lambda w: tk.layers.Reshape("a"), Arg, "`target_shape`"),
    C("Rescaling", "scale='a'", lambda w: tk.layers.Rescaling("a"), Arg, "`scale`"),
    C("BackupAndRestore", "backup_dir=None", lambda w: tk.callbacks.BackupAndRestore(None), Arg,
      "backup_dir"),
    C("saving.load_model", "a text file named .keras", lambda w: tk.saving.load_model(
        _text_file("t.keras")), Arg, "not a valid .keras file"),
    C("saving.load_model", "a file that does not exist", lambda w: tk.saving.load_model(
        str(TMP / "missing.keras")), Arg, "File not found"),
    C("Model.load_weights", "a file that does not exist", lambda w: w.model.load_weights(
        str(TMP / "missing.weights.h5")), Arg, "File not found"),
    C("ops.one_hot", "num_classes=-1", lambda w: tk.ops.one_hot(np.array([0, 1]), -1), Arg,
      "`num_classes`"),
    C("ops.nn.one_hot", "num_classes=2.5", lambda w: tk.ops.nn.one_hot(np.array([0, 1]), 2.5),
      Arg, "`num_classes`"),
    C("config.set_floatx", "'f' (a NumPy type code)", lambda w: tk.config.set_floatx("f"), Arg,
      "floatx"),
    C("distribute.MPIDataParallel", "comm=42", lambda w: tk.distribute.MPIDataParallel(comm=42),
      Typ, "`comm`"),
    C("Model.save", "a .txt path", lambda w: w.model.save(str(TMP / "m.txt")), Arg,
      "extension"),
    C("Model.save_weights", "a name without .weights.h5", lambda w: w.model.save_weights(
        str(TMP / "w.txt")), Arg, "weights.h5"),
    C("metrics.Precision", "thresholds=2", lambda w: metrics.Precision(thresholds=2.0), Arg,
      "thresholds"),
    C("metrics.AUC", "num_thresholds=1", lambda w: metrics.AUC(num_thresholds=1), Arg,
      "`num_thresholds`"),
    C("metrics.TopKCategoricalAccuracy", "k=0", lambda w: metrics.TopKCategoricalAccuracy(k=0),
      Arg, "`k`"),
    C("metrics.F1Score", "average='x'", lambda w: metrics.F1Score(average="x"), Arg,
      "`average`"),
    C("tf.nn.softmax", "strings", lambda w: tk.nn.softmax(["a"]), Arg, "softmax"),
    C("tf.reduce_sum", "axis=3 of a 2-D array", lambda w: tk.reduce_sum(np.ones((2, 2)), axis=3),
      Arg, "axis 3"),
    C("tf.random.set_seed", "'a'", lambda w: tk.random.set_seed("a"), Arg, "`seed`"),
    C("ops.concatenate", "(2, 3) with (2, 3, 1)", lambda w: tk.ops.concatenate(
        [np.ones((2, 3)), np.ones((2, 3, 1))]), Arg, "concatenate"),
]
CASES += NEW_CASES


class _Shards(tk.utils.PyDataset):
    """A PyDataset of four (x, y) batches with ``features`` columns; ``length`` overrides len."""

    def __init__(self, features=4, length=4, **kwargs):
        super().__init__(**kwargs)
        self.features, self.length = features, length

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        return np.ones((5, self.features), "float32"), np.zeros((5, 1), "float32")


def _mapped(name, value_at=None):
    """A float64 .npy of 20 rows and 4 features, opened memory-mapped (the model reads float32)."""
    x = np.random.default_rng(0).random((20, 4))
    if value_at is not None:
        x[value_at[0]] = value_at[1]
    np.save(TMP / name, x)
    return np.load(TMP / name, mmap_mode="r")


def _ds():
    return tk.data.Dataset.from_tensor_slices(np.arange(6.0))


def _ragged():
    """TensorFlow's padded_batch example: elements [1], [2, 2], [3, 3, 3], [4, 4, 4, 4]."""
    return tk.data.Dataset.range(1, 5).map(lambda x: np.full([x], x))


ROBUSTNESS_CASES = [
    # -- several inputs, memory-mapped data, data sources -----------------------------------------
    C("Model.fit (2 inputs)", "inputs of 20 and 10 rows", lambda w: w.two_inputs.fit(
        [w.x, w.x[:10, :2]], w.y, verbose=0), Arg, r"x\[0\] sizes: 20, x\[1\] sizes: 10"),
    C("Model.fit (2 inputs)", "a NaN in the second input", lambda w: w.two_inputs.fit(
        [w.x, _with(w.x[:, :2], (6, 1), np.nan)], w.y, verbose=0), NonFinite,
      r"`x\[1\]`.*row 6, column 1"),
    C("Model.predict (2 inputs)", "no rows", lambda w: w.two_inputs.predict(
        [w.x[:0], w.x[:0, :2]], verbose=0), Arg, r"`x\[0\]` has no samples"),
    C("Model.evaluate (2 inputs)", "inputs of 20 and 19 rows", lambda w: w.two_inputs.evaluate(
        [w.x, w.x[1:, :2]], w.y, verbose=0), Arg, "x\\[1\\] sizes: 19"),
    C("fit (memmap)", "a float64 .npy with a NaN at row 4, column 2", lambda w: w.model.fit(
        _mapped("nan.npy", ((4, 2), np.nan)), w.y, verbose=0), NonFinite,
      "`x`.*row 4, column 2"),
    C("fit (memmap)", "a float64 .npy with 1e300 (infinite in float32)", lambda w: w.model.fit(
        _mapped("huge.npy", ((3, 0), 1e300)), w.y, verbose=0), NonFinite,
      r"1e\+300 \(too large for float32.*row 3, column 0"),
    C("fit (Dataset)", "validation_data batches with 2 features", lambda w: w.model.fit(
        tk.data.Dataset.from_tensor_slices((w.x, w.y)).batch(5), verbose=0,
        validation_data=tk.data.Dataset.from_tensor_slices((w.x[:, :2], w.y)).batch(5)), Arg,
      r"value 4.*`validation_data\[0\]`"),
    C("fit (Dataset)", "validation_data of 2 features for an unbuilt model", lambda w: (
        w.unbuilt.fit(tk.data.Dataset.from_tensor_slices((w.x, w.y)).batch(5), verbose=0,
                      validation_data=tk.data.Dataset.from_tensor_slices(
                          (w.x[:, :2], w.y)).batch(5))), Arg,
      r"`validation_data` yields samples of shape \(2,\).*\(4,\)"),
    C("fit (PyDataset)", "shuffled batches with 2 features", lambda w: w.model.fit(
        _Shards(features=2), shuffle=True, verbose=0), Arg, "expected axis -1"),
    C("fit (PyDataset)", "__len__ returning -1", lambda w: w.model.fit(
        _Shards(length=-1), verbose=0), Arg, "__len__ must return"),
    # -- tf.data arguments ------------------------------------------------------------------------
    C("Dataset.batch", "batch_size='2'", lambda w: _ds().batch("2"), Arg, "`batch_size`"),
    C("Dataset.batch", "batch_size=2.5", lambda w: _ds().batch(2.5), Arg, "`batch_size`"),
    C("Dataset.shuffle", "buffer_size=None", lambda w: _ds().shuffle(None), Arg,
      "`buffer_size`"),
    C("Dataset.take", "count='a'", lambda w: _ds().take("a"), Arg, "`count`"),
    C("Dataset.take", "count=1.5", lambda w: _ds().take(1.5), Arg, "`count`"),
    C("Dataset.skip", "count=None", lambda w: _ds().skip(None), Arg, "`count`"),
    C("Dataset.repeat", "count='x'", lambda w: _ds().repeat("x"), Arg, "`count`"),
    C("Dataset.map", "map_func=42", lambda w: _ds().map(42), Typ, "`map_func`"),
    C("Dataset.filter", "predicate=None", lambda w: _ds().filter(None), Typ, "`predicate`"),
    C("Dataset.prefetch", "buffer_size=-5", lambda w: _ds().prefetch(-5), Arg,
      "`buffer_size`"),
    C("Dataset.range", "'a'", lambda w: tk.data.Dataset.range("a"), Arg, "Dataset.range"),
    C("Dataset.range", "step 0", lambda w: tk.data.Dataset.range(0, 5, 0), Arg, "`step`"),
    C("Dataset.zip", "an int", lambda w: tk.data.Dataset.zip(3), Typ, "must be a Dataset"),
    C("Dataset.from_generator", "a generator object, not its function", lambda w: (
        tk.data.Dataset.from_generator(iter([1]))), Typ, "`generator`"),
    C("Dataset.unbatch", "elements that are scalars", lambda w: list(_ds().unbatch()), Arg,
      "batch axis"),
    C("Dataset.from_tensor_slices", "a list [x, y] of different shapes", lambda w: (
        tk.data.Dataset.from_tensor_slices([w.x, w.y])), Arg, r"pass a tuple"),
    C("Dataset.padded_batch", "batch_size=0", lambda w: _ds().padded_batch(0), Arg,
      "`batch_size` must be a positive integer"),
    C("Dataset.padded_batch", "padded_shapes=2 for elements of length 3", lambda w: list(
        _ragged().padded_batch(2, padded_shapes=2)), Arg, "larger than its padded shape"),
    C("Dataset.padded_batch", "padded_shapes=(2, 2) for 1-D elements", lambda w: list(
        _ragged().padded_batch(2, padded_shapes=(2, 2))), Arg, "has 2 axes, but they have 1"),
    C("Dataset.padded_batch", "padding_values=[0, 1] (not a scalar)", lambda w: list(
        _ragged().padded_batch(2, padding_values=[0, 1])), Arg, "`padding_values`"),
    C("Dataset.padded_batch", "one padded shape for (x, y) pairs", lambda w: list(
        tk.data.Dataset.zip((_ragged(), _ragged())).padded_batch(2, padded_shapes=[4])), Arg,
      "`padded_shapes` must be a tuple of 2"),
    C("Dataset.padded_batch", "elements of rank 1 and 2", lambda w: list(
        tk.data.Dataset.from_generator(lambda: iter([np.ones(2), np.ones((2, 2))]))
        .padded_batch(2)), Arg, "different ranks"),
    C("Dataset.window", "size=0", lambda w: _ds().window(0), Arg, "`size`"),
    C("Dataset.window", "shift=0", lambda w: _ds().window(2, shift=0), Arg, "`shift`"),
    C("Dataset.window", "stride=-1", lambda w: _ds().window(2, stride=-1), Arg, "`stride`"),
    C("Dataset.window", "drop_remainder='yes'", lambda w: _ds().window(2, drop_remainder="yes"),
      Arg, "`drop_remainder`"),
    C("Dataset.interleave", "map_func=3", lambda w: _ds().interleave(3), Typ, "`map_func`"),
    C("Dataset.interleave", "cycle_length=0", lambda w: _ds().interleave(
        tk.data.Dataset.from_tensors, cycle_length=0), Arg, "`cycle_length`"),
    C("Dataset.interleave", "block_length=0", lambda w: _ds().interleave(
        tk.data.Dataset.from_tensors, block_length=0), Arg, "`block_length`"),
    C("Dataset.interleave", "num_parallel_calls=0", lambda w: _ds().interleave(
        tk.data.Dataset.from_tensors, num_parallel_calls=0), Arg, "`num_parallel_calls`"),
    C("Dataset.interleave", "map_func returning an array", lambda w: list(_ds().interleave(
        lambda x: x * 2, cycle_length=2)), Typ, "must return a Dataset"),
    C("Dataset.flat_map", "map_func returning a list", lambda w: list(_ds().flat_map(
        lambda x: [x])), Typ, "must return a Dataset"),
    C("Dataset.concatenate", "an array", lambda w: _ds().concatenate(np.ones(3)), Typ,
      "`dataset` must be a Dataset"),
    C("Dataset.reduce", "reduce_func=None", lambda w: _ds().reduce(0.0, None), Typ,
      "`reduce_func`"),
    C("Dataset.shard", "index=3 of 3 shards", lambda w: _ds().shard(3, 3), Arg, "`index`"),
    C("Dataset.shard", "num_shards=0", lambda w: _ds().shard(0, 0), Arg, "`num_shards`"),
    C("Dataset.take_while", "predicate=None", lambda w: _ds().take_while(None), Typ,
      "`predicate`"),
    C("Dataset.filter", "a predicate returning 2 booleans", lambda w: list(_ds().filter(
        lambda x: np.array([True, False]))), Arg, "one boolean per element"),
    C("Dataset.unique", "vector elements", lambda w: list(_ragged().unique()), Arg,
      "scalar integers or strings"),
    C("Dataset.apply", "a function returning a list", lambda w: _ds().apply(list), Typ,
      "must return a Dataset"),
    C("Dataset.get_single_element", "a dataset of 6 elements", lambda w: (
        _ds().get_single_element()), Arg, "more than one element"),
    C("Dataset.get_single_element", "an empty dataset", lambda w: (
        _ds().take(0).get_single_element()), Arg, "the dataset is empty"),
    C("timeseries_dataset_from_array", "sequence_length=0", lambda w: (
        tk.utils.timeseries_dataset_from_array(np.arange(10), None, 0)), Arg,
      "`sequence_length`"),
    C("timeseries_dataset_from_array", "sampling_rate=10 for 10 rows", lambda w: (
        tk.utils.timeseries_dataset_from_array(np.arange(10), None, 2, sampling_rate=10)), Arg,
      "`sampling_rate` must be lower than the length of the data"),
    C("timeseries_dataset_from_array", "start_index=10 for 10 rows", lambda w: (
        tk.utils.timeseries_dataset_from_array(np.arange(10), None, 2, start_index=10)), Arg,
      "`start_index`"),
    C("timeseries_dataset_from_array", "end_index=3, start_index=5", lambda w: (
        tk.utils.timeseries_dataset_from_array(np.arange(10), None, 2, start_index=5,
                                               end_index=3)), Arg,
      "`end_index` must be higher than `start_index`"),
    # -- ops and tf.* beyond the shapes: NumPy's own refusals, named -------------------------------
    C("ops.split", "5 rows into 2 equal parts", lambda w: tk.ops.split(np.ones(5), 2), Arg,
      "ops.split.*equal division"),
    C("ops.log", "a string", lambda w: tk.ops.log("x"), Typ, "ops.log"),
    # Tensor arguments that are not numbers: one check for every public op (ops/_scope.py),
    # never an object-dtype tensor or a NaN made of None, as Keras refuses them too.
    C("ops.sum", "None", lambda w: tk.ops.sum(None), Arg,
      r"ops.sum: argument `x` must be numeric.*Received None; pass a tensor"),
    C("ops.convert_to_tensor", "object()", lambda w: tk.ops.convert_to_tensor(object()), Typ,
      r"argument `x` must be numeric.*an object of type object; convert it to numbers first"),
    C("ops.mean", "[None, 1.0]", lambda w: tk.ops.mean([None, 1.0]), Arg,
      r"Received None inside \[None, 1.0\]"),
    C("ops.add", "x2 an object array", lambda w: tk.ops.add(1.0, np.array([1, None])), Arg,
      "argument `x2`.*an array of dtype object"),
    C("ops.nn.relu", "None", lambda w: tk.ops.nn.relu(None), Arg, "ops.relu: argument `x`"),
    C("ops.stack", "[None, None]", lambda w: tk.ops.stack([None, None]), Arg, "ops.stack"),
    C("tf.constant", "None", lambda w: tk.constant(None), Arg, "tf.constant: argument `value`"),
    C("tf.reduce_sum", "None", lambda w: tk.reduce_sum(None), Arg, "argument `input_tensor`"),
    C("Tensor", "None", lambda w: tk.ops.Tensor(None), Arg, "Tensor: argument `value`"),
    C("ops.one_hot", "sparse=True", lambda w: tk.ops.one_hot(np.array([0, 1]), 2, sparse=True),
      Arg, r"ops.one_hot: `sparse=True` is not supported.*Pass sparse=False"),
    C("ops.tile", "repeats=-1", lambda w: tk.ops.tile(np.ones(2), -1), Arg, "ops.tile"),
    C("ops.pad", "pad_width of 3 numbers", lambda w: tk.ops.pad(np.ones(2), [[1, 2, 3]]), Arg,
      "ops.pad"),
    C("ops.arange", "step=0", lambda w: tk.ops.arange(0, 5, 0), Arg, "`step` must not be 0"),
    C("ops.ones", "shape=(-2,)", lambda w: tk.ops.ones((-2,)), Arg, "`shape`"),
    C("ops.full", "shape=('a',)", lambda w: tk.ops.full(("a",), 1.0), Arg, "`shape`"),
    C("ops.zeros", "shape=2.5", lambda w: tk.ops.zeros(2.5), Arg, "`shape`"),
    C("ops.nn.relu", "a string", lambda w: tk.ops.nn.relu("a"), Arg, "ops.relu"),
    C("ops.top_k", "k=5 of 3", lambda w: tk.ops.top_k(np.ones(3), 5), Arg, "`k`"),
    C("ops.convert_to_tensor", "ragged lists", lambda w: tk.ops.convert_to_tensor([[1], [1, 2]]),
      Arg, "ops.convert_to_tensor"),
    C("ops.linalg.norm", "ord='banana'", lambda w: tk.ops.linalg.norm(np.ones(3), ord="banana"),
      Arg, "ord='banana'"),
    C("ops.argmax", "axis=3 of a 2-D array", lambda w: tk.ops.argmax(np.ones((2, 2)), axis=3),
      Arg, "axis 3 is out of bounds"),
    C("tf.argmax", "axis=3 of a 2-D array", lambda w: tk.argmax(np.ones((2, 2)), axis=3), Arg,
      "tf.argmax"),
    C("tf.math.argmax", "axis=-3 of a 2-D array", lambda w: tk.math.argmax(np.ones((2, 2)),
                                                                           axis=-3), Arg,
      "tf.argmax"),
    # -- files, exports and helpers --------------------------------------------------------------
    C("Model.save", "filepath=3", lambda w: w.model.save(3), Typ, "`filepath`"),
    C("Model.save", "a folder that does not exist", lambda w: w.model.save(
        str(TMP / "missing" / "m.keras")), Arg, "does not exist. Create it first"),
    C("Model.save", "overwrite='maybe'", lambda w: w.model.save(str(TMP / "o.keras"),
                                                                  overwrite="maybe"), Arg,
      "`overwrite`"),
    C("Model.save_weights", "filepath=3", lambda w: w.model.save_weights(3), Typ, "`filepath`"),
    C("Model.load_weights", "filepath=None", lambda w: w.model.load_weights(None), Typ,
      "`filepath`"),
    C("saving.load_model", "compile='yes'", lambda w: tk.saving.load_model(
        str(TMP / "any.keras"), compile="yes"), Arg, "`compile`"),
    C("models.model_from_json", "an int", lambda w: tk.models.model_from_json(3), Typ,
      "`json_string`"),
    C("Model.export", "filepath=3", lambda w: w.model.export(3), Typ, "`filepath`"),
    C("Model.export", "an unbuilt model", lambda w: w.unbuilt.export(str(TMP / "m.onnx")), Arg,
      "not built"),
    C("fit", "CSVLogger to a folder that does not exist", lambda w: w.model.fit(
        w.x, w.y, verbose=0, callbacks=[tk.callbacks.CSVLogger(str(TMP / "no" / "log.csv"))]),
      Arg, "CSVLogger.*does not exist"),
    C("callbacks.TensorBoard", "log_dir=3", lambda w: tk.callbacks.TensorBoard(log_dir=3), Typ,
      "`log_dir`"),
    C("utils.plot_model", "an int", lambda w: tk.utils.plot_model(3), Typ, "`model`"),
    C("Model.summary", "line_length=-1", lambda w: w.model.summary(line_length=-1), Arg,
      "`line_length`"),
    C("wrappers.SKLearnRegressor.fit", "fit_kwargs=3", lambda w: _sklearn_regressor(
        fit_kwargs=3).fit(w.x, w.y[:, 0]), Typ, "`fit_kwargs`"),
]
CASES += ROBUSTNESS_CASES


def _sklearn_regressor(**kwargs):
    from tinykeras.wrappers import SKLearnRegressor

    return SKLearnRegressor(model=lambda X, y: None, **kwargs)


def _tape_grad(target, sources=None):
    v = tk.Variable(np.ones(2))
    with tk.GradientTape() as tape:
        loss = tk.ops.sum(v * v)
    return tape.gradient(loss if target is None else target, v if sources is None else sources)
