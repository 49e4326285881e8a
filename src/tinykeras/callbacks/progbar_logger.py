"""``ProgbarLogger``: the callback that draws the progress bar (``utils/progbar.py``)."""

from tinykeras.callbacks.base import Callback
from tinykeras.utils.progbar import Progbar, display_mode, resolve_verbose


class ProgbarLogger(Callback):
    """Prints the progress of ``fit``, ``evaluate`` and ``predict`` as Keras does.

    ``fit`` adds one when ``verbose`` is not 0. The ``Epoch e/E`` header is printed before
    each epoch when there is more than one.

    Args:
        style: ``"keras3"`` or ``"keras2"`` (default: ``utils.progbar.progress_style()``).
        stream: where to write (default: ``sys.stdout``).
    """

    # The bar asks the model for logs only when it redraws, so fit need not build a logs
    # dict after every step (see CallbackList.wants_logs).
    _pulls_logs = True

    def __init__(self, style=None, stream=None):
        super().__init__()
        self.style = style
        self.stream = stream
        self.progbar = None
        self.seen = 0
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        """Read ``verbose``, ``epochs`` and ``steps`` (the bar's target) from the run."""
        super().set_params(params)
        self.verbose = resolve_verbose(params.get("verbose", 1), self.stream)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def wants_hook(self, hook) -> bool:
        """Per-batch hooks only when the bar is redrawn (verbose=1 in a terminal or notebook)
        or must count the steps (an unknown number): otherwise it costs nothing per step."""
        if hook in ("on_train_batch_end", "on_test_batch_end", "on_predict_batch_end"):
            redraws = self.verbose == 1 and display_mode(self.stream) != "plain"
            return redraws or self.target is None
        return True

    def _new_bar(self):
        self.seen = 0
        previous = self.progbar
        self.progbar = Progbar(self.target, verbose=self.verbose, style=self.style,
                               stream=self.stream)
        if previous is not None:
            # The redraw limit spans epochs: many short epochs (1,000 in a course notebook)
            # draw each one's final line, not also a first frame each.
            self.progbar._last_update = previous._last_update

    def _print(self, text):
        self.progbar._write(text + "\n")

    def on_train_begin(self, logs=None):
        """Remember that the test hooks that follow belong to validation (no bar for them)."""
        self._called_in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        """Start a bar and print the ``Epoch e/E`` header."""
        self._new_bar()
        if self.verbose and self.epochs > 1:
            self._print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        """Advance the bar (redrawn at most every few hundredths of a second)."""
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """Draw the final line with the epoch's logs, ``val_*`` included."""
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        """Start a bar for ``evaluate`` (not for validation inside ``fit``)."""
        if not self._called_in_fit:
            self._new_bar()

    def on_test_batch_end(self, batch, logs=None):
        """Advance the evaluation bar."""
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        """Draw the final evaluation line."""
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        """Start a bar for ``predict``."""
        self._new_bar()

    def on_predict_batch_end(self, batch, logs=None):
        """Advance the prediction bar (no logs are shown)."""
        self._update(batch, {})

    def on_predict_end(self, logs=None):
        """Draw the final prediction line."""
        self._finalize({})

    def on_train_end(self, logs=None):
        """Forget that a fit is running (this callback may be reused by ``evaluate``)."""
        self._called_in_fit = False

    def _update(self, batch, logs):
        if self.progbar is None:
            self._new_bar()
        self.seen = batch + 1
        if self.verbose != 1 or not self.progbar.due(self.seen):
            return
        if logs is None:
            logs = self.model._current_logs() if self.model is not None else {}
        self.progbar.update(self.seen, logs, finalize=False)

    def _finalize(self, logs):
        if self.progbar is None:
            self._new_bar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.seen
        self.progbar.update(self.target, logs or {}, finalize=True)
