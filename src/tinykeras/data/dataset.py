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
from tinykeras.backend import global_rng, usable_cores
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
        structure = _from_input(tensors)
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
        structure = _from_input(tensors)
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
        values, scalar = range(*args), np.dtype(dtype).type  # lazy: range(10**9) is fine
        return Dataset(lambda: map(scalar, values), len(values))

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
        return Dataset(lambda: (_from_input(e) for e in generator(*call_args)))

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
            return map(_stack, _chunks(self, size, drop_remainder))

        return Dataset(make, _batched_cardinality(self._cardinality, size, drop_remainder))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batch elements of different shapes, padding each component at the end of its axes.

        Args:
            batch_size: elements per batch (the last may be short unless ``drop_remainder``).
            padded_shapes: per component, the shape to pad to (an int is one axis; ``None`` or
                -1 for an axis pads it to the longest in the batch); None pads every axis so.
            padding_values: the fill, one scalar for all components or one per component;
                None fills with 0 (False for booleans, "" for strings).

        >>> ds = Dataset.range(1, 5).map(lambda x: np.full([x], x)).padded_batch(2)
        >>> [b.tolist() for b in ds]
        [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
        """
        who = "Dataset.padded_batch"
        size = check.check_int("batch_size", batch_size, low=1, who=who)
        check.check_bool("drop_remainder", drop_remainder, who=who)

        def make():
            for chunk in _chunks(self, size, drop_remainder):
                yield _pad_structure(chunk, padded_shapes, padding_values)

        return Dataset(make, _batched_cardinality(self._cardinality, size, drop_remainder))

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Group elements into windows, each a small ``Dataset`` (a structure of them for tuple
        or dict elements), as TensorFlow: window ``k`` holds the elements at ``k * shift +
        i * stride`` for ``i < size``; without ``drop_remainder`` the last windows are short.

        >>> ds = Dataset.range(7).window(3, shift=2, drop_remainder=True)
        >>> [w.batch(3).as_numpy_iterator().__next__().tolist() for w in ds]
        [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
        """
        who = "Dataset.window"
        size = check.check_int("size", size, low=1, who=who)
        shift = size if shift is None else check.check_int("shift", shift, low=1, who=who)
        stride = check.check_int("stride", stride, low=1, who=who)
        check.check_bool("drop_remainder", drop_remainder, who=who)
        span = stride * (size - 1) + 1  # input elements one full window covers

        def make():
            # The sliding buffer of TensorFlow's WindowDataset: fill it to `span`, emit every
            # `stride`-th element, then drop `shift` elements (reading past the buffer when the
            # shift is larger than it). Short windows come only once the input is exhausted.
            it = iter(self)
            buffer, exhausted = [], False
            while True:
                if not exhausted:
                    buffer.extend(itertools.islice(it, span - len(buffer)))
                    exhausted = len(buffer) < span
                if not buffer or (drop_remainder and len(buffer) < span):
                    return
                yield _combine(buffer[::stride][:size], _window_component)
                if shift >= len(buffer):
                    if not exhausted:
                        skipped = sum(1 for _ in itertools.islice(it, shift - len(buffer)))
                        exhausted = skipped < shift - len(buffer)
                    buffer = []
                else:
                    buffer = buffer[shift:]

        n = self._cardinality
        if n is not None:
            n = max(n - span, -1) // shift + 1 if drop_remainder else -(-n // shift)
        return Dataset(make, n)

    def interleave(self, map_func, cycle_length=None, block_length=1, num_parallel_calls=None,
                   deterministic=None, name=None):
        """Map each element to a dataset and mix them: ``cycle_length`` of them are open at
        once and read round-robin, ``block_length`` elements at a time, in TensorFlow's order
        (an exhausted one is replaced by the next input element's dataset in its slot).

        ``cycle_length=None`` (or AUTOTUNE) means the number of CPU cores, as TensorFlow. The
        datasets are always read in the caller's thread, so ``num_parallel_calls`` does not
        change the order; ``deterministic=False`` is accepted and gives the same order.

        >>> ds = Dataset.range(1, 4).interleave(
        ...     lambda x: Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=2)
        >>> [int(v) for v in ds]
        [1, 1, 2, 2, 1, 2, 3, 3, 3]
        """
        who = "Dataset.interleave"
        check.check_callable("map_func", map_func, who=who)
        if cycle_length is None or cycle_length == AUTOTUNE:
            cycle = usable_cores()  # TensorFlow's default cycle length
        else:
            cycle = check.check_int("cycle_length", cycle_length, low=1, who=who)
        block = check.check_int("block_length", block_length, low=1, who=who)
        if num_parallel_calls is not None:
            check.check_int("num_parallel_calls", num_parallel_calls, low=AUTOTUNE, who=who)
            if num_parallel_calls == 0:
                raise check.refuse(who, "num_parallel_calls", "a positive integer or AUTOTUNE",
                                   num_parallel_calls)
        if deterministic is not None:
            check.check_bool("deterministic", deterministic, who=who)

        def make():
            # TensorFlow's InterleaveDataset loop: a slot that runs dry is closed and the turn
            # passes on; an empty slot is refilled from the input and read in the same turn.
            inputs = iter(self)
            slots = [None] * cycle
            index = taken = opened = 0
            input_done = False
            while not input_done or opened:
                if slots[index] is not None:
                    value = next(slots[index], _END)
                    if value is not _END:
                        taken += 1
                        if taken == block:
                            index, taken = (index + 1) % cycle, 0
                        yield value
                        continue
                    slots[index] = None
                    opened -= 1
                    index, taken = (index + 1) % cycle, 0
                elif not input_done:
                    element = next(inputs, _END)
                    if element is _END:
                        input_done = True
                    else:
                        slots[index] = iter(_call_for_dataset(map_func, element, who))
                        opened += 1
                else:
                    index, taken = (index + 1) % cycle, 0

        return Dataset(make)

    def flat_map(self, map_func, name=None):
        """Map each element to a dataset and chain their elements, in order."""
        who = "Dataset.flat_map"
        check.check_callable("map_func", map_func, who=who)

        def make():
            for element in self:
                yield from _call_for_dataset(map_func, element, who)

        return Dataset(make)

    def concatenate(self, dataset, name=None):
        """The elements of this dataset, then those of ``dataset``."""
        if not isinstance(dataset, Dataset):
            raise check.refuse("Dataset.concatenate", "dataset", "a Dataset", dataset,
                               "Wrap arrays first: Dataset.from_tensor_slices(array)",
                               kind=InvalidTypeError)
        sizes = (self._cardinality, dataset._cardinality)
        n = None if None in sizes else sum(sizes)
        return Dataset(lambda: itertools.chain(self, dataset), n)

    def reduce(self, initial_state, reduce_func, name=None):
        """Fold the elements into one value: ``state = reduce_func(state, element)``.

        >>> int(Dataset.range(5).reduce(np.int64(0), lambda total, x: total + x))
        10
        """
        check.check_callable("reduce_func", reduce_func, who="Dataset.reduce")
        state = _map(_to_array, initial_state)
        for element in self:
            state = _map(_to_array, reduce_func(state, element))
        return state

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
            return _map(_to_array, _call_on(map_func, element))

        return Dataset(lambda: (apply(e) for e in self), self._cardinality)

    def filter(self, predicate, name=None):
        """Keep the elements for which ``predicate`` is true."""
        check.check_callable("predicate", predicate, who="Dataset.filter")
        return Dataset(lambda: (e for e in self if _truth(predicate, e, "Dataset.filter")))

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

    def take_while(self, predicate, name=None):
        """The elements up to (not including) the first for which ``predicate`` is false."""
        check.check_callable("predicate", predicate, who="Dataset.take_while")
        return Dataset(lambda: itertools.takewhile(
            lambda e: _truth(predicate, e, "Dataset.take_while"), self))

    def shard(self, num_shards, index, name=None):
        """Every ``num_shards``-th element, starting at ``index`` (one worker's share).

        >>> [int(v) for v in Dataset.range(10).shard(num_shards=3, index=1)]
        [1, 4, 7]
        """
        who = "Dataset.shard"
        num_shards = check.check_int("num_shards", num_shards, low=1, who=who)
        index = check.check_int("index", index, low=0, high=num_shards - 1, who=who)
        n = self._cardinality
        n = None if n is None else max(n - index + num_shards - 1, 0) // num_shards
        return Dataset(lambda: itertools.islice(iter(self), index, None, num_shards), n)

    def unique(self, name=None):
        """The elements in first-seen order without repeats (scalar integers or strings, as
        in TensorFlow)."""
        def make():
            seen = set()
            for element in self:
                value = element if isinstance(element, np.ndarray) else np.asarray(element)
                if isinstance(element, (tuple, dict)) or value.ndim or value.dtype.kind not in (
                        "iuUSb"):
                    raise InvalidArgumentError(
                        "Dataset.unique: elements must be scalar integers or strings, as in "
                        f"TensorFlow. Received an element {check.show(element)}. Map each "
                        "element to one such key first.")
                key = value.item()
                if key not in seen:
                    seen.add(key)
                    yield element

        return Dataset(make)

    def apply(self, transformation_func):
        """``transformation_func(self)``: a reusable chain of transformations."""
        check.check_callable("transformation_func", transformation_func, who="Dataset.apply")
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise InvalidTypeError(
                "Dataset.apply: `transformation_func` must return a Dataset. It returned "
                f"{check.show(out)} of type {type(out).__name__}.")
        return out

    def get_single_element(self, name=None):
        """The one element of a dataset that has exactly one."""
        it = iter(self)
        first = next(it, _END)
        if first is _END:
            raise InvalidArgumentError(
                "Dataset.get_single_element: the dataset is empty; it must have exactly one "
                "element.")
        if next(it, _END) is not _END:
            raise InvalidArgumentError(
                "Dataset.get_single_element: the dataset has more than one element; it must "
                "have exactly one. Batch it first, e.g. ds.batch(n).get_single_element().")
        return first

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


def _from_input(structure):
    """Input data as elements: tuples and dicts are structure, anything else (a Python list
    too, as ``tf.data`` reads ``from_tensor_slices([1, 2, 3])``) becomes one array."""
    if isinstance(structure, tuple):
        return tuple(_from_input(s) for s in structure)
    if isinstance(structure, dict):
        return {k: _from_input(v) for k, v in structure.items()}
    if isinstance(structure, list):
        try:
            return np.asarray([_to_array(item) for item in structure])
        except ValueError:  # ragged: NumPy cannot make one array of it
            shapes = [np.shape(_to_array(item)) for item in structure]
            raise InvalidArgumentError(
                "Dataset: a Python list is read as one array, as TensorFlow reads it, but its "
                f"items have different shapes {shapes}. For features and labels pass a tuple: "
                "Dataset.from_tensor_slices((x, y)).") from None
    return _to_array(structure)


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
    return _combine(elements, np.stack)


_END = object()  # what next() returns for an exhausted iterator


def _combine(elements, leaf):
    """Apply ``leaf(arrays)`` per component of a list of elements of one structure."""
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_combine([e[i] for e in elements], leaf) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _combine([e[k] for e in elements], leaf) for k in first}
    return leaf(elements)


