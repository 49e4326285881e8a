"""Deterministic synthetic data and initial weights shared by every benchmarked system.

Images are sparse "digit-like" strokes: a few line segments sampled as points, accumulated into
a pixel grid, blurred with a 3x3 box and clipped to [0, 1], then stored as uint8 like MNIST.
Everything comes from fixed NumPy seeds, so every system (and every run) sees the same bytes.

- W1 (the seed network, 400-25-15-1): 20x20 images; labels 0/1 from a fixed random teacher
  network, thresholded at its median so the classes are balanced.
- W2 (784-512-256-10): 28x28 images of 10 classes; each class is a fixed set of strokes (its
  "glyph"), and every image is its class's glyph with jittered end points plus one stray stroke.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

CACHE_DIR = Path(__file__).resolve().parent / "results" / "cache"

# Layer sizes and activations of the two benchmark networks (Keras order: kernel then bias).
NETWORKS = {
    "seed": {"sizes": (400, 25, 15, 1), "activations": ("sigmoid", "sigmoid", "sigmoid")},
    "mlp": {"sizes": (784, 512, 256, 10), "activations": ("relu", "relu", "linear")},
}

SEED_X1, SEED_X2, SEED_WEIGHTS = 1234, 5678, 42
_SAMPLES_PER_STROKE = 24


def _render(p0: np.ndarray, p1: np.ndarray, side: int, widths: np.ndarray) -> np.ndarray:
    """Rasterize strokes p0 -> p1 (shape (n, k, 2), pixel units) into (n, side*side) uint8."""
    n, k, _ = p0.shape
    t = np.linspace(0.0, 1.0, _SAMPLES_PER_STROKE, dtype=np.float32)
    pts = p0[:, :, None, :] + (p1 - p0)[:, :, None, :] * t[None, None, :, None]
    ij = np.clip(np.rint(pts).astype(np.int64), 0, side - 1)
    # Each sample deposits ink proportional to the stroke width; strokes overlap additively.
    ink = np.broadcast_to(widths[:, :, None], (n, k, _SAMPLES_PER_STROKE)).ravel()
    flat = (np.arange(n)[:, None, None] * side * side + ij[..., 0] * side + ij[..., 1]).ravel()
    img = np.bincount(flat, weights=ink, minlength=n * side * side)
    img = img.astype(np.float32).reshape(n, side, side)
    # A 3x3 box blur (from shifted adds) gives soft stroke edges like scanned digits.
    pad = np.pad(img, ((0, 0), (1, 1), (1, 1)))
    blur = pad[:, 0:side, 0:side].copy()
    for i, j in [(i, j) for i in range(3) for j in range(3)][1:]:
        blur += pad[:, i : i + side, j : j + side]
    blur *= 255.0 * 2.5 * (2 * side) / (_SAMPLES_PER_STROKE * 81)
    np.clip(blur, 0.0, 255.0, out=blur)
    blur += 0.5
    return blur.astype(np.uint8).reshape(n, side * side)


def _strokes(rng: np.random.Generator, n: int, k: int, side: int) -> tuple:
    """Draw n images' worth of k random strokes inside the central area of a side x side grid."""
    lo, hi = 0.15 * side, 0.85 * side
    p0 = rng.uniform(lo, hi, size=(n, k, 2)).astype(np.float32)
    p1 = rng.uniform(lo, hi, size=(n, k, 2)).astype(np.float32)
    widths = rng.uniform(0.6, 1.4, size=(n, k)).astype(np.float32)
    return p0, p1, widths


def make_w1(rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Return W1's (x uint8 (rows, 400), y float32 (rows, 1)) for the first `rows` images."""
    rng = np.random.default_rng(SEED_X1)
    n_total = max(rows, 5000)  # one pool: W1's 1,000 rows are the first rows of W1-5k's 5,000
    p0, p1, widths = _strokes(rng, n_total, 3, 20)
    x = _render(p0, p1, 20, widths)
    teacher = np.random.default_rng(SEED_X1 + 1)
    w_h = teacher.normal(0.0, 1.0 / 20.0, size=(400, 8))
    w_o = teacher.normal(0.0, 1.0, size=(8,))
    score = np.tanh((x.astype(np.float64) / 255.0 - 0.1) @ w_h * 4.0) @ w_o
    y = (score > np.median(score)).astype(np.float32).reshape(-1, 1)
    return x[:rows], y[:rows]


def make_w2(rows: int = 60000) -> tuple[np.ndarray, np.ndarray]:
    """Return W2's (x uint8 (rows, 784), y int64 (rows,)): 10 glyph classes, jittered strokes."""
    rng = np.random.default_rng(SEED_X2)
    glyph0, glyph1, _ = _strokes(rng, 10, 3, 28)  # the fixed strokes of each class
    y = rng.integers(0, 10, size=rows, dtype=np.int64)
    jitter0 = rng.normal(0.0, 1.6, size=(rows, 3, 2)).astype(np.float32)
    jitter1 = rng.normal(0.0, 1.6, size=(rows, 3, 2)).astype(np.float32)
    s0, s1, stray_w = _strokes(rng, rows, 1, 28)
    p0 = np.concatenate([glyph0[y] + jitter0, s0], axis=1)
    p1 = np.concatenate([glyph1[y] + jitter1, s1], axis=1)
    widths = np.concatenate(
        [rng.uniform(0.8, 1.3, size=(rows, 3)).astype(np.float32), 0.7 * stray_w], axis=1
    )
    return _render(p0, p1, 28, widths), y


def ensure_cached(workload: str, rows: int, cache_dir: str | Path | None = None) -> Path:
    """Generate and cache a workload's data unless already cached; return the cache file."""
    path = _cache_path(workload, rows, cache_dir)
    if not path.exists():
        load(workload, rows, cache_dir)
    return path


def _cache_path(workload: str, rows: int, cache_dir: str | Path | None) -> Path:
    """Where a workload's uint8 data for `rows` rows is cached."""
    return (Path(cache_dir) if cache_dir is not None else CACHE_DIR) / f"{workload}_{rows}.npz"


def load(workload: str, rows: int | None = None, cache_dir: str | Path | None = None) -> dict:
    """Return {'x': float32 in [0, 1], 'y': labels} for 'W1' or 'W2', cached as uint8 .npz."""
    if workload not in ("W1", "W2"):
        raise ValueError(f"load: workload must be 'W1' or 'W2', received workload={workload!r}")
    rows = rows if rows is not None else (1000 if workload == "W1" else 60000)
    path = _cache_path(workload, rows, cache_dir)
    if path.exists():
        with np.load(path) as f:
            xu8, y = f["x"], f["y"]
    else:
        xu8, y = make_w1(rows) if workload == "W1" else make_w2(rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, x=xu8, y=y)
        tmp.replace(path)
    x = np.empty(xu8.shape, dtype=np.float32)
    np.multiply(xu8, np.float32(1.0 / 255.0), out=x)
    del xu8
    return {"x": x, "y": y}


def init_weights(network: str) -> list[np.ndarray]:
    """Glorot-uniform kernels (in, out) and zero biases, float32, from a fixed seed, Keras order."""
    sizes = NETWORKS[network]["sizes"]
    rng = np.random.default_rng(SEED_WEIGHTS)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append(rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32))
        weights.append(np.zeros(fan_out, dtype=np.float32))
    return weights
