"""Tests for tinykeras.optimizers: each update rule worked by hand from Keras 3's formulas,
the flat-buffer packing, state order, configs, ``get`` and the learning-rate schedules.

Worked examples run in float64 so the checks are tight. The learning-rate Variable is
floatx (float32), as in Keras, so the rates used here (0.5, 0.25, 0.125) are exact in it.
"""

import math
import warnings

import numpy as np
import pytest

from tinykeras import optimizers
from tinykeras.autodiff import Tensor, Variable
from tinykeras.optimizers import schedules
from tinykeras.optimizers.flat import Slab

W0 = [1.0, -2.0]  # the starting weights of every worked example
G1 = [0.5, 1.0]  # the gradient of step 1
G2 = [-1.0, 0.25]  # the gradient of step 2
EPS = 1e-7


def var(values, name="w", dtype="float64"):
    """A Variable of ``dtype`` (Variable() alone would cast float data to floatx)."""
    return Variable(np.array(values, dtype), dtype=dtype, name=name)


def two_steps(opt, w0=W0, grads=(G1, G2), dtype="float64"):
    """Apply ``grads`` one step each to a single variable starting at ``w0``."""
    w = var(w0, dtype=dtype)
    for g in grads:
        opt.apply_gradients([(np.array(g, dtype), w)])
    return w.numpy()


def close(actual, expected, rtol=1e-12, atol=1e-15):
    np.testing.assert_allclose(actual, np.asarray(expected, "float64"), rtol=rtol, atol=atol)


# -- SGD ---------------------------------------------------------------------------------------
def test_sgd_plain_two_steps():
    # var -= lr * g:  1 - 0.5*0.5 = 0.75,  -2 - 0.5*1 = -2.5
    # then:           0.75 - 0.5*(-1) = 1.25,  -2.5 - 0.5*0.25 = -2.625
    close(two_steps(optimizers.SGD(learning_rate=0.5)), [1.25, -2.625])


def test_sgd_momentum_two_steps():
    # m = 0.5*m - lr*g; var += m
    # m1 = -0.5*[0.5, 1] = [-0.25, -0.5]        -> w1 = [0.75, -2.5]
    # m2 = 0.5*m1 - 0.5*[-1, 0.25] = [0.375, -0.375] -> w2 = [1.125, -2.875]
    close(two_steps(optimizers.SGD(0.5, momentum=0.5)), [1.125, -2.875])


def test_sgd_nesterov_two_steps():
    # var += momentum*m - lr*g, with the new m
    # step 1: m1 = [-0.25, -0.5]; w += 0.5*m1 - 0.5*g1 = [-0.375, -0.75] -> [0.625, -2.75]
    # step 2: m2 = [0.375, -0.375]; w += 0.5*m2 - 0.5*g2 = [0.6875, -0.3125]
    close(two_steps(optimizers.SGD(0.5, momentum=0.5, nesterov=True)), [1.3125, -3.0625])


def test_sgd_with_schedule_uses_rate_at_iterations_before_increment():
    # ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5): step 0 -> 0.5, step 1 -> 0.25
    opt = optimizers.SGD(schedules.ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5))
    # w1 = W0 - 0.5*g1 = [0.75, -2.5];  w2 = w1 - 0.25*g2 = [1.0, -2.5625]
    close(two_steps(opt), [1.0, -2.5625])
    assert float(opt.learning_rate.numpy()) == 0.125  # the rate at iterations=2


# -- RMSprop -----------------------------------------------------------------------------------
def test_rmsprop_two_steps():
    lr, rho = 0.25, 0.9
    g1, g2, w = np.array(G1), np.array(G2), np.array(W0)
    v = (1 - rho) * g1**2  # [0.025, 0.1]
    w = w - lr * g1 / np.sqrt(v + EPS)  # epsilon inside the sqrt
    v = rho * v + (1 - rho) * g2**2
    w = w - lr * g2 / np.sqrt(v + EPS)
    close(two_steps(optimizers.RMSprop(lr)), w)


