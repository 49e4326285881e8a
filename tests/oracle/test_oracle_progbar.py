"""The progress bar against Keras's own ``keras.utils.Progbar``: the same updates at the same
(fake) times must write the same characters, escapes and backspaces included."""

import io
import types

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
