"""The progress bar: Keras 3 and Keras 2 layouts on fixed examples, throttling, display modes
(terminal, notebook, pipe), ``verbose="auto"``, and a run under a pseudo-terminal."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.layers import Dense
from tinykeras.utils import progbar
from tinykeras.utils.progbar import Progbar

BAR = "━"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # everything but \t and \n


class Clock:
    """A fake ``time.monotonic`` that advances only when told."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(progbar.time, "monotonic", c)
    return c


def _run(clock, mode, style="keras3", verbose=1, target=4, logs=None, dt=0.1):
    out = io.StringIO()
    bar = Progbar(target, stream=out, mode=mode, style=style, verbose=verbose)
    logs = logs or {"accuracy": 0.98, "loss": 0.05}
    for step in range(1, target + 1):
        clock.now += dt
        bar.update(step, logs)
    return out.getvalue()


def test_keras3_final_line_in_a_terminal_is_keras_text_with_escapes(clock):
    text = _run(clock, "terminal")
    final = text.split("\r")[-1]
    assert final == ("\x1b[1m4/4\x1b[0m \x1b[32m" + BAR * 20 + "\x1b[0m\x1b[37m\x1b[0m"
                     " \x1b[1m0s\x1b[0m 100ms/step - accuracy: 0.9800 - loss: 0.0500\n")


def test_keras3_intermediate_frame_shows_the_eta_and_half_a_bar(clock):
    frames = _run(clock, "terminal", dt=2.0).split("\r")[1:]
    assert len(frames) == 4  # each step is 2 s apart: every one is drawn
    second = progbar._strip(frames[1]).rstrip("\b")
    assert second == "2/4 " + BAR * 20 + " 4s 2s/step - accuracy: 0.9800 - loss: 0.0500"
    assert "\x1b[32m" + BAR * 10 + "\x1b[0m\x1b[37m" + BAR * 10 in frames[1]
    # Each redraw first erases the previous line with backspaces, as Keras does.
    assert all(f.endswith("\b" * 20) for f in frames[:-1])


def test_redraws_are_throttled_to_the_interval(clock):
    text = _run(clock, "terminal", target=200, dt=0.001)  # 200 steps in 0.2 s
    draws = text.count("\r")
    assert 3 <= draws <= 6, f"expected about one draw per 0.05 s, got {draws}"
    assert text.endswith("loss: 0.0500\n") and "200/200" in text.split("\r")[-1]


def test_notebook_mode_uses_carriage_returns_only_and_draws_less_often(clock):
    text = _run(clock, "notebook", target=200, dt=0.01)  # 2 s
    assert "\b" not in text
    assert text.count("\r") <= 6, "Jupyter redraws at most twice a second"


def test_plain_mode_writes_only_the_final_line_without_control_characters(clock):
    text = _run(clock, "plain", target=50, dt=0.01)
    assert text == "50/50 " + BAR * 20 + " 0s 10ms/step - accuracy: 0.9800 - loss: 0.0500\n"


def test_keras2_layout_final_and_running_frames(clock):
    logs = {"accuracy": 0.98, "loss": 0.05}
    text = _run(clock, "plain", style="keras2", target=32, dt=0.002, logs=logs)
    assert text == ("32/32 [==============================] - 0s 2ms/step - loss: 0.0500 "
                    "- accuracy: 0.9800\n")
    frames = _run(clock, "terminal", style="keras2", target=4, dt=2.0, logs=logs).split("\r")
    assert progbar._strip(frames[2]).rstrip("\b") == (
        "2/4 [==============>...............] - ETA: 4s - loss: 0.0500 - accuracy: 0.9800")


