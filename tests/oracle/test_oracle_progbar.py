"""The progress bar against Keras's own ``keras.utils.Progbar``: the same updates at the same
(fake) times must write the same characters, escapes and backspaces included."""

import io
import sys
import types
from pathlib import Path

import pytest
from keras.src.utils import progbar as keras_progbar

from tinykeras.utils import progbar as ours


class Clock:
    def __init__(self):
        self.now = 5000.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize("verbose", [1, 2])
@pytest.mark.parametrize("target,dt", [(4, 0.1), (32, 0.002), (7, 2.5), (120, 0.03),
                                       (3, 75.0)])
def test_progbar_writes_what_keras_writes(monkeypatch, capsys, verbose, target, dt):
    logs = [("accuracy", 0.98), ("loss", 0.0004321), ("val_loss", -1.25)]
    clock = Clock()
    monkeypatch.setattr(keras_progbar, "time", types.SimpleNamespace(time=clock))
    theirs = keras_progbar.Progbar(target, verbose=verbose)
    for step in range(1, target + 1):
        clock.now += dt
        theirs.update(step, logs)
    expected = capsys.readouterr().out

    clock = Clock()
    monkeypatch.setattr(ours, "time", types.SimpleNamespace(monotonic=clock))
    out = io.StringIO()
    mine = ours.Progbar(target, verbose=verbose, stream=out, mode="terminal")
    for step in range(1, target + 1):
        clock.now += dt
        mine.update(step, dict(logs))
    assert out.getvalue() == expected


@pytest.mark.parametrize("steps,dt", [(40, 0.03), (5, 0.001), (12, 0.4)])
def test_a_notebook_shows_what_it_shows_with_keras(monkeypatch, capsys, steps, dt):
    """Keras's ProgbarLogger and ours, driven by the same hooks at the same fake times, and
    both rendered as Jupyter renders stream output: after every epoch the notebook shows the
    same text (Keras redraws more often, with backspaces; we send less)."""
    import keras

    from tinykeras.callbacks import ProgbarLogger

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from jupyter_render import FakeOutStream, render

    epochs = 3
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    clock = Clock()
    monkeypatch.setattr(keras_progbar, "time", types.SimpleNamespace(time=clock))
    monkeypatch.setattr(ours, "time", types.SimpleNamespace(monotonic=clock))
    theirs, mine, out = keras.callbacks.ProgbarLogger(), ProgbarLogger(stream=FakeOutStream()), []
    for cb in (theirs, mine):
        cb.set_params({"verbose": 1, "epochs": epochs, "steps": steps})
    shown = {"keras": [], "tinykeras": []}
    for epoch in range(epochs):
        for cb in (theirs, mine):
            cb.on_epoch_begin(epoch)
        for batch in range(steps):
            clock.now += dt
            logs = {"accuracy": 0.5 + 0.01 * batch, "loss": 1.0 / (batch + epoch + 1)}
            for cb in (theirs, mine):
                cb.on_train_batch_end(batch, dict(logs))
        logs = {"accuracy": 0.75, "loss": 0.0123, "val_loss": 0.02}
        for cb in (theirs, mine):
            cb.on_epoch_end(epoch, dict(logs))
        out.append(capsys.readouterr().out)
        shown["keras"].append(render("".join(out)))
        shown["tinykeras"].append(render(mine.stream.getvalue()))
    for after, (a, b) in enumerate(zip(shown["tinykeras"], shown["keras"]), start=1):
        lines_a = [line.rstrip() for line in a.splitlines()]
        lines_b = [line.rstrip() for line in b.splitlines()]
        assert lines_a == lines_b, f"after epoch {after}"
    raw = mine.stream.getvalue()
    assert "\b" not in raw and len(raw) <= len("".join(out))
