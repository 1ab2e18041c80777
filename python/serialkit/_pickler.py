"""``pickle.dump``/``dumps`` and ``pickle.Pickler`` writing, byte for byte, the
pickles CPython's C pickler writes, with the work done in Rust."""

from __future__ import annotations

import operator
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


_ABSENT = object()


class PicklerMemoProxy:
    """A view of a Pickler's memo, as ``pickle.Pickler.memo`` returns."""

    def __init__(self, core: Any) -> None:
        self._core = core

    def copy(self) -> dict[int, tuple[int, Any]]:
        return self._core.memo_copy()

    def clear(self) -> None:
        self._core.clear_memo()

    def __reduce__(self) -> tuple[Any, ...]:
        return dict, (self.copy(),)


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
        self._fast = 0
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
        table = getattr(self, "dispatch_table", _ABSENT)
        self._core.dump(
            obj,
            self._write,
            self._override("persistent_id", Pickler.persistent_id),
            None if table is _ABSENT else table,
            getattr(self, "reducer_override", None),
            table is not _ABSENT,
        )

    @property
    def fast(self) -> int:
        """Fast mode: no memo, so shared objects are written each time they
        occur and cycles are an error (deprecated in CPython, kept for
        compatibility)."""
        return self._fast

    @fast.setter
    def fast(self, value: Any) -> None:
        self._fast = operator.index(value)
        self._core.fast = bool(self._fast)

    @property
    def bin(self) -> int:
        """1 when the protocol writes binary opcodes (protocol 1 and up)."""
        return int(self._core.protocol >= 1)

    @property
    def memo(self) -> PicklerMemoProxy:
        """The objects already pickled; ``memo.copy()`` gives
        ``{id(obj): (index, obj)}`` as ``pickle.Pickler.memo`` does."""
        return PicklerMemoProxy(self._core)

    @memo.setter
    def memo(self, value: Any) -> None:
        if isinstance(value, PicklerMemoProxy):
            value = value.copy()
        elif not isinstance(value, dict):
            raise TypeError(
                "'memo' attribute must be a PicklerMemoProxy object or dict, "
                f"not {type(value).__name__}"
            )
        self._core.set_memo(value)

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
