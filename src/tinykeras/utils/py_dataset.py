"""``PyDataset``: a sequence of batches for data that does not fit in memory."""


class PyDataset:
    """Base class for a data set served batch by batch, as Keras's ``keras.utils.PyDataset``.

    Subclass it and define ``__len__`` (the number of batches) and ``__getitem__(index)``
    (returning ``(x, y)`` or ``(x, y, sample_weight)`` for batch ``index``); optionally
    ``on_epoch_end`` (e.g. to reshuffle files) and ``on_epoch_begin``. ``fit`` visits the
    batches in a new random order each epoch when ``shuffle=True``.

    ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted for Keras
    compatibility; batches are loaded in the training thread, one at a time.

    >>> import numpy as np
    >>> class Squares(PyDataset):
    ...     def __len__(self):
    ...         return 3
    ...     def __getitem__(self, i):
    ...         x = np.arange(4.0)[:, None] + 4 * i
    ...         return x, x ** 2
    >>> len(Squares()), Squares()[1][1].ravel().tolist()
    (3, [16.0, 25.0, 36.0, 49.0])
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self):
        """The number of workers asked for (batches are loaded in the training thread)."""
        return getattr(self, "_workers", 1)

    def __getitem__(self, index):
        """Return batch ``index``: ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(
            f"{type(self).__name__} must define `__getitem__(self, index)` returning a batch."
        )

    def __len__(self):
        """Return the number of batches per epoch."""
        raise NotImplementedError(
            f"{type(self).__name__} must define `__len__(self)`, the number of batches."
        )

    @property
    def num_batches(self):
        """The number of batches (``len(self)``), or None when it is not defined."""
        try:
            return len(self)
        except NotImplementedError:
            return None

    def on_epoch_begin(self):
        """Called before each epoch."""

    def on_epoch_end(self):
        """Called after each epoch (e.g. to reshuffle)."""


Sequence = PyDataset  # the Keras 2 name
