"""Where ``fit``, ``evaluate`` and ``predict`` get their batches from.

``ArraySource``: arrays already validated and converted (the fast path: per-epoch shuffled
index batches, no copies of the whole data set). ``IterableSource``: anything that yields
batches ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``: a Python generator or
iterator, a re-iterable such as ``tinykeras.data.Dataset`` or a list of batches, or a
``PyDataset``-style sequence (``__len__``, ``__getitem__``, ``on_epoch_end``).
"""

import contextlib
import inspect
import itertools
import warnings

import numpy as np

from tinykeras.errors import InvalidArgumentError
from tinykeras.models import data
from tinykeras.utils import prefetch


def is_batch_source(x) -> bool:
    """Return True when ``x`` yields batches rather than being the data itself."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)):
        return False
    if hasattr(x, "__array__") or type(x).__module__.startswith("pandas"):
        return False  # array-likes (Tensors, DataFrames) are data
    if _is_sequence(x):
        return True
    return inspect.isgenerator(x) or hasattr(x, "__next__") or hasattr(x, "__iter__")


def _is_sequence(x) -> bool:
    # Keras's PyDataset contract; checked by duck typing so keras.utils.Sequence-like
    # classes from course code work too.
    return hasattr(x, "__getitem__") and hasattr(x, "__len__") and (
        hasattr(x, "on_epoch_end") or hasattr(x, "num_batches")
    )


def unpack(batch):
    """Split a batch into ``(x, y, sample_weight)`` as Keras does (missing parts are None)."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        return batch, None, None
    if len(batch) == 1:
        return batch[0], None, None
    if len(batch) == 2:
        return batch[0], batch[1], None
    if len(batch) == 3:
        return batch
    raise InvalidArgumentError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found a tuple of {len(batch)} elements."
    )


@contextlib.contextmanager
def closing(*sources):
    """Close the iterable sources among ``sources`` (their loader workers) on the way out,
    however the block ends: its end, an early stop, an exception, a KeyboardInterrupt."""
    try:
        yield
    finally:
        for source in sources:
            if isinstance(source, IterableSource):
                source.close()


class ArraySource:
    """Batches of in-memory arrays ``(x, y, sample_weight)``, shuffled per epoch."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle=False, rng=None, steps=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = rng
        # Index batches for one epoch: ``batches(n, batch_size, shuffle, rng)``; an MPI
        # strategy swaps in its own, which yields this rank's share of each batch.
        self.batches = data.epoch_batches
        n = data.num_batches(len(x), batch_size)
        self.num_batches = n if steps is None else min(n, int(steps))

    def epoch(self):
        """Yield one epoch's ``(x, y, sample_weight)`` batches."""
        x, y, sw = self.x, self.y, self.sample_weight
        batches = self.batches(len(x), self.batch_size, self.shuffle, self.rng)
        # Memory-mapped data (larger than memory, maybe): rows read from the file per batch,
        # converted to the model's dtype there, without keeping its pages resident.
        x, y, sw = data.row_reader(x), data.row_reader(y), data.row_reader(sw)
        if self.num_batches < data.num_batches(len(self.x), self.batch_size):
            batches = itertools.islice(batches, self.num_batches)
        # One loop per case: this runs once per training step, so no per-step conditionals.
        if sw is not None:
            for idx in batches:
                yield x[idx], y[idx], sw[idx]
        elif y is not None:
            for idx in batches:
                yield x[idx], y[idx], None
        else:
            for idx in batches:
                yield x[idx], None, None


