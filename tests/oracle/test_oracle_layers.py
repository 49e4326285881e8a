"""New layers against Keras: the same weights and inputs must give the same outputs, the same
gradients (for the input and every weight) and, for BatchNormalization, the same moving
statistics after a training call."""

import keras
import numpy as np
import pytest
from harness import compare, keras_value_and_grad

import tinykeras as tk

# name -> (tinykeras factory, Keras factory, input kind, training flags to check)
LAYERS = {
    "BatchNormalization": (lambda m: m.BatchNormalization(momentum=0.9, epsilon=1e-3),
                           "dense", (True, False)),
    "BatchNormalization(axis=1, 3-D)": (lambda m: m.BatchNormalization(axis=1), "cube",
                                        (True, False)),
    "BatchNormalization(center=False, scale=False)": (
        lambda m: m.BatchNormalization(center=False, scale=False), "dense", (True,)),
    "BatchNormalization(renorm=True)": (
        lambda m: m.BatchNormalization(renorm=True, momentum=0.9, renorm_momentum=0.8),
        "dense", (True, False)),
    "BatchNormalization(renorm=True, renorm_clipping, axis=1, 3-D)": (
        lambda m: m.BatchNormalization(axis=1, renorm=True, renorm_clipping={
            "rmin": 0.9, "rmax": 1.1, "dmax": 0.05}), "cube", (True,)),
    "BatchNormalization(renorm=True, center=False, scale=False)": (
        lambda m: m.BatchNormalization(renorm=True, center=False, scale=False), "dense",
        (True,)),
    "LayerNormalization": (lambda m: m.LayerNormalization(), "dense", (False,)),
    "LayerNormalization(rms_scaling=True)": (
        lambda m: m.LayerNormalization(rms_scaling=True, epsilon=1e-2), "dense", (False,)),
    "LayerNormalization(rms_scaling=True, axis=[1, 2], scale=False)": (
        lambda m: m.LayerNormalization(rms_scaling=True, axis=[1, 2], scale=False), "cube",
        (False,)),
    "LayerNormalization(axis=[1, 2])": (lambda m: m.LayerNormalization(axis=[1, 2]), "cube",
                                        (False,)),
    "UnitNormalization": (lambda m: m.UnitNormalization(), "dense", (False,)),
    "Flatten": (lambda m: m.Flatten(), "cube", (False,)),
    "Reshape((2, -1))": (lambda m: m.Reshape((2, -1)), "dense", (False,)),
    "Rescaling(0.5, offset=-1)": (lambda m: m.Rescaling(0.5, offset=-1.0), "dense", (False,)),
    "ReLU()": (lambda m: m.ReLU(), "dense", (False,)),
    "ReLU(max_value=0.8, negative_slope=0.1, threshold=0.2)": (
        lambda m: m.ReLU(max_value=0.8, negative_slope=0.1, threshold=0.2), "dense", (False,)),
    "Softmax": (lambda m: m.Softmax(), "dense", (False,)),
    "ELU(alpha=0.7)": (lambda m: m.ELU(alpha=0.7), "dense", (False,)),
    "PReLU": (lambda m: m.PReLU(alpha_initializer=m_init(m, 0.25)), "dense", (False,)),
    "PReLU(shared_axes=[1])": (lambda m: m.PReLU(alpha_initializer=m_init(m, -0.3),
                                                 shared_axes=[1]), "cube", (False,)),
    "Dropout (inference)": (lambda m: m.Dropout(0.5), "dense", (False,)),
    "GaussianNoise (inference)": (lambda m: m.GaussianNoise(1.0), "dense", (False,)),
    "GaussianDropout (inference)": (lambda m: m.GaussianDropout(0.3), "dense", (False,)),
    "AlphaDropout (inference)": (lambda m: m.AlphaDropout(0.3), "dense", (False,)),
    "LeakyReLU": (lambda m: m.LeakyReLU(negative_slope=0.2), "dense", (False,)),
}


def m_init(module, value):
    """A Constant initializer from either library (``module`` is a layers module)."""
    root = keras if module is keras.layers else tk
    return root.initializers.Constant(value)


def _input(kind, dtype, r):
    shape = {"dense": (6, 4), "cube": (5, 3, 4)}[kind]
    return (r.normal(size=shape) * 2 + 0.5).astype(dtype)


def _run_keras(layer, x, upstream, training):
    def loss(xt):
        y = layer(xt, training=training)
        return keras.ops.sum(y * upstream), y

    (_, y), grads = keras_value_and_grad(loss, layer.trainable_weights, [x], has_aux=True,
                                         state=layer.non_trainable_weights)
    return y, grads


def _run_ours(layer, x, upstream, training):
    xv = tk.Variable(x)
    weights = layer.trainable_weights
    with tk.GradientTape() as tape:
        y = layer(xv, training=training)
        loss = tk.ops.sum(tk.ops.multiply(y, upstream))
    grads = tape.gradient(loss, [xv] + weights)
    return y.numpy(), grads


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_forward_and_gradients_match_keras(name, floatx):
    factory, kind, flags = LAYERS[name]
    r = np.random.default_rng(3)
    x = _input(kind, floatx, r)
    for training in flags:
        theirs, ours = factory(keras.layers), factory(tk.layers)
        theirs.build(x.shape)
        ours.build(x.shape)
        init = [(r.normal(size=w.shape) * 0.5 + 1).astype(floatx) for w in theirs.weights]
        if name.startswith("BatchNormalization"):
            # Variances and standard deviations (renorm's) must be positive.
            init = [np.abs(v) if ("var" in w.name or "std" in w.name) else v
                    for v, w in zip(init, theirs.weights)]
        theirs.set_weights(init)
        ours.set_weights(init)
        y_b = keras.ops.convert_to_numpy(theirs(x, training=training))
        upstream = r.normal(size=y_b.shape).astype(floatx)
        theirs.set_weights(init)  # undo the moving-statistics update of the call above
        y_b, grads_b = _run_keras(theirs, x, upstream, training)
        y_a, grads_a = _run_ours(ours, x, upstream, training)
        where = "training" if training else "inference"
        compare(y_a, y_b, section="layers", item=name, where=f"forward ({where})", dtype=floatx)
        for i, (a, b) in enumerate(zip(grads_a, grads_b)):
            compare(a, b, section="layers", item=name, where=f"gradient {i} ({where})",
                    dtype=floatx)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            compare(a, b, section="layers", item=name, where=f"weights after call ({where})",
                    dtype=floatx)