def test_rmsprop_centered_with_momentum_two_steps():
    lr, rho, mu = 0.25, 0.9, 0.5
    w, v, a, mom = np.array(W0), 0.0, 0.0, 0.0
    for g in (np.array(G1), np.array(G2)):
        v = rho * v + (1 - rho) * g**2
        a = rho * a + (1 - rho) * g
        increment = lr * g / np.sqrt(v - a**2 + EPS)
        mom = mu * mom + increment
        w = w - mom
    close(two_steps(optimizers.RMSprop(lr, momentum=mu, centered=True)), w)


# -- Adam family -------------------------------------------------------------------------------
def adam_reference(w, grads, lr, b1=0.9, b2=0.999, amsgrad=False, decay=0.0):
    """Keras's Adam, written out: epsilon-hat form, alpha carries the bias correction."""
    w, m, v, v_hat = np.array(w), 0.0, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        g = np.array(g)
        w = w * (1 - decay * lr)  # decoupled weight decay comes first
        m = m + (g - m) * (1 - b1)
        v = v + (g**2 - v) * (1 - b2)
        v_hat = np.maximum(v_hat, v)
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - m * alpha / (np.sqrt(v_hat if amsgrad else v) + EPS)
    return w


def test_adam_two_steps():
    # step 1 by hand for w[0]: m = 0.05, v = 0.00025, alpha = 0.25*sqrt(0.001)/0.1
    #   = 0.0790569; w = 1 - 0.05*0.0790569/(0.0158114 + 1e-7) = 0.75000158
    w = two_steps(optimizers.Adam(0.25))
    close(w, adam_reference(W0, [G1, G2], 0.25))
    assert abs(adam_reference(W0, [G1], 0.25)[0] - 0.7500015811) < 1e-9


def test_adam_amsgrad_keeps_the_largest_velocity():
    # g2 is small enough that v shrinks (0.999*0.004 + 0.001*1e-4 < 0.004): v_hat stays 0.004
    grads = ([2.0, 1.0], [0.01, 1.0])
    expected = adam_reference(W0, grads, 0.25, amsgrad=True)
    assert not np.allclose(expected, adam_reference(W0, grads, 0.25))
    close(two_steps(optimizers.Adam(0.25, amsgrad=True), grads=grads), expected)


def test_adamw_decays_then_steps():
    # var *= 1 - 0.004*0.25 before each Adam step
    expected = adam_reference(W0, [G1, G2], 0.25, decay=0.004)
    close(two_steps(optimizers.AdamW(0.25)), expected)
    close(two_steps(optimizers.Adam(0.25, weight_decay=0.004)), expected)


def test_adamax_two_steps():
    lr, b1, b2 = 0.25, 0.9, 0.999
    w, m, u = np.array(W0), 0.0, 0.0
    for t, g in enumerate((np.array(G1), np.array(G2)), start=1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1**t) * (u + EPS))
    # step 1 for w[0]: m = 0.05, u = 0.5: 1 - 0.25*0.05/(0.1*0.5000001) = 0.75000005
    close(two_steps(optimizers.Adamax(lr)), w)


def test_nadam_two_steps():
    lr, b1, b2 = 0.25, 0.9, 0.999
    w, m, v, u_product = np.array(W0), 0.0, 0.0, 1.0

    def u(t):  # Keras's momentum schedule
        return b1 * (1 - 0.5 * 0.96**t)

    for t, g in enumerate((np.array(G1), np.array(G2)), start=1):
        u_product *= u(t)  # updated once per step, before the variables
        m = m + (g - m) * (1 - b1)
        v = v + (g**2 - v) * (1 - b2)
        m_hat = u(t + 1) * m / (1 - u_product * u(t + 1)) + (1 - u(t)) * g / (1 - u_product)
        v_hat = v / (1 - b2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + EPS)
    opt = optimizers.Nadam(lr)
    close(two_steps(opt), w)
    assert opt.variables[-1].numpy() == pytest.approx(u(1) * u(2), rel=1e-12)