def test_verbose_two_prints_one_line_at_the_end_in_both_layouts(clock):
    logs = {"accuracy": 0.98, "loss": 0.05, "val_loss": 0.0001}
    assert _run(clock, "terminal", verbose=2, target=3, dt=0.137, logs=logs) == (
        "3/3 - 0s - 137ms/step - accuracy: 0.9800 - loss: 0.0500 - val_loss: 1.0000e-04\n")
    assert _run(clock, "terminal", "keras2", verbose=2, target=3, dt=0.137, logs=logs) == (
        "3/3 - 0s - loss: 0.0500 - accuracy: 0.9800 - val_loss: 1.0000e-04 - 411ms/epoch "
        "- 137ms/step\n")


def test_unknown_target_counts_and_time_formats():
    assert progbar.format_time_per_unit(2.4, "step") == "2s/step"
    assert progbar.format_time_per_unit(0.0021, "step") == "2ms/step"
    assert progbar.format_time_per_unit(0.000021, "step") == "21us/step"
    assert progbar.format_eta(75) == "1:15" and progbar.format_eta(3725) == "1:02:05"
    assert progbar.format_value(-0.5) == "-0.5000" and progbar.format_value(1e-5) == "1.0000e-05"
    out = io.StringIO()
    bar = Progbar(None, stream=out, mode="plain")
    bar.update(7, {"loss": 1.0}, finalize=True)
    assert out.getvalue().startswith("      7/Unknown ")


def test_bad_style_and_verbose_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="keras2"):
        progbar.set_progress_style("fancy")
    with pytest.raises(ValueError, match="verbose"):
        progbar.resolve_verbose("loud")


