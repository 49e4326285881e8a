"""Layers for categorical features: ``Embedding`` (learned vectors) and ``CategoryEncoding``
(one-hot, multi-hot or counts)."""

import warnings

import numpy as np

from tinykeras import constraints, initializers, regularizers
from tinykeras.autodiff.core import op
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer
from tinykeras.layers.normalization import deserialize_fields


def _indices(x, limit, who):
    """Integer indices from ``x``. Inputs reach layers as floatx (``fit`` converts ``x``, and
    so does ``Layer.__call__``); integers below 2**24 are exact in float32."""
    idx = np.asarray(x)
    if idx.dtype.kind == "f":
        if not np.all(np.isfinite(idx)) or np.any(idx != np.round(idx)):
            raise InvalidArgumentError(f"Layer '{who}' expects integer category indices; received "
                             "non-integer values.")
        idx = idx.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= limit):
        bad = int(idx.max()) if idx.max() >= limit else int(idx.min())
        raise InvalidArgumentError(
            f"Layer '{who}' received index {bad}, outside [0, {limit}). Indices must be below "
            f"the layer's input_dim/num_tokens={limit}."
        )
    return idx


@op
def embedding_lookup(embeddings, indices, who="embedding"):
    """Rows of ``embeddings`` at ``indices``; the vjp adds each output's gradient to its row."""
    idx = _indices(indices, embeddings.shape[0], who)
    out = embeddings[idx]

    def vjp(g, needs):
        grad = np.zeros_like(embeddings)
        # np.add.at accumulates repeated indices (a plain fancy assignment would keep one).
        np.add.at(grad, idx.reshape(-1), g.reshape(-1, embeddings.shape[1]))
        return grad, None

    return out, vjp


class Embedding(Layer):
    """Maps integer indices in ``[0, input_dim)`` to learned vectors of size ``output_dim``.

    Input ``(batch, ...)`` of indices; output ``(batch, ..., output_dim)``.

    >>> import numpy as np
    >>> Embedding(10, 3)(np.array([[1, 2]])).shape
    (1, 2, 3)
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 input_length=None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise InvalidArgumentError(
                    f"Embedding: `{name}` must be a positive integer. Received: "
                    f"{name}={value!r}"
                )
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)

    def build(self, input_shape):
        """Create ``embeddings`` of shape ``(input_dim, output_dim)``."""
        self.embeddings = self.add_weight((self.input_dim, self.output_dim),
                                          self.embeddings_initializer, name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True  # also when build() is called directly, as in Keras

    def call(self, inputs):
        """Look the indices up."""
        return embedding_lookup(self.embeddings, inputs, who=self.name)

    def compute_output_shape(self, input_shape):
        """Append ``output_dim``."""
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        """Return Keras's Embedding config."""
        return {
            **super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": None if self.embeddings_regularizer is None else
            regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": None if self.embeddings_constraint is None else
            constraints.serialize(self.embeddings_constraint),
            "activity_regularizer": None, "mask_zero": self.mask_zero,
        }

    @classmethod
    def from_config(cls, config):
        """Rebuild from a Keras config (newer keys Keras writes are dropped)."""
        config = {k: v for k, v in config.items()
                  if k not in ("quantization_config", "activity_regularizer", "lora_rank",
                               "lora_alpha")}
        return cls(**deserialize_fields(config))


@op
def category_encode(x, num_tokens=1, output_mode="multi_hot", dtype="float32", who="x"):
    """One-hot, multi-hot or count encoding of integer categories (not differentiable)."""
    idx = _indices(x, num_tokens, who)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if output_mode == "one_hot":
        if idx.ndim > 1 and idx.shape[-1] != 1:
            raise InvalidArgumentError(
                f"Layer '{who}' (CategoryEncoding, output_mode='one_hot') expects one index "
                f"per sample, shape (batch,) or (batch, 1). Received shape {idx.shape}."
            )
        idx = idx.reshape(idx.shape[0], 1) if idx.ndim > 1 else idx.reshape(-1, 1)
    elif idx.ndim == 1:
        idx = idx.reshape(-1, 1)
    out = np.zeros((idx.shape[0], num_tokens), dtype=dtype)
    rows = np.repeat(np.arange(idx.shape[0]), idx.shape[-1])
    if output_mode == "count":
        np.add.at(out, (rows, idx.reshape(-1)), 1)
    else:
        out[rows, idx.reshape(-1)] = 1
    return out, lambda g, needs: (None,)


class CategoryEncoding(Layer):
    """Encodes integer categories as ``(batch, num_tokens)`` vectors.

    ``output_mode``: ``"multi_hot"`` (1 for each category present), ``"one_hot"`` (one index
    per sample) or ``"count"`` (how often each appears).

    ``sparse=True``: Keras returns a sparse tensor there. NumPy has none, and every tinykeras
    layer after this one computes densely, so the output is the dense array with the same
    values (what Keras's sparse tensor holds); a warning says so once, at construction. The
    config keeps ``sparse=True``, so Keras files load and save unchanged.

    >>> import numpy as np
    >>> CategoryEncoding(4, output_mode="one_hot")(np.array([3, 0])).numpy()
    array([[0., 0., 0., 1.],
           [1., 0., 0., 0.]], dtype=float32)
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise InvalidArgumentError(
                "CategoryEncoding: unknown `output_mode`. Expected 'one_hot', 'multi_hot' or "
                f"'count'. Received: output_mode={output_mode!r}"
            )
        if num_tokens is None or int(num_tokens) <= 0:
            raise InvalidArgumentError(
                "CategoryEncoding: `num_tokens` must be a positive integer, the number of "
                f"categories. Received: num_tokens={num_tokens!r}"
            )
        if sparse:
            # Not silent: the values are Keras's, the memory is a dense array's.
            warnings.warn(
                f"CategoryEncoding '{self.name}': sparse=True gives a dense array in "
                "tinykeras (NumPy has no sparse tensors; the values are those of Keras's "
                "sparse output). It uses batch * num_tokens floats of memory; pass "
                "sparse=False to silence this.", stacklevel=2,
            )
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = bool(sparse)

    def call(self, inputs):
        """Encode."""
        return category_encode(inputs, num_tokens=self.num_tokens,
                               output_mode=self.output_mode, dtype=self.dtype, who=self.name)

    def compute_output_shape(self, input_shape):
        """``(batch, num_tokens)``."""
        return (input_shape[0], self.num_tokens)

    def get_config(self):
        """Return the base config plus ``num_tokens``, ``output_mode`` and ``sparse``."""
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": self.sparse}
