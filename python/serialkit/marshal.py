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
from ._native import marshal_always_ref_interned as _always_ref_interned
from ._native import marshal_dump as dump
from ._native import marshal_dumps as dumps
from ._native import marshal_load_prefix as _load_prefix
from ._native import marshal_loads as loads

__all__ = ["dump", "dumps", "load", "loads", "version"]

version: int = _std_marshal.version


def _interned_strings_always_flagged() -> bool:
    # An interned string held only by a temporary tuple: flagged or not,
    # depending on the CPython release (3.11.x added the rule).
    data = _std_marshal.dumps((sys.intern("".join(["serialkit", "_probe"])),), 3)
    return bool(data[5] & 0x80)


_always_ref_interned(_interned_strings_always_flagged())


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