def test_auto_is_one_line_per_epoch_without_a_terminal(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert progbar.resolve_verbose("auto", io.StringIO()) == 2
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    assert progbar.display_mode(io.StringIO()) == "notebook"
    assert progbar.resolve_verbose("auto", io.StringIO()) == 1


def _model():
    model = tk.Sequential([tk.Input((3,)), Dense(4, activation="relu"),
                           Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_fit_evaluate_predict_in_a_pipe_print_keras_lines_without_control_characters(capsys):
    r = np.random.default_rng(0)
    x, y = r.normal(size=(100, 3)), r.integers(0, 2, (100, 1))
    model = _model()
    model.fit(x, y, epochs=2, verbose=1, validation_split=0.2)
    model.evaluate(x, y, verbose=1)
    model.predict(x, verbose=1)
    model.fit(x, y, epochs=2)  # "auto": one line per epoch
    out = capsys.readouterr().out
    assert not CONTROL.search(out), repr(CONTROL.search(out))
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert re.fullmatch(r"3/3 ━{20} \d+s \d+[mu]?s/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}"
                        r" - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}", lines[1]), lines[1]
    assert re.fullmatch(r"4/4 ━{20} \d+s \d+[mu]?s/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}",
                        lines[4]), lines[4]
    assert re.fullmatch(r"4/4 ━{20} \d+s \d+[mu]?s/step", lines[5]), lines[5]
    assert lines[6] == "Epoch 1/2" and re.fullmatch(
        r"4/4 - \d+s - \d+[mu]?s/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", lines[7])
    assert len(lines) == 10


def test_verbose_zero_prints_nothing_and_one_epoch_has_no_header(capsys):
    model = _model()
    x, y = np.ones((4, 3)), np.ones((4, 1))
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x)  # one batch, "auto": quiet (many one-row predicts would flood)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=1, verbose=2)
    assert not capsys.readouterr().out.startswith("Epoch")


def test_progress_does_not_build_logs_on_every_step(monkeypatch):
    model = _model()
    calls = []
    original = type(model)._current_logs
    monkeypatch.setattr(type(model), "_current_logs",
                        lambda self: calls.append(1) or original(self))
    x, y = np.ones((3200, 3)), np.ones((3200, 1))
    model.fit(x, y, epochs=1, batch_size=32, verbose=1)  # 100 steps, plain stream
    assert len(calls) <= 3, "the bar should ask for logs only when it draws"


PTY_SCRIPT = """
import numpy as np, tinykeras as tk
from tinykeras.layers import Dense
from tinykeras.utils import progbar
tk.utils.set_random_seed(0)
x = np.random.default_rng(0).normal(size=(2000, 400)).astype("float32")
y = (x[:, :1] > 0).astype("float32")
model = tk.Sequential([tk.Input((400,)), Dense(25, activation="sigmoid"),
                       Dense(15, activation="sigmoid"), Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
import time
class Slow(tk.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        time.sleep(0.004)  # make each epoch last about a quarter of a second
model.fit(x, y, epochs=2, batch_size=32, callbacks=Slow())
"""


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
def test_seed_training_under_a_pseudo_terminal_redraws_in_place():
    import pty

    env = {**os.environ, "PYTHONPATH": str(Path(tk.__file__).parents[1])}
    controller, worker = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", PTY_SCRIPT], stdout=worker, stderr=worker,
                            env=env)
    os.close(worker)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(controller)
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")  # the tty's own newline
    assert proc.returncode == 0, text
    epoch = text.split("Epoch 2/2\n")[1]
    assert epoch.count("\r") >= 2, "the bar should be redrawn in place during an epoch"
    final = progbar._strip(epoch.split("\r")[-1]).lstrip("\b")
    assert re.fullmatch(r"63/63 ━{20} \d+s \d+ms/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n",
                        final), repr(final)
    assert "\x1b[32m" in epoch and "\x1b[1m" in epoch


def test_a_thousand_epochs_in_jupyter_write_little_and_no_backspaces(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel", object())  # as inside a notebook kernel
    out = io.StringIO()
    model = _model()
    x, y = np.ones((40, 3)), np.ones((40, 1))
    model.fit(x, y, epochs=1000, batch_size=10, verbose="auto",
              callbacks=tk.callbacks.ProgbarLogger(stream=out))
    text = out.getvalue()
    assert "\b" not in text, "backspaces pile up in a notebook's output"
    assert text.count("\n") == 2000  # a header and a final line per epoch, as Keras prints
    assert len(text) < 2000 * 100, "about one short line per epoch, no flood of redraws"


def test_the_jupyter_renderer_handles_carriage_returns_and_backspaces():
    from jupyter_render import render

    assert render("abc\rX") == "Xbc"
    assert render("ab\bc\n") == "ac\n" and render("abc\b\b") == "a"
    assert render("one\r\ntwo\rTW") == "one\nTWo"


def test_a_kernel_stream_is_a_notebook_even_when_it_claims_a_terminal(monkeypatch):
    from jupyter_render import FakeOutStream

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert progbar.display_mode(FakeOutStream(isatty=True)) == "notebook"
    assert progbar.display_mode(FakeOutStream()) == "notebook"
    assert progbar.resolve_verbose("auto", FakeOutStream()) == 1


def test_fit_in_jupyter_redraws_each_epoch_s_bar_in_place_and_shows_keras_s_lines(clock):
    from jupyter_render import FakeOutStream, render

    out = FakeOutStream()
    model = _model()
    x, y = np.ones((200, 3)), np.ones((200, 1))
    tick = tk.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: setattr(clock, "now", clock.now + 0.1))
    model.fit(x, y, epochs=3, batch_size=10, verbose=1,
              callbacks=[tick, tk.callbacks.ProgbarLogger(stream=out)])
    raw = out.getvalue()
    assert "\b" not in raw
    for epoch in raw.split("Epoch ")[1:]:
        # 20 steps of 0.1 s: redrawn in place (\r) about every 0.5 s, then the final line.
        assert 3 <= epoch.count("\r") <= 6, epoch.count("\r")
        assert epoch.endswith("\n") and epoch.count("\n") == 2
    shown = progbar._strip(render(raw)).splitlines()
    assert shown[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    for line in shown[1::2]:
        assert re.fullmatch(r"20/20 ━{20} 2s 100ms/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}",
                            line.rstrip()), line
