"""Tests for tinykeras.initializers: formulas, dtypes, seeding, configs and ``get``."""

import json
import math

import numpy as np
import pytest

from tinykeras import initializers as init
from tinykeras.backend import floatx, set_floatx, set_random_seed

RANDOM = [
    init.GlorotUniform,
    init.GlorotNormal,
    init.HeUniform,
    init.HeNormal,
    init.LecunUniform,
    init.LecunNormal,
    init.RandomUniform,
    init.RandomNormal,
    init.TruncatedNormal,
    init.VarianceScaling,
    init.Orthogonal,
]
ALL = RANDOM + [init.Zeros, init.Ones, init.Constant, init.Identity]

# Large enough that sample statistics sit well inside the tolerances below (about 1%).
FAN_IN, FAN_OUT = 400, 300


@pytest.fixture
def float64_policy():
    """Switch floatx to float64 for one test and restore it afterwards."""
    previous = floatx()
    set_floatx("float64")
    yield
    set_floatx(previous)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_default_dtype_is_float32_and_shape_is_kept(cls):
    values = cls()((4, 3))
    assert isinstance(values, np.ndarray)
    assert values.shape == (4, 3)
    assert values.dtype == np.float32


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_float64_on_request(cls):
    assert cls()((4, 3), dtype="float64").dtype == np.float64


def test_floatx_float64_is_the_default_dtype(float64_policy):
    assert init.GlorotUniform()((2, 2)).dtype == np.float64
    assert init.Zeros()((2,)).dtype == np.float64


