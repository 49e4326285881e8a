"""Files both ways with real Keras 3: tinykeras -> .keras/.h5 -> Keras predicts the same, and
Keras -> .keras/.h5 -> tinykeras predicts the same and trains on as Keras does."""

import warnings

import keras
import numpy as np
import pytest
from harness import compare

import tinykeras as tk

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu", "softplus",
               "softsign", "swish", "gelu", "relu6", "exponential", "hard_sigmoid", "mish",
               "leaky_relu"]
OPTIMIZERS = {
    "sgd": lambda m: m.SGD(0.05),
    "sgd-momentum": lambda m: m.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda m: m.RMSprop(0.01),
    "rmsprop-centered": lambda m: m.RMSprop(0.01, momentum=0.5, centered=True),
    "adam": lambda m: m.Adam(0.01),
    "adam-amsgrad": lambda m: m.Adam(0.01, amsgrad=True),
    "adamw": lambda m: m.AdamW(0.01),
    "adagrad": lambda m: m.Adagrad(0.05),
    "adadelta": lambda m: m.Adadelta(1.0),
    "adamax": lambda m: m.Adamax(0.01),
    "nadam": lambda m: m.Nadam(0.01),
}
LOSSES = {
    "bce": (lambda m: m.BinaryCrossentropy(), 1, "sigmoid"),
    "cce": (lambda m: m.CategoricalCrossentropy(), 3, "softmax"),
    "scce-logits": (lambda m: m.SparseCategoricalCrossentropy(from_logits=True), 3, None),
    "mse": (lambda m: m.MeanSquaredError(), 2, None),
    "mae": (lambda m: m.MeanAbsoluteError(), 2, None),
    "huber": (lambda m: m.Huber(delta=0.5), 2, None),
    "logcosh": (lambda m: m.LogCosh(), 2, None),
    "msle-string": ("mean_squared_logarithmic_error", 2, "softplus"),
}


def _x(n=32, d=6, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


def _y(kind, units, n=32, seed=1):
    r = np.random.default_rng(seed)
    if kind == "bce":
        return (r.random((n, 1)) > 0.5).astype("float32")
    if kind == "cce":
        return np.eye(3, dtype="float32")[r.integers(0, 3, n)]
    if kind == "scce-logits":
        return r.integers(0, 3, n)
    return np.abs(r.normal(size=(n, units))).astype("float32")


def _tk_model(activation, units=1, out_activation="sigmoid"):
    return tk.Sequential([tk.Input((6,)),
                          tk.layers.Dense(5, activation=activation, name="hidden",
                                          kernel_regularizer=tk.regularizers.L2(0.01)),
                          tk.layers.Activation("tanh", name="act"),
                          tk.layers.Dense(units, activation=out_activation, name="out")],
                         name="ours")


def _keras_model(activation, units=1, out_activation="sigmoid"):
    return keras.Sequential([keras.Input((6,)),
                             keras.layers.Dense(5, activation=activation, name="hidden",
                                                kernel_regularizer=keras.regularizers.L2(0.01)),
                             keras.layers.Activation("tanh", name="act"),
                             keras.layers.Dense(units, activation=out_activation, name="out")],
                            name="theirs")


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_tinykeras_file_predicts_the_same_in_keras(tmp_path, activation, suffix):
    x = _x()
    ours = _tk_model(activation)
    ours.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    ours.fit(x, _y("bce", 1), epochs=2, batch_size=8, verbose=0)
    ours.save(tmp_path / f"m{suffix}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras's "legacy format" notice for .h5
        theirs = keras.saving.load_model(tmp_path / f"m{suffix}")
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="saving",
            item=f"tinykeras {suffix} -> Keras, {activation}", where="predict",
            dtype="float32", rtol=1e-6)
    assert int(keras.ops.convert_to_numpy(theirs.optimizer.iterations)) == 8
    for a, b in zip(ours.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), keras.ops.convert_to_numpy(b.value))


