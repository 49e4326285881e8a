"""``MPIDataParallel``: data-parallel training over MPI ranks, the Horovod way.

Every rank runs the same script on the same data. For each global batch (``batch_size`` rows,
cut from one shuffle that rank 0 draws and broadcasts), rank r takes a contiguous share of the
rows, computes the mean loss and its gradient on them, and scales that gradient by its share
``n_r / n``. One in-place ``Allreduce`` (sum) of the optimizer's flat gradient buffer then
gives every rank the gradient of the global mean, bit for bit the same on every rank, before
clipping and the update run (the optimizer's ``gradient_reducer`` hook). So P ranks take the
steps one process would, up to the order of floating-point summation.

Around the steps: at the start of ``fit`` rank 0 broadcasts the weights and the optimizer state
(a checkpoint loaded on rank 0 alone is enough); logged losses and metrics are totals and
counts summed over the ranks, so every rank's callbacks see the same numbers and decide alike;
only rank 0 prints and runs the callbacks that write files, and the others meet it at a barrier
when ``fit`` ends. An exception on any rank aborts the whole job (``MPI_Abort``) instead of
leaving the other ranks waiting in a collective forever.
"""

import contextlib
import copy
import os
import sys
import time

import numpy as np

from tinykeras.errors import InvalidArgumentError
from tinykeras.models import data

# The job size as the MPI launchers (MPICH/Hydra, Open MPI) set it: a script started by
# mpiexec on several ranks must not quietly fall back to one process when mpi4py is missing.
_LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
# Callbacks that print or write files run on rank 0 only (a callback may say so itself with a
# `chief_only` attribute). The others read the same logs on every rank and must run everywhere.
_CHIEF_ONLY = {"ProgbarLogger", "ModelCheckpoint", "CSVLogger", "TensorBoard", "RemoteMonitor"}
_excepthook_installed = False
_ABORT_GRACE_S = 0.5
_BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _world():
    """Return ``MPI.COMM_WORLD``, or None when mpi4py is missing and no launcher started us."""
    try:
        from mpi4py import MPI
    except ImportError:
        if any(os.environ.get(k) not in (None, "", "1") for k in _LAUNCHER_SIZE_VARS):
            raise ImportError(
                "MPIDataParallel: this script was started by mpiexec, but mpi4py is not "
                "installed. Install it with `pip install 'tinykeras[mpi]'`."
            ) from None
        return None
    return MPI.COMM_WORLD


def _install_excepthook(comm) -> None:
    """Abort every rank when one raises an uncaught exception (as ``python -m mpi4py`` does),
    so that the others do not wait forever in their next collective."""
    global _excepthook_installed
    if _excepthook_installed:
        return
    previous = sys.excepthook

    def abort_all(etype, value, tb):
        previous(etype, value, tb)
        sys.stderr.write(
            f"tinykeras.distribute: rank {comm.Get_rank()} of {comm.Get_size()} raised "
            f"{etype.__name__}; aborting all ranks (MPI_Abort).\n"
        )
        sys.stderr.flush()
        # mpiexec forwards each rank's output asynchronously and drops whatever it has not
        # read yet when the job aborts; a moment's pause lets the traceback reach the user.
        time.sleep(_ABORT_GRACE_S)
        comm.Abort(1)

    sys.excepthook = abort_all
    _excepthook_installed = True


