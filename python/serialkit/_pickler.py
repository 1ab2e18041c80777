"""``pickle.dump``/``dumps`` and ``pickle.Pickler`` writing, byte for byte, the
pickles CPython's C pickler writes, with the work done in Rust."""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

from serialkit import _native
from serialkit._files import atomic_write, is_path
from serialkit._pickle_errors import PicklingError

__all__ = [
    "DEFAULT_PROTOCOL",
    "HIGHEST_PROTOCOL",
    "Pickler",
    "PicklingError",
    "dump",
    "dumps",
]

HIGHEST_PROTOCOL = 5
DEFAULT_PROTOCOL = 4

# Optional rather than `X | None`: this alias is evaluated at import time,
# and `|` on typing objects needs Python 3.10.
_BufferCallback = Optional[Callable[[Any], Any]]


def dumps(
    obj: Any,
    protocol: int | None = None,
    *,
    fix_imports: bool = True,
    buffer_callback: _BufferCallback = None,
) -> bytes:
    """Return the pickle of ``obj``, as ``pickle.dumps`` does."""
    return _native.pickle_dumps(
        obj, protocol, fix_imports=fix_imports, buffer_callback=buffer_callback
    )


def dump(
    obj: Any,
    file: Any | str | os.PathLike[str],
    protocol: int | None = None,
    *,
    fix_imports: bool = True,
    buffer_callback: _BufferCallback = None,
) -> None:
    """Write the pickle of ``obj`` to ``file``: an object with ``write()``, or
    a path, which is replaced atomically."""
    if is_path(file):
        data = dumps(obj, protocol, fix_imports=fix_imports, buffer_callback=buffer_callback)
        atomic_write(file, data)
        return
    Pickler(file, protocol, fix_imports=fix_imports, buffer_callback=buffer_callback).dump(obj)


class Pickler:
    """``pickle.Pickler``: subclasses may define ``persistent_id(obj)``,
    ``reducer_override(obj)`` and a ``dispatch_table`` mapping, read at each
    ``dump`` as the C pickler reads them."""

    def __init__(
        self,
        file: Any,
        protocol: int | None = None,
        *,
        fix_imports: bool = True,
        buffer_callback: _BufferCallback = None,
    ) -> None:
        self._core = _native.PicklerCore(protocol, fix_imports, buffer_callback)
        try:
            self._write = file.write
        except AttributeError:
            raise TypeError("file must have a 'write' attribute") from None

    @property
    def protocol(self) -> int:
        return self._core.protocol

    def persistent_id(self, obj: Any) -> Any:
        """Return a persistent id for ``obj``, or None to pickle it normally."""
        return None

    def dump(self, obj: Any) -> None:
        """Write the pickle of ``obj`` to the file."""
        self._core.dump(
            obj,
            self._write,
            self._override("persistent_id", Pickler.persistent_id),
            getattr(self, "dispatch_table", None),
            getattr(self, "reducer_override", None),
        )

    def clear_memo(self) -> None:
        """Forget the objects already pickled, so that they are written in
        full again rather than referred to."""
        self._core.clear_memo()

    def _override(self, name: str, default: Callable[..., Any]) -> Any:
        # The base hook does nothing; not calling it saves a Python call per
        # object.
        hook = getattr(self, name, None)
        if getattr(hook, "__func__", None) is default:
            return None
        return hook