def _pad_structure(elements, shapes, values, path=()):
    """``padded_batch`` of one batch: ``shapes`` follows the element structure (None: every
    component to its longest), ``values`` too or is one scalar for all components."""
    first = elements[0]
    if not isinstance(first, (tuple, dict)):
        return _pad_component(elements, shapes, values, path)
    keys = list(first) if isinstance(first, dict) else range(len(first))
    parts = {k: _pad_structure([e[k] for e in elements], _part(shapes, k, first, path, True),
                               _part(values, k, first, path, False), path + (k,))
             for k in keys}
    return parts if isinstance(first, dict) else tuple(parts.values())


def _part(structure, key, element, path, strict):
    """The entry of ``padded_shapes``/``padding_values`` for component ``key`` of ``element``."""
    if structure is None:
        return None
    name = "padded_shapes" if strict else "padding_values"
    if isinstance(element, dict):
        if isinstance(structure, dict) and key in structure and len(structure) == len(element):
            return structure[key]
    elif isinstance(structure, (tuple, list)) and len(structure) == len(element):
        return structure[key]
    if not strict and not isinstance(structure, (tuple, list, dict)):
        return structure  # one padding value for every component
    where = " at component " + "".join(f"[{k!r}]" for k in path) if path else ""
    kind = f"a dict with keys {list(element)}" if isinstance(element, dict) else (
        f"a tuple of {len(element)} entries")
    raise check.refuse("Dataset.padded_batch", name, f"{kind}{where}, matching the elements",
                       structure)


