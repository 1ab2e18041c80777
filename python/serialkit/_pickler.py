"""``pickle.dump``/``dumps`` and ``pickle.Pickler`` writing, byte for byte, the
pickles CPython's C pickler writes, with the work done in Rust."""

from __future__ import annotations

import operator
import os
import pickle as _std_pickle
from typing import Any, Callable, Optional

from serialkit import _native, _pickle_hooks
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

HIGHEST_PROTOCOL = _std_pickle.HIGHEST_PROTOCOL
# 4 up to Python 3.13, 5 from 3.14: whatever the running interpreter uses.
DEFAULT_PROTOCOL = _std_pickle.DEFAULT_PROTOCOL


def _c_pickler_checks_list_size() -> bool:
    """Whether the running C pickler raises RuntimeError when a list changes
    size while its items are saved: CPython added the check in patch
    releases (gh-149816), so the version number does not tell."""
    try:
        import _pickle
    except ImportError:
        return False

    class Grow:
        def __init__(self, owner: list) -> None:
            self.owner = owner

        def __reduce__(self):
            self.owner.append(0)
            return (int, ())

    owner: list = [0]
    owner.append(Grow(owner))
    try:
        _pickle.dumps(owner, 2)
    except RuntimeError:
        return True
    return False


_C_PICKLER_CHECKS_LIST_SIZE = _c_pickler_checks_list_size()

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
        fix_imports: bool = True,
        buffer_callback: _BufferCallback = None,
    ) -> None:
        # All four positional-or-keyword, as in the C pickler.
        self._core = _native.PicklerCore(protocol, fix_imports, buffer_callback)
        self._fast = 0
        try:
            self._write = file.write
        except AttributeError:
            raise TypeError("file must have a 'write' attribute") from None

    @property
    def protocol(self) -> int:
        return self._native().protocol

    def _default_persistent_id(self, obj: Any) -> Any:
        """The hook returning a persistent id for an object, or None to
        pickle it normally."""
        return None

    persistent_id = _pickle_hooks.hook_property("persistent_id", _default_persistent_id)

    @property
    def dispatch_table(self) -> Any:
        """A mapping from types to reduction functions, used instead of
        ``copyreg.dispatch_table``: unset unless a subclass defines it or
        it is assigned, as in the C pickler."""
        table = self.__dict__.get("_dispatch_table", _ABSENT)
        if table is _ABSENT:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute 'dispatch_table'"
            )
        return table

    @dispatch_table.setter
    def dispatch_table(self, value: Any) -> None:
        self._dispatch_table = value

    @dispatch_table.deleter
    def dispatch_table(self) -> None:
        if self.__dict__.pop("_dispatch_table", _ABSENT) is _ABSENT:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute 'dispatch_table'"
            )

    def dump(self, obj: Any) -> None:
        """Write the pickle of ``obj`` to the file."""
        core = self._native()
        table = getattr(self, "dispatch_table", _ABSENT)
        persistent_id = getattr(self, "persistent_id", None)
        if _pickle_hooks.is_default(persistent_id, Pickler._default_persistent_id):
            persistent_id = None
        core.dump(
            obj,
            self._write,
            persistent_id,
            None if table is _ABSENT else table,
            getattr(self, "reducer_override", None),
            table is not _ABSENT,
        )

    def _native(self) -> Any:
        try:
            return self.__dict__["_core"]
        except KeyError:
            raise PicklingError(
                f"Pickler.__init__() was not called by {type(self).__name__}.__init__()"
            ) from None

    @property
    def fast(self) -> int:
        """Fast mode: no memo, so shared objects are written each time they
        occur and cycles are an error (deprecated in CPython, kept for
        compatibility)."""
        return self._fast

    @fast.setter
    def fast(self, value: Any) -> None:
        self._fast = operator.index(value)
        self._native().fast = bool(self._fast)

    @property
    def bin(self) -> int:
        """1 when the protocol writes binary opcodes (protocol 1 and up)."""
        return int(self._native().protocol >= 1)

    @property
    def memo(self) -> PicklerMemoProxy:
        """The objects already pickled; ``memo.copy()`` gives
        ``{id(obj): (index, obj)}`` as ``pickle.Pickler.memo`` does."""
        return PicklerMemoProxy(self._native())

    @memo.setter
    def memo(self, value: Any) -> None:
        if isinstance(value, PicklerMemoProxy):
            value = value.copy()
        elif not isinstance(value, dict):
            raise TypeError(
                "'memo' attribute must be a PicklerMemoProxy object or dict, "
                f"not {type(value).__name__}"
            )
        self._native().set_memo(value)

    @memo.deleter
    def memo(self) -> None:
        raise TypeError("attribute deletion is not supported")

    def clear_memo(self) -> None:
        """Forget the objects already pickled, so that they are written in
        full again rather than referred to."""
        self._native().clear_memo()