def _pin_blas_threads(comm):
    """Give each rank on this machine an equal part of its cores for BLAS, unless the user
    chose (one of the ``*_NUM_THREADS`` variables is set). Without it every rank starts one
    BLAS thread per core, and P ranks x all cores threads spin against each other: measured
    here, a 2-rank fit ran 20x slower. Returns the threadpoolctl limiter (or None)."""
    if any(os.environ.get(k) for k in _BLAS_THREAD_VARS):
        return None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # part of tinykeras[mpi]; without it, set OMP_NUM_THREADS yourself
        return None
    from mpi4py import MPI

    local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    ranks_here = local.Get_size()
    local.Free()
    from tinykeras.backend import usable_cores

    return threadpool_limits(limits=max(1, usable_cores() // ranks_here), user_api="blas")


def _share(m: int, rank: int, size: int) -> tuple[int, int]:
    """Rows ``[start, stop)`` of an m-row batch for ``rank``: contiguous, the first ``m % size``
    ranks take one row more (as ``np.array_split``)."""
    base, extra = divmod(m, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (rank < extra)


# Where a metric keeps its running sums, all of which add up across ranks: Mean's total and
# count, the confusion metrics' and AUC's counts, F-beta's and R2's sums, and the Variables of
# a custom metric's add_variable. Anything else (thresholds, config) is left alone.
_METRIC_SUMS = ("total", "count", "counts", "_state", "_sums", "_num_samples")


def _metric_state(metric) -> list:
    """``[(path, value)]`` for every running sum of ``metric`` (see ``_METRIC_SUMS``)."""
    found = []
    for name in _METRIC_SUMS:
        value = metric.__dict__.get(name)
        if isinstance(value, dict):
            found += [((name, k), v) for k, v in sorted(value.items())]
        elif isinstance(value, list):
            found += [((name, i), v) for i, v in enumerate(value)]
        elif value is not None:
            found.append(((name,), value))
    found += [(("variables", i), v.numpy()) for i, v in enumerate(metric.variables)]
    if not found:
        raise NotImplementedError(
            f"MPIDataParallel cannot combine metric '{metric.name}' ({type(metric).__name__}) "
            "across ranks: it keeps no running sums it knows of (a Mean's total and count, "
            "counts, or Variables made with `add_variable`). Build the metric on `add_variable`,"
            " or compute it after training with `predict`."
        )
    return found


def _set_state(metric, path, values, like) -> None:
    """Write the summed ``values`` into ``metric`` at ``path``, shaped and typed as ``like``."""
    value = values.reshape(np.shape(like))
    value = float(value) if np.ndim(like) == 0 and not isinstance(like, np.ndarray) else value
    name, *key = path
    if name == "variables":
        metric.variables[key[0]].assign(np.asarray(value, like.dtype))
    elif key:
        getattr(metric, name)[key[0]] = value
    else:
        setattr(metric, name, value)


def _check_loss(model) -> None:
    """Refuse losses whose batch value is not the mean over the batch's rows: weighting each
    rank's gradient by its share of the rows is exact only for that mean (Keras's default)."""
    loss = getattr(model, "_loss_fn", None)
    reduction = getattr(loss, "reduction", "sum_over_batch_size")
    ignore_class = getattr(loss, "_fn_kwargs", {}).get("ignore_class")
    if reduction not in ("sum_over_batch_size", "mean") or ignore_class is not None:
        got = (f"reduction={reduction!r}" if ignore_class is None
               else f"ignore_class={ignore_class!r}")
        raise InvalidArgumentError(
            f"MPIDataParallel trains with losses averaged over the batch's rows "
            f"(reduction='sum_over_batch_size', the default); the loss "
            f"'{getattr(loss, 'name', loss)}' has {got}, whose value on a batch is not a "
            "row-weighted combination of the ranks' values. Use the default reduction (and no "
            "ignore_class) when training on several ranks."
        )


class MPIDataParallel:
    """Data parallelism over MPI ranks: each rank trains on its share of every global batch.

    Use it like Keras 3's ``keras.distribution.DataParallel``::

        strategy = tinykeras.distribute.MPIDataParallel()
        with strategy.scope():
            model = tinykeras.Sequential([...])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=256, epochs=5)   # batch_size is the global batch

    and start it with ``mpiexec -n 4 python -m mpi4py train.py``. Every rank must pass the same
    data to ``fit``. Without ``mpiexec`` (or without mpi4py) it is one rank and changes nothing.
    On several ranks it also shares each machine's cores out among its ranks for BLAS, unless
    ``OMP_NUM_THREADS`` (or the OpenBLAS/MKL variable) is set.

    Args:
        comm: the mpi4py communicator to train over; default ``MPI.COMM_WORLD``.
    """

    def __init__(self, comm=None):
        if comm is not None and not all(hasattr(comm, name) for name in
                                        ("Get_size", "Get_rank", "Allreduce", "Bcast")):
            from tinykeras.errors import InvalidTypeError

            raise InvalidTypeError(
                f"MPIDataParallel: `comm` must be an mpi4py communicator (such as "
                f"MPI.COMM_WORLD) or None for the world. Received: comm={comm!r} of type "
                f"{type(comm).__name__}."
            )
        self.comm = comm if comm is not None else _world()
        self.num_processes = 1 if self.comm is None else self.comm.Get_size()
        self.process_id = 0 if self.comm is None else self.comm.Get_rank()
        if self.num_processes > 1:
            from mpi4py import MPI

            self._MPI = MPI
            _install_excepthook(self.comm)
            self._blas_limits = _pin_blas_threads(self.comm)
        self._weight = 1.0  # this rank's share n_r / n of the current global batch
        self._local = False  # True while predict runs on this rank's rows only
        self._saved = None
        self.stats = {"allreduce_calls": 0, "allreduce_seconds": 0.0}

    @property
    def is_chief(self) -> bool:
        """True on rank 0, the rank that prints and writes files."""
        return self.process_id == 0

    @property
    def active(self) -> bool:
        """True when there is more than one rank to spread the work over."""
        return self.num_processes > 1 and not self._local

    @contextlib.contextmanager
    def scope(self):
        """Within this block, models compiled (and fit) use this strategy."""
        from tinykeras import distribute

        previous = distribute.distribution()
        distribute.set_distribution(self)
        try:
            yield self
        finally:
            distribute.set_distribution(previous)

    def __repr__(self):
        return (f"<MPIDataParallel rank={self.process_id} "
                f"num_processes={self.num_processes}>")

    # -- the gradient hook ---------------------------------------------------------------------
    def _reduce_gradients(self, grads) -> None:
        """The optimizer's ``gradient_reducer``: weight by this rank's share, then sum over the
        ranks in place, so every rank holds the gradient of the global batch's mean loss."""
        start = time.perf_counter()
        weight = self._weight
        for g in grads:
            if weight != 1.0:
                np.multiply(g, weight, out=g, casting="unsafe")
            self.comm.Allreduce(self._MPI.IN_PLACE, g, op=self._MPI.SUM)
        self.stats["allreduce_calls"] += 1
        self.stats["allreduce_seconds"] += time.perf_counter() - start

    # -- fit -----------------------------------------------------------------------------------
    def begin_fit(self, model, n: int, batch_size: int, verbose: int, callbacks):
        """Check the ranks agree, broadcast rank 0's state, install the gradient hook; return
        the ``verbose`` and ``callbacks`` this rank uses (rank 0's, silent elsewhere)."""
        self._check_agreement("fit", n=n, batch_size=batch_size)
        _check_loss(model)
        self._broadcast_state(model)
        optimizer = model.optimizer
        self._saved = (optimizer, optimizer.gradient_reducer, sys.stdout)
        optimizer.gradient_reducer = self._reduce_gradients
        if self.is_chief:
            return verbose, callbacks
        # Rank 0 prints; here a callback's `print` (EarlyStopping's verbose line) goes nowhere.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (closed in end_fit)
        kept = [cb for cb in callbacks or [] if not getattr(
            cb, "chief_only", type(cb).__name__ in _CHIEF_ONLY)]
        return 0, kept

    def end_fit(self, model) -> None:
        """Remove the gradient hook, restore the output, and wait for rank 0's last writes."""
        optimizer, reducer, stdout = self._saved
        optimizer.gradient_reducer = reducer
        if sys.stdout is not stdout:
            sys.stdout.close()
            sys.stdout = stdout
        self._weight = 1.0
        self.comm.Barrier()

    def agree(self, flag: bool) -> bool:
        """True if ``flag`` is true on any rank (so all ranks run the same collectives)."""
        return bool(self.comm.allreduce(bool(flag), op=self._MPI.LOR))

    def epoch_batches(self, n: int, batch_size: int, shuffle, rng):
        """Yield this rank's rows of each global batch of one epoch (as ``data.epoch_batches``
        does for one process), and set the gradient weight for its step."""
        if not shuffle:
            batches = data.batch_slices(n, batch_size)
        else:
            batches = self._broadcast_batches(n, batch_size, shuffle, rng)
        for batch in batches:
            yield self._take_share(batch)

    def _broadcast_batches(self, n, batch_size, shuffle, rng):
        """Rank 0 shuffles (so the ranks cannot drift apart, seeded or not) and broadcasts."""
        count = data.num_batches(n, batch_size)
        order = np.empty(n, np.int64)
        sizes = np.empty(count, np.int64)
        if self.is_chief:
            batches = list(data.epoch_batches(n, batch_size, shuffle, rng))
            order[:] = np.concatenate(batches)
            sizes[:] = [len(b) for b in batches]
        self.comm.Bcast(order, root=0)
        self.comm.Bcast(sizes, root=0)
        return np.split(order, np.cumsum(sizes)[:-1])

    def _take_share(self, batch):
        if isinstance(batch, slice):
            m = batch.stop - batch.start
            start, stop = _share(m, self.process_id, self.num_processes)
            share = slice(batch.start + start, batch.start + stop)
        else:
            m = len(batch)
            start, stop = _share(m, self.process_id, self.num_processes)
            share = batch[start:stop]
        self._weight = (stop - start) / m
        return share

    def fit_step(self, model):
        """``model._fit_step`` made safe for a rank whose share of a batch is empty: it still
        joins the step's Allreduce, with a zero gradient, and contributes no loss."""
        step = model._fit_step

        def run(x, y, sample_weight=None):
            if len(x):
                return step(x, y, sample_weight)
            variables = model._train_variables
            model.optimizer.apply([np.zeros(v.shape, v.dtype) for v in variables], variables)
            return 0.0

        return run

    # -- logs ----------------------------------------------------------------------------------
    def logs(self, model) -> dict:
        """The loss and metrics over all ranks' rows so far: their running sums (totals and
        counts, confusion counts...) summed over the ranks in one float64 Allreduce."""
        metrics = model._metrics or []
        parts = [_metric_state(m) for m in metrics]
        flat = [np.array([model._loss_total, model._loss_count], np.float64)]
        flat += [np.asarray(v, np.float64).ravel() for part in parts for _, v in part]
        totals = np.concatenate(flat)
        self.comm.Allreduce(self._MPI.IN_PLACE, totals, op=self._MPI.SUM)
        logs = {"loss": float(totals[0] / totals[1]) if totals[1] else 0.0}
        at = 2
        for m, part in zip(metrics, parts):
            merged = copy.deepcopy(m)  # the global result, without touching this rank's state
            for path, value in part:
                size = np.size(value)
                _set_state(merged, path, totals[at:at + size], value)
                at += size
            logs[m.name] = merged.result()
        return dict(sorted(logs.items()))

    # -- evaluate / predict --------------------------------------------------------------------
    def evaluate_batches(self, n: int, batch_size: int):
        """Yield this rank's share of each evaluation batch (slices, in order)."""
        self._check_agreement("evaluate", n=n, batch_size=batch_size)
        for sl in data.batch_slices(n, batch_size):
            yield self._take_share(sl)

    def predict(self, model, x, batch_size: int, steps=None, callbacks=None):
        """Each rank predicts a contiguous block of the rows; ``Allgatherv`` puts them together
        on every rank, in order."""
        n = len(x) if steps is None else min(len(x), steps * batch_size)
        self._check_agreement("predict", n=n, batch_size=batch_size)
        bounds = [_share(n, r, self.num_processes) for r in range(self.num_processes)]
        start, stop = bounds[self.process_id]
        self._local = True
        try:
            out = model.predict(x[start:stop], batch_size=batch_size, verbose=0,
                                callbacks=callbacks)
        finally:
            self._local = False
        out = np.ascontiguousarray(out)
        row = int(np.prod(out.shape[1:]))
        result = np.empty((n,) + out.shape[1:], out.dtype)
        counts = [(b - a) * row for a, b in bounds]
        self.comm.Allgatherv(out, (result, counts))
        return result

    # -- checks and broadcasts -----------------------------------------------------------------
    def _check_agreement(self, method: str, **values) -> None:
        """Refuse, on every rank alike, calls whose sizes differ between ranks (they would
        leave the ranks waiting in different collectives) or leave a rank no rows."""
        everyone = self.comm.allgather(values)
        if any(v != everyone[0] for v in everyone):
            raise InvalidArgumentError(
                f"MPIDataParallel: every rank must call `{method}` with the same data and "
                f"batch_size, but the ranks received {everyone} (rank by rank). Load the same "
                "data on every rank; the strategy splits each batch itself."
            )
        n, batch_size = values["n"], values["batch_size"]
        if min(n, batch_size) < self.num_processes:
            raise InvalidArgumentError(
                f"MPIDataParallel: `{method}` needs at least one row per rank in a batch: "
                f"received {n} samples with batch_size={batch_size} on "
                f"{self.num_processes} ranks. Use a global batch_size of at least "
                f"{self.num_processes}."
            )

    def _broadcast_state(self, model) -> None:
        """Copy rank 0's weights and optimizer state to every rank, array by array."""
        variables = list(model.weights) + list(model.optimizer.variables)
        layout = [(getattr(v, "path", v.name), v.value.shape, v.value.dtype.str)
                  for v in variables]
        chief = self.comm.bcast(layout, root=0)
        if chief != layout:
            raise InvalidArgumentError(
                "MPIDataParallel: the model or optimizer differs between ranks: rank 0 has "
                f"{chief}, rank {self.process_id} has {layout}. Build the same model on "
                "every rank."
            )
        for v in variables:
            value = v.value
            if value.flags.c_contiguous:
                self.comm.Bcast(value, root=0)
            else:
                buf = np.ascontiguousarray(value)
                self.comm.Bcast(buf, root=0)
                v.assign(buf)