# -- Adagrad, Adadelta -------------------------------------------------------------------------
def test_adagrad_two_steps():
    lr = 0.25
    # accumulators start at 0.1: step 1 for w[0]: acc = 0.35, w = 1 - 0.25*0.5/sqrt(0.35+1e-7)
    w, acc = np.array(W0), 0.1
    for g in (np.array(G1), np.array(G2)):
        acc = acc + g**2
        w = w - lr * g / np.sqrt(acc + EPS)
    close(two_steps(optimizers.Adagrad(lr)), w)
    assert two_steps(optimizers.Adagrad(lr), grads=[G1])[0] == pytest.approx(
        1 - 0.125 / math.sqrt(0.35 + EPS), rel=1e-12
    )


def test_adadelta_two_steps():
    lr, rho = 1.0, 0.95
    w, acc_g, acc_d = np.array(W0), 0.0, 0.0
    for g in (np.array(G1), np.array(G2)):
        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = -np.sqrt(acc_d + EPS) * g / np.sqrt(acc_g + EPS)
        acc_d = rho * acc_d + (1 - rho) * delta**2
        w = w + lr * delta
    close(two_steps(optimizers.Adadelta(lr)), w)


# -- clipping, weight decay, EMA, accumulation, loss scale -------------------------------------
def test_clipnorm_clips_each_variable_on_its_own():
    # ||[3, 4]|| = 5 > 1: clipped to [0.6, 0.8]; ||[0.3]|| < 1: unchanged
    a, b = var(np.zeros(2), "a"), var(np.zeros(1), "b")
    optimizers.SGD(1.0, clipnorm=1.0).apply([np.array([3.0, 4.0]), np.array([0.3])], [a, b])
    close(a.numpy(), [-0.6, -0.8])
    close(b.numpy(), [-0.3])


def test_global_clipnorm_scales_all_gradients_together():
    # global norm sqrt(9 + 16 + 144) = 13 > 2.6: every gradient scaled by 0.2
    a, b = var(np.zeros(2), "a"), var(np.zeros(1), "b")
    opt = optimizers.SGD(1.0, global_clipnorm=2.6)
    opt.apply([np.array([3.0, 4.0]), np.array([12.0])], [a, b])
    close(a.numpy(), [-0.6, -0.8])
    close(b.numpy(), [-2.4])


def test_clipvalue_clips_elementwise():
    # g1 = [0.5, 1] -> [0.5, 0.75], g2 = [-1, 0.25] -> [-0.75, 0.25], lr 0.5
    w = two_steps(optimizers.SGD(0.5, clipvalue=0.75))
    close(w, [1.0 - 0.25 + 0.375, -2.0 - 0.375 - 0.125])