def test_embedding_and_category_encoding_match_keras(floatx):
    r = np.random.default_rng(4)
    idx = r.integers(0, 7, (5, 3))
    theirs, ours = keras.layers.Embedding(7, 4), tk.layers.Embedding(7, 4)
    theirs.build(idx.shape)
    ours.build(idx.shape)
    table = r.normal(size=(7, 4)).astype(floatx)
    theirs.set_weights([table])
    ours.set_weights([table])
    upstream = r.normal(size=(5, 3, 4)).astype(floatx)
    (_, out), (table_grad,) = keras_value_and_grad(
        lambda: (keras.ops.sum(theirs(idx) * upstream), theirs(idx)), [theirs.embeddings],
        has_aux=True)
    with tk.GradientTape() as tape:
        mine = ours(idx)
        loss = tk.ops.sum(tk.ops.multiply(mine, upstream))
    grad = tape.gradient(loss, ours.embeddings)
    compare(mine, out, section="layers", item="Embedding(7, 4)",
            where="forward", dtype=floatx)
    compare(grad, table_grad, section="layers", item="Embedding(7, 4)",
            where="gradient of the table (repeated indices add up)", dtype=floatx)
    for mode, data in (("one_hot", r.integers(0, 5, 6)), ("multi_hot", r.integers(0, 5, (6, 3))),
                       ("count", r.integers(0, 5, (6, 3)))):
        theirs = keras.layers.CategoryEncoding(5, output_mode=mode)
        compare(tk.layers.CategoryEncoding(5, output_mode=mode, dtype=floatx)(data),
                keras.ops.convert_to_numpy(theirs(data)), section="layers",
                item=f"CategoryEncoding(5, {mode!r})", where="forward", dtype=floatx)


def test_configs_have_keras_keys():
    pairs = [(tk.layers.Dropout(0.2, seed=1), keras.layers.Dropout(0.2, seed=1)),
             (tk.layers.BatchNormalization(), keras.layers.BatchNormalization()),
             (tk.layers.LayerNormalization(), keras.layers.LayerNormalization()),
             (tk.layers.Embedding(3, 2), keras.layers.Embedding(3, 2)),
             (tk.layers.ReLU(), keras.layers.ReLU()), (tk.layers.PReLU(), keras.layers.PReLU()),
             (tk.layers.Reshape((2, 3)), keras.layers.Reshape((2, 3))),
             (tk.layers.Rescaling(0.5), keras.layers.Rescaling(0.5)),
             (tk.layers.CategoryEncoding(3), keras.layers.CategoryEncoding(3)),
             (tk.layers.Flatten(), keras.layers.Flatten())]
    for ours, theirs in pairs:
        # quantization_config (Keras 3.14+) is left out on purpose: older Keras rejects it.
        missing = set(theirs.get_config()) - set(ours.get_config()) - {"quantization_config"}
        assert not missing, f"{type(ours).__name__}: Keras config keys missing: {missing}"
        rebuilt = type(theirs).from_config(ours.get_config())
        assert type(rebuilt) is type(theirs)


def test_renorm_config_and_weights_are_keras_s():
    kwargs = {"renorm": True, "renorm_clipping": {"rmax": 3.0, "dmax": 1.0},
              "renorm_momentum": 0.9}
    ours, theirs = tk.layers.BatchNormalization(**kwargs), keras.layers.BatchNormalization(
        **kwargs)
    for key in ("renorm", "renorm_clipping", "renorm_momentum"):
        assert ours.get_config()[key] == theirs.get_config()[key], key
    ours.build((None, 3))
    theirs.build((None, 3))
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)  # moving_stddev and renorm_stddev start at 1
    rebuilt = keras.layers.BatchNormalization.from_config(ours.get_config())
    assert rebuilt.renorm and rebuilt.renorm_clipping == kwargs["renorm_clipping"]


def test_category_encoding_sparse_gives_the_values_of_keras_s_sparse_tensor(floatx):
    r = np.random.default_rng(5)
    for mode, data in (("one_hot", r.integers(0, 6, 7)), ("multi_hot", r.integers(0, 6, (7, 3))),
                       ("count", r.integers(0, 6, (7, 4)))):
        theirs = keras.layers.CategoryEncoding(6, output_mode=mode, sparse=True)(data)
        assert hasattr(theirs, "todense"), "Keras's output is a sparse tensor"
        with pytest.warns(UserWarning, match="dense array"):
            ours = tk.layers.CategoryEncoding(6, output_mode=mode, sparse=True, dtype=floatx)
        compare(ours(data), np.asarray(theirs.todense()), section="layers",
                item=f"CategoryEncoding(6, {mode!r}, sparse=True)",
                where="forward (Keras's sparse tensor, densified)", dtype=floatx)
        config = ours.get_config()
        assert config["sparse"] is True
        assert keras.layers.CategoryEncoding.from_config(config).sparse
