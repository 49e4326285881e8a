"""tf.data's padded_batch, window, interleave, flat_map, concatenate and reduce.

The expected outputs are TensorFlow's own documented examples (the tf.data.Dataset API pages
and tf.raw_ops.WindowDataset), written out by hand: TensorFlow does not run here.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinykeras as tk
from tinykeras.data import Dataset
from tinykeras.errors import InvalidArgumentError, InvalidTypeError


def ints(ds):
    """A dataset of scalars as a list of Python ints."""
    return [int(v) for v in ds]


def lists(ds):
    return [b.tolist() for b in ds]


def _filled():
    """TensorFlow's example A: [1], [2, 2], [3, 3, 3], [4, 4, 4, 4]."""
    return Dataset.range(1, 5).map(lambda x: np.full([x], x))


# -- padded_batch --------------------------------------------------------------------------------
def test_padded_batch_pads_to_the_longest_in_each_batch():
    assert lists(_filled().padded_batch(2)) == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]


def test_padded_batch_to_a_fixed_size_with_a_value():
    assert lists(_filled().padded_batch(2, padded_shapes=5)) == [
        [[1, 0, 0, 0, 0], [2, 2, 0, 0, 0]], [[3, 3, 3, 0, 0], [4, 4, 4, 4, 0]]]
    assert lists(_filled().padded_batch(2, padded_shapes=5, padding_values=-1)) == [
        [[1, -1, -1, -1, -1], [2, 2, -1, -1, -1]], [[3, 3, 3, -1, -1], [4, 4, 4, 4, -1]]]


def test_padded_batch_pads_components_independently():
    elements = [([1, 2, 3], [10]), ([4, 5], [11, 12])]
    ds = Dataset.from_generator(lambda: iter(elements)).padded_batch(
        2, padded_shapes=([4], [None]), padding_values=(-1, 100))
    (first, second), = list(ds)
    assert first.tolist() == [[1, 2, 3, -1], [4, 5, -1, -1]]
    assert second.tolist() == [[10, 100], [11, 12]]


def test_padded_batch_one_value_for_every_component():
    batches = list(Dataset.zip((_filled(), _filled())).padded_batch(2, padding_values=-1))
    for a, b in batches:
        assert a.tolist() == b.tolist()
    assert [a.tolist() for a, _ in batches] == [[[1, -1], [2, 2]],
                                                [[3, 3, 3, -1], [4, 4, 4, 4]]]


def test_padded_batch_dicts_2d_strings_bools_and_drop_remainder():
    ds = Dataset.from_generator(lambda: iter([
        {"m": np.ones((1, 2)), "s": np.array(["a"]), "b": np.array([True])},
        {"m": np.ones((2, 1)), "s": np.array(["bb", "c"]), "b": np.array([True, True])},
        {"m": np.ones((1, 1)), "s": np.array(["d"]), "b": np.array([True])}]))
    batches = list(ds.padded_batch(2, drop_remainder=True))
    assert len(batches) == 1
    batch = batches[0]
    assert batch["m"].shape == (2, 2, 2) and batch["m"].sum() == 4
    assert batch["m"][0].tolist() == [[1, 1], [0, 0]]
    assert batch["s"].tolist() == [["a", ""], ["bb", "c"]]
    assert batch["b"].tolist() == [[True, False], [True, True]]
    assert ds.padded_batch(2).cardinality() == -2
    assert _filled().padded_batch(3).cardinality() == 2
    assert _filled().padded_batch(3, drop_remainder=True).cardinality() == 1