def test_weight_decay_skips_excluded_variables():
    kernel = var([2.0], "kernel")
    bias = var([2.0], "bias")
    opt = optimizers.SGD(0.5, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply([np.array([1.0]), np.array([1.0])], [kernel, bias])
    close(kernel.numpy(), [2.0 * (1 - 0.1 * 0.5) - 0.5])  # decayed, then stepped
    close(bias.numpy(), [2.0 - 0.5])


def test_ema_averages_and_finalize_overwrites():
    opt = optimizers.SGD(0.5, use_ema=True, ema_momentum=0.5)
    w = var(W0)
    for g in (G1, G2):
        opt.apply([np.array(g)], [w])
    # average = w1 after step 1 (momentum 0 on the first step), then 0.5*w1 + 0.5*w2
    close(w.numpy(), [1.25, -2.625])
    opt.finalize_variable_values([w])
    close(w.numpy(), [0.5 * 0.75 + 0.5 * 1.25, 0.5 * -2.5 + 0.5 * -2.625])


def test_gradient_accumulation_updates_with_the_mean_every_k_steps():
    opt = optimizers.SGD(0.5, gradient_accumulation_steps=2)
    w = var(W0)
    opt.apply([np.array(G1)], [w])
    close(w.numpy(), W0)  # nothing yet
    opt.apply([np.array(G2)], [w])
    close(w.numpy(), [1.0 - 0.5 * -0.25, -2.0 - 0.5 * 0.625])  # mean gradient [-0.25, 0.625]
    assert int(opt.iterations.numpy()) == 1


def test_loss_scale_factor_divides_the_gradients():
    close(two_steps(optimizers.SGD(0.5, loss_scale_factor=2.0), grads=[G1]), [0.875, -2.25])


# -- flat packing ------------------------------------------------------------------------------
def make_net(dtype="float32"):
    rng = np.random.default_rng(0)
    shapes = [(4, 3), (3,), (3, 2), (2,)]
    return [Variable(rng.normal(size=s).astype(dtype), name=f"v{i}") for i, s in enumerate(shapes)]


def test_build_packs_variables_into_one_buffer_keeping_values_and_shapes():
    variables = make_net()
    before = [v.numpy() for v in variables]
    opt = optimizers.Adam()
    opt.build(variables)
    flat = opt._packed.slabs[0].var
    assert flat.size == 12 + 3 + 6 + 2
    for v, b in zip(variables, before):
        assert v.value.shape == b.shape and v.value.dtype == np.float32
        np.testing.assert_array_equal(v.value, b)
        assert np.shares_memory(v.value, flat)


def test_assign_after_packing_is_seen_by_the_optimizer():
    w = var(W0)
    opt = optimizers.SGD(0.5)
    opt.build([w])
    w.assign(np.array([10.0, 20.0]))
    opt.apply([np.array(G1)], [w])
    close(w.numpy(), [9.75, 19.5])
    assert np.shares_memory(w.value, opt._packed.slabs[0].var)


@pytest.mark.parametrize("name", sorted(optimizers.ALL_OBJECTS_DICT))
def test_float32_stays_float32_and_grads_are_not_modified(name):
    variables = make_net("float32")
    grads = [np.full(v.value.shape, 3.0, "float64") for v in variables]  # float64 grads
    saved = [g.copy() for g in grads]
    opt = optimizers.get(name)
    opt.clipnorm = 0.5  # clipping works in the gradient buffer, never on the inputs
    for _ in range(3):
        opt.apply(grads, variables)
    for v in variables:
        assert v.value.dtype == np.float32
    for slot in opt.variables[2:]:
        assert slot.value.dtype == np.float32, slot.path
    for g, s in zip(grads, saved):
        np.testing.assert_array_equal(g, s)


def test_float32_update_matches_a_float32_reference():
    w = Variable(np.array(W0, "float32"), name="w")
    opt = optimizers.SGD(0.5, momentum=0.5)
    for g in (G1, G2):
        opt.apply([Tensor(np.array(g, "float32"))], [w])
    assert w.value.dtype == np.float32
    np.testing.assert_array_equal(w.value, np.array([1.125, -2.875], "float32"))


def test_mixed_dtypes_get_one_buffer_each():
    a = Variable(np.array([1.0], "float32"), name="a")
    b = var([1.0], "b")
    opt = optimizers.SGD(0.5)
    opt.apply([np.array([1.0]), np.array([2.0])], [a, b])
    assert len(opt._packed.slabs) == 2
    assert a.value.dtype == np.float32 and b.value.dtype == np.float64
    close(a.numpy(), [0.5])
    close(b.numpy(), [0.0])


def test_variables_repacked_by_another_optimizer_still_update():
    w = var(W0)
    first, second = optimizers.SGD(0.5), optimizers.SGD(0.5)
    first.apply([np.array(G1)], [w])
    second.apply([np.array(G1)], [w])  # rebinds w to the second optimizer's buffer
    first.apply([np.array(G1)], [w])  # the first notices and takes the current value back
    close(w.numpy(), [1.0 - 3 * 0.25, -2.0 - 3 * 0.5])


def test_none_gradients_are_skipped_with_a_warning():
    a, b = var([1.0], "a"), var([1.0], "b")
    opt = optimizers.SGD(0.5)
    opt.build([a, b])
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        opt.apply([None, np.array([1.0])], [a, b])
    close(a.numpy(), [1.0])
    close(b.numpy(), [0.5])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply([None, None], [a, b])


def test_subset_and_reordered_variables_update_the_right_ones():
    a, b = var([1.0], "a"), var([1.0], "b")
    opt = optimizers.Adam(0.25)
    opt.build([a, b])
    opt.apply([np.array([1.0]), np.array([2.0])], [b, a])
    opt.apply([np.array([1.0])], [b])
    close(a.numpy(), adam_reference([1.0], [[2.0]], 0.25))
    close(b.numpy(), adam_reference([1.0], [[1.0], [1.0]], 0.25))


def test_unknown_variable_raises_naming_it():
    opt = optimizers.SGD()
    opt.build([Variable(np.zeros(1), name="a")])
    stranger = Variable(np.zeros(1), name="stranger")
    with pytest.raises(ValueError, match="Unknown variable.*stranger"):
        opt.apply([np.zeros(1)], [stranger])


def test_wrong_gradient_shape_names_the_variable():
    opt = optimizers.SGD()
    w = var(np.zeros((2, 3)), "kernel")
    with pytest.raises(ValueError, match="kernel.*\\(3, 2\\).*\\(2, 3\\)"):
        opt.apply([np.zeros((3, 2))], [w])


def test_denormal_flush_leaves_updates_identical():
    # The gradient is zero after step 1, so m decays by 0.9 a step into float32 denormals
    # (below 1.2e-38 after about 800 steps).
    grads = [np.array([0.5, 1e-3], "float32")] + [np.zeros(2, "float32")] * 899

    def run(flush):
        w = Variable(np.array([1.0, 0.0], "float32"), name="w")
        opt = optimizers.Adam(1e-3)
        if not flush:
            opt.build([w])
            opt._packed.slabs[0].flush_denormals = lambda: None
        for g in grads:
            opt.apply([g], [w])
        return w.numpy(), opt._packed.slabs[0].slot_block

    w_flushed, state_flushed = run(True)
    w_reference, state_reference = run(False)
    np.testing.assert_array_equal(w_flushed, w_reference)
    tiny = np.finfo(np.float32).tiny
    assert np.any((state_reference != 0) & (np.abs(state_reference) < tiny))
    assert not np.any((state_flushed != 0) & (np.abs(state_flushed) < tiny))


# -- state, iterations, learning rate ----------------------------------------------------------
def slot_names(opt):
    return [v.name for v in opt.variables]


def test_adam_variables_interleave_m_and_v_per_variable():
    k, b = var(np.zeros((2, 2)), "kernel"), var(np.zeros(2), "bias")
    opt = optimizers.Adam(amsgrad=True)
    opt.build([k, b])
    assert slot_names(opt) == [
        "iteration",
        "learning_rate",
        "kernel_momentum",
        "kernel_velocity",
        "bias_momentum",
        "bias_velocity",
        "kernel_velocity_hat",
        "bias_velocity_hat",
    ]
    assert opt.variables[2].path == f"{opt.name}/kernel_momentum"
    assert opt.variables[0].numpy().shape == () and opt.variables[0].numpy().dtype == np.int32


def test_rmsprop_and_sgd_variable_order():
    k, b = var(np.zeros((2, 2)), "kernel"), var(np.zeros(2), "bias")
    opt = optimizers.RMSprop(momentum=0.9, centered=True)
    opt.build([k, b])
    assert slot_names(opt)[2:] == [
        "kernel_velocity",
        "bias_velocity",
        "kernel_momentum",
        "bias_momentum",
        "kernel_average_gradient",
        "bias_average_gradient",
    ]
    plain = optimizers.SGD()
    plain.build([k, b])
    assert slot_names(plain) == ["iteration", "learning_rate"]
    momentum = optimizers.SGD(momentum=0.5)
    momentum.build([k, b])
    assert slot_names(momentum)[2:] == ["kernel_momentum", "bias_momentum"]
    schedule = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    schedule.build([k, b])
    assert slot_names(schedule) == ["iteration"]


def test_slot_variables_are_views_of_the_state():
    w = var(W0)
    opt = optimizers.SGD(0.5, momentum=0.5)
    opt.apply([np.array(G1)], [w])
    momentum = opt.variables[2]
    close(momentum.numpy(), [-0.25, -0.5])
    momentum.assign(np.zeros(2))  # e.g. loading saved state
    opt.apply([np.array(G2)], [w])
    close(w.numpy(), [0.75 + 0.5, -2.5 - 0.125])


def test_iterations_and_learning_rate():
    opt = optimizers.Adam(0.5)
    assert int(opt.iterations.numpy()) == 0
    two_steps(opt)
    assert int(opt.iterations.numpy()) == 2
    assert opt.learning_rate.numpy() == 0.5
    opt.learning_rate = 0.25
    assert opt.learning_rate.numpy() == 0.25
    assert opt.get_config()["learning_rate"] == 0.25


def test_keras2_lr_alias_sets_the_rate():
    opt = optimizers.Adam(lr=0.01)
    assert float(opt.learning_rate.numpy()) == pytest.approx(0.01, rel=1e-7)
    assert np.isclose(opt.learning_rate.numpy(), 0.01, atol=1e-8)


def test_schedule_learning_rate_cannot_be_set_to_a_float():
    opt = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"clipnorm": 1.0, "clipvalue": 1.0}, "Only one of `clipnorm`, `clipvalue`"),
        ({"foo": 1}, "Argument\\(s\\) not recognized: \\{'foo': 1\\}"),
        ({"learning_rate": -0.1}, "learning_rate=-0.1"),
        ({"learning_rate": "fast"}, "learning_rate='fast'"),
        ({"momentum": 1.5}, "`momentum` must be a float in \\[0.0, 1.0\\]. Received: momentum=1.5"),
        ({"gradient_accumulation_steps": 1}, "integer >= 2"),
        ({"ema_momentum": 2.0}, "ema_momentum=2.0"),
    ],
)
def test_bad_arguments_are_refused_in_init(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.SGD(**kwargs)


def test_adamw_requires_weight_decay():
    with pytest.raises(ValueError, match="weight_decay=None"):
        optimizers.AdamW(weight_decay=None)


def test_auto_names_are_snake_case_and_unique():
    first, second = optimizers.RMSprop(), optimizers.RMSprop()
    assert first.name.startswith("rm_sprop")
    assert first.name != second.name
    assert repr(first) == f"RMSprop(name='{first.name}', learning_rate=0.001, rho=0.9, " + (
        "momentum=0.0, epsilon=1e-07, centered=False)"
    )


# -- config and get ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(optimizers.ALL_OBJECTS_DICT))
def test_config_round_trip(name):
    opt = optimizers.get(name)
    config = opt.get_config()
    assert list(config)[:2] == ["name", "learning_rate"]
    assert type(opt).from_config(config).get_config() == config
    restored = optimizers.deserialize(optimizers.serialize(opt))
    assert type(restored) is type(opt) and restored.get_config() == config
    assert optimizers.serialize(opt)["module"] == "keras.optimizers"


def test_config_round_trip_with_a_schedule():
    opt = optimizers.Adam(schedules.CosineDecay(0.1, 100, alpha=0.1), beta_1=0.8)
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    restored = optimizers.Adam.from_config(config)
    assert isinstance(restored._learning_rate, schedules.CosineDecay)
    assert restored.get_config() == config


def test_get_by_name_instance_and_dict():
    assert isinstance(optimizers.get("ADAM"), optimizers.Adam)
    assert isinstance(optimizers.get("rmsprop"), optimizers.RMSprop)
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    made = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5}})
    assert isinstance(made, optimizers.SGD) and made.learning_rate.numpy() == 0.5
    assert optimizers.get(None) is None