@pytest.mark.slow
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_tinykeras_file_trains_on_in_keras_as_in_tinykeras(tmp_path, optimizer, loss):
    """Keras restores our optimizer state: one more epoch on both sides gives the same."""
    make_loss, units, out = LOSSES[loss]
    x, y = _x(), _y(loss, units)
    ours = _tk_model("relu", units, out)
    ours.compile(optimizer=OPTIMIZERS[optimizer](tk.optimizers),
                 loss=make_loss if isinstance(make_loss, str) else make_loss(tk.losses))
    ours.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    ours.save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    assert type(theirs.optimizer).__name__ == type(ours.optimizer).__name__
    ours.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    theirs.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for i, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        compare(a, b, section="saving", item=f"tinykeras -> Keras, {optimizer}, {loss}",
                where=f"weight {i} after one more epoch", dtype="float32", rtol=1e-4)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_keras_file_predicts_and_trains_on_in_tinykeras(tmp_path, optimizer, suffix):
    x, y = _x(), _y("cce", 3)
    theirs = _keras_model("elu", 3, "softmax")
    theirs.compile(optimizer=OPTIMIZERS[optimizer](keras.optimizers),
                   loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])
    theirs.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.save(tmp_path / f"k{suffix}")
    ours = tk.models.load_model(tmp_path / f"k{suffix}")
    item = f"Keras {suffix} -> tinykeras, {optimizer}"
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="saving",
            item=item, where="predict", dtype="float32", rtol=1e-6)
    assert int(ours.optimizer.iterations.numpy()) == 8
    theirs.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    ours.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for i, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        compare(a, b, section="saving", item=item, where=f"weight {i} after one more epoch",
                dtype="float32", rtol=1e-4)


def test_keras_weights_files_both_ways(tmp_path):
    x = _x()
    theirs = _keras_model("tanh")
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours = _tk_model("tanh")
    ours.load_weights(tmp_path / "k.weights.h5")
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="saving",
            item="Keras .weights.h5 -> tinykeras", where="predict", dtype="float32", rtol=1e-6)
    ours = _tk_model("sigmoid")
    ours.save_weights(tmp_path / "t.weights.h5")
    theirs = _keras_model("sigmoid")
    theirs.load_weights(tmp_path / "t.weights.h5")
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="saving",
            item="tinykeras .weights.h5 -> Keras", where="predict", dtype="float32", rtol=1e-6)
    ours.save_weights(tmp_path / "legacy.h5")  # the Keras 2 save_weights layout
    theirs = _keras_model("sigmoid")
    theirs.load_weights(tmp_path / "legacy.h5")
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="saving",
            item="tinykeras legacy weights .h5 -> Keras", where="predict", dtype="float32",
            rtol=1e-6)


def test_keras_float64_and_nested_models_load(tmp_path):
    keras.config.set_floatx("float64")
    inner = keras.Sequential([keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(3)], name="inner")
    theirs = keras.Sequential([keras.Input((6,)), inner, keras.layers.Dense(2)], name="outer")
    theirs.save(tmp_path / "n.keras")
    keras.config.set_floatx("float32")
    ours = tk.models.load_model(tmp_path / "n.keras")
    x = _x().astype("float64")
    assert ours.layers[0].layers[0].kernel.value.dtype == np.float64
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="saving",
            item="Keras nested float64 -> tinykeras", where="predict", dtype="float64")