@pytest.mark.parametrize(
    "cls, limit",
    [
        (init.GlorotUniform, math.sqrt(6 / (FAN_IN + FAN_OUT))),
        (init.HeUniform, math.sqrt(6 / FAN_IN)),
        (init.LecunUniform, math.sqrt(3 / FAN_IN)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_uniform_presets_respect_bound_and_variance(cls, limit):
    w = cls(seed=0)((FAN_IN, FAN_OUT))
    assert np.abs(w).max() <= limit, "a value fell outside [-limit, limit]"
    assert np.abs(w).max() > 0.99 * limit, "the draws do not reach the bound"
    assert abs(w.mean()) < 0.01 * limit
    # Var of U(-L, L) is L^2 / 3.
    np.testing.assert_allclose(w.var(), limit**2 / 3, rtol=0.02)


@pytest.mark.parametrize(
    "cls, stddev",
    [
        (init.GlorotNormal, math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (init.HeNormal, math.sqrt(2 / FAN_IN)),
        (init.LecunNormal, math.sqrt(1 / FAN_IN)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_normal_presets_have_stddev_after_truncation(cls, stddev):
    w = cls(seed=0)((FAN_IN, FAN_OUT))
    # Keras divides by 0.8796... so that the stddev *after* 2-sigma truncation is the target.
    np.testing.assert_allclose(w.std(), stddev, rtol=0.02)
    assert np.abs(w).max() <= 2 * stddev / 0.87962566103423978 * (1 + 1e-6)


def test_random_uniform_defaults_and_bounds():
    w = init.RandomUniform(seed=1)((1000, 100))
    assert w.min() >= -0.05 and w.max() <= 0.05
    np.testing.assert_allclose(w.mean(), 0.0, atol=1e-3)
    w = init.RandomUniform(minval=2.0, maxval=3.0, seed=1)((1000,))
    assert w.min() >= 2.0 and w.max() <= 3.0


def test_random_normal_defaults():
    w = init.RandomNormal(seed=1)((1000, 100))
    np.testing.assert_allclose(w.mean(), 0.0, atol=1e-3)
    np.testing.assert_allclose(w.std(), 0.05, rtol=0.02)
    w = init.RandomNormal(mean=1.0, stddev=2.0, seed=1)((100_000,))
    np.testing.assert_allclose([w.mean(), w.std()], [1.0, 2.0], rtol=0.02)


def test_truncated_normal_is_cut_at_two_stddev_and_redrawn():
    w = init.TruncatedNormal(mean=1.0, stddev=0.5, seed=2)((200, 500))
    assert w.min() >= 0.0 and w.max() <= 2.0
    assert w.min() < 0.01 and w.max() > 1.99, "the tails are missing, not just truncated"
    # A standard normal cut at +-2 has stddev 0.8796...
    np.testing.assert_allclose(w.std(), 0.5 * 0.87962566103423978, rtol=0.01)
    np.testing.assert_allclose(w.mean(), 1.0, atol=0.005)


@pytest.mark.parametrize(
    "mode, n", [("fan_in", FAN_IN), ("fan_out", FAN_OUT), ("fan_avg", (FAN_IN + FAN_OUT) / 2)]
)
@pytest.mark.parametrize("distribution", ["uniform", "truncated_normal", "untruncated_normal"])
def test_variance_scaling_variance_is_scale_over_n(mode, n, distribution):
    w = init.VarianceScaling(2.5, mode, distribution, seed=3)((FAN_IN, FAN_OUT))
    np.testing.assert_allclose(w.var(), 2.5 / n, rtol=0.03)


def test_variance_scaling_normal_means_truncated_normal():
    assert init.VarianceScaling(distribution="normal").distribution == "truncated_normal"


def test_compute_fans_for_each_rank():
    assert init.compute_fans(()) == (1, 1)
    assert init.compute_fans((7,)) == (7, 7)
    assert init.compute_fans((4, 5)) == (4, 5)
    # A conv kernel (h, w, in, out): both fans carry the receptive field h * w.
    assert init.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert init.compute_fans((2, 3, 4), input_axes=[0, 1], output_axes=[2]) == (6, 4)


def test_variance_scaling_on_a_conv_kernel_uses_the_receptive_field():
    w = init.HeUniform(seed=0)((3, 3, 64, 64))
    assert np.abs(w).max() <= math.sqrt(6 / (3 * 3 * 64))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"scale": 0.0}, "scale"),
        ({"scale": -1.0}, "scale"),
        ({"mode": "fan_sum"}, "mode"),
        ({"distribution": "cauchy"}, "distribution"),
        ({"seed": 1.5}, "seed"),
        ({"seed": "1"}, "seed"),
    ],
)
def test_variance_scaling_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        init.VarianceScaling(**kwargs)


def test_random_initializer_refuses_integer_dtype():
    with pytest.raises(ValueError, match="dtype='int32'"):
        init.GlorotUniform()((2, 2), dtype="int32")


# -- seeding ----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", RANDOM, ids=lambda c: c.__name__)
def test_seeded_initializer_repeats_its_values_like_keras(cls):
    # Keras 3 documents that an int-seeded (or unseeded) initializer returns the same values
    # on every call.
    a = cls(seed=42)((5, 4))
    assert np.array_equal(a, cls(seed=42)((5, 4)))
    instance = cls(seed=42)
    assert np.array_equal(instance((5, 4)), instance((5, 4)))
    assert not np.array_equal(a, cls(seed=43)((5, 4)))


def test_unseeded_instance_repeats_its_values_like_keras():
    instance = init.GlorotUniform()
    assert np.array_equal(instance((6, 6)), instance((6, 6)))


def test_two_unseeded_instances_differ():
    assert not np.array_equal(init.GlorotUniform()((6, 6)), init.GlorotUniform()((6, 6)))


def test_set_random_seed_makes_unseeded_draws_reproducible():
    def draw():
        return [init.get(name)((8, 3)) for name in ("glorot_uniform", "he_normal", "orthogonal")]

    set_random_seed(1234)
    first = draw()
    set_random_seed(1234)
    second = draw()
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b)
    set_random_seed(4321)
    assert not np.array_equal(first[0], draw()[0])


def test_seeded_draws_do_not_move_the_global_generator():
    from tinykeras.backend import global_rng

    set_random_seed(5)
    expected = global_rng().random()
    set_random_seed(5)
    init.GlorotUniform(seed=9)((10, 10))
    assert global_rng().random() == expected


def test_float32_and_float64_draws_agree_up_to_rounding():
    a = init.GlorotNormal(seed=7)((20, 20), dtype="float32")
    b = init.GlorotNormal(seed=7)((20, 20), dtype="float64")
    np.testing.assert_array_equal(a, b.astype(np.float32))


# -- constant, identity, orthogonal -----------------------------------------------------------
def test_zeros_ones_constant_values():
    assert not init.Zeros()((3, 2)).any()
    assert (init.Ones()((3, 2)) == 1).all()
    assert (init.Constant(2.5)((3,)) == 2.5).all()
    assert (init.Constant()((2,)) == 0.0).all()
    assert init.Zeros()((3,), dtype="int32").dtype == np.int32
    assert init.Ones()(5).shape == (5,)


def test_constant_refuses_non_scalar():
    with pytest.raises(ValueError, match="scalar"):
        init.Constant([1.0, 2.0])


def test_identity_square_and_rectangular_with_gain():
    np.testing.assert_array_equal(init.Identity()((3, 3)), np.eye(3))
    np.testing.assert_array_equal(init.Identity(gain=0.5)((2, 4)), 0.5 * np.eye(2, 4))
    with pytest.raises(ValueError, match="2D"):
        init.Identity()((2, 2, 2))


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 2, 5)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    q = init.Orthogonal(gain=1.0, seed=0)(shape, dtype="float64")
    assert q.shape == shape
    m = q.reshape(-1, shape[-1])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(gram.shape[0]), atol=1e-12)


def test_orthogonal_gain_scales_the_matrix():
    q = init.Orthogonal(gain=3.0, seed=0)((5, 5), dtype="float64")
    np.testing.assert_allclose(q.T @ q, 9.0 * np.eye(5), atol=1e-12)


