"""A drop-in for the standard library's ``marshal`` that is safe to load.

``dumps`` writes exactly the bytes ``marshal.dumps`` writes, for every
version (0 to ``marshal.version``), reference flags and string forms
included. ``loads`` returns equal values and, like ``marshal.loads``,
ignores trailing bytes. Unlike the standard library's reader, it checks
what it reads: truncated data raises ``EOFError``; bad type codes,
references to unset slots, nesting past 2000 levels and sizes larger than
the input left raise ``ValueError``, quickly and without allocating what
the data merely declares. Nothing it reads can crash the interpreter.

Code objects are the interpreter's own business, and loading them means
trusting the data: ``loads`` refuses them unless ``allow_code=True``, and
``dumps`` writes them unless ``allow_code=False``. With code objects
present, the whole value is handed to the standard library's ``marshal``:
``dumps`` delegates at once; ``loads`` only after serialkit's reader has
checked the whole stream (sizes, references, depth), so what reaches the
interpreter's reader is well-formed. Everything else is read and written
by serialkit itself.

``file`` arguments may be binary file objects or paths (written
atomically).
"""

from __future__ import annotations

import marshal as _std_marshal
import sys

from . import _files
from ._native import marshal_dump as dump
from ._native import marshal_dumps as dumps
from ._native import marshal_load_prefix as _load_prefix
from ._native import marshal_loads as loads
from ._native import marshal_quirks as _quirks

__all__ = ["dump", "dumps", "load", "loads", "version"]

version: int = _std_marshal.version


def _interned_strings_always_flagged() -> bool:
    # An interned string held only by a temporary tuple: flagged or not,
    # depending on the CPython release (3.11.x added the rule).
    data = _std_marshal.dumps((sys.intern("".join(["serialkit", "_probe"])),), 3)
    return bool(data[5] & 0x80)


def _set_items_held_while_sorted() -> bool:
    # A float held by the set alone, next to a one-character string (the
    # interpreter's own, so always flagged): the float sorts first unless
    # the set's iterator holds a reference of its own while each item is
    # marshalled for the order, which flags the float too (3.13 on; the
    # answer means nothing before 3.11, whose marshal does not sort sets).
    data = _std_marshal.dumps(frozenset({float("2.5"), "a"}), 4)
    return data[5] & 0x7F != ord("g")


def _one_byte_bytes_cached() -> bool:
    data = b"s\x01\x00\x00\x00x"
    return _std_marshal.loads(data) is _std_marshal.loads(data)


# What the native half is told (kept for the tests, which may change it
# for a while to check what other interpreters do).
_QUIRKS = {
    "always_ref_interned": _interned_strings_always_flagged(),
    # Version 5 (Python 3.14) added slices; an older interpreter's marshal
    # neither writes nor reads them, whatever version it is asked for.
    "slices": _std_marshal.version >= 5,
    "set_item_held": _set_items_held_while_sorted(),
    "cached_one_byte": _one_byte_bytes_cached(),
}
_quirks(**_QUIRKS)


def load(file, /, *, allow_code=False):
    """Read one value from ``file`` (a binary file object or a path).

    As with ``marshal.load``, a file object is left just after the value,
    so several values written one after another can be read in turn. A
    seekable file is read to its end and set back; any other stream (a
    pipe, a socket) is read only as far as the value goes.
    """
    if _files.is_path(file):
        return loads(_files.read_bytes(file), allow_code=allow_code)
    seekable = getattr(file, "seekable", None)
    if seekable is None or not seekable():
        return _load_unseekable(file, allow_code)
    data = _check_read(file.read())
    value, used = _load_prefix(data, allow_code=allow_code)
    if used < len(data):
        file.seek(used - len(data), 1)
    return value


def _check_read(data):
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"file.read() returned not bytes but {type(data).__name__}")
    return data


def _load_unseekable(file, allow_code):
    # Each failed attempt says how long the value is at least; reading
    # exactly that much more never reads past the value.
    data = b""
    while True:
        try:
            value, _ = _load_prefix(data, allow_code=allow_code)
            return value
        except EOFError as err:
            needed = getattr(err, "serialkit_needed", 0)
            if needed <= len(data):
                raise
            while len(data) < needed:
                chunk = _check_read(file.read(needed - len(data)))
                if not chunk:
                    raise
                data += chunk
