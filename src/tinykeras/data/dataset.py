"""``Dataset``: TensorFlow's ``tf.data.Dataset`` pipeline on NumPy arrays.

A dataset is a recipe for an iterator: each method returns a new dataset that wraps the one
before (``from_tensor_slices(...).shuffle(100).batch(32)``), and every ``iter()`` starts the
recipe afresh, so each epoch of ``fit`` gets a new shuffle. Elements are NumPy arrays, or
tuples and dicts of them; ``batch`` stacks elements along a new first axis. A batched dataset
of ``(x, y)`` pairs is what ``fit``/``evaluate``/``predict`` consume as a batch source.
"""

import itertools

import numpy as np

from tinykeras.autodiff import Tensor
from tinykeras.backend import global_rng
from tinykeras.errors import InvalidArgumentError, InvalidTypeError
from tinykeras.utils import validation as check

AUTOTUNE = -1


class Dataset:
    """A re-iterable pipeline of elements (arrays, or tuples/dicts of arrays).

    >>> ds = Dataset.from_tensor_slices((np.arange(5.0), np.arange(5))).batch(2)
    >>> [y.tolist() for _, y in ds]
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, make_iterator, cardinality=None):
        self._make_iterator = make_iterator  # () -> a fresh iterator over the elements
        self._cardinality = cardinality  # the number of elements when known, else None

    # -- sources ---------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row: slices ``tensors`` (an array, tuple or dict) along axis 0."""
        structure = _map(_to_array, tensors)
        sizes = {len(a) if a.ndim else -1 for a in _flatten(structure)}
        if len(sizes) != 1 or -1 in sizes:
            shapes = [a.shape for a in _flatten(structure)]
            raise InvalidArgumentError(
                "Dataset.from_tensor_slices: every component needs the same length along its "
                f"first axis. Received shapes {shapes}."
            )
        n = sizes.pop()
        return Dataset(lambda: (_map(lambda a, i=i: a[i], structure) for i in range(n)), n)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of exactly one element: ``tensors`` itself."""
        structure = _map(_to_array, tensors)
        return Dataset(lambda: iter([structure]), 1)

    @staticmethod
    def range(*args, dtype="int64", name=None):
        """The integers of ``range(*args)`` as 0-d arrays."""
        if not 1 <= len(args) <= 3:
            raise InvalidArgumentError(
                f"Dataset.range takes 1 to 3 integers (stop, or start, stop[, step]), as "
                f"Python's range. Received {len(args)} arguments.")
        for i, arg in enumerate(args):
            check.check_int(f"args[{i}]", arg, who="Dataset.range")
        if len(args) == 3 and args[2] == 0:
            raise InvalidArgumentError("Dataset.range: `step` must not be 0.")
        values = np.arange(*args).astype(dtype)
        return Dataset(lambda: iter(values), len(values))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """The elements a generator function yields (called anew for each iteration)."""
        if not callable(generator):
            raise InvalidTypeError(
                "Dataset.from_generator: argument `generator` must be a function that returns "
                "a generator: pass `gen`, not `gen()`. Received an object of type "
                f"{type(generator).__name__}."
            )
        call_args = tuple(args or ())
        return Dataset(lambda: (_map(_to_array, e) for e in generator(*call_args)))

    @staticmethod
    def zip(*datasets, name=None):
        """Tuples of the elements of ``datasets`` taken in step."""
        if len(datasets) == 1 and isinstance(datasets[0], (tuple, list)):
            datasets = tuple(datasets[0])
        for i, d in enumerate(datasets):
            if not isinstance(d, Dataset):
                raise InvalidTypeError(
                    f"Dataset.zip: argument {i} must be a Dataset. Received: {check.show(d)} of "
                    f"type {type(d).__name__}. Wrap arrays first: "
                    "Dataset.from_tensor_slices(array).")
        sizes = [d._cardinality for d in datasets]
        n = None if None in sizes else min(sizes)
        return Dataset(lambda: zip(*(iter(d) for d in datasets)), n)

    # -- transformations -------------------------------------------------------------------------
    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """Shuffle with a buffer of ``buffer_size`` elements (a full shuffle when it holds
        them all): each output is a random pick from the buffer, refilled from the input."""
        check.check_int("buffer_size", buffer_size, low=1, who="Dataset.shuffle")
        first = [None]

        def make():
            if seed is None:
                rng = global_rng()
            elif reshuffle_each_iteration or first[0] is None:
                rng = first[0] = np.random.default_rng(
                    seed if first[0] is None else first[0].integers(2**63))
            else:
                rng = np.random.default_rng(seed)
            return _buffer_shuffle(iter(self), int(buffer_size), rng)

        return Dataset(make, self._cardinality)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Stack consecutive elements into batches of ``batch_size`` (the last may be short)."""
        size = check.check_int("batch_size", batch_size, low=1, who="Dataset.batch")

        def make():
            it = iter(self)
            while True:
                chunk = list(itertools.islice(it, size))
                if not chunk or (drop_remainder and len(chunk) < size):
                    return
                yield _stack(chunk)

        n = self._cardinality
        if n is not None:
            n = n // size if drop_remainder else -(-n // size)
        return Dataset(make, n)

    def unbatch(self, name=None):
        """Split each batch back into its rows."""
        def make():
            for element in self:
                parts = _flatten(element)
                if any(np.ndim(a) == 0 for a in parts):
                    raise InvalidArgumentError(
                        "Dataset.unbatch: every element needs a batch axis to split, but this "
                        f"one holds a scalar (shapes {[np.shape(a) for a in parts]}). Unbatch "
                        "a batched dataset, e.g. ds.batch(4).unbatch().")
                for i in range(len(parts[0])):
                    yield _map(lambda a, i=i: a[i], element)

        return Dataset(make)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` to each element (a tuple element is passed as arguments)."""
        check.check_callable("map_func", map_func, who="Dataset.map")
        def apply(element):
            out = map_func(*element) if isinstance(element, tuple) else map_func(element)
            return _map(_to_array, out)

        return Dataset(lambda: (apply(e) for e in self), self._cardinality)

    def filter(self, predicate, name=None):
        """Keep the elements for which ``predicate`` is true."""
        check.check_callable("predicate", predicate, who="Dataset.filter")
        def keep(element):
            flag = predicate(*element) if isinstance(element, tuple) else predicate(element)
            return bool(np.asarray(flag))

        return Dataset(lambda: (e for e in self if keep(e)))

    def take(self, count, name=None):
        """The first ``count`` elements (all of them for -1)."""
        count = check.check_int("count", count, who="Dataset.take")
        if count < 0:
            return self
        n = count if self._cardinality is None else min(count, self._cardinality)
        return Dataset(lambda: itertools.islice(iter(self), count), n)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none of them for -1, as TensorFlow)."""
        count = check.check_int("count", count, who="Dataset.skip")
        if count < 0:  # TensorFlow: a negative count skips the whole dataset
            return Dataset(lambda: iter(()), 0)
        n = None if self._cardinality is None else max(self._cardinality - count, 0)
        return Dataset(lambda: itertools.islice(iter(self), count, None), n)

    def repeat(self, count=None, name=None):
        """The elements ``count`` times over (forever when None or -1)."""
        count = check.check_int("count", count, who="Dataset.repeat", allow_none=True)
        forever = count is None or count < 0

        def make():
            rounds = itertools.count() if forever else range(int(count))
            for _ in rounds:
                yield from self

        n = None if forever or self._cardinality is None else self._cardinality * int(count)
        return Dataset(make, n)

    def cache(self, filename="", name=None):
        """Remember the elements of the first complete pass and replay them afterwards."""
        store = []
        done = [False]

        def make():
            if done[0]:
                yield from store
                return
            store.clear()
            for element in self:
                store.append(element)
                yield element
            done[0] = True

        return Dataset(make, self._cardinality)

    def prefetch(self, buffer_size=AUTOTUNE, name=None):
        """Accepted for compatibility: NumPy pipelines run in the caller's thread."""
        check.check_int("buffer_size", buffer_size, low=AUTOTUNE, who="Dataset.prefetch")
        return self

    def enumerate(self, start=0, name=None):
        """Pairs ``(index, element)``."""
        return Dataset(lambda: ((np.int64(i), e) for i, e in enumerate(self, start)),
                       self._cardinality)

    # -- reading ---------------------------------------------------------------------------------
    def __iter__(self):
        return iter(self._make_iterator())

    def as_numpy_iterator(self):
        """Iterate over the elements (already NumPy arrays)."""
        return iter(self)

    def cardinality(self):
        """The number of elements, -2 when unknown, -1 when infinite (TensorFlow's codes)."""
        return -2 if self._cardinality is None else self._cardinality

    def __len__(self):
        if self._cardinality is None:
            raise InvalidTypeError("The length of this dataset is unknown (it was filtered or "
                            "comes from a generator).")
        return self._cardinality

    def __repr__(self):
        n = "unknown" if self._cardinality is None else self._cardinality
        return f"<Dataset elements={n}>"


def _buffer_shuffle(it, buffer_size, rng):
    buffer = list(itertools.islice(it, buffer_size))
    for element in it:
        i = rng.integers(len(buffer))
        yield buffer[i]
        buffer[i] = element
    order = rng.permutation(len(buffer))
    for i in order:
        yield buffer[i]


def _to_array(x):
    if isinstance(x, Tensor):
        return x.value
    return x if isinstance(x, np.ndarray) else np.asarray(x)


def _map(fn, structure):
    if isinstance(structure, tuple):
        return tuple(_map(fn, s) for s in structure)
    if isinstance(structure, list):
        return tuple(_map(fn, s) for s in structure)  # TF turns lists into tuples
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    return fn(structure)


def _flatten(structure):
    if isinstance(structure, (tuple, list)):
        return [a for s in structure for a in _flatten(s)]
    if isinstance(structure, dict):
        return [a for v in structure.values() for a in _flatten(v)]
    return [structure]


def _stack(elements):
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_stack([e[i] for e in elements]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elements]) for k in first}
    return np.stack(elements)
