"""Keras 3's rarer normalization options: ``LayerNormalization(rms_scaling=True)`` and
``BatchNormalization(renorm=True)`` (batch renormalization): float64 gradient checks, the
state they update, training and inference, saving (numbers against Keras:
tests/oracle/test_oracle_layers.py)."""

import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import layers as L
from tinykeras.layers.normalization import normalize, renormalize, rms_scale
from tinykeras.utils.gradient_check import check_gradients

TOL = 1e-6


def _x(shape=(5, 4), seed=0):
    return np.random.default_rng(seed).normal(size=shape) * 2 + 0.5


def _weighted(out):
    w = np.linspace(-1.0, 2.0, out.value.size).reshape(out.shape)
    return tk.ops.multiply(out, w)


@pytest.mark.parametrize("axes,shape", [((1,), (5, 4)), ((1, 2), (3, 2, 4)), ((0,), (4, 3))])
def test_rms_scale_gradients_for_input_and_gamma(axes, shape):
    gshape = tuple(s if a in axes else 1 for a, s in enumerate(shape))
    errors = check_gradients(lambda x, g: _weighted(rms_scale(x, g, axes=axes, epsilon=1e-3)),
                             _x(shape), _x(gshape, 1) + 1.5)
    assert max(errors) < TOL, errors
    errors = check_gradients(lambda x: _weighted(rms_scale(x, None, axes=axes)), _x(shape))
    assert max(errors) < TOL, errors


