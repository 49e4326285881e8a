"""Train one model data-parallel over MPI ranks (see docs/scaling-out.md).

    mpiexec -n 2 python -m mpi4py examples/mpi_train.py     # 2 ranks
    python examples/mpi_train.py                            # one process, same result

Every rank loads the same data and runs the same code; ``batch_size`` is the global batch,
which the ranks split between them. Only rank 0 prints and writes the checkpoint (a
``.weights.h5`` file: the ``h5`` extra; several ranks need the ``mpi`` extra).
"""

import numpy as np

import tinykeras as tk
from tinykeras.distribute import MPIDataParallel


def make_data(n=6000, features=64, classes=10, seed=0):
    """A synthetic 10-class problem: labels from a fixed random teacher network."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    hidden = np.tanh(x @ rng.normal(size=(features, 32)))
    y = np.argmax(hidden @ rng.normal(size=(32, classes)), axis=1)
    return x, y


def main():
    """Build, train and evaluate on every rank; rank 0 reports and saves."""
    strategy = MPIDataParallel()
    tk.utils.set_random_seed(0)
    x, y = make_data()
    with strategy.scope():
        model = tk.Sequential([tk.Input(shape=(x.shape[1],)),
                               tk.layers.Dense(128, activation="relu"),
                               tk.layers.Dense(64, activation="relu"),
                               tk.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    checkpoint = tk.callbacks.ModelCheckpoint("mpi_train_best.weights.h5",
                                              save_best_only=True, save_weights_only=True)
    stop = tk.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    model.fit(x, y, batch_size=128, epochs=10, validation_split=0.2,
              callbacks=[checkpoint, stop], verbose=2)
    loss, accuracy = model.evaluate(x, y, batch_size=512, verbose=0)
    if strategy.is_chief:
        print(f"{strategy.num_processes} rank(s): loss {loss:.4f}, accuracy {accuracy:.4f}; "
              "best weights in mpi_train_best.weights.h5")


if __name__ == "__main__":
    main()
