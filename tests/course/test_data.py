"""``tf.data`` on NumPy: Dataset transformations, iteration and the CSV reader."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinykeras as tf
from tinykeras.data import Dataset


def _rows(ds):
    return [tuple(np.asarray(c).tolist() for c in e) if isinstance(e, tuple)
            else np.asarray(e).tolist() for e in ds]


def test_slices_batch_take_skip_repeat_unbatch():
    x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    assert len(ds) == 5 and ds.cardinality() == 5
    batches = list(ds.batch(2))
    assert [b[0].shape for b in batches] == [(2, 2), (2, 2), (1, 2)]
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert len(ds.batch(2, drop_remainder=True)) == 2
    assert [e[1].tolist() for e in ds.skip(1).take(2)] == [1, 2]
    assert [e[1].tolist() for e in ds.take(2).repeat(2)] == [0, 1, 0, 1]
    assert len(ds.take(2).repeat(3)) == 6
    assert _rows(ds.batch(3).unbatch()) == _rows(ds)
    assert [int(e) for e in Dataset.range(3)] == [0, 1, 2]


def test_shuffle_is_a_seeded_permutation_and_reshuffles_each_epoch():
    ds = Dataset.from_tensor_slices(np.arange(100)).shuffle(100)
    tf.random.set_seed(3)
    first, second = [int(v) for v in ds], [int(v) for v in ds]
    assert sorted(first) == list(range(100)) and first != second
    tf.random.set_seed(3)
    assert [int(v) for v in ds] == first
    small = [int(v) for v in Dataset.from_tensor_slices(np.arange(50)).shuffle(4)]
    assert sorted(small) == list(range(50)) and small != list(range(50))
    fixed = Dataset.from_tensor_slices(np.arange(20)).shuffle(
        20, seed=1, reshuffle_each_iteration=False)
    assert [int(v) for v in fixed] == [int(v) for v in fixed]


def test_map_filter_cache_prefetch_and_dicts():
    ds = Dataset.from_tensor_slices({"a": np.arange(4.0), "b": np.ones(4)})
    doubled = ds.map(lambda e: {"a": e["a"] * 2, "b": e["b"]})
    assert [float(e["a"]) for e in doubled] == [0.0, 2.0, 4.0, 6.0]
    pairs = Dataset.from_tensor_slices((np.arange(6.0), np.arange(6)))
    assert [int(y) for _, y in pairs.filter(lambda x, y: y % 2 == 0)] == [0, 2, 4]
    # map receives tuple elements as arguments and may return tinykeras Tensors
    mapped = pairs.map(lambda x, y: (tf.math.square(x), y)).prefetch(tf.data.AUTOTUNE)
    assert [float(x) for x, _ in mapped] == [0.0, 1.0, 4.0, 9.0, 16.0, 25.0]
    calls = []

    def spy(x):
        calls.append(1)
        return x

    cached = Dataset.from_tensor_slices(np.arange(3)).map(spy).cache()
    assert [int(v) for v in cached] == [int(v) for v in cached] == [0, 1, 2]
    assert len(calls) == 3


def test_from_tensor_slices_refuses_ragged_components():
    with pytest.raises(ValueError, match="same length"):
        Dataset.from_tensor_slices((np.ones(3), np.ones(4)))


def test_csv_dataset_reads_the_course_file_with_header_defaults_and_columns(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x1,x2,label\n1.5,2,1\n3.0,,0\n")
    ds = tf.data.experimental.CsvDataset(str(path), [tf.float32, [7.0], tf.int32], header=True)
    rows = list(ds)
    assert [float(r[0]) for r in rows] == [1.5, 3.0]
    assert [float(r[1]) for r in rows] == [2.0, 7.0]  # the empty field took its default
    assert rows[0][0].dtype == np.float32 and rows[0][2].dtype == np.int32
    only = tf.data.experimental.CsvDataset(path, [tf.float64], header=True, select_cols=[0])
    assert [float(r[0]) for r in only] == [1.5, 3.0]
    with pytest.raises(ValueError, match="no default"):
        list(tf.data.experimental.CsvDataset(path, [tf.float32] * 3, header=True))


def test_csv_dataset_on_a_course_style_csv_matches_numpy(tmp_path):
    from course_data import COURSE

    # The course's data_w3_ex2.csv layout: 3 comma-separated columns written by np.savetxt.
    written = tmp_path / "data_w3_ex2.csv"
    rng = np.random.default_rng(0)
    np.savetxt(written, np.c_[rng.uniform(1000, 3000, (200, 2)), rng.integers(0, 2, 200)],
               delimiter=",")
    paths = [written]
    course = COURSE / "C2W3_Lab_01_Model_Evaluation_and_Selection" / "data_w3_ex2.csv"
    if course.exists():  # on the project machines, the course's own file too
        paths.append(course)
    for path in paths:
        expected = np.loadtxt(path, delimiter=",")
        ds = tf.data.experimental.CsvDataset(str(path), [tf.float64] * 3)
        features = ds.map(lambda a, b, c: (tf.stack([a, b]), c)).batch(64)
        xs, ys = zip(*features)
        np.testing.assert_array_equal(np.concatenate(xs), expected[:, :2])
        np.testing.assert_array_equal(np.concatenate(ys), expected[:, 2])


def test_fit_evaluate_predict_take_a_batched_dataset():
    X, y = tf.datasets.make_blobs(200, centers=[[-2, 0], [2, 0]], random_state=0)
    train = tf.data.Dataset.from_tensor_slices((X, y)).shuffle(200).batch(32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=tf.keras.optimizers.Adam(0.05),
                  metrics=["accuracy"])
    history = model.fit(train, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, accuracy = model.evaluate(train, verbose=0)
    assert accuracy > 0.95
    pred = model.predict(tf.data.Dataset.from_tensor_slices(X).batch(50), verbose=0)
    assert pred.shape == (200, 1)
    np.testing.assert_allclose(pred, model.predict(X, verbose=0), rtol=1e-5)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 40), batch=st.integers(1, 12), drop=st.booleans(),
       buffer=st.integers(1, 50), seed=st.integers(0, 2**31))
def test_shuffled_batches_hold_every_row_once_and_agree_with_len(n, batch, drop, buffer, seed):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    ds = Dataset.from_tensor_slices((x, np.arange(n))).shuffle(buffer, seed=seed).batch(
        batch, drop_remainder=drop)
    batches = list(ds)
    assert len(batches) == len(ds)
    assert all(len(b[1]) == batch for b in batches[:-1] if batches)
    seen = np.concatenate([b[1] for b in batches]) if batches else np.array([], int)
    expected = n - n % batch if drop else n
    assert len(seen) == expected and len(set(seen.tolist())) == expected
    for xb, yb in batches:  # rows stay paired with their labels through the shuffle
        np.testing.assert_array_equal(xb, x[yb])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 30), take=st.integers(-1, 35), skip=st.integers(0, 35),
       times=st.integers(1, 3))
def test_take_skip_repeat_match_list_slicing(n, take, skip, times):
    ds = Dataset.range(n).skip(skip).take(take).repeat(times)
    rows = list(range(n))[skip:]
    rows = rows if take < 0 else rows[:take]
    assert [int(v) for v in ds] == rows * times
    assert len(ds) == len(rows) * times
