"""Ctrl-C during ``fit``: finish the current batch, keep its weights, end training cleanly.

A ``KeyboardInterrupt`` raised between two NumPy calls of an optimizer update would leave the
weights half-updated (a moment slot moved, its variable not). So while ``fit`` runs, the first
SIGINT only asks training to stop: the step in progress completes, ``on_train_end`` runs, and
``fit`` returns the History so far. A second SIGINT restores Python's handler and raises at
once, for a user who really wants out.
"""

import signal
import sys
import threading


class InterruptGuard:
    """Context manager installing the stop-after-this-batch SIGINT handler (main thread only)."""

    def __init__(self, model):
        self.model = model
        self.caught = False
        self._previous = None

    def __enter__(self):
        usable = threading.current_thread() is threading.main_thread()
        if usable and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.caught:  # the second Ctrl-C: out now
            signal.signal(signal.SIGINT, self._previous)
            raise KeyboardInterrupt
        self.caught = True
        self.model.stop_training = True
        sys.stderr.write(
            "\nInterrupted: training stops after the current batch and keeps its weights "
            "(press Ctrl-C again to exit at once).\n"
        )

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False