def test_keras_reads_every_config_we_write(tmp_path):
    """Initializers, regularizers, constraints, losses and metrics in a compiled model."""
    ours = tk.Sequential([tk.Input((6,)), tk.layers.Dense(
        4, activation="relu", name="d",
        kernel_initializer=tk.initializers.HeNormal(seed=2),
        bias_initializer=tk.initializers.Constant(0.1),
        kernel_regularizer=tk.regularizers.L1L2(0.01, 0.02),
        bias_regularizer=tk.regularizers.L1(0.01),
        activity_regularizer=tk.regularizers.L2(0.001),
        kernel_constraint=tk.constraints.MaxNorm(2.0),
        bias_constraint=tk.constraints.NonNeg()),
        tk.layers.Dense(1, kernel_constraint=tk.constraints.MinMaxNorm(0.1, 1.0),
                        name="o")])
    ours.compile(optimizer=tk.optimizers.Adam(tk.optimizers.schedules.ExponentialDecay(
        0.01, 10, 0.9)), loss=tk.losses.Huber(0.7),
        metrics=["mae", tk.metrics.RootMeanSquaredError()])
    ours.save(tmp_path / "c.keras")
    theirs = keras.saving.load_model(tmp_path / "c.keras")
    dense = theirs.get_layer("d")
    assert isinstance(dense.kernel_constraint, keras.constraints.MaxNorm)
    assert isinstance(dense.bias_constraint, keras.constraints.NonNeg)
    assert isinstance(dense.kernel_regularizer, keras.regularizers.L1L2)
    assert isinstance(theirs.loss, keras.losses.Huber)
    assert theirs.loss._fn_kwargs["delta"] == pytest.approx(0.7)  # its get_config omits delta
    x = _x()
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="saving",
            item="tinykeras configs -> Keras", where="predict", dtype="float32", rtol=1e-6)


def _graph(lib, x):
    inp = lib.Input((6,), name="features")
    norm = lib.layers.Normalization(name="norm")
    norm.adapt(x)
    h = norm(inp)
    a = lib.layers.Dense(4, name="a")(h)
    b = lib.layers.LeakyReLU(negative_slope=0.2, name="leaky")(lib.layers.Dense(4, name="b")(h))
    merged = lib.layers.Concatenate(name="cat")([lib.layers.Add(name="add")([a, b]), a])
    out = lib.layers.Dense(1, activation="sigmoid", name="out")(merged)
    return lib.Model(inp, out, name="graph")


