"""One module per benchmarked system, all with the same small interface.

Each module defines:

- ``NAME`` (the label in tables) and ``IMPORT`` (the statement timed for "import s");
- ``build(network, weights, loss) -> model`` from the shared initial weights (Keras order);
- ``fit(model, x, y, batch_size, epochs) -> (epoch_end_times, epoch_losses)``: no shuffle,
  ``time.perf_counter()`` taken at the end of each epoch (or each fit call, for the Keras-style
  systems, which fit the first epoch and the rest in two calls), and each epoch's mean loss
  (the batch-size-weighted mean of the batch losses, each taken before its update, as Keras);
- ``predict(model, x, batch_size) -> ndarray``;
- ``ROW_CALLS``: ``{"predict": f, "call": g}``, each ``f(model, row) -> ndarray`` for one row.

The driver (``benchmarks/child.py``) times these calls in a fresh process per system.
"""
