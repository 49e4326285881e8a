"""Write ``tests/data/keras_ops_names.txt``: the public names of ``keras.ops``, ``keras.ops.nn``
and ``keras.ops.linalg`` in the installed Keras (3.15.1 for the committed list).

Run: ``KERAS_BACKEND=jax python scripts/keras_ops_names.py``. The coverage test
(``tests/test_ops_coverage.py``) compares ``tinykeras.ops`` against this list.
"""

import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "keras_ops_names.txt"


def public(module) -> list:
    """The public attribute names of ``module``, sorted."""
    return sorted(n for n in dir(module) if not n.startswith("_"))


def main() -> None:
    """Write one ``namespace name`` pair per line, under a header naming the Keras version."""
    lines = [f"# keras {keras.__version__}: public names of keras.ops, keras.ops.nn, "
             "keras.ops.linalg (scripts/keras_ops_names.py)"]
    for namespace, module in (("ops", keras.ops), ("ops.nn", keras.ops.nn),
                              ("ops.linalg", keras.ops.linalg)):
        lines += [f"{namespace} {name}" for name in public(module)]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT} ({len(lines) - 1} names)")


if __name__ == "__main__":
    main()
