"""``timeseries_dataset_from_array``: Keras's sliding windows over a series, as a Dataset."""

import numpy as np

from tinykeras.data.dataset import Dataset
from tinykeras.errors import InvalidArgumentError
from tinykeras.utils import validation as check

_WHO = "timeseries_dataset_from_array"


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Sequences of ``sequence_length`` steps (every ``sampling_rate``-th row) starting every
    ``sequence_stride`` rows of ``data``, batched, as Keras builds them.

    Sequence ``i`` starts at row ``start_index + i * sequence_stride``; its target is
    ``targets[start_index + i * sequence_stride]`` (so ``targets = data[n:]`` pairs each
    sequence with the row ``n`` steps after its start). Rows from ``end_index`` on are not
    used. With ``shuffle`` the start positions are shuffled once (``seed``), then the
    sequences again each epoch in a buffer of ``batch_size * 8``, as Keras does.

    >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
    ...                                    sequence_stride=4, batch_size=None)
    >>> [s.tolist() for s in ds]
    [[0, 1, 2], [4, 5, 6]]
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise check.refuse(_WHO, "data", "an array with time steps along its first axis", data)
    n = len(data)
    sequence_length = check.check_int("sequence_length", sequence_length, low=1, who=_WHO)
    sampling_rate = check.check_int("sampling_rate", sampling_rate, low=1, who=_WHO)
    sequence_stride = check.check_int("sequence_stride", sequence_stride, low=1, who=_WHO)
    batch_size = check.check_int("batch_size", batch_size, low=1, who=_WHO, allow_none=True)
    check.check_bool("shuffle", shuffle, who=_WHO)
    seed = check.check_int("seed", seed, low=0, who=_WHO, allow_none=True)
    # Keras's bounds: the strides below the data's length, start_index < n, end_index < n
    # (end_index == n is refused by Keras too: leave it None for "to the end").
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value >= n:
            raise InvalidArgumentError(
                f"{_WHO}: `{name}` must be lower than the length of the data ({n}). "
                f"Received: {name}={value}")
    start = check.check_int("start_index", start_index, low=0, high=max(n - 1, 0), who=_WHO,
                            allow_none=True) or 0
    end = check.check_int("end_index", end_index, low=1, high=max(n - 1, 1), who=_WHO,
                          allow_none=True)
    if end is None:
        end = n
    elif end <= start:
        raise InvalidArgumentError(
            f"{_WHO}: `end_index` must be higher than `start_index`. Received: "
            f"start_index={start}, end_index={end}")
    if targets is not None:
        targets = np.asarray(targets)
        if targets.ndim == 0:
            raise check.refuse(_WHO, "targets", "an array (one target per row) or None",
                               targets)
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        count = min(count, len(targets))
    positions = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        rng = np.random.RandomState(np.random.randint(10**6) if seed is None else seed)
        rng.shuffle(positions)
    span = sequence_length * sampling_rate
    window, labels = data[start:end], None if targets is None else targets[start:end]

    def make():
        for p in positions:
            sequence = window[p:p + span:sampling_rate]
            yield sequence if labels is None else (sequence, labels[p])

    ds = Dataset(make, len(positions))
    if batch_size is not None:
        if shuffle:
            ds = ds.shuffle(batch_size * 8, seed=seed)
        ds = ds.batch(batch_size)
    return ds
