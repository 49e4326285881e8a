"""Loading a ``PyDataset``'s batches ahead of training, in worker threads or processes.

``PyDataset(workers=N)`` with ``N > 1`` (or ``use_multiprocessing=True``, as Keras decides)
makes ``fit``/``evaluate``/``predict`` read its batches through a ``Prefetcher``: a pool of
``N`` workers calls ``dataset[i]`` for the next indices of the pass while the training thread
works on the current batch.

- **Order**: batches come out in the pass's order, whatever order the workers finish in.
- **Memory**: at most ``max_queue_size`` batches are requested ahead (loading or loaded and
  waiting); the next one is requested only when the training thread takes one.
- **Errors**: an exception in ``__getitem__`` is raised in the training thread, when that
  batch is due, with a note naming the batch index; the pool is shut down first.
- **Shutdown**: ``close()`` (end of the pass, of ``fit``, an early stop, an exception or a
  ``KeyboardInterrupt``) cancels the batches not started and waits for the ones being loaded,
  so no worker is left running. Worker processes ignore SIGINT: Ctrl-C is the training
  thread's to handle (``models/interrupts.py``).
- **Processes** (``use_multiprocessing=True``): a ``ProcessPoolExecutor`` with the platform's
  default start method (fork on Linux before Python 3.14, spawn on macOS and Windows). The
  dataset is sent to each worker once per pass (so ``on_epoch_end`` changes reach them); with
  spawn or forkserver it must be picklable and its class importable, and a refusal says so.
- The first batch of a pass asked for before ``start()`` (``fit`` peeks at it to build the
  model) is loaded in the calling thread, so no pool exists before training begins.
"""

import collections
import pickle
import signal
import weakref

from tinykeras.errors import InvalidArgumentError

# The start method for worker processes; None: the platform's default (tests set "spawn").
MP_START_METHOD = None
THREAD_PREFIX = "tinykeras-pydataset"

_WORKER_DATASET = None  # in a worker process: the dataset of the current pass


def _init_process(dataset):
    global _WORKER_DATASET
    _WORKER_DATASET = dataset
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the training process


def _load_in_process(index):
    return _WORKER_DATASET[index]


def uses_workers(dataset) -> bool:
    """True when ``dataset`` asks for worker threads or processes (Keras's rule)."""
    workers = _int_attr(dataset, "workers", 1)
    multiprocessing_ = bool(getattr(dataset, "use_multiprocessing", False))
    return workers > 1 or (workers > 0 and multiprocessing_)


def _int_attr(dataset, name, default):
    value = getattr(dataset, name, getattr(dataset, f"_{name}", default))
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"{type(dataset).__name__}.{name} must be an integer. Received: {name}={value!r}"
        ) from None


class Prefetcher:
    """An iterator over ``dataset[i] for i in order``, loaded ahead by a pool of workers."""

    def __init__(self, dataset, order):
        self.dataset = dataset
        self.order = iter([int(i) for i in order])
        self.workers = max(_int_attr(dataset, "workers", 1), 1)
        self.processes = bool(getattr(dataset, "use_multiprocessing", False))
        # Keras: a queue of size <= 0 is unbounded; here the pass's length bounds it.
        size = _int_attr(dataset, "max_queue_size", 10)
        self.ahead = size if size > 0 else float("inf")
        self.pending = collections.deque()  # (index, future), in the pass's order
        self.executor = None
        self._finalizer = None
        self.closed = False

    # -- lifecycle -------------------------------------------------------------------------
    def start(self):
        """Create the pool and request the first batches (idempotent)."""
        if self.executor is None and not self.closed:
            self.executor = self._new_executor()
            # If the iterator is dropped without close(), the pool still goes down.
            self._finalizer = weakref.finalize(self, self.executor.shutdown, wait=False,
                                               cancel_futures=True)
            self._fill()

    def _new_executor(self):
        # Imported here: multiprocessing and concurrent.futures cost ~10 ms, and only a
        # PyDataset with workers needs them (import tinykeras stays light).
        import multiprocessing
        from concurrent import futures

        if not self.processes:
            return futures.ThreadPoolExecutor(self.workers, thread_name_prefix=THREAD_PREFIX)
        context = multiprocessing.get_context(MP_START_METHOD)
        if context.get_start_method() != "fork":
            try:
                pickle.dumps(self.dataset)
            except Exception as exc:
                raise InvalidArgumentError(
                    f"{type(self.dataset).__name__} (use_multiprocessing=True): the dataset must "
                    f"be picklable to reach worker processes started with "
                    f"{context.get_start_method()!r}, but pickling failed: {exc}. Define the "
                    "class in an importable module (not a notebook cell) and keep open files "
                    "or locks out of its attributes, or pass use_multiprocessing=False to load "
                    "batches in threads."
                ) from exc
        return futures.ProcessPoolExecutor(self.workers, mp_context=context,
                                           initializer=_init_process,
                                           initargs=(self.dataset,))

    def close(self):
        """Cancel the batches not started, wait for those being loaded, end the workers."""
        self.closed = True
        while self.pending:
            self.pending.popleft()[1].cancel()
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self._finalizer.detach()
            self.executor = None

    # -- iteration -------------------------------------------------------------------------
    def _fill(self):
        while len(self.pending) < self.ahead:
            index = next(self.order, None)
            if index is None:
                return
            if self.processes:
                future = self.executor.submit(_load_in_process, index)
            else:
                future = self.executor.submit(self.dataset.__getitem__, index)
            self.pending.append((index, future))

    def __iter__(self):
        return self

    def __next__(self):
        if self.closed:
            raise StopIteration
        if self.executor is None:  # not started: load in this thread (fit's first peek)
            index = next(self.order, None)
            if index is None:
                self.closed = True
                raise StopIteration
            return self.dataset[index]
        if not self.pending:
            self.close()  # the pass is over: no worker outlives it
            raise StopIteration
        index, future = self.pending.popleft()
        try:
            batch = future.result()
        except KeyboardInterrupt:  # in this thread, while waiting: not the batch's fault
            self.close()
            raise
        except BaseException as exc:
            self.close()
            kind = "process" if self.processes else "thread"
            exc.add_note(
                f"Raised while loading batch {index} of {type(self.dataset).__name__} (its "
                f"__getitem__({index}) in a worker {kind}; workers={self.workers})."
            )
            raise
        self._fill()
        return batch
