"""The script ``tests/test_distribute.py`` runs under ``mpiexec -n P`` (and alone, as one rank).

``python tests/mpi_fit_worker.py SCENARIO OUT_DIR JIT`` trains the same model on every rank and
writes ``OUT_DIR/rank{r}.npz`` (final weights, history, predictions) and ``OUT_DIR/stdout{r}.txt``
(everything the rank printed). Scenarios:

- ``seed``: the course's seed network (400-25-15-1 sigmoid, BCE, Adam; accuracy, AUC,
  precision and recall, each kept as different running sums), shuffled
  global batches of 64 over 1,000 rows (ragged last batch), 3 epochs; evaluate (dict and list
  forms) and predict.
- ``classifier``: 20-32-16-3 relu/softmax with accuracy, validation data, EarlyStopping,
  ReduceLROnPlateau, CSVLogger, ModelCheckpoint (best weights) and a callback of its own marked
  ``chief_only`` that writes a file each epoch, clipnorm, verbose=1. Every file name carries
  the rank, so a rank other than 0 that wrote anything would show.
- ``seed1023``: ``seed`` on 1,023 rows: on 3 ranks the last batch (63 rows) gives rank 0 a
  share size it has not seen before (21) while ranks 1 and 2 have (a fast path that traces per
  batch shape must still join each step's Allreduce exactly once on every rank).
- ``tail``: as ``seed`` with global batches of 111, so the last batch of each epoch has one
  row: on 2 or 3 ranks the others have none and still join the step (zero gradient); evaluate
  and predict on 334 rows end the same way.
- ``resume``: as ``seed``, but before ``fit`` rank 0 alone takes three steps with
  ``train_on_batch`` (as if it had loaded a checkpoint): weights, Adam's slots and iterations
  differ between the ranks until ``fit`` broadcasts rank 0's.
- ``raise``: as ``seed``, but rank 1 raises in a callback during the second epoch.
"""

import os
import sys

import numpy as np


def _seed_data(rows=1000):
    rng = np.random.default_rng(7)
    x = (rng.random((rows, 400)) < 0.1).astype(np.float32)
    teacher = rng.standard_normal(400).astype(np.float32)
    y = (x @ teacher > np.median(x @ teacher)).astype(np.float32)
    return x, y


def _classifier_data():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((600, 20)).astype(np.float32)
    y = np.argmax(x[:, :3] + 0.5 * x[:, 3:6], axis=1)
    return x[:500], y[:500], x[500:], y[500:]


def _blas_pools():
    from threadpoolctl import threadpool_info

    return [p for p in threadpool_info() if p["user_api"] == "blas"]


def main(scenario, out_dir, jit):
    import tinykeras as tk
    from tinykeras.distribute import MPIDataParallel

    strategy = MPIDataParallel()
    rank = strategy.process_id
    # Everything this rank prints (progress bar, callbacks) lands in its own file.
    sys.stdout = open(os.path.join(out_dir, f"stdout{rank}.txt"), "w")  # noqa: SIM115
    # Different seeds per rank: rank 0's broadcast must make the starting weights agree.
    tk.utils.set_random_seed(100 + rank)

    class Checkpoint(tk.callbacks.Callback):
        """Writes the weights every epoch; a file-writing callback, so rank 0 only."""

        chief_only = True

        def on_epoch_end(self, epoch, logs=None):
            path = os.path.join(out_dir, f"ckpt-epoch{epoch}-rank{rank}.npz")
            np.savez(path, *self.model.get_weights())

    class RaiseOnRank1(tk.callbacks.Callback):
        """Raises on rank 1 only, in the second epoch."""

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1 and rank == 1:
                raise RuntimeError("rank 1 failed on purpose")

    with strategy.scope():
        if scenario in ("seed", "seed1023", "tail", "resume", "raise"):
            x, y = _seed_data(1023 if scenario == "seed1023" else 1000)
            model = tk.Sequential([
                tk.Input(shape=(400,)),
                tk.layers.Dense(25, activation="sigmoid", name="layer1"),
                tk.layers.Dense(15, activation="sigmoid", name="layer2"),
                tk.layers.Dense(1, activation="sigmoid", name="layer3"),
            ])
            model.compile(optimizer=tk.optimizers.Adam(0.01), jit_compile=jit,
                          loss=tk.losses.BinaryCrossentropy(),
                          metrics=["accuracy", tk.metrics.AUC(), tk.metrics.Precision(),
                                   tk.metrics.Recall()])
            callbacks = [RaiseOnRank1()] if scenario == "raise" else []
            if scenario == "resume" and rank == 0:
                for _ in range(3):
                    model.train_on_batch(x[:64], y[:64])
            batch = 111 if scenario == "tail" else 64
            history = model.fit(x, y, batch_size=batch, epochs=3, verbose=0,
                                callbacks=callbacks)
            xe, ye = (x[:334], y[:334]) if scenario == "tail" else (x[:333], y[:333])
        else:
            x, y, xv, yv = _classifier_data()
            model = tk.Sequential([
                tk.Input(shape=(20,)),
                tk.layers.Dense(32, activation="relu"),
                tk.layers.Dense(16, activation="relu"),
                tk.layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer=tk.optimizers.Adam(0.01, clipnorm=1.0), jit_compile=jit,
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            stop = tk.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                              min_delta=0.02, verbose=1)
            plateau = tk.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                     patience=0, min_delta=0.1)
            log = tk.callbacks.CSVLogger(os.path.join(out_dir, f"log-rank{rank}.csv"))
            best = tk.callbacks.ModelCheckpoint(
                os.path.join(out_dir, f"best-rank{rank}.weights.h5"), monitor="val_loss",
                save_best_only=True, save_weights_only=True)
            history = model.fit(x, y, batch_size=50, epochs=12, verbose=1,
                                validation_data=(xv, yv),
                                callbacks=[stop, plateau, log, best, Checkpoint()])
            xe, ye = xv, yv
    eval_batch = 111 if scenario == "tail" else 32
    evaluated = model.evaluate(xe, ye, batch_size=eval_batch, verbose=0, return_dict=True)
    # The list form must carry the same global numbers (loss first, then the metrics).
    as_list = model.evaluate(xe, ye, batch_size=eval_batch, verbose=0)
    as_list = as_list if isinstance(as_list, list) else [as_list]
    assert as_list == [evaluated["loss"]] + [evaluated[m.name] for m in model.metrics], (
        as_list, evaluated)
    predicted = model.predict(xe, batch_size=40)
    hist = history.history
    np.savez(
        os.path.join(out_dir, f"rank{rank}.npz"),
        *model.get_weights(),
        history_keys=np.array(sorted(hist)),
        history=np.array([hist[k] for k in sorted(hist)], np.float64),
        evaluated=np.array([evaluated[k] for k in sorted(evaluated)], np.float64),
        predicted=predicted,
        iterations=np.asarray(model.optimizer.iterations.numpy()),
        learning_rate=np.asarray(model.optimizer.learning_rate.numpy()),
        allreduce_calls=strategy.stats["allreduce_calls"],
        blas_threads=max([p["num_threads"] for p in _blas_pools()] or [0]),
    )
    sys.stdout.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] == "1")
