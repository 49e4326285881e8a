"""``TensorBoard``: event files TensorBoard reads, written with the ``tensorboard`` package's
own event-file writer (no TensorFlow). ``pip install tinykeras[tensorboard]``."""

import os
import time

import numpy as np

from tinykeras.callbacks.base import Callback
from tinykeras.errors import InvalidArgumentError
from tinykeras.utils import validation as check


def _tensorboard():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as exc:
        raise ImportError(
            "The TensorBoard callback needs the `tensorboard` package (it writes the event "
            "files with tensorboard's own writer; TensorFlow is not needed). Install it with "
            "`pip install tensorboard` or `pip install tinykeras[tensorboard]`."
        ) from exc
    return EventFileWriter, event_pb2, summary_pb2


class TensorBoard(Callback):
    """Logs scalars (per epoch, optionally per batch), the learning rate and weight histograms.

    Runs go to ``log_dir/train`` and ``log_dir/validation``, with the tags Keras uses
    (``epoch_loss``, ``epoch_accuracy``, ``epoch_learning_rate``, ``batch_loss``...); view them
    with ``tensorboard --logdir log_dir``.

    Args:
        log_dir: the folder for the event files.
        histogram_freq: write weight histograms every this many epochs (0: never).
        write_graph, write_images, embeddings_freq, profile_batch: accepted for Keras
            compatibility; there is no graph, image or profiler output.
        update_freq: ``"epoch"``, ``"batch"`` or a number of batches between batch scalars.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        _tensorboard()  # fail at construction, with the install hint, not mid-training
        self.log_dir = check.check_path("log_dir", log_dir, who="TensorBoard")
        self.histogram_freq = int(histogram_freq)
        self.write_steps_per_second = write_steps_per_second
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, int) or update_freq <= 0):
            raise InvalidArgumentError(
                "TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive integer. "
                f"Received: update_freq={update_freq!r}"
            )
        self.update_freq = update_freq
        self._writers = {}
        self._global_step = 0
        self._epoch_start = None

    def _writer(self, run):
        if run not in self._writers:
            writer_cls, _, _ = _tensorboard()
            path = os.path.join(self.log_dir, run)
            os.makedirs(path, exist_ok=True)
            self._writers[run] = writer_cls(path)
        return self._writers[run]

    def _event(self, run, step, values):
        _, event_pb2, summary_pb2 = _tensorboard()
        summary = summary_pb2.Summary(value=values)
        self._writer(run).add_event(event_pb2.Event(wall_time=time.time(), step=int(step),
                                                    summary=summary))

    def _scalars(self, run, step, scalars):
        _, _, summary_pb2 = _tensorboard()
        values = [summary_pb2.Summary.Value(tag=tag, simple_value=float(v))
                  for tag, v in scalars.items()]
        if values:
            self._event(run, step, values)

    def on_train_begin(self, logs=None):
        """Open the writers."""
        self._global_step = 0
        self._writer("train")

    def on_epoch_begin(self, epoch, logs=None):
        """Start the epoch's clock (for steps per second)."""
        self._epoch_start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        """Write ``batch_*`` scalars every ``update_freq`` batches."""
        self._global_step += 1
        if self.update_freq == "epoch" or self._global_step % self.update_freq:
            return
        logs = logs if logs is not None else self.model._current_logs()
        self._scalars("train", self._global_step,
                      {f"batch_{k}": v for k, v in logs.items() if np.ndim(v) == 0})

    def on_epoch_end(self, epoch, logs=None):
        """Write ``epoch_*`` scalars (train and validation), the rate and the histograms."""
        logs = dict(logs or {})
        train = {f"epoch_{k}": v for k, v in logs.items() if not k.startswith("val_")}
        val = {f"epoch_{k[4:]}": v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and "epoch_learning_rate" not in train:
            train["epoch_learning_rate"] = float(optimizer.learning_rate.numpy())
        if self.write_steps_per_second and self._epoch_start is not None:
            steps = self.params.get("steps") or 0
            train["epoch_steps_per_second"] = steps / max(time.monotonic() - self._epoch_start,
                                                          1e-9)
        self._scalars("train", epoch, train)
        if val:
            self._scalars("validation", epoch, val)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _histograms(self, epoch):
        _, _, summary_pb2 = _tensorboard()
        values = []
        for layer in self.model.layers:
            for weight in layer.weights:
                tag = f"{layer.name}/{weight.name}/histogram"
                values.append(summary_pb2.Summary.Value(tag=tag, histo=_histogram(weight.numpy())))
        if values:
            self._event("train", epoch, values)

    def on_train_end(self, logs=None):
        """Flush and close the event files."""
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _histogram(values, bins=30):
    """A TensorBoard HistogramProto of ``values`` (bucket_limit holds each bucket's right edge)."""
    _, _, summary_pb2 = _tensorboard()
    values = np.asarray(values, dtype=np.float64).ravel()
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    return summary_pb2.HistogramProto(
        min=float(values.min()) if values.size else 0.0,
        max=float(values.max()) if values.size else 0.0,
        num=float(values.size), sum=float(values.sum()),
        sum_squares=float(np.dot(values, values)),
        bucket_limit=[float(e) for e in edges[1:]], bucket=[float(c) for c in counts],
    )
