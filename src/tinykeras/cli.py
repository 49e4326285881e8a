"""Command line: ``python -m tinykeras demo`` trains the seed network on the bundled digits."""

import argparse
import sys
import time

import numpy as np


def demo(epochs: int = 100, seed: int = 1234, every: int = 10, plot: str | None = None) -> dict:
    """Train the course's 400-25-15-1 network on handwritten 0s and 1s; print and return results.

    With ``plot`` (a PNG path), also save the loss curve and a grid of held-out predictions
    (needs matplotlib, the ``plot`` extra).
    """
    import tinykeras as tk
    from tinykeras.callbacks import LambdaCallback
    from tinykeras.datasets import load_digits01
    from tinykeras.layers import Dense, Input
    from tinykeras.losses import BinaryCrossentropy
    from tinykeras.models import Sequential

    tk.utils.set_random_seed(seed)
    X, y = load_digits01()
    # Hold out a fifth of each digit, chosen at random but reproducibly.
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for digit in (0, 1):
        idx = np.flatnonzero(y[:, 0] == digit)
        test[rng.choice(idx, size=len(idx) // 5, replace=False)] = True
    X_train, y_train, X_test, y_test = X[~test], y[~test], X[test], y[test]
    print(f"digits 0/1: {len(X_train)} training and {len(X_test)} held-out images of 20x20 "
          f"pixels ({X.shape[1]} features)")

    model = Sequential([
        Input(shape=(400,)),
        Dense(25, activation="sigmoid", name="layer1"),
        Dense(15, activation="sigmoid", name="layer2"),
        Dense(1, activation="sigmoid", name="layer3"),
    ], name="my_model")
    model.summary()
    model.compile(loss=BinaryCrossentropy())  # RMSprop, Keras's default optimizer

    def report(epoch, logs):
        if (epoch + 1) % every == 0 or epoch == 0:
            print(f"Epoch {epoch + 1}/{epochs} - loss: {logs['loss']:.4f}")

    start = time.perf_counter()
    history = model.fit(X_train, y_train, epochs=epochs, verbose=0,
                        callbacks=[LambdaCallback(on_epoch_end=report)])
    seconds = time.perf_counter() - start
    train_acc = float(np.mean((model.predict(X_train) >= 0.5) == y_train))
    test_acc = float(np.mean((model.predict(X_test) >= 0.5) == y_test))
    final_loss = history.history["loss"][-1]
    print(f"final loss: {final_loss:.4f} ({epochs} epochs in {seconds:.2f} s)")
    print(f"training accuracy: {train_acc:.2%}")
    print(f"held-out accuracy: {test_acc:.2%}")
    if plot:
        from tinykeras.utils.plotting import plot_training

        picks = rng.choice(len(X_test), size=min(24, len(X_test)), replace=False)
        guesses = (model.predict(X_test[picks]) >= 0.5).astype(int)
        plot_training(history, X_test[picks], y_test[picks], guesses, path=plot, transpose=True)
        print(f"saved the loss curve and {len(picks)} held-out predictions to {plot}")
    return {"loss": final_loss, "train_accuracy": train_acc, "test_accuracy": test_acc}


def main(argv=None) -> int:
    """Entry point of ``python -m tinykeras`` and the ``tinykeras`` script."""
    parser = argparse.ArgumentParser(prog="tinykeras", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train the seed network on the bundled digits 0/1")
    p.add_argument("--epochs", type=int, default=100, help="passes over the data (100)")
    p.add_argument("--seed", type=int, default=1234, help="random seed (1234)")
    p.add_argument("--plot", metavar="PNG", help="save the loss curve and predictions (matplotlib)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        if args.epochs <= 0:
            parser.error(f"--epochs must be positive, got {args.epochs}")
        demo(epochs=args.epochs, seed=args.seed, plot=args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