@pytest.mark.parametrize("direction", ["tinykeras->keras", "keras->tinykeras"])
def test_functional_models_with_normalization_both_ways(tmp_path, direction):
    x, y = _x(), _y("bce", 1)
    src, dst = (tk, keras) if direction == "tinykeras->keras" else (keras, tk)
    model = _graph(src, x)
    model.compile(optimizer=src.optimizers.Adam(0.01), loss="binary_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    model.save(tmp_path / "g.keras")
    loaded = (keras.saving.load_model if dst is keras else tk.models.load_model)(
        tmp_path / "g.keras")
    compare(loaded.predict(x, verbose=0), model.predict(x, verbose=0), section="saving",
            item=f"functional graph {direction}", where="predict", dtype="float32", rtol=1e-6)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for i, (a, b) in enumerate(zip(loaded.get_weights(), model.get_weights())):
        compare(a, b, section="saving", item=f"functional graph {direction}",
                where=f"weight {i} after one more epoch", dtype="float32", rtol=1e-4)


@pytest.mark.parametrize("with_optimizer", [True, False])
def test_keras3_legacy_writer_file_matches_a_forward_pass_by_hand(tmp_path, with_optimizer):
    """Keras 3's own legacy .h5 writer: tinykeras predicts what the file's weights compute."""
    import h5py

    theirs = keras.Sequential([keras.Input((6,)),
                               keras.layers.Dense(5, activation="relu", name="h"),
                               keras.layers.Dense(2, activation="softmax", name="o")], name="k")
    if with_optimizer:
        theirs.compile(optimizer="adam", loss="categorical_crossentropy")
        theirs.fit(_x(), _y("cce", 3)[:, :2], epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.save(tmp_path / "k3.h5")
    with h5py.File(tmp_path / "k3.h5", "r") as f:
        w = {}
        for layer in ("h", "o"):
            names = [n.decode() if isinstance(n, bytes) else n
                     for n in f["model_weights"][layer].attrs["weight_names"]]
            w[layer] = [f["model_weights"][layer][n][()] for n in names]
    x = _x().astype("float64")
    hidden = np.maximum(x @ w["h"][0] + w["h"][1], 0)
    logits = hidden @ w["o"][0] + w["o"][1]
    by_hand = np.exp(logits - logits.max(1, keepdims=True))
    by_hand /= by_hand.sum(1, keepdims=True)
    ours = tk.models.load_model(tmp_path / "k3.h5", compile=with_optimizer)
    compare(ours.predict(x.astype("float32"), verbose=0), by_hand, section="saving",
            item="Keras 3 legacy .h5 -> tinykeras", where="predict vs by hand",
            dtype="float32", rtol=1e-5, reference="by hand")


def _every_layer(lib, noise=True):
    L = lib.layers
    # No bias before BatchNormalization: its gradient is zero up to rounding, and Adam turns
    # rounding noise into full-size steps, so two libraries' biases would differ by design.
    stack = [lib.Input((6,)), L.Rescaling(0.5, offset=0.1),
             L.Dense(8, name="d1", use_bias=False), L.BatchNormalization(momentum=0.9),
             L.PReLU()]
    stack += [L.Dropout(0.2, seed=3)] if noise else []
    stack += [L.Dense(8, name="d2"), L.LayerNormalization(), L.ReLU(max_value=6.0)]
    stack += [L.GaussianNoise(0.1, seed=1)] if noise else []
    stack += [L.Reshape((2, 4)), L.Flatten(), L.ELU(alpha=0.7), L.UnitNormalization(),
              L.Dense(3, name="d3"), L.Softmax()]
    return lib.Sequential(stack, name="every")


@pytest.mark.parametrize("noise", [True, False], ids=["with noise layers", "trainable only"])
@pytest.mark.parametrize("direction", ["tinykeras->keras", "keras->tinykeras"])
def test_every_new_layer_both_ways(tmp_path, direction, noise):
    x, y = _x(), _y("cce", 3)
    src, dst = (tk, keras) if direction == "tinykeras->keras" else (keras, tk)
    model = _every_layer(src, noise)
    model.compile(optimizer=src.optimizers.Adam(0.01), loss="categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    model.save(tmp_path / "e.keras")
    loaded = (keras.saving.load_model if dst is keras else tk.models.load_model)(
        tmp_path / "e.keras")
    item = f"issue-9 layers {direction}" + (" with noise" if noise else "")
    compare(loaded.predict(x, verbose=0), model.predict(x, verbose=0), section="saving",
            item=item, where="predict", dtype="float32", rtol=1e-6)
    for i, (a, b) in enumerate(zip(loaded.get_weights(), model.get_weights())):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=f"weight {i}")
    if noise:
        return  # the two libraries draw different noise: training on would differ
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for i, (a, b) in enumerate(zip(loaded.get_weights(), model.get_weights())):
        compare(a, b, section="saving", item=item, where=f"weight {i} after one more epoch",
                dtype="float32", rtol=1e-4)


def test_embedding_both_ways(tmp_path):
    x = np.array([[1, 2, 3], [9, 0, 4]])
    theirs = keras.Sequential([keras.Input((3,), dtype="int32"),
                               keras.layers.Embedding(10, 4), keras.layers.Flatten(),
                               keras.layers.Dense(1)])
    theirs.save(tmp_path / "k.keras")
    ours = tk.models.load_model(tmp_path / "k.keras")
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="saving",
            item="Embedding Keras -> tinykeras", where="predict", dtype="float32", rtol=1e-6)
    ours.save(tmp_path / "t.keras")
    again = keras.saving.load_model(tmp_path / "t.keras")
    compare(ours.predict(x, verbose=0), again.predict(x, verbose=0), section="saving",
            item="Embedding tinykeras -> Keras", where="predict", dtype="float32", rtol=1e-6)


@pytest.mark.parametrize("loss", list(LOSSES))
def test_keras_losses_load_and_train_on_in_tinykeras(tmp_path, loss):
    make_loss, units, out = LOSSES[loss]
    x, y = _x(), _y(loss, units)
    theirs = _keras_model("relu", units, out)
    theirs.compile(optimizer=keras.optimizers.Adam(0.01),
                   loss=make_loss if isinstance(make_loss, str) else make_loss(keras.losses))
    theirs.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    theirs.save(tmp_path / "k.keras")
    ours = tk.models.load_model(tmp_path / "k.keras")
    # Compare with what the file means to Keras: Huber's get_config omits `delta` in Keras
    # 3.15, so Keras's own reload has delta=1.0 whatever the model in memory used.
    theirs = keras.saving.load_model(tmp_path / "k.keras")
    compare(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0),
            section="saving", item=f"Keras {loss} -> tinykeras", where="evaluate",
            dtype="float32", rtol=1e-5)
    theirs.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    ours.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for i, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        compare(a, b, section="saving", item=f"Keras {loss} -> tinykeras",
                where=f"weight {i} after one more epoch", dtype="float32", rtol=1e-4)