class IterableSource:
    """Batches from a generator, an iterable or a PyDataset (see the module doc).

    With ``steps_per_epoch`` an epoch takes that many batches and the next epoch continues
    where it stopped (restarting the iterable when it is exhausted), as Keras does; without
    it an epoch is one full pass. A one-shot generator that runs dry stops training with
    Keras's "ran out of data" warning.
    """

    def __init__(self, source, steps_per_epoch=None, shuffle=False, rng=None, name="x"):
        if hasattr(source, "__len__") and not _is_sequence(source) and not hasattr(
            source, "__iter__"
        ):
            raise InvalidArgumentError(
                f"Argument `{name}` is not iterable: {type(source).__name__}"
            )
        self.source = source
        self.name = name
        self.sequence = _is_sequence(source)
        self.steps_per_epoch = None if steps_per_epoch is None else int(steps_per_epoch)
        self.shuffle = shuffle and shuffle != "batch"
        self.rng = rng
        self.num_batches = self._known_length()
        self.exhausted = False
        self._iterator = None
        self._pending = []

    def _known_length(self):
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        try:
            n = len(self.source)
        except TypeError:
            return None
        except ValueError as exc:  # Python's own check: __len__ returned a negative number
            raise InvalidArgumentError(
                f"Argument `{self.name}`: len() of the {type(self.source).__name__} failed "
                f"({exc}). Its __len__ must return the number of batches, an integer >= 0."
            ) from None
        return int(n) if n is not None and n >= 0 else None

    def _new_iterator(self):
        self.close()  # a pass still being prefetched (a restart) ends here
        if self.sequence:
            if hasattr(self.source, "on_epoch_begin"):
                self.source.on_epoch_begin()
            order = np.arange(len(self.source))
            if self.shuffle:
                order = self.rng.permutation(order)
            if prefetch.uses_workers(self.source):  # workers > 1: utils/prefetch.py
                return prefetch.Prefetcher(self.source, order)
            return (self.source[int(i)] for i in order)
        return iter(self.source)

    def close(self):
        """Stop the workers of a prefetched PyDataset pass, if any (no-op otherwise)."""
        if isinstance(self._iterator, prefetch.Prefetcher):
            self._iterator.close()

    def _end_of_pass(self):
        if self.sequence and hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()

    def peek(self):
        """Return the first batch without consuming it (to build the model from its shape)."""
        if not self._pending:
            if self._iterator is None:
                self._iterator = self._new_iterator()
            try:
                self._pending.append(next(self._iterator))
            except StopIteration:
                raise InvalidArgumentError(
                    "The data source yielded no batches. Expected a generator, dataset or "
                    "PyDataset that yields at least one `(x, y)` batch."
                ) from None
        return self._pending[0]

    def epoch(self):
        """Yield one epoch's raw batches."""
        steps = self.steps_per_epoch
        if self._iterator is None or (steps is None and not self._pending):
            self._iterator = self._new_iterator()
        if isinstance(self._iterator, prefetch.Prefetcher):
            self._iterator.start()
        seen = 0
        restarted = False
        while steps is None or seen < steps:
            if self._pending:
                batch = self._pending.pop()
            else:
                try:
                    batch = next(self._iterator)
                except StopIteration:
                    self._iterator = None
                    self._end_of_pass()
                    if seen == 0 and not restarted and not self._one_shot():
                        # The previous epoch ended exactly at the end of a pass: start anew.
                        self._iterator = self._new_iterator()
                        if isinstance(self._iterator, prefetch.Prefetcher):
                            self._iterator.start()
                        restarted = True
                        continue
                    if seen == 0 or steps is not None:
                        self._ran_out(empty=seen == 0)
                    elif self.num_batches is None:
                        self.num_batches = seen
                    return
            seen += 1
            yield batch

    def _one_shot(self) -> bool:
        """A generator or iterator can be iterated once; a Dataset or PyDataset restarts."""
        return not self.sequence and iter(self.source) is self.source

    def _ran_out(self, empty):
        # An empty epoch means a one-shot generator is spent: fit stops (as Keras does).
        self.exhausted = empty
        warnings.warn(
            "Your input ran out of data; interrupting training. Make sure that your dataset "
            "or generator can generate at least `steps_per_epoch * epochs` batches.",
            stacklevel=3,
        )
