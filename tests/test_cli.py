"""The main job: ``python -m tinykeras demo`` learns the bundled digits."""

import subprocess
import sys

from tinykeras.cli import demo, main


def test_demo_reaches_99_percent_training_accuracy(capsys):
    results = demo(epochs=100)
    out = capsys.readouterr().out
    assert results["train_accuracy"] >= 0.99
    assert results["test_accuracy"] >= 0.95
    assert "training accuracy" in out and "held-out accuracy" in out and "final loss" in out
    assert 'Model: "my_model"' in out


def test_module_entry_point_runs_the_demo():
    proc = subprocess.run([sys.executable, "-m", "tinykeras", "demo", "--epochs", "3"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "held-out accuracy" in proc.stdout


def test_bad_arguments_exit_with_a_usage_error(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["demo", "--epochs", "0"])
    assert "--epochs must be positive" in capsys.readouterr().err


def test_demo_plot_saves_the_loss_curve_and_predictions(tmp_path, capsys):
    import matplotlib  # noqa: F401 - the `plot` extra, in `test`: missing must fail
    out = tmp_path / "demo.png"
    main(["demo", "--epochs", "5", "--plot", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    assert "saved the loss curve" in capsys.readouterr().out
