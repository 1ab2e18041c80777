"""A drop-in for the standard library's ``json``, backed by serialkit's Rust
engine.

For everything ``json`` accepts, ``dumps`` returns the identical string and
``loads`` returns equal objects, with the same errors at the same positions.

Beyond ``json``, these types are written natively: dataclasses (fields in
order), ``datetime``/``date``/``time`` (``isoformat()``), ``uuid.UUID``,
``decimal.Decimal`` (an exact JSON number), ``enum.Enum`` (its value) and
``set``/``frozenset`` (arrays). Pass ``extra_types=False`` to get the
standard library's behaviour exactly, with those types going to
``default=`` too.

``dump`` and ``load`` also take a path (``str`` or ``os.PathLike``) in place
of a file object; writing to a path is atomic.
"""

from __future__ import annotations

import json as _std_json

from . import _files
from ._native import json_dumps as _dumps
from ._native import json_loads as _loads
from ._native import json_raw_decode as _raw_decode

__all__ = [
    "dump",
    "dumps",
    "load",
    "loads",
    "JSONDecoder",
    "JSONDecodeError",
    "JSONEncoder",
]


class JSONDecodeError(_std_json.JSONDecodeError):
    """Raised for malformed JSON; an ``except json.JSONDecodeError`` clause
    catches it too. Carries ``msg``, ``doc``, ``pos``, ``lineno`` and
    ``colno``."""


def _layout(indent, separators):
    if indent is not None and not isinstance(indent, str):
        indent = " " * indent
    if separators is None:
        return indent, None, None
    item_separator, key_separator = separators
    return indent, item_separator, key_separator


class JSONEncoder(_std_json.JSONEncoder):
    """``json.JSONEncoder`` with serialkit's engine behind ``encode``.
    Subclasses may override ``default`` as with the standard library."""

    def __init__(self, *, extra_types=True, **kwargs):
        super().__init__(**kwargs)
        self.extra_types = extra_types

    def encode(self, o):
        return _dumps(
            o,
            skipkeys=self.skipkeys,
            ensure_ascii=self.ensure_ascii,
            check_circular=self.check_circular,
            allow_nan=self.allow_nan,
            indent=_layout(self.indent, None)[0],
            item_separator=self.item_separator,
            key_separator=self.key_separator,
            default=self.default,
            sort_keys=self.sort_keys,
            extra_types=self.extra_types,
        )

    def iterencode(self, o, _one_shot=False):
        return iter((self.encode(o),))


class JSONDecoder(_std_json.JSONDecoder):
    """``json.JSONDecoder`` with serialkit's engine behind ``decode`` and
    ``raw_decode``."""

    def _hooks(self):
        return {
            "object_hook": self.object_hook,
            "parse_float": self.parse_float,
            "parse_int": self.parse_int,
            "parse_constant": None if self.parse_constant is _STD_CONSTANT else self.parse_constant,
            "object_pairs_hook": self.object_pairs_hook,
            "strict": self.strict,
        }

    def decode(self, s, _w=None):
        if isinstance(s, str) and s.startswith("\ufeff"):
            # Only json.loads names the BOM; the decoder just finds no value.
            raise JSONDecodeError("Expecting value", s, 0)
        return _loads(s, **self._hooks())

    def raw_decode(self, s, idx=0):
        return _raw_decode(s, idx, **self._hooks())


_STD_CONSTANT = _std_json.JSONDecoder().parse_constant


def dumps(
    obj,
    *,
    skipkeys=False,
    ensure_ascii=True,
    check_circular=True,
    allow_nan=True,
    cls=None,
    indent=None,
    separators=None,
    default=None,
    sort_keys=False,
    extra_types=True,
    **kw,
):
    """Serialize ``obj`` to a JSON formatted ``str``, as ``json.dumps``."""
    if cls is None and not kw:
        indent, item_separator, key_separator = _layout(indent, separators)
        return _dumps(
            obj,
            skipkeys=skipkeys,
            ensure_ascii=ensure_ascii,
            check_circular=check_circular,
            allow_nan=allow_nan,
            indent=indent,
            item_separator=item_separator,
            key_separator=key_separator,
            default=default,
            sort_keys=sort_keys,
            extra_types=extra_types,
        )
    if cls is None:
        cls = JSONEncoder
    if issubclass(cls, JSONEncoder):
        kw["extra_types"] = extra_types
    return cls(
        skipkeys=skipkeys,
        ensure_ascii=ensure_ascii,
        check_circular=check_circular,
        allow_nan=allow_nan,
        indent=indent,
        separators=separators,
        default=default,
        sort_keys=sort_keys,
        **kw,
    ).encode(obj)


def dump(obj, fp, **kwargs):
    """Serialize ``obj`` as JSON to ``fp``: a file object with ``write``, or
    a path, which is replaced atomically."""
    text = dumps(obj, **kwargs)
    if _files.is_path(fp):
        _files.atomic_write(fp, text)
    else:
        fp.write(text)


def loads(
    s,
    *,
    cls=None,
    object_hook=None,
    parse_float=None,
    parse_int=None,
    parse_constant=None,
    object_pairs_hook=None,
    **kw,
):
    """Deserialize ``s`` (``str``, ``bytes`` or ``bytearray``) to a Python
    object, as ``json.loads``."""
    if cls is None or cls is JSONDecoder:
        if kw.keys() - {"strict"}:
            JSONDecoder(**kw)  # raises the standard library's TypeError
        return _loads(
            s,
            object_hook=object_hook,
            parse_float=parse_float,
            parse_int=parse_int,
            parse_constant=parse_constant,
            object_pairs_hook=object_pairs_hook,
            **kw,
        )
    # A decoder class of the caller's: do what the standard library does.
    return _std_json.loads(
        s,
        cls=cls,
        object_hook=object_hook,
        parse_float=parse_float,
        parse_int=parse_int,
        parse_constant=parse_constant,
        object_pairs_hook=object_pairs_hook,
        **kw,
    )


def load(fp, **kwargs):
    """Deserialize JSON from ``fp``: a file object with ``read``, or a path."""
    if _files.is_path(fp):
        return loads(_files.read_bytes(fp), **kwargs)
    return loads(fp.read(), **kwargs)