@pytest.mark.parametrize("kwargs, match", [
    ({"padded_shapes": 2}, "include one of size 4 on axis 0, larger than its padded shape"),
    ({"padded_shapes": [4, 4]}, "has 2 axes, but they have 1"),
    ({"padded_shapes": ["x"]}, "`padded_shapes`"),
    ({"padding_values": [0, 1]}, "`padding_values` must be a scalar"),
])
def test_padded_batch_refuses_shapes_and_values_that_do_not_fit(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        list(_filled().padded_batch(4, **kwargs))


def test_padded_batch_refuses_a_structure_that_does_not_match():
    pairs = Dataset.zip((_filled(), _filled()))
    with pytest.raises(InvalidArgumentError, match="`padded_shapes` must be a tuple of 2"):
        list(pairs.padded_batch(2, padded_shapes=[5]))
    with pytest.raises(InvalidArgumentError, match="different ranks"):
        list(Dataset.from_generator(lambda: iter([np.ones(2), np.ones((2, 2))])).padded_batch(2))


# -- window --------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, expected", [
    ((3,), [[0, 1, 2], [3, 4, 5], [6]]),
    ((2,), [[0, 1], [2, 3], [4, 5], [6]]),
    ((3, None, 1, True), [[0, 1, 2], [3, 4, 5]]),
    ((3, 2, 1, True), [[0, 1, 2], [2, 3, 4], [4, 5, 6]]),
    ((3, 1, 2, True), [[0, 2, 4], [1, 3, 5], [2, 4, 6]]),
    # Without drop_remainder TensorFlow keeps sliding until the input is used up, emitting
    # short windows at the end (WindowDataset's buffer logic); a shift past the window skips.
    ((3, 2), [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]),
    ((3, 1, 2), [[0, 2, 4], [1, 3, 5], [2, 4, 6], [3, 5], [4, 6], [5], [6]]),
    ((2, 3), [[0, 1], [3, 4], [6]]),
    ((2, 3, 1, True), [[0, 1], [3, 4]]),
    ((8, 1, 1, True), []),
])
def test_window_matches_tensorflow(args, expected):
    ds = Dataset.range(7).window(*args)
    windows = list(ds)
    assert all(isinstance(w, Dataset) for w in windows)
    assert [ints(w) for w in windows] == expected
    assert ds.cardinality() == len(expected)
    assert [w.cardinality() for w in windows] == [len(e) for e in expected]


def test_window_of_tuples_and_dicts_gives_structures_of_datasets():
    ds = Dataset.from_tensor_slices(([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])).window(2)
    assert [(ints(a), ints(b)) for a, b in ds] == [([1, 2], [6, 7]), ([3, 4], [8, 9]),
                                                   ([5], [10])]
    ds = Dataset.from_tensor_slices({"a": [1, 2, 3], "b": [4, 5, 6], "c": [7, 8, 9]}).window(2)
    assert [{k: ints(v) for k, v in w.items()} for w in ds] == [
        {"a": [1, 2], "b": [4, 5], "c": [7, 8]}, {"a": [3], "b": [6], "c": [9]}]


def test_window_then_flat_map_batch_is_a_sliding_window():
    ds = Dataset.range(6).window(3, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(3))
    assert lists(ds) == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    pairs = Dataset.from_tensor_slices((np.arange(4), np.arange(4) * 10)).window(
        2, drop_remainder=True).flat_map(lambda x, y: Dataset.zip((x.batch(2), y.batch(2))))
    assert [(a.tolist(), b.tolist()) for a, b in pairs] == [([0, 1], [0, 10]), ([2, 3], [20, 30])]


def test_window_reads_the_input_lazily():
    ds = Dataset.range(10**9).window(3, shift=2)  # an endless-looking input
    first = next(iter(ds))
    assert ints(first) == [0, 1, 2]


def test_windowed_time_series_trains_a_model():
    """The TensorFlow time-series tutorial's pipeline: sliding windows of a series, the last
    value of each the target, batched and shuffled into fit."""
    tk.utils.set_random_seed(3)
    t = np.arange(600, dtype="float32")
    series = np.sin(t / 8.0) + 0.05 * np.random.default_rng(0).standard_normal(600)
    width = 12
    ds = (Dataset.from_tensor_slices(series.astype("float32"))
          .window(width + 1, shift=1, drop_remainder=True)
          .flat_map(lambda w: w.batch(width + 1))
          .map(lambda w: (w[:-1], w[-1:]))
          .shuffle(1000, seed=1).batch(32).prefetch(1))
    assert ds.cardinality() == -2  # flat_map cannot know its size, as in TensorFlow
    model = tk.Sequential([tk.layers.Input((width,)), tk.layers.Dense(16, activation="tanh"),
                           tk.layers.Dense(1)])
    model.compile(optimizer=tk.optimizers.Adam(0.01), loss="mse")
    history = model.fit(ds, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.25 * losses[0]
    assert losses[-1] < 0.05 * series.var()  # far better than predicting the mean
    x = np.stack([series[i:i + width] for i in range(600 - width)])
    y = series[width:]
    mse = float(np.mean((model.predict(x, verbose=0)[:, 0] - y) ** 2))
    assert mse < 0.02


# -- interleave ----------------------------------------------------------------------------------
def test_interleave_matches_tensorflow_example():
    ds = Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(6),
                                        cycle_length=2, block_length=4)
    assert ints(ds) == ([1] * 4 + [2] * 4 + [1] * 2 + [2] * 2 + [3] * 4 + [4] * 4 + [3] * 2
                        + [4] * 2 + [5] * 4 + [5] * 2)


