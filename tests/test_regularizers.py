"""Tests for tinykeras.regularizers: values, gradients, aliases, configs and ``get``."""

import json

import numpy as np
import pytest

from tinykeras import regularizers as reg
from tinykeras.autodiff import GradientTape, Tensor, Variable

X = np.array([[1.0, -2.0, 0.5], [-0.25, 3.0, -1.5]])


def _penalty(regularizer, x) -> float:
    # float(), not np.asarray(): a full reduction may hold a NumPy scalar in .value, which
    # Tensor.__array__ cannot hand to np.asarray under NumPy 2.
    return float(regularizer(x))


def test_l2_is_factor_times_sum_of_squares_without_a_half():
    # sum(x**2) = 1 + 4 + 0.25 + 0.0625 + 9 + 2.25 = 16.5625
    assert _penalty(reg.L2(0.1), X) == pytest.approx(1.65625, rel=1e-12)
    assert _penalty(reg.L2(), X) == pytest.approx(0.165625, rel=1e-12)


def test_l1_is_factor_times_sum_of_absolute_values():
    # sum(|x|) = 1 + 2 + 0.5 + 0.25 + 3 + 1.5 = 8.25
    assert _penalty(reg.L1(0.1), X) == pytest.approx(0.825, rel=1e-12)
    assert _penalty(reg.L1(), X) == pytest.approx(0.0825, rel=1e-12)


def test_l1l2_adds_both_and_defaults_to_nothing():
    assert _penalty(reg.L1L2(l1=0.1, l2=0.1), X) == pytest.approx(0.825 + 1.65625, rel=1e-12)
    assert _penalty(reg.L1L2(), X) == 0.0
    assert _penalty(reg.L1L2(l2=0.1), X) == pytest.approx(1.65625, rel=1e-12)


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows_and_factor_for_parallel_ones():
    assert _penalty(reg.OrthogonalRegularizer(0.3), np.eye(3)) == 0.0
    # Two parallel rows: |cos| = 1 for the single pair, so the penalty is factor * 0.5 * 2 / 1.
    parallel = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert _penalty(reg.OrthogonalRegularizer(0.3), parallel) == pytest.approx(0.3)
    # In columns mode the two columns [1, 2] and [2, 4] are parallel too.
    assert _penalty(reg.OrthogonalRegularizer(0.3, "columns"), parallel) == pytest.approx(0.3)


def test_orthogonal_regularizer_matches_the_mean_abs_cosine_formula():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 7))
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    cos = np.abs(u @ u.T)[~np.eye(5, dtype=bool)]
    expected = 0.01 * 0.5 * cos.sum() / (5 * 4 / 2)
    assert _penalty(reg.OrthogonalRegularizer(), x) == pytest.approx(expected, rel=1e-12)


def test_orthogonal_regularizer_refuses_non_matrices():
    with pytest.raises(ValueError, match="rank 2"):
        reg.OrthogonalRegularizer()(np.ones(3))
    with pytest.raises(ValueError, match="mode"):
        reg.OrthogonalRegularizer(mode="diagonal")


@pytest.mark.parametrize(
    "regularizer",
    [reg.L1(0.3), reg.L2(0.3), reg.L1L2(0.1, 0.2), reg.OrthogonalRegularizer(0.5)],
    ids=repr,
)
def test_penalty_is_a_scalar_tensor_in_the_weights_dtype(regularizer):
    for dtype in ("float32", "float64"):
        out = regularizer(Variable(X, dtype=dtype))
        assert isinstance(out, Tensor)
        assert out.shape == ()
        assert out.dtype == dtype