def test_orthogonal_refuses_vectors():
    with pytest.raises(ValueError, match="two-dimensional"):
        init.Orthogonal()((5,))


# -- configs, serialization, get --------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_config_round_trip_through_json(cls):
    original = cls()
    config = json.loads(json.dumps(init.serialize(original)))
    restored = init.deserialize(config)
    assert type(restored) is cls
    assert restored.get_config() == original.get_config()


def test_serialize_matches_the_keras_file_layout():
    assert init.serialize(init.GlorotUniform()) == {
        "module": "keras.initializers",
        "class_name": "GlorotUniform",
        "config": {"seed": None},
        "registered_name": None,
    }
    assert init.serialize(init.Zeros())["config"] == {}
    assert init.RandomNormal(seed=3).get_config() == {"seed": 3, "mean": 0.0, "stddev": 0.05}
    assert init.VarianceScaling().get_config() == {
        "seed": None,
        "scale": 1.0,
        "mode": "fan_in",
        "distribution": "truncated_normal",
    }


def test_seeded_round_trip_gives_the_same_values():
    restored = init.deserialize(init.serialize(init.HeNormal(seed=11)))
    np.testing.assert_array_equal(restored((4, 4)), init.HeNormal(seed=11)((4, 4)))


def test_reading_accepts_keras_315_and_legacy_extra_keys():
    written_by_keras_315 = {
        "module": "keras.initializers",
        "class_name": "GlorotUniform",
        "config": {"seed": None, "input_axes": None, "output_axes": None},
        "registered_name": None,
    }
    assert isinstance(init.deserialize(written_by_keras_315), init.GlorotUniform)
    tf1_style = {"class_name": "VarianceScaling", "config": {"scale": 2.0, "dtype": "float32"}}
    assert init.deserialize(tf1_style).scale == 2.0
    assert isinstance(
        init.deserialize({"class_name": "Zeros", "config": {"dtype": "float32"}}), init.Zeros
    )


def test_axes_are_written_only_when_set():
    config = init.GlorotUniform(input_axes=[0], output_axes=[1]).get_config()
    assert config == {"seed": None, "input_axes": [0], "output_axes": [1]}


def test_repr_shows_the_config():
    assert repr(init.RandomUniform(seed=1)) == "RandomUniform(seed=1, minval=-0.05, maxval=0.05)"
    assert repr(init.Zeros()) == "Zeros()"


@pytest.mark.parametrize(
    "name, cls",
    [
        ("glorot_uniform", init.GlorotUniform),
        ("GlorotUniform", init.GlorotUniform),
        ("he_normal", init.HeNormal),
        ("zeros", init.Zeros),
        ("zero", init.Zeros),
        ("ones", init.Ones),
        ("one", init.Ones),
        ("uniform", init.RandomUniform),
        ("normal", init.RandomNormal),
        ("truncated_normal", init.TruncatedNormal),
        ("variance_scaling", init.VarianceScaling),
        ("orthogonal", init.Orthogonal),
        ("OrthogonalInitializer", init.Orthogonal),
        ("identity", init.Identity),
        ("IdentityInitializer", init.Identity),
        ("constant", init.Constant),
    ],
)
def test_get_resolves_class_and_snake_case_names(name, cls):
    assert type(init.get(name)) is cls


def test_lowercase_aliases_are_the_classes():
    assert init.glorot_uniform is init.GlorotUniform
    assert init.he_normal is init.HeNormal
    assert init.zeros is init.Zeros
    assert init.random_normal is init.RandomNormal


def test_get_passes_through_none_instances_and_callables():
    assert init.get(None) is None
    instance = init.Ones()
    assert init.get(instance) is instance
    assert type(init.get(init.HeUniform)) is init.HeUniform

    def fn(shape, dtype=None):
        return np.full(shape, 7.0)

    assert init.get(fn) is fn
    config = {"class_name": "RandomUniform", "config": {"minval": 0.0, "maxval": 1.0}}
    assert init.get(config).minval == 0.0


def test_get_with_an_array_checks_the_shape():
    fixed = init.get(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(fixed((2, 3)), np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="shape"):
        fixed((3, 2))


@pytest.mark.parametrize("bad", ["glorot", "Glorot_Uniform", 3, {"class_name": "Nope"}])
def test_get_unknown_identifier_lists_valid_names(bad):
    with pytest.raises(ValueError, match="Could not interpret initializer identifier") as err:
        init.get(bad)
    if not isinstance(bad, int):
        assert "glorot_uniform" in str(err.value)


def test_deserialize_uses_custom_objects_without_importing_anything():
    class MyInit(init.Initializer):
        def __call__(self, shape, dtype=None):
            return np.zeros(shape)

    config = init.serialize(MyInit())
    assert config["registered_name"] == "MyInit"
    assert isinstance(init.deserialize(config, custom_objects={"MyInit": MyInit}), MyInit)
    with pytest.raises(ValueError, match="MyInit"):
        init.deserialize(config)
