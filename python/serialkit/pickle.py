"""A drop-in for the standard library's ``pickle`` that is safe by default.

Loading a pickle with the standard library runs whatever code the pickle
names: a crafted pickle calls ``os.system`` the moment it is loaded. With
``serialkit.pickle`` a load imports only:

- the globals in ``SAFE_GLOBALS``: plain value types of the standard
  library, and the ``copyreg``/``_codecs`` helpers that pickle itself emits.
  Calls to them are checked first, so a pickle cannot make them build
  something huge (``bytearray(2**40)``, ``set(range(10**12))``);
- the globals you name in ``allow``, as classes or functions or as
  ``"module.qualname"`` strings.

Any other global raises ``ForbiddenGlobal`` (an ``UnpicklingError``) before
it is imported, so none of its code runs: not its ``__reduce__`` target,
not its ``__setstate__``. ``trusted=True`` loads exactly as ``pickle.loads``
does. The parameter names and positions of the standard library are kept,
and ``file`` may also be a path.
"""

from __future__ import annotations

import io
import os
import pickle as _std_pickle

from . import _files, _pickle_hooks
from ._native import PICKLE_SAFE_GLOBALS as _SAFE_NAMES
from ._native import UnpicklerMemo as _UnpicklerMemo
from ._native import pickle_end as _pickle_end
from ._native import pickle_load as _load
from ._pickle_errors import ForbiddenGlobal, PickleError, PicklingError, UnpicklingError
from ._pickler import Pickler, dump, dumps

__all__ = [
    "DEFAULT_PROTOCOL",
    "HIGHEST_PROTOCOL",
    "SAFE_GLOBALS",
    "ForbiddenGlobal",
    "PickleError",
    "Pickler",
    "PicklingError",
    "UnpicklingError",
    "Unpickler",
    "UnpicklerMemoProxy",
    "dump",
    "dumps",
    "load",
    "loads",
]

HIGHEST_PROTOCOL = _std_pickle.HIGHEST_PROTOCOL
DEFAULT_PROTOCOL = _std_pickle.DEFAULT_PROTOCOL

#: Full dotted names of the globals every load may import.
SAFE_GLOBALS = frozenset(_SAFE_NAMES)


def _full_name(item) -> str:
    if isinstance(item, str):
        return item
    module = getattr(item, "__module__", None)
    qualname = getattr(item, "__qualname__", None)
    if not module or not qualname:
        raise TypeError(
            f"allow= takes classes, functions or 'module.qualname' strings, not {item!r}"
        )
    return f"{module}.{qualname}"


#: What the default ``allow=()`` names, made once.
_NO_NAMES: frozenset[str] = frozenset()


def _allowed_names(allow) -> frozenset[str] | set[str]:
    if type(allow) is tuple and not allow:
        return _NO_NAMES
    if isinstance(allow, str) or not hasattr(allow, "__iter__"):
        allow = [allow]
    return {_full_name(item) for item in allow}


def _as_bytes(data) -> bytes:
    if isinstance(data, str):
        raise TypeError("a bytes-like object is required, not 'str'")
    return data if isinstance(data, bytes) else bytes(data)


def loads(
    data,
    /,
    *,
    allow=(),
    trusted=False,
    fix_imports=True,
    encoding="ASCII",
    errors="strict",
    buffers=None,
):
    """Read a pickled object from ``data``, importing only ``SAFE_GLOBALS``
    and what ``allow`` names (anything, with ``trusted=True``)."""
    if type(data) is not bytes:
        data = _as_bytes(data)
    if not data:
        raise EOFError("Ran out of input")
    # Positionally: see pickle_load. start, allow, trusted, fix_imports,
    # encoding, errors, buffers, persistent_load, find_class, memo.
    names = _allowed_names(allow)
    return _load(data, 0, names, trusted, fix_imports, encoding, errors, buffers, None, None, None)[
        0
    ]


def load(
    file,
    *,
    allow=(),
    trusted=False,
    fix_imports=True,
    encoding="ASCII",
    errors="strict",
    buffers=None,
):
    """Read a pickled object from ``file``: a binary file object, or a path."""
    options = dict(
        allow=allow,
        trusted=trusted,
        fix_imports=fix_imports,
        encoding=encoding,
        errors=errors,
        buffers=buffers,
    )
    if _files.is_path(file):
        return loads(_files.read_bytes(file), **options)
    return Unpickler(file, **options).load()


class UnpicklerMemoProxy:
    """A view of an Unpickler's memo, as ``pickle.Unpickler.memo`` returns:
    ``copy()`` gives ``{index: object}``."""

    def __init__(self, memo: _UnpicklerMemo) -> None:
        self._memo = memo

    def copy(self) -> dict:
        return self._memo.copy()

    def clear(self) -> None:
        self._memo.clear()

    def __reduce__(self):
        return dict, (self.copy(),)