def test_interleave_uneven_lengths_and_empty_datasets():
    # Element x maps to x copies of x; 0 maps to an empty dataset, which just passes the turn.
    ds = Dataset.from_tensor_slices([3, 0, 1, 2]).interleave(
        lambda x: Dataset.from_tensors(x).repeat(int(x)), cycle_length=2)
    # slot0: 3 | slot1: 0 (empty: closed, turn passes) | slot0: 3 | slot1: opens 1 -> 1 |
    # slot0: 3 | slot1: 1 done | slot0: 3 done | slot1: opens 2 -> 2 | slot0 empty, input done |
    # slot1: 2
    assert ints(ds) == [3, 3, 1, 3, 2, 2]
    assert ints(Dataset.range(3).interleave(lambda x: Dataset.range(2), cycle_length=1)) == [
        0, 1, 0, 1, 0, 1]


def test_interleave_of_files_like_the_tf_guide():
    """The tf.data guide's use: one dataset per source, read a few at a time, tuple elements."""
    sources = {0: np.arange(0, 4), 1: np.arange(10, 13), 2: np.arange(20, 22)}
    ds = Dataset.from_tensor_slices((np.arange(3), np.array([4, 3, 2]))).interleave(
        lambda i, n: Dataset.from_tensor_slices(sources[int(i)][:int(n)]),
        cycle_length=3, block_length=2, num_parallel_calls=tk.data.AUTOTUNE, deterministic=True)
    assert ints(ds) == [0, 1, 10, 11, 20, 21, 2, 3, 12]


def test_interleave_default_cycle_length_is_the_cpu_count(monkeypatch):
    from tinykeras.data import dataset as module
    monkeypatch.setattr(module, "usable_cores", lambda: 2)
    ds = Dataset.range(3).interleave(lambda x: Dataset.from_tensors(x).repeat(2))
    assert ints(ds) == [0, 1, 0, 1, 2, 2]


def test_interleave_and_flat_map_refuse_a_function_that_returns_no_dataset():
    with pytest.raises(InvalidTypeError, match="`map_func` must return a Dataset.*from_tensors"):
        list(Dataset.range(3).interleave(lambda x: x * 2, cycle_length=1))
    with pytest.raises(InvalidTypeError, match="Dataset.flat_map: `map_func` must return"):
        list(Dataset.range(3).flat_map(lambda x: [x]))


# -- flat_map, concatenate, reduce -----------------------------------------------------------------
def test_flat_map_concatenate_reduce():
    ds = Dataset.from_tensor_slices([[1, 2, 3], [4, 5, 6]]).flat_map(Dataset.from_tensor_slices)
    assert ints(ds) == [1, 2, 3, 4, 5, 6]
    joined = Dataset.range(1, 4).concatenate(Dataset.range(4, 8))
    assert ints(joined) == [1, 2, 3, 4, 5, 6, 7] and joined.cardinality() == 7
    assert int(Dataset.range(5).reduce(np.int64(0), lambda x, _: x + 1)) == 5
    assert int(Dataset.range(5).reduce(np.int64(0), lambda x, y: x + y)) == 10
    total, count = Dataset.from_tensor_slices((np.arange(4.0), np.ones(4))).reduce(
        (0.0, 0), lambda state, element: (state[0] + element[0], state[1] + element[1]))
    assert float(total) == 6.0 and int(count) == 4


def test_from_tensor_slices_reads_python_lists_as_arrays():
    assert ints(Dataset.from_tensor_slices([1, 2, 3])) == [1, 2, 3]
    assert lists(Dataset.from_tensor_slices([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]
    # As TensorFlow: a list of two same-shape arrays is one array of two elements.
    assert len(list(Dataset.from_tensor_slices([np.ones((4, 1)), np.zeros((4, 1))]))) == 2


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 30), size=st.integers(1, 6), shift=st.integers(1, 8),
       stride=st.integers(1, 4), drop_remainder=st.booleans())
