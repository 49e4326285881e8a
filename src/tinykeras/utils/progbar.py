"""The progress bar ``fit``, ``evaluate`` and ``predict`` print, in Keras 3's or Keras 2's layout.

Keras 3 (``verbose=1``)::

    32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9800 - loss: 0.0500

Keras 2 (``set_progress_style("keras2")``, the layout of the course notebooks)::

    32/32 [==============================] - 0s 2ms/step - loss: 0.0500 - accuracy: 0.9800

``verbose=2`` prints one line per epoch when it ends. Where the text goes decides how it is
drawn (``display_mode``):

- ``"terminal"`` (a TTY): the line is redrawn in place (``\\r``) at most every ``interval``
  seconds, with bold and coloured glyphs as Keras draws them, and an ETA while running.
- ``"notebook"`` (Jupyter): redrawn with ``\\r`` only (Keras also writes a backspace per
  character of the previous line, which piles up in the notebook's output buffer and is what
  freezes the browser after many epochs), and at most twice a second. What the notebook
  shows is what it shows with Keras: per epoch the ``Epoch e/E`` header and one bar line,
  redrawn in place while the epoch runs and ended by a new line (``tests/jupyter_render.py``
  renders both as a notebook does; ``tests/oracle/test_oracle_progbar.py`` compares them).
  Keras redraws every 0.05 s; the kernel sends output to the browser every 0.2 s anyway, and
  the slower redraw keeps hour-long runs from sending tens of thousands of updates.
- ``"plain"`` (a pipe or a log file): no control characters at all; only the final line of
  each bar is written. Keras writes its escapes there too (it treats any POSIX system as a
  terminal); we do not, so log files stay readable.
"""

import math
import os
import sys
import time

from tinykeras.errors import InvalidArgumentError

_STYLES = ("keras3", "keras2")
_style = "keras3"

_BOLD, _RESET, _GREEN, _WHITE = "\x1b[1m", "\x1b[0m", "\x1b[32m", "\x1b[37m"


def set_progress_style(style: str) -> None:
    """Choose the progress-bar layout: ``"keras3"`` (default, ``━━━``) or ``"keras2"``."""
    global _style
    if style not in _STYLES:
        raise InvalidArgumentError(
            f"Unknown progress style {style!r}. Expected one of {list(_STYLES)}, e.g. "
            "set_progress_style('keras2') for the `[=====]` bar of Keras 2."
        )
    _style = style


def progress_style() -> str:
    """Return the current progress-bar layout (``"keras3"`` or ``"keras2"``)."""
    return _style


def display_mode(stream=None) -> str:
    """Return ``"terminal"``, ``"notebook"`` or ``"plain"`` for where the progress text goes."""
    stream = stream if stream is not None else sys.stdout
    if type(stream).__module__.startswith("ipykernel"):
        return "notebook"  # a kernel's stream, even one that claims to be a terminal
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return "terminal"
    except ValueError:  # a closed stream
        return "plain"
    if "ipykernel" in sys.modules:
        return "notebook"
    if "PYCHARM_HOSTED" in os.environ:
        return "terminal"
    return "plain"


def resolve_verbose(verbose, stream=None) -> int:
    """Map ``verbose="auto"`` to 1 where a bar can be redrawn, else 2 (one line per epoch)."""
    if verbose == "auto":
        return 2 if display_mode(stream) == "plain" else 1
    if isinstance(verbose, bool) or not isinstance(verbose, int) or verbose not in (0, 1, 2, 3):
        raise InvalidArgumentError(
            f"Argument `verbose` must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}"
        )
    return min(verbose, 2)


def format_value(v, signed=True) -> str:
    """Format a log value as Keras does: 4 decimals, or scientific for tiny values."""
    v = float(v)
    big = abs(v) > 1e-3 if signed else v > 1e-3
    return f"{v:.4f}" if big else f"{v:.4e}"


