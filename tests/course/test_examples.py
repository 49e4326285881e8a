"""Every example in ``examples/`` runs end to end (scaled down where slow) and learns."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

import tinykeras as tf

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# The course's labs, re-created (other examples in the folder are not course code).
COURSE_EXAMPLES = [
    "neurons_and_layers", "coffee_roasting", "binary_digits", "multiclass_blobs",
    "digits_10class", "model_selection", "regularization_sweep", "collaborative_filtering",
    "content_based_recommender", "deep_q_learning",
]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_differs_from_the_course_only_in_import_lines():
    for path in (EXAMPLES / f"{name}.py" for name in COURSE_EXAMPLES):
        text = path.read_text()
        code = "\n".join(line.split("#")[0] for line in text.splitlines())
        assert "import tensorflow" not in code and "from tensorflow" not in code, path.name
        imports = [line for line in text.splitlines() if "import tinykeras as tf" in line]
        assert imports, f"{path.name} does not use the `import tinykeras as tf` facade"
        for line in text.splitlines():
            if re.match(r"^(from|import) tinykeras", line) and "datasets" not in line and (
                    "plotting" not in line):
                assert "# was:" in line or line.startswith("from tinykeras.data"), (
                    f"{path.name}: say which TensorFlow import this line replaces: {line}")


def test_neurons_and_layers(capsys):
    out = _load("neurons_and_layers").main()
    np.testing.assert_allclose(out["linear"][0], out["linear"][1], rtol=1e-6)
    np.testing.assert_allclose(out["logistic"][0], out["logistic"][1], rtol=1e-6)
    assert "tf.Tensor(" in capsys.readouterr().out


def test_multiclass_blobs_and_softmax():
    assert _load("multiclass_blobs").main(epochs=2, multiclass_epochs=200) > 0.9


def test_model_selection():
    best_reg, best_cls, cls_error = _load("model_selection").main(epochs=100, class_epochs=100)
    assert best_reg in (0, 1, 2) and best_cls in (0, 1, 2) and cls_error < 0.35


def test_collaborative_filtering_with_variables_and_gradient_tape():
    observed, hidden, spread = _load("collaborative_filtering").main(iterations=100)
    assert observed < 0.5 and hidden < spread


def test_deep_q_learning_compute_loss_matches_the_graded_values():
    dqn = _load("deep_q_learning")
    rng = np.random.default_rng(1)
    states, next_states = rng.random((8, 4)), rng.random((8, 4))
    actions = rng.integers(0, 2, 8).astype(np.float32)
    rewards, done = rng.random(8).astype(np.float32), (rng.random(8) < 0.3).astype(np.float32)
    q = rng.random((8, 2)).astype(np.float32)
    target = rng.random((8, 2)).astype(np.float32)
    loss = dqn.compute_loss((states, actions, rewards, next_states, done), 0.9,
                            lambda s: q, lambda s: target)
    y = rewards + 0.9 * target.max(axis=1) * (1 - done)
    expected = np.mean((y - q[np.arange(8), actions.astype(int)]) ** 2)
    assert float(loss) == pytest.approx(float(expected), rel=1e-6)


def test_deep_q_learning_loop_runs_with_tf_function_and_soft_updates():
    dqn = _load("deep_q_learning")
    returns, rate = dqn.run(num_episodes=12, max_num_timesteps=60)
    assert len(returns) == 12 and rate > 0 and all(1 <= r <= 60 for r in returns)


@pytest.mark.slow
def test_deep_q_learning_learns_to_balance():
    first, last = _load("deep_q_learning").main(episodes=200)
    assert last > 2 * first


@pytest.mark.slow
def test_coffee_roasting(tmp_path):
    assert _load("coffee_roasting").main(epochs=2, copies=200, plot=tmp_path / "c.png") > 0.9
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_binary_digits(tmp_path):
    assert _load("binary_digits").main(epochs=20, plot=tmp_path / "d.png") > 0.97


@pytest.mark.slow
def test_digits_10class(tmp_path):
    assert _load("digits_10class").main(epochs=15, plot=tmp_path / "g.png") > 0.85
    assert (tmp_path / "g_loss.png").exists()


@pytest.mark.slow
def test_regularization_sweep_runs_in_float64():
    errors = _load("regularization_sweep").main(epochs=60, lambdas=(0.0, 0.1))
    assert set(errors) == {"complex", 0.0, 0.1} and max(errors.values()) < 0.3
    assert tf.config.floatx() == "float32"  # the example restores the default


@pytest.mark.slow
def test_content_based_recommender_functional_model():
    test_mse, baseline = _load("content_based_recommender").main(epochs=3, num_ratings=1500)
    assert test_mse < baseline


def test_qlearning_benchmark_runs_on_a_few_steps():
    spec = importlib.util.spec_from_file_location(
        "qlearning_bench", EXAMPLES.parent / "benchmarks" / "qlearning.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.tinykeras_steps_per_second(120) > 0