def test_rms_scaling_divides_the_uncentred_input_by_the_std_with_keras_s_warning():
    x = _x((6, 4))
    with pytest.warns(UserWarning, match="rms_scaling=True.*deprecates"):
        layer = L.LayerNormalization(rms_scaling=True, dtype="float64")
    out = layer(x).numpy()
    np.testing.assert_allclose(out, x / np.sqrt(x.var(axis=-1, keepdims=True) + 1e-3))
    # Keras: gamma always (even scale=False), never beta; the config keeps what was given.
    assert [w.name for w in layer.weights] == ["gamma"]
    with pytest.warns(UserWarning):
        no_scale = L.LayerNormalization(rms_scaling=True, scale=False, center=True)
    no_scale.build((None, 4))
    assert [w.name for w in no_scale.weights] == ["gamma"]
    config = no_scale.get_config()
    assert config["rms_scaling"] and config["center"] and not config["scale"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        L.LayerNormalization()  # no warning without the option


def _state(seed=3, shape=(4,)):
    """moving_mean, moving_variance, moving_stddev, renorm_mean, renorm_stddev."""
    r = np.random.default_rng(seed)
    std = r.uniform(0.5, 2.0, shape)
    return [r.normal(size=shape), std ** 2, std.copy(), r.normal(size=shape),
            r.uniform(0.5, 2.0, shape)]


@pytest.mark.parametrize("axes,shape", [((0,), (6, 4)), ((0, 2), (5, 3, 2))])
def test_renormalize_gradients_where_the_corrections_are_constants(axes, shape):
    # r and d are constants in the gradient (Keras's stop_gradient); clipped to one value
    # (rmin = rmax, dmax = 0) they are constants of x too, so finite differences see them so.
    feature = tuple(s for a, s in enumerate(shape) if a not in axes)
    bshape = tuple(1 if a in axes else s for a, s in enumerate(shape))

    def fn(x, g, b):
        state = _state(shape=feature)  # fresh state: every call updates it in place
        return _weighted(renormalize(x, g, b, *state, axes=axes, epsilon=1e-3, rmin=1.3,
                                     rmax=1.3, dmax=0.0))

    errors = check_gradients(fn, _x(shape), _x(bshape, 1) + 1.5, _x(bshape, 2))
    assert max(errors) < TOL, errors


def test_renormalize_with_renorm_statistics_equal_to_the_batch_s_is_batch_norm():
    x = _x((8, 4))
    mean, var = x.mean(axis=0), x.var(axis=0)
    state = [np.zeros(4), np.ones(4), np.ones(4), mean.copy(), np.sqrt(var + 1e-3)]
    gamma, beta = _x((1, 4), 1), _x((1, 4), 2)
    out = renormalize(x, gamma, beta, *state, axes=(0,), epsilon=1e-3).numpy()
    plain = normalize(x, gamma, beta, None, None, axes=(0,), epsilon=1e-3).numpy()
    np.testing.assert_allclose(out, plain, atol=1e-12)


def test_renorm_updates_its_statistics_as_keras_does():
    x = _x((8, 4))
    mm, mv, ms, rm, rs = state = _state()
    before = [s.copy() for s in state]
    renormalize(x, None, None, *state, axes=(0,), epsilon=1e-3, momentum=0.9,
                renorm_momentum=0.7)
    mean, std = x.mean(axis=0), np.sqrt(x.var(axis=0) + 1e-3)
    np.testing.assert_allclose(rm, before[3] * 0.7 + mean * 0.3)
    np.testing.assert_allclose(rs, before[4] * 0.7 + std * 0.3)
    np.testing.assert_allclose(mm, before[0] * 0.9 + mean * 0.1)
    np.testing.assert_allclose(ms, before[2] * 0.9 + std * 0.1)
    np.testing.assert_allclose(mv, np.maximum(ms ** 2 - 1e-3, 0))


def test_renorm_trains_infers_with_moving_statistics_and_round_trips(tmp_path):
    r = np.random.default_rng(0)
    x = (r.normal(size=(128, 6)) * 3 + 5).astype("float32")
    y = (x[:, :1] > 5).astype("float32")
    tk.utils.set_random_seed(0)
    bn = L.BatchNormalization(renorm=True, momentum=0.5, renorm_clipping={"rmax": 3.0})
    model = tk.Sequential([tk.Input((6,)), bn, L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, batch_size=32, epochs=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_allclose(bn.moving_mean.numpy(), x.mean(axis=0), atol=0.6)
    np.testing.assert_allclose(bn.moving_variance.numpy(),
                               np.maximum(bn.moving_stddev.numpy() ** 2 - 1e-3, 0), rtol=1e-5)
    inference = bn(x[:5]).numpy()
    expected = ((x[:5] - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + 1e-3)
                * bn.gamma.numpy() + bn.beta.numpy())
    np.testing.assert_allclose(inference, expected, rtol=1e-5, atol=1e-5)
    path = tmp_path / "renorm.keras"
    model.save(path)
    loaded = tk.models.load_model(path)
    assert loaded.layers[0].renorm and loaded.layers[0].renorm_clipping == {"rmax": 3.0}
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_the_fused_rms_scaling_op_agrees_with_ops_layer_normalization():
    x, gamma = _x((5, 4)), _x((4,), 1)
    with pytest.warns(UserWarning):
        layer = L.LayerNormalization(rms_scaling=True, dtype="float64")
    layer.build((None, 4))
    layer.set_weights([gamma])
    composed = tk.ops.layer_normalization(x, gamma, axis=-1, epsilon=1e-3, rms_scaling=True)
    np.testing.assert_allclose(layer(x).numpy(), tk.ops.convert_to_numpy(composed), rtol=1e-12)


def test_rms_scaling_and_renorm_models_export_to_onnx(tmp_path):
    import onnxruntime as ort  # the test extra; a missing one must fail, not skip
    r = np.random.default_rng(1)
    x = r.normal(size=(16, 6)).astype("float32")
    with pytest.warns(UserWarning):
        rms = L.LayerNormalization(rms_scaling=True)
    model = tk.Sequential([tk.Input((6,)), L.Dense(8), L.BatchNormalization(renorm=True),
                           rms, L.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x[:, :2], epochs=2, verbose=0)
    model.export(tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"inputs": x})[0], model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)