class Unpickler:
    """``pickle.Unpickler`` with serialkit's policy. Subclasses may override
    ``find_class`` (which then decides what is imported, as with the
    standard library) and ``persistent_load``. The memo is kept from one
    ``load`` to the next, as the standard library keeps it, so a stream
    written by one ``Pickler`` with several ``dump`` calls reads back."""

    def __init__(
        self,
        file,
        *,
        allow=(),
        trusted=False,
        fix_imports=True,
        encoding="ASCII",
        errors="strict",
        buffers=None,
    ):
        if not (hasattr(file, "read") and hasattr(file, "readline")):
            raise TypeError("file must have 'read' and 'readline' attributes")
        self._file = file
        self._allowed = _allowed_names(allow)
        self._trusted = trusted
        self._fix_imports = fix_imports
        self._encoding = encoding
        self._errors = errors
        self._buffers = buffers
        self._pending = b""
        self._memo = _UnpicklerMemo()

    def find_class(self, module, name):
        """Import ``module.name`` if the policy allows it; raise
        ``ForbiddenGlobal`` otherwise. Overrides take over the policy."""
        full = f"{module}.{name}"
        if not (self._trusted or full in SAFE_GLOBALS or full in self._allowed):
            raise ForbiddenGlobal(
                f"global '{full}' is forbidden: pass allow=['{full}'] if you trust it", full
            )
        return _std_pickle._Unpickler(io.BytesIO(), fix_imports=False).find_class(module, name)

    def _default_persistent_load(self, pid):
        """The hook for persistent ids."""
        raise UnpicklingError(
            "A load persistent id instruction was encountered, "
            "but no persistent_load function was specified."
        )

    persistent_load = _pickle_hooks.hook_property("persistent_load", _default_persistent_load)

    @property
    def memo(self) -> UnpicklerMemoProxy:
        """The objects loaded so far by index; ``memo.copy()`` gives
        ``{index: object}`` as ``pickle.Unpickler.memo`` does."""
        return UnpicklerMemoProxy(self._native_memo())

    @memo.setter
    def memo(self, value) -> None:
        if isinstance(value, UnpicklerMemoProxy):
            value = value.copy()
        elif not isinstance(value, dict):
            raise TypeError(
                "'memo' attribute must be an UnpicklerMemoProxy object or dict, "
                f"not {type(value).__name__}"
            )
        self._native_memo().replace(value)

    @memo.deleter
    def memo(self) -> None:
        raise TypeError("attribute deletion is not supported")

    def _native_memo(self) -> _UnpicklerMemo:
        try:
            return self.__dict__["_memo"]
        except KeyError:
            raise UnpicklingError(
                f"Unpickler.__init__() was not called by {type(self).__name__}.__init__()"
            ) from None

    def _hook(self, attribute):
        hook = getattr(self, attribute, None)
        base = getattr(Unpickler, attribute, None)
        if hook is None or getattr(hook, "__func__", None) is base:
            return None
        if _pickle_hooks.is_default(hook, Unpickler._default_persistent_load):
            return None
        return hook

    def _read_pickle(self, memo) -> bytes:
        """Bytes from the file that hold the next pickle (and maybe some of
        what follows it). Read in growing chunks until the pickle is whole,
        so that loading from a long file of many pickles does not read the
        rest of the file each time, and a stream that stays open (a pipe, a
        socket) is not read up to its end, which may never come."""
        data = bytearray(self._pending)
        self._pending = b""
        read = getattr(self._file, "read1", None) or self._file.read
        scanned_at = 0
        short = False
        while True:
            # Scan again once the data has doubled, or when the file had no
            # more to give right now, so that scanning stays linear in size.
            if data and (len(data) >= 2 * scanned_at or short):
                if _pickle_end(bytes(data), 0, memo) is not None:
                    return bytes(data)
                scanned_at = len(data)
            want = max(len(data), 1 << 13)
            chunk = read(want)
            if not chunk:
                return bytes(data)
            if isinstance(chunk, str):
                raise TypeError("a bytes-like object is required, not 'str'")
            data += chunk
            short = len(chunk) < want

    def load(self):
        """Read one pickle from the file, leaving the file just after it."""
        memo = self._native_memo()
        data = self._read_pickle(memo)
        if not data:
            raise EOFError("Ran out of input")
        value, end = _load(
            data,
            0,
            self._allowed,
            self._trusted,
            self._fix_imports,
            self._encoding,
            self._errors,
            self._buffers,
            self._hook("persistent_load"),
            self._hook("find_class"),
            memo,
        )
        rest = data[end:]
        if rest:
            seekable = getattr(self._file, "seekable", lambda: False)()
            if seekable:
                self._file.seek(-len(rest), os.SEEK_CUR)
            else:
                self._pending = rest
        return value
