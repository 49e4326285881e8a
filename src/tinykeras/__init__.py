"""tinykeras: the Keras workflow for dense neural networks on NumPy."""

__version__ = "0.1.0"