def _numeric_grad(fn, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar ``fn`` at ``x``, entry by entry."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (fn(x + step) - fn(x - step)) / (2 * h)
    return grad


@pytest.mark.parametrize(
    "regularizer",
    [
        reg.L1(0.3),
        reg.L2(0.3),
        reg.L1L2(0.1, 0.2),
        reg.OrthogonalRegularizer(0.5, "rows"),
        reg.OrthogonalRegularizer(0.5, "columns"),
    ],
    ids=repr,
)
def test_tape_gradient_matches_finite_differences_in_float64(regularizer):
    # Entries stay away from 0, where |x| has a kink and finite differences mislead.
    rng = np.random.default_rng(1)
    x = rng.uniform(0.2, 1.0, size=(4, 3)) * rng.choice([-1.0, 1.0], size=(4, 3))
    w = Variable(x, dtype="float64")
    with GradientTape() as tape:
        penalty = regularizer(w)
    analytic = tape.gradient(penalty, w).numpy()
    numeric = _numeric_grad(lambda v: _penalty(regularizer, v), x)
    rel_err = np.abs(analytic - numeric).max() / np.abs(numeric).max()
    assert rel_err < 1e-6, f"backward pass differs from finite differences: rel_err={rel_err}"


def test_l2_gradient_is_two_l2_x():
    w = Variable(X, dtype="float64")
    with GradientTape() as tape:
        penalty = reg.L2(0.25)(w)
    np.testing.assert_allclose(tape.gradient(penalty, w).numpy(), 0.5 * X, rtol=1e-15)


# -- aliases, attributes, validation ----------------------------------------------------------
def test_keras2_aliases_are_the_same_classes():
    assert reg.l1 is reg.L1
    assert reg.l2 is reg.L2
    assert reg.l1_l2 is reg.L1L2
    assert type(reg.l2(0.1)) == reg.l2  # noqa: E721 - the course test compares types this way
    assert reg.l2(0.1).l2 == 0.1


def test_factors_are_python_floats():
    assert type(reg.L2(1).l2) is float
    assert type(reg.L1(np.float32(0.5)).l1) is float
    r = reg.L1L2(l1=1, l2=None)
    assert (r.l1, r.l2) == (1.0, 0.0)
    assert reg.L2(None).l2 == 0.01


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", True, [0.1]])
@pytest.mark.parametrize("cls, name", [(reg.L1, "l1"), (reg.L2, "l2")])
def test_invalid_factors_raise_keras_style_errors(cls, name, bad):
    with pytest.raises(ValueError, match=f"Invalid value for argument {name}: expected a non-neg"):
        cls(bad)


def test_invalid_l1l2_and_orthogonal_factors():
    with pytest.raises(ValueError, match="argument l2"):
        reg.L1L2(l1=0.1, l2=-1)
    with pytest.raises(ValueError, match="argument factor"):
        reg.OrthogonalRegularizer(factor="big")


# -- configs, serialization, get --------------------------------------------------------------
@pytest.mark.parametrize(
    "regularizer",
    [reg.L1(0.3), reg.L2(0.2), reg.L1L2(0.1, 0.2), reg.OrthogonalRegularizer(0.5, "columns")],
    ids=repr,
)
def test_config_round_trip_through_json(regularizer):
    config = json.loads(json.dumps(reg.serialize(regularizer)))
    restored = reg.deserialize(config)
    assert type(restored) is type(regularizer)
    assert restored.get_config() == regularizer.get_config()
    assert type(regularizer).from_config(regularizer.get_config()).get_config() == (
        regularizer.get_config()
    )


def test_serialize_matches_the_keras_file_layout():
    assert reg.serialize(reg.L2(0.01)) == {
        "module": "keras.regularizers",
        "class_name": "L2",
        "config": {"l2": 0.01},
        "registered_name": None,
    }
    assert reg.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert reg.OrthogonalRegularizer().get_config() == {"factor": 0.01, "mode": "rows"}


def test_reads_the_float32_rounded_factor_keras_writes():
    # Keras 3 stores L1's factor in a float32 tensor, so its files say 0.009999999776482582.
    config = {
        "module": "keras.regularizers",
        "class_name": "L1",
        "config": {"l1": 0.009999999776482582},
        "registered_name": None,
    }
    assert reg.deserialize(config).l1 == pytest.approx(0.01, rel=1e-7)


@pytest.mark.parametrize(
    "name, cls, config",
    [
        ("l1", reg.L1, {"l1": 0.01}),
        ("l2", reg.L2, {"l2": 0.01}),
        ("L2", reg.L2, {"l2": 0.01}),
        ("l1_l2", reg.L1L2, {"l1": 0.01, "l2": 0.01}),  # Keras 2's defaults for the string
        ("L1L2", reg.L1L2, {"l1": 0.0, "l2": 0.0}),
        ("orthogonal_regularizer", reg.OrthogonalRegularizer, {"factor": 0.01, "mode": "rows"}),
    ],
)
def test_get_resolves_names(name, cls, config):
    r = reg.get(name)
    assert type(r) is cls
    assert r.get_config() == config


def test_get_passes_through_none_instances_classes_dicts_and_callables():
    assert reg.get(None) is None
    instance = reg.L2(0.5)
    assert reg.get(instance) is instance
    assert type(reg.get(reg.L1)) is reg.L1
    assert reg.get({"class_name": "L2", "config": {"l2": 0.3}}).l2 == 0.3

    def fn(w):
        return 0.0

    assert reg.get(fn) is fn


@pytest.mark.parametrize("bad", ["l3", "L2Regularizer", 0.1, {"class_name": "Nope"}])
def test_get_unknown_identifier_lists_valid_names(bad):
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier") as err:
        reg.get(bad)
    assert "l1_l2" in str(err.value)


def test_repr_shows_the_config():
    assert repr(reg.L2(0.1)) == "L2(l2=0.1)"
    assert repr(reg.L1L2(0.1, 0.2)) == "L1L2(l1=0.1, l2=0.2)"
