"""``PyDataset``: a sequence of batches for data that does not fit in memory."""


class PyDataset:
    """Base class for a data set served batch by batch, as Keras's ``keras.utils.PyDataset``.

    Subclass it and define ``__len__`` (the number of batches) and ``__getitem__(index)``
    (returning ``(x, y)`` or ``(x, y, sample_weight)`` for batch ``index``); optionally
    ``on_epoch_end`` (e.g. to reshuffle files) and ``on_epoch_begin``. ``fit`` visits the
    batches in a new random order each epoch when ``shuffle=True``.

    ``workers=N`` (N > 1) loads batches ahead in N worker threads, or in N processes with
    ``use_multiprocessing=True`` (then also with N = 1, as Keras), at most ``max_queue_size``
    batches ahead, in order; an error in ``__getitem__`` is raised in the training thread with
    the batch index, and the workers end with each pass, with ``fit``, an early stop or Ctrl-C
    (``utils/prefetch.py``). With the default ``workers=1`` batches load in the training
    thread. Call ``super().__init__(**kwargs)`` in your ``__init__`` to pass them.

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
        """The number of loader workers (1: batches load in the training thread)."""
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        """Load batches in worker processes instead of threads."""
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        """The most batches loaded ahead of training (10)."""
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

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
