"""Atomic file replacement: write a temporary file beside the target, flush and fsync it,
then rename it over the target. A crash at any point leaves the previous file intact."""

import os
import tempfile


def atomic_write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the new one."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        from tinykeras.errors import ModelFileNotFoundError  # a FileNotFoundError too

        raise ModelFileNotFoundError(
            f"Cannot save to {path!r}: the folder {folder!r} does not exist. Create it first "
            "(os.makedirs(folder, exist_ok=True))."
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows within one volume
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    # The rename itself is durable only once the folder's entry is on disk (POSIX).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open folders; its rename is durable already
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
