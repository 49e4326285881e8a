"""Generate ``src/tinykeras/datasets/digits01.npz``: handwritten 0s and 1s as 20x20 images.

Run once, with scikit-learn installed (only this script needs it):

    python scripts/make_digits.py            # writes the .npz and prints its sha256
    python scripts/make_digits.py --out DIR  # writes DIR/digits01.npz instead

Source: scikit-learn's ``load_digits()``, a copy of the test set (1,797 images) of the UCI
"Optical Recognition of Handwritten Digits" data set (E. Alpaydin and C. Kaynak, 1998,
https://doi.org/10.24432/C50P49, CC BY 4.0). See ``docs/data.md``.

Transformation, in sklearn's order:
1. keep the images whose target is 0 or 1 (178 zeros and 182 ones: 360 images);
2. resize each 8x8 image (integers 0..16) to 20x20 by bilinear interpolation with
   half-pixel centres: output pixel ``d`` samples source coordinate
   ``s = (d + 0.5) * 8 / 20 - 0.5``, clamped to ``[0, 7]`` (the border pixels are
   extended), and interpolates linearly between ``floor(s)`` and ``floor(s) + 1``, first
   along rows and then along columns; computed in float64. This is the convention of
   ``torch.nn.functional.interpolate(mode="bilinear", align_corners=False)`` (checked equal
   to 1e-13), OpenCV's INTER_LINEAR and ``tf.image.resize(..., "bilinear")``;
3. divide by 16 and clip to ``[0, 1]``;
4. unroll each 20x20 image column by column (Fortran order), like the course's ``X.npy``,
   so that ``X[i].reshape((20, 20)).T`` shows the digit upright;
5. store ``X`` as float32 of shape (360, 400) and ``y`` as uint8 of shape (360, 1) with
   ``np.savez_compressed`` (which writes a fixed zip timestamp, so the output is the same
   on every run).
"""

import argparse
import hashlib
from pathlib import Path

import numpy as np

from tinykeras.datasets.digits import interpolation_matrix, resize_bilinear  # noqa: F401

SIZE_IN, SIZE_OUT = 8, 20
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "tinykeras" / "datasets"


def make_digits01(images8: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)`` from sklearn's 8x8 images (values 0..16) and targets."""
    keep = (target == 0) | (target == 1)
    images20 = resize_bilinear(images8[keep], SIZE_OUT)
    images20 = np.clip(images20 / 16.0, 0.0, 1.0)
    # img.T.reshape(-1) is the column-by-column (Fortran-order) unrolling of img.
    X = images20.transpose(0, 2, 1).reshape(len(images20), SIZE_OUT * SIZE_OUT)
    y = target[keep].astype(np.uint8).reshape(-1, 1)
    return X.astype(np.float32), y


def arrays_sha256(X: np.ndarray, y: np.ndarray) -> str:
    """Return the sha256 of X's bytes followed by y's bytes (C order), independent of zlib."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(X).tobytes())
    digest.update(np.ascontiguousarray(y).tobytes())
    return digest.hexdigest()


def main(argv=None) -> None:
    """Load sklearn's digits, transform them and write ``digits01.npz``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)

    from sklearn.datasets import load_digits  # only this script needs scikit-learn

    digits = load_digits()
    X, y = make_digits01(digits.images, digits.target)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "digits01.npz"
    np.savez_compressed(path, X=X, y=y)
    # All ten classes, as 8x8 integer images: datasets.load_digits resizes them on loading.
    np.savez_compressed(args.out / "digits.npz", images=digits.images.astype(np.uint8),
                        target=digits.target.astype(np.uint8))
    counts = {int(k): int(v) for k, v in zip(*np.unique(y, return_counts=True), strict=True)}
    print(f"wrote {path}: X {X.shape} {X.dtype}, y {y.shape} {y.dtype}, counts {counts}")
    print(f"arrays sha256 {arrays_sha256(X, y)}")
    print(f"file sha256   {hashlib.sha256(path.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
