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
        # Python delivers signals to the main thread only, and refuses to install a handler
        # from any other: a fit in a worker thread keeps Python's plain Ctrl-C behaviour (the
        # main thread gets the KeyboardInterrupt). A handler someone else installed (IPython,
        # a server, an enclosing fit) is left in charge too.
        if threading.current_thread() is not threading.main_thread():
            return self
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main interpreter: signals cannot be handled here
            self._previous = None
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