def _path_name(path):
    """How an error names a component: ``the elements of component [0]['a']``."""
    return "the elements" + (" of component " + "".join(f"[{k!r}]" for k in path)
                             if path else "")


def _pad_component(arrays, shape, value, path):
    """Stack ``arrays`` into one batch, padding each at the end of its axes to ``shape``."""
    who = "Dataset.padded_batch"
    where = _path_name(path)
    ranks = sorted({a.ndim for a in arrays})
    if len(ranks) > 1:
        raise InvalidArgumentError(
            f"{who}: {where} have different ranks {ranks} in one batch "
            f"(shapes {sorted({a.shape for a in arrays})}). Padding extends axes, it cannot add "
            "them: give them all the same number of axes.")
    longest = tuple(np.max([a.shape for a in arrays], axis=0)) if ranks[0] else ()
    target = longest
    if shape is not None:
        dims = _as_padded_shape(shape, where)
        if len(dims) != ranks[0]:
            raise InvalidArgumentError(
                f"{who}: the padded shape {shape!r} for {where} has {len(dims)} axes, "
                f"but they have {ranks[0]} (shape {arrays[0].shape}). Give one size (or None) "
                "per axis.")
        for axis, (want, have) in enumerate(zip(dims, longest)):
            if want is not None and want < have:
                raise InvalidArgumentError(
                    f"{who}: {where} include one of size {have} on axis {axis}, "
                    f"larger than its padded shape {list(dims)}: padding cannot shrink it. "
                    "Pass a larger padded shape, or None for that axis to pad to the longest.")
        target = tuple(have if want is None else want for want, have in zip(dims, longest))
    dtype = np.result_type(*arrays)
    if value is None:
        fill = "" if dtype.kind in "US" else (False if dtype.kind == "b" else 0)
    else:
        fill = _to_array(value)
        if fill.ndim != 0 or (fill.dtype.kind in "US") != (dtype.kind in "US"):
            raise check.refuse(who, "padding_values",
                               f"a scalar of the type of {where} ({dtype})", value)
    out = np.full((len(arrays),) + target, fill, dtype=dtype)
    for i, a in enumerate(arrays):
        out[(i,) + tuple(slice(0, d) for d in a.shape)] = a
    return out


