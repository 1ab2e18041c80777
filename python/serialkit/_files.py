"""File handling shared by every format module."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Union

PathArg = Union[str, "os.PathLike[str]"]


def is_path(target: object) -> bool:
    return isinstance(target, (str, os.PathLike))


def _default_mode() -> int:
    # The mode a plain open() would give a new file. Reading the umask means
    # setting it; do so only where /proc does not tell us.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: PathArg, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` all at once: the content is written to a
    temporary file in the same folder, synced, then renamed over the target,
    so a failure never leaves a truncated or half-replaced file."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = _default_mode()
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".serialkit-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def read_bytes(path: PathArg) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()