def format_time_per_unit(seconds: float, unit: str) -> str:
    """Return Keras's ``2ms/step``: whole seconds, milliseconds or microseconds."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def format_eta(seconds: float) -> str:
    """Return an ETA as ``Ns``, ``M:SS`` or ``H:MM:SS``."""
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


class Progbar:
    """A progress bar for ``target`` steps (None when unknown).

    Args:
        target: the number of steps, or None.
        verbose: 1 draws the bar, 2 prints one line when it is finalized, 0 prints nothing.
        interval: the least time between two redraws, in seconds (a terminal; twice that in
            Jupyter; the final line is always drawn).
        unit_name: the unit of the time per step (``"step"``).
        style: ``"keras3"`` or ``"keras2"`` (default: ``progress_style()``).
        stream: where to write (default: ``sys.stdout`` at the time of each write).
        mode: ``"terminal"``, ``"notebook"`` or ``"plain"`` (default: detected from the stream).

    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progbar(4, stream=out, mode="plain")
    >>> bar.update(4, [("loss", 0.5)], finalize=True)
    >>> out.getvalue().split(" 0s ")[0]
    '4/4 ━━━━━━━━━━━━━━━━━━━━'
    """

    def __init__(self, target, width=None, verbose=1, interval=0.05, unit_name="step",
                 style=None, stream=None, mode=None, stateful_metrics=None):
        self.target = target
        self.style = style or _style
        if self.style not in _STYLES:
            raise InvalidArgumentError(
                f"Unknown progress style {self.style!r}. Expected one of {_STYLES}.")
        self.width = width or (20 if self.style == "keras3" else 30)
        self.verbose = verbose
        self.unit_name = unit_name
        self.stream = stream
        self.mode = mode or display_mode(stream)
        self.interval = interval * (10 if self.mode == "notebook" else 1)
        # All values are shown as given: tinykeras's logs are already epoch averages, which is
        # what Keras's "stateful metrics" means (stateful_metrics is accepted for the API).
        self.stateful_metrics = set(stateful_metrics or ())
        self._values = {}
        self._start = time.monotonic()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_width = 0
        self._seen = 0

    # -- timing ------------------------------------------------------------------------------
    def _time_per_unit(self, current, now):
        if not current:
            return 0.0
        # Keras leaves the first step out of the average (it carries the warm-up).
        if self._time_after_first_step is not None and current > 1:
            per = (now - self._time_after_first_step) / (current - 1)
        else:
            per = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per

    # -- drawing -----------------------------------------------------------------------------
    def update(self, current, values=None, finalize=None):
        """Record progress ``current`` and the logs ``values`` (pairs or a dict); maybe redraw."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for key, value in (values.items() if isinstance(values, dict) else values or ()):
            self._values[key] = value
        self._seen = current
        now = time.monotonic()
        per = self._time_per_unit(current, now)
        if self.verbose == 1:
            if not finalize and (self.mode == "plain" or now - self._last_update < self.interval):
                return
            self._draw(current, now, per, finalize)
        elif self.verbose == 2 and finalize:
            self._write(self._epoch_line(current, now, per) + "\n")
        self._last_update = now

    def due(self, current) -> bool:
        """Note that step ``current`` is done; return True when a redraw is due (cheap: the
        progress bar calls this after every step and builds the logs only when it is True)."""
        now = time.monotonic()
        if current == 1:
            self._time_after_first_step = now
        if self.verbose != 1 or self.mode == "plain":
            return False
        return now - self._last_update >= self.interval

    def add(self, n, values=None):
        """Advance by ``n`` steps."""
        self.update(self._seen + n, values)

    def _draw(self, current, now, per, finalize):
        fancy = self.mode != "plain"
        bar, info = (self._keras3 if self.style == "keras3" else self._keras2)(
            current, now, per, finalize, fancy)
        visible = len(_strip(bar)) + len(_strip(info))
        text = bar + info
        if self.mode == "terminal":
            text = "\b" * self._prev_width + "\r" + text
        elif self.mode == "notebook":
            text = "\r" + text
        if fancy and self._prev_width > visible:
            text += " " * (self._prev_width - visible)  # blank the rest of a longer line
        if finalize:
            text += "\n"
        self._write(text)
        self._prev_width = visible

    def _count(self, current):
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
        return f"{current:{digits}d}/{self.target}"

    def _keras3(self, current, now, per, finalize, fancy):
        bold, reset = (_BOLD, _RESET) if fancy else ("", "")
        bar = f"{bold}{self._count(current)}{reset} "
        if self.target is not None:
            filled = int(self.width * current / self.target) if self.target else self.width
            if filled > 0:
                bar += (_GREEN if fancy else "") + "━" * filled + reset
            bar += (_WHITE if fancy else "") + "━" * (self.width - filled) + reset
        if self.target is not None and not finalize:
            timing = format_eta(per * (self.target - current))
        else:
            timing = f"{now - self._start:.0f}s"
        info = f" {bold}{timing}{reset} {format_time_per_unit(per, self.unit_name)}"
        return bar, info + self._metrics_text(self._values)

    def _keras2(self, current, now, per, finalize, fancy):
        bar = self._count(current)
        if self.target is not None:
            filled = int(self.width * current / self.target) if self.target else self.width
            inner = ""
            if filled > 0:
                inner = "=" * (filled - 1) + (">" if current < self.target else "=")
            bar += " [" + inner + "." * (self.width - filled) + "]"
        if self.target is None or finalize:
            info = f" - {now - self._start:.0f}s {format_time_per_unit(per, self.unit_name)}"
        else:
            info = f" - ETA: {format_eta(per * (self.target - current))}"
        return bar, info + self._metrics_text(_keras2_order(self._values))

    def _epoch_line(self, current, now, per):
        if self.style == "keras2":
            # Keras 2: "32/32 - 0s - loss: 0.5000 - 52ms/epoch - 2ms/step"
            total = now - self._start
            return (f"{self._count(current)} - {total:.0f}s"
                    + self._metrics_text(_keras2_order(self._values), signed=False)
                    + f" - {format_time_per_unit(total, 'epoch')}"
                    + f" - {format_time_per_unit(per, self.unit_name)}")
        return (f"{self._count(current)} - {now - self._start:.0f}s - "
                f"{format_time_per_unit(per, self.unit_name)}"
                + self._metrics_text(self._values, signed=False))

    @staticmethod
    def _metrics_text(values, signed=True):
        parts = []
        for key, value in values.items():
            try:
                text = format_value(value, signed)
            except (TypeError, ValueError):
                text = str(value)
            parts.append(f" - {key}: {text}")
        return "".join(parts)

    def _write(self, text):
        stream = self.stream if self.stream is not None else sys.stdout
        stream.write(text)
        stream.flush()


def _keras2_order(values):
    """Keras 2 shows the loss first, then the metrics, then the same for validation."""
    train = [k for k in values if not k.startswith("val_")]
    val = [k for k in values if k.startswith("val_")]
    keys = sorted(train, key=lambda k: k != "loss") + sorted(val, key=lambda k: k != "val_loss")
    return {k: values[k] for k in keys}


def _strip(text):
    """Drop the ANSI escapes, to measure the visible width."""
    for code in (_BOLD, _RESET, _GREEN, _WHITE):
        text = text.replace(code, "")
    return text