def _as_padded_shape(shape, where):
    """A padded shape as a tuple of ints and None (-1 also means "the longest")."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    ok = isinstance(dims, (tuple, list)) and all(
        d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= -1)
        for d in dims)
    if not ok:
        raise check.refuse("Dataset.padded_batch", "padded_shapes",
                           f"a shape (a list of sizes, None or -1 for 'the longest') for "
                           f"{where}", shape)
    return tuple(None if d is None or d == -1 else int(d) for d in dims)


def _window_component(elements):
    values = list(elements)
    return Dataset(lambda: iter(values), len(values))


def _chunks(dataset, size, drop_remainder):
    """Lists of ``size`` consecutive elements of ``dataset`` (the last one shorter, or left
    out with ``drop_remainder``)."""
    it = iter(dataset)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk or (drop_remainder and len(chunk) < size):
            return
        yield chunk


def _batched_cardinality(n, size, drop_remainder):
    if n is None:
        return None
    return n // size if drop_remainder else -(-n // size)


def _call_on(fn, element):
    """``fn`` applied to a dataset element as TensorFlow does: a tuple's parts as arguments."""
    return fn(*element) if isinstance(element, tuple) else fn(element)


def _truth(predicate, element, who):
    """``predicate`` called as ``map`` calls its function, as one Python bool."""
    flag = np.asarray(_call_on(predicate, element))
    if flag.size != 1:
        raise InvalidArgumentError(
            f"{who}: `predicate` must return one boolean per element. It returned an array "
            f"of shape {flag.shape}. Reduce it, e.g. with tf.reduce_all(...).")
    return bool(flag)


def _call_for_dataset(map_func, element, who):
    """Call ``map_func`` as ``map`` does and check it returned a Dataset."""
    out = _call_on(map_func, element)
    if not isinstance(out, Dataset):
        raise InvalidTypeError(
            f"{who}: `map_func` must return a Dataset, as TensorFlow requires. It returned "
            f"{check.show(out)} of type {type(out).__name__}. To map elements to values use "
            "Dataset.map; to make a dataset of one value use Dataset.from_tensors(value).")
    return out