def _two_layer_class(lib):
    class TwoLayer(lib.Model):
        def __init__(self, hidden=4, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.d1 = lib.layers.Dense(hidden, activation="relu")
            self.d2 = lib.layers.Dense(1)

        def call(self, x, training=False):
            return self.d2(self.d1(x))

        def get_config(self):
            return {**super().get_config(), "hidden": self.hidden}

    return TwoLayer


@pytest.mark.parametrize("direction", ["tinykeras->keras", "keras->tinykeras"])
def test_subclassed_models_both_ways(tmp_path, direction):
    """Weights of a subclassed model live under its attribute names (d1/vars, d2/vars)."""
    src, dst = (tk, keras) if direction == "tinykeras->keras" else (keras, tk)
    x, y = _x(), _x()[:, :1]
    model = _two_layer_class(src)(hidden=5, name="two")
    model.compile(optimizer=src.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    model.save(tmp_path / "s.keras")
    custom = {"TwoLayer": _two_layer_class(dst)}
    loaded = (keras.saving.load_model if dst is keras else tk.models.load_model)(
        tmp_path / "s.keras", custom_objects=custom)
    compare(loaded.predict(x, verbose=0), model.predict(x, verbose=0), section="saving",
            item=f"subclassed model {direction}", where="predict", dtype="float32", rtol=1e-6)


def _two_outputs_compiled(lib, outputs, compile_kind):
    i = lib.Input((5,), name="features")
    h = lib.layers.Dense(6, activation="relu", name="trunk")(i)
    a = lib.layers.Dense(1, name="out_a")(h)
    b = lib.layers.Dense(1, activation="sigmoid", name="out_b")(h)
    model = lib.Model(i, {"zeta": a, "alpha": b} if outputs == "dict" else [a, b])
    names = ("zeta", "alpha") if outputs == "dict" else ("out_a", "out_b")
    if compile_kind == "lists":  # loss and weights per output in order, metrics by name
        model.compile(optimizer="adam", loss_weights=[1.0, 0.5],
                      loss=["mse", lib.losses.BinaryCrossentropy()] if outputs == "list"
                      else [lib.losses.BinaryCrossentropy(), "mse"],  # sorted keys: alpha, zeta
                      metrics={names[0]: ["mae"], names[1]: ["accuracy",
                                                             lib.metrics.AUC(name="auc")]})
    else:  # dicts of losses and weights, metrics one entry per output
        model.compile(optimizer="adam", loss={names[0]: "mse", names[1]: "binary_crossentropy"},
                      loss_weights={names[0]: 1.0, names[1]: 0.5},
                      metrics=[["mae"], None] if outputs == "list" else [None, ["mae"]])
    return model


@pytest.mark.slow
@pytest.mark.parametrize("outputs", ["list", "dict"])
@pytest.mark.parametrize("compile_kind", ["lists", "dicts"])
@pytest.mark.parametrize("direction", ["ours to Keras", "Keras to ours"])
def test_multi_output_compile_configs_both_ways(tmp_path, outputs, compile_kind, direction):
    # Losses, weights and metrics per output are written as given (a list or a dict by
    # output name), as Keras 3 writes them; saving one raised TypeError (unhashable) before.
    r = np.random.default_rng(33)
    x = r.normal(size=(32, 5)).astype("float32")
    ys = [(x[:, :1] * 2).astype("float32"), (x[:, 1:2] > 0).astype("float32")]
    y = {"zeta": ys[0], "alpha": ys[1]} if outputs == "dict" else ys
    src_lib, dst_lib = (tk, keras) if direction == "ours to Keras" else (keras, tk)
    model = _two_outputs_compiled(src_lib, outputs, compile_kind)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = str(tmp_path / "two.keras")
    model.save(path)
    loaded = dst_lib.models.load_model(path)
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    after = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(after) == sorted(before)
    for key in before:
        compare(after[key], before[key], section="saving", item=f"{outputs} outputs",
                where=f"{direction}, {compile_kind}: evaluate {key}", dtype="float32",
                rtol=1e-5)


def _loss_kind(loss):
    """What ``model.loss`` is after loading, comparably across the two libraries: the name
    given to compile, a Loss class with its from_logits, or a function by name."""
    if isinstance(loss, str):
        return ("name", loss)
    if callable(loss) and not hasattr(loss, "get_config"):
        return ("function", loss.__name__)
    return ("Loss", type(loss).__name__, getattr(loss, "from_logits", None))


@pytest.mark.parametrize("loss", ["mse", "mean_squared_error", "mae", "binary_crossentropy",
                                  "MeanSquaredError()", "BinaryCrossentropy(from_logits=True)",
                                  "mean_squared_error function"])
def test_model_loss_after_loading_is_kerass(tmp_path, loss):
    def make(lib):
        if loss.endswith(" function"):
            return getattr(lib.losses, loss.split()[0])
        if loss.endswith(")"):
            name, args = loss[:-1].split("(")
            return getattr(lib.losses, name)(**({"from_logits": True} if args else {}))
        return loss

    for lib, name in ((keras, "k"), (tk, "t")):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
        model.compile(optimizer="adam", loss=make(lib))
        model.save(tmp_path / f"{name}.keras")
    # Keras's file and ours, each loaded by both: model.loss is what Keras's own round trip
    # of its own file gives ("mse" stays "mse", a Loss a Loss, a function the function).
    want = _loss_kind(keras.saving.load_model(tmp_path / "k.keras").loss)
    assert _loss_kind(tk.models.load_model(tmp_path / "k.keras").loss) == want
    assert _loss_kind(tk.models.load_model(tmp_path / "t.keras").loss) == want
    assert _loss_kind(keras.saving.load_model(tmp_path / "t.keras").loss) == want


def test_a_one_output_model_compiled_with_a_list_of_one_loss_round_trips(tmp_path):
    # Keras takes loss=['mse'] (one loss per output) on a one-output model and keeps the list;
    # so do we, and each library's file loads in the other with the same evaluation.
    x, y = np.linspace(0, 1, 12, dtype="float32").reshape(4, 3), np.ones(4, "float32")
    for lib, name in ((keras, "k"), (tk, "t")):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1, kernel_initializer="ones")])
        model.compile(optimizer="sgd", loss=["mse"], metrics=["mae"])
        assert list(model.loss) == ["mse"]
        model.save(tmp_path / f"{name}.keras")
    for path in ("k.keras", "t.keras"):
        theirs = keras.saving.load_model(tmp_path / path)
        ours = tk.models.load_model(tmp_path / path)
        assert list(ours.loss) == list(theirs.loss) == ["mse"]
        compare(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0),
                section="saving", item="loss=['mse']", where=path, dtype="float32")