def test_window_matches_the_definition_for_any_arguments(n, size, shift, stride,
                                                         drop_remainder):
    """TensorFlow's definition, written directly: window k starts at element k * shift and
    holds every stride-th element after it, up to size of them; windows start while the
    input lasts, and drop_remainder keeps only the full ones."""
    expected = []
    for start in range(0, n, shift):
        window = [i for i in range(start, start + stride * size, stride) if i < n]
        if len(window) == size or not drop_remainder:
            expected.append(window)
    ds = Dataset.range(n).window(size, shift, stride, drop_remainder)
    assert [ints(w) for w in ds] == expected
    assert ds.cardinality() == len(expected)


# -- take_while, shard, unique, apply, get_single_element (TensorFlow's documented examples) ------
def test_take_while_shard_unique_apply_get_single_element():
    assert ints(Dataset.range(10).take_while(lambda x: x < 5)) == [0, 1, 2, 3, 4]
    shards = [Dataset.range(10).shard(num_shards=3, index=i) for i in range(3)]
    assert [ints(s) for s in shards] == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    assert [s.cardinality() for s in shards] == [4, 3, 3]
    assert ints(Dataset.from_tensor_slices([1, 37, 2, 37, 2, 1]).unique()) == [1, 37, 2]
    assert [str(s) for s in Dataset.from_tensor_slices(["b", "a", "b"]).unique()] == ["b", "a"]
    evens = Dataset.range(100).apply(lambda ds: ds.filter(lambda x: x % 2 == 0).take(3))
    assert ints(evens) == [0, 2, 4]
    assert Dataset.from_tensors(np.array([1, 2])).get_single_element().tolist() == [1, 2]
    x, y = Dataset.from_tensor_slices((np.ones((4, 2)), np.arange(4))).batch(
        4).get_single_element()
    assert x.shape == (4, 2) and y.tolist() == [0, 1, 2, 3]


# -- keras.utils.timeseries_dataset_from_array (Keras's documented examples) ---------------------
def test_timeseries_dataset_keras_example_1_indices():
    ds = tk.utils.timeseries_dataset_from_array(np.arange(99), None, sequence_length=10,
                                                sampling_rate=2, sequence_stride=3,
                                                batch_size=None)
    sequences = lists(ds)
    assert sequences[:3] == [list(range(0, 19, 2)), list(range(3, 22, 2)),
                             list(range(6, 25, 2))]
    assert sequences[-1] == list(range(78, 97, 2))  # the next would run past index 98
    assert len(sequences) == ds.cardinality() == 27


def test_timeseries_dataset_keras_example_2_regression_targets():
    data = np.arange(100.0)
    ds = tk.utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    x, y = next(iter(ds))
    assert x.shape == (81, 10) and y.shape == (81,)
    np.testing.assert_array_equal(x[0], data[:10])
    assert y[0] == data[10] and y[-1] == data[90]


def test_timeseries_dataset_indices_batches_and_shuffle():
    data = np.arange(50).reshape(25, 2)
    ds = tk.utils.timeseries_dataset_from_array(data, np.arange(25) * 10, sequence_length=3,
                                                start_index=5, end_index=20, batch_size=4)
    batches = list(ds)
    assert [len(y) for _, y in batches] == [4, 4, 4, 1] and ds.cardinality() == 4
    x0, y0 = batches[0]
    assert x0.shape == (4, 3, 2) and x0[0].tolist() == data[5:8].tolist()
    assert y0.tolist() == [50, 60, 70, 80]  # targets[start_index + i]
    assert batches[-1][0][-1].tolist() == data[17:20].tolist()  # nothing from end_index on

    def starts(seed):
        ds = tk.utils.timeseries_dataset_from_array(np.arange(40), None, sequence_length=4,
                                                    batch_size=5, shuffle=True, seed=seed)
        return [int(s[0]) for b in ds for s in b]

    assert starts(3) == starts(3) and sorted(starts(3)) == list(range(37))
    assert starts(3) != list(range(37))


def test_timeseries_dataset_trains_a_forecaster():
    tk.utils.set_random_seed(5)
    t = np.arange(500, dtype="float32")
    series = np.sin(t / 6.0).astype("float32")
    ds = tk.utils.timeseries_dataset_from_array(series[:-8], series[8:], sequence_length=8,
                                                batch_size=32, shuffle=True, seed=0)
    model = tk.Sequential([tk.layers.Input((8,)), tk.layers.Dense(16, activation="tanh"),
                           tk.layers.Dense(1)])
    model.compile(optimizer=tk.optimizers.Adam(0.01), loss="mse")
    losses = model.fit(ds, epochs=6, verbose=0).history["loss"]
    assert losses[-1] < 0.1 * losses[0] and losses[-1] < 0.02
