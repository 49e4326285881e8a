"""Tests for the bundled digits data set (tinykeras.datasets.load_digits01)."""

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tinykeras.datasets import load_digits01

# sha256 of X.tobytes() + y.tobytes() as scripts/make_digits.py wrote them (docs/data.md).
ARRAYS_SHA256 = "24e044f4f288c0abbba64cce5f184650e467b03dd07e7af7804d0ff63b7ec36e"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_digits.py"


@pytest.fixture(scope="module")
def digits():
    """Load the data set once for the whole module."""
    return load_digits01()


def _upright(row: np.ndarray) -> np.ndarray:
    """Undo the column-by-column unrolling, as the course notebooks do."""
    return row.reshape((20, 20)).T


def test_shapes_and_dtypes(digits):
    X, y = digits
    assert X.shape == (360, 400) and X.dtype == np.float32
    assert y.shape == (360, 1) and y.dtype == np.uint8


def test_values_lie_in_unit_interval_and_use_it(digits):
    X, _ = digits
    assert X.min() == 0.0
    assert X.max() <= 1.0
    assert X.max() > 0.99, "the brightest pixel should be close to full ink"


def test_label_counts(digits):
    _, y = digits
    assert set(np.unique(y)) == {0, 1}
    assert int((y == 0).sum()) == 178
    assert int((y == 1).sum()) == 182


def test_arrays_match_the_recorded_checksum(digits):
    X, y = digits
    digest = hashlib.sha256(X.tobytes() + y.tobytes()).hexdigest()
    assert digest == ARRAYS_SHA256, "digits01.npz changed; regenerate it or update the checksum"


def test_each_call_returns_fresh_arrays():
    X1, _ = load_digits01()
    X1[0, 0] = 123.0
    X2, _ = load_digits01()
    assert X2[0, 0] != 123.0


def test_layout_is_column_major_so_digits_stand_upright(digits):
    X, y = digits
    zeros = np.stack([_upright(r) for r in X[y[:, 0] == 0]]).mean(axis=0)
    ones = np.stack([_upright(r) for r in X[y[:, 0] == 1]]).mean(axis=0)
    # A zero is a ring: its centre is empty while the strokes left and right of it are inked.
    centre = zeros[8:12, 9:11].mean()
    sides = (zeros[8:12, 3:6].mean() + zeros[8:12, 14:17].mean()) / 2
    assert centre < 0.3 * sides, f"zero: centre {centre:.3f} vs ring {sides:.3f}"
    # A one is a vertical stroke: its ink spreads further over rows than over columns.
    # Unrolled row by row instead, the mean one would lie on its side and this would flip.
    rows, cols = np.indices(ones.shape)
    weights = ones / ones.sum()

    def spread(index):
        mean = (weights * index).sum()
        return np.sqrt((weights * (index - mean) ** 2).sum())

    assert spread(rows) > 1.5 * spread(cols), "the mean one is not upright"


def _load_script():
    spec = importlib.util.spec_from_file_location("make_digits", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_transformation_on_a_synthetic_image():
    # Needs no scikit-learn: the script's helpers are plain NumPy.
    md = _load_script()
    w = md.interpolation_matrix(8, 20)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    images = np.zeros((2, 8, 8))
    images[0, :, 3] = 16.0  # a vertical bar in column 3 of a "1"
    images[1] = 16.0  # a full image
    X, y = md.make_digits01(images, np.array([1, 0]))
    assert X.dtype == np.float32 and y.tolist() == [[1], [0]]
    np.testing.assert_array_equal(X[1], 1.0)
    bar = _upright(X[0])
    assert np.allclose(bar, bar[0]), "a vertical bar stays the same on every row"
    # Source column 3 sits at output coordinate (3 + 0.5) * 20 / 8 - 0.5 = 8.25.
    assert bar[0].argmax() == 8


def test_script_reproduces_the_bundled_file(tmp_path):
    # scikit-learn comes with the `test` extra, so CI always regenerates the file.
    md = _load_script()
    md.main(["--out", str(tmp_path)])
    with np.load(tmp_path / "digits01.npz", allow_pickle=False) as data:
        assert md.arrays_sha256(data["X"], data["y"]) == ARRAYS_SHA256
