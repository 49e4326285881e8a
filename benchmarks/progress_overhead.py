"""What the progress bar and callbacks cost: the seed network (W1) with verbose=0, 1 and 2.

The issue's target: ``verbose=1`` (the bar redrawn in a terminal) costs under 5% over
``verbose=0``. Each setting trains the same model from the same weights for the same steps;
the settings are interleaved and repeated so that machine noise falls on all of them alike,
and the median (and best) CPU time per step is reported.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/progress_overhead.py [--epochs 20]

The bar writes to an in-memory stream that says it is a terminal, so the terminal drawing
path runs (escapes, in-place redraws at most every 0.05 s) without a real terminal's speed
entering the numbers; "plain" is the same stream as a pipe (one line per epoch).
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data  # noqa: E402 - the benchmarks' own data module, next to this file

import tinykeras as tk  # noqa: E402


class FakeTerminal(io.StringIO):
    """An in-memory stdout that reports being a TTY (so the bar draws as in a terminal)."""

    def isatty(self):
        return True


def build(weights):
    model = tk.Sequential([tk.Input((400,)), tk.layers.Dense(25, activation="sigmoid"),
                           tk.layers.Dense(15, activation="sigmoid"),
                           tk.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=tk.optimizers.Adam(1e-3), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.set_weights(weights)
    return model


def timed_fit(x, y, weights, epochs, verbose, stream_is_tty):
    model = build(weights)
    model.fit(x[:64], y[:64], epochs=1, verbose=0)  # warm-up: build the step and its buffers
    model.set_weights(weights)
    saved = sys.stdout
    sys.stdout = FakeTerminal() if stream_is_tty else io.StringIO()
    try:
        # CPU time of this process: on a shared machine, other processes stretch wall time
        # far more than the effect measured here (run with OMP_NUM_THREADS=1 for one core).
        start = time.process_time()
        model.fit(x, y, batch_size=32, epochs=epochs, verbose=verbose, shuffle=True)
        elapsed = time.process_time() - start
    finally:
        sys.stdout = saved
    steps = epochs * -(-len(x) // 32)
    return elapsed / steps


def per_step_hook_cost(weights, steps=20000):
    """The progress bar's own cost per training step, timed alone (machine noise on whole fits
    is larger than the effect): the ``on_train_batch_end`` call ``fit`` makes after each step,
    with the bar redrawing into a terminal at most every 0.05 s."""
    from tinykeras.callbacks import CallbackList, History, ProgbarLogger

    model = build(weights)
    saved = sys.stdout
    sys.stdout = FakeTerminal()
    try:
        cbs = CallbackList([History(), ProgbarLogger()], model=model, verbose=1, epochs=1,
                           steps=steps)
        model.reset_metrics()
        cbs.call("on_train_begin", {})
        cbs.call("on_epoch_begin", 0, {})
        start = time.process_time()
        for step in range(steps):
            cbs.call("on_train_batch_end", step, None)
        elapsed = time.process_time() - start
    finally:
        sys.stdout = saved
    return elapsed / steps


def redraw_cost(weights, draws=2000):
    """The time of one redraw: the model's logs, the bar's text and the write."""
    from tinykeras.utils.progbar import Progbar

    model = build(weights)
    bar = Progbar(draws + 1, stream=FakeTerminal(), mode="terminal", interval=0.0)
    start = time.process_time()
    for step in range(1, draws + 1):
        bar.update(step, model._current_logs())
    return (time.process_time() - start) / draws


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    w1 = data.load("W1", args.rows)
    x, y = w1["x"].astype("float32") / 255.0, w1["y"].astype("float32").reshape(-1, 1)
    weights = data.init_weights("seed")
    settings = {"verbose=0": (0, False), "verbose=1 (terminal)": (1, True),
                "verbose=1 (pipe)": (1, False), "verbose=2": (2, False)}
    times = {name: [] for name in settings}
    names = list(settings)
    for rep in range(args.reps):
        # Rotate the order each repetition, so no setting always runs first or last.
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            verbose, tty = settings[name]
            times[name].append(timed_fit(x, y, weights, args.epochs, verbose, tty))
    base = statistics.median(times["verbose=0"])
    try:
        hook = min(per_step_hook_cost(weights) for _ in range(3))
        draw = min(redraw_cost(weights) for _ in range(3))
    except ImportError:  # a tinykeras from before the progress bar: the fit times only
        hook = draw = None
    print(f"tinykeras {tk.__file__}")
    print(f"W1: {len(x)} rows, batch 32, {args.epochs} epochs, {args.reps} interleaved reps "
          "(median, and best: the least disturbed by other processes)\n")
    best = min(times["verbose=0"])
    print("| setting | median µs/step | vs verbose=0 | best µs/step | vs verbose=0 |")
    print("|---|---:|---:|---:|---:|")
    for name in settings:
        med, low = statistics.median(times[name]), min(times[name])
        print(f"| {name} | {med * 1e6:.1f} | {100 * (med / base - 1):+.1f}% | "
              f"{low * 1e6:.1f} | {100 * (low / best - 1):+.1f}% |")
    if hook is None:
        return
    print(f"\nThe bar's own cost per step, timed alone: {hook * 1e6:.2f} µs "
          f"= {100 * hook / base:.2f}% of a verbose=0 step.")
    print(f"One redraw of the bar (logs, text, write): {draw * 1e6:.1f} µs; at most 20 a "
          f"second, that is at most {100 * draw * 20:.2f}% of the training time.")


if __name__ == "__main__":
    main()