def test_get_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: adamx.*'adam'"):
        optimizers.get("adamx")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)


# -- schedules ---------------------------------------------------------------------------------
def test_exponential_decay_values():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    # 0.1 * 0.5**(step/10)
    close(s(np.array([0, 5, 10, 20])), [0.1, 0.1 * 0.5**0.5, 0.05, 0.025], rtol=1e-6)
    stair = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    close(stair(np.array([0, 9, 10, 25])), [0.1, 0.1, 0.05, 0.025], rtol=1e-6)


def test_inverse_time_decay_values():
    s = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5)
    # 1 / (1 + 0.5 * step / 2)
    close(s(np.array([0, 2, 4, 3])), [1.0, 1 / 1.5, 0.5, 1 / 1.75], rtol=1e-6)
    stair = schedules.InverseTimeDecay(1.0, 2, 0.5, staircase=True)
    close(stair(3), 1 / 1.5, rtol=1e-6)


def test_piecewise_constant_decay_values():
    s = schedules.PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.25])
    # step <= 2 -> 1.0; 2 < step <= 4 -> 0.5; step > 4 -> 0.25
    close(s(np.arange(7)), [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25])
    assert float(s(3)) == 0.5
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


def test_cosine_decay_values():
    s = schedules.CosineDecay(1.0, decay_steps=4, alpha=0.2)
    # ((1 - 0.2) * 0.5 * (1 + cos(pi * min(step, 4) / 4)) + 0.2)
    expected = [0.8 * 0.5 * (1 + math.cos(math.pi * k / 4)) + 0.2 for k in (0, 1, 2, 4, 4)]
    close(s(np.array([0, 1, 2, 4, 9])), expected, rtol=1e-6)
    warm = schedules.CosineDecay(0.0, decay_steps=4, warmup_target=1.0, warmup_steps=2)
    # warmup: step/2 * (1 - 0) + 0; then cosine from 1.0 over 4 steps
    close(warm(np.array([0, 1, 2, 4, 6, 10])), [0.0, 0.5, 1.0, 0.5, 0.0, 0.0], rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="decay_steps=0"):
        schedules.CosineDecay(1.0, 0)


@pytest.mark.parametrize(
    "schedule",
    [
        schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
        schedules.InverseTimeDecay(0.1, 10, 0.5),
        schedules.PiecewiseConstantDecay([2], [0.1, 0.01]),
        schedules.CosineDecay(0.1, 10, alpha=0.1, warmup_target=0.2, warmup_steps=3),
    ],
    ids=lambda s: type(s).__name__,
)
def test_schedule_config_round_trip(schedule):
    config = schedule.get_config()
    assert type(schedule).from_config(config).get_config() == config
    data = schedules.serialize(schedule)
    assert data["module"] == "keras.optimizers.schedules"
    restored = schedules.deserialize(data)
    assert float(restored(4)) == float(schedule(4))


def test_schedule_value_dtype_is_floatx():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert schedules.ExponentialDecay(0.1, 10, 0.5)(3).dtype == np.float32


def test_packing_keeps_update_visible_through_slab():
    # A guard against accidental copies: the variable, its slab slice and the update agree.
    w = var(W0)
    opt = optimizers.SGD(0.5)
    opt.apply([np.array(G1)], [w])
    assert isinstance(opt._packed.slabs[0], Slab)
    np.testing.assert_array_equal(opt._packed.slabs[0].var, w.value.ravel())
