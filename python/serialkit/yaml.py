"""YAML 1.2 with a PyYAML-compatible face, backed by serialkit's Rust engine.

serialkit's own API reads YAML 1.2 (core schema) by default and writes block
style with unicode kept and keys in insertion order:

- ``loads``/``load`` (one document), ``loads_all``/``load_all`` (a list of
  every document), ``dumps``/``dump``, ``dumps_all``/``dump_all``;
- ``schema="yaml11"`` resolves scalars as PyYAML does (yes/no booleans,
  ``0777`` octals, sexagesimal numbers, timestamps, ``<<`` merge keys);
- duplicate mapping keys are an error unless ``allow_duplicate_keys=True``.

The PyYAML names ``safe_load``, ``safe_load_all``, ``safe_dump`` and
``safe_dump_all`` behave like PyYAML's: YAML 1.1 resolution, the last of
duplicate keys wins, keys sorted on output, and for plain data
``safe_dump(data)`` returns exactly what ``yaml.safe_dump(data)`` returns,
with any of PyYAML's keyword arguments (``canonical``, ``default_style``,
``explicit_end``, ``line_break``, ``version``, ``tags``, ``encoding``, ...).
With ``encoding="utf-16"`` or ``"utf-32"`` (codecs that add a byte order
mark to every piece PyYAML writes) serialkit writes one mark only.

Loading is safe: standard tags are constructed (an unknown ``!!`` tag, or
one on the wrong kind of node, is a ``ConstructorError``, as in PyYAML),
other tags (local ``!foo``, or global outside yaml.org's) load as their
plain data, as the YAML test suite expects (PyYAML refuses them), and
``!!python/...`` tags that name a global (``name``, ``module``, ``object``,
``object/new``, ``object/apply``) import it only if
``allow`` names it (classes, functions or ``"module.qualname"`` strings, as
in ``serialkit.pickle``); otherwise ``ConstructorError`` names the tag.
An alias is the anchored object itself (recursive nodes included, as in
PyYAML). Expansion is budgeted: a stream whose aliases would expand it
past ``max_expansion`` nodes *and* past 100 times the nodes actually built
(a scalar counts one node per 64 bytes of its text)
is refused, so a billion-laughs document fails fast while realistic reuse
loads; ``max_depth`` and ``max_size`` bound nesting and input (flow
collections, ``[...]`` and ``{...}``, nest at most 255 deep: the event
parser's own cap).

Every function that takes a stream also takes a path; writes to a path are
atomic. Code written for PyYAML runs unchanged: ``load(stream,
Loader=yaml.FullLoader)`` (any of PyYAML's loader names) is ``safe_load``,
and ``dump(data)`` without a stream returns what ``yaml.dump(data)`` does.
"""

from __future__ import annotations

import codecs

from . import _files
from ._native import yaml_dump as _dump
from ._native import yaml_load as _native_load
from .pickle import _allowed_names

__all__ = [
    "ConstructorError",
    "EmitterError",
    "FullLoader",
    "Loader",
    "SafeLoader",
    "UnsafeLoader",
    "LimitError",
    "Mark",
    "ParserError",
    "ReaderError",
    "RepresenterError",
    "YAMLError",
    "dump",
    "dump_all",
    "dumps",
    "dumps_all",
    "load",
    "load_all",
    "loads",
    "loads_all",
    "safe_dump",
    "safe_dump_all",
    "safe_load",
    "safe_load_all",
]

_DEFAULT_MAX_DEPTH = 1000
_DEFAULT_MAX_SIZE = 1 << 31
_DEFAULT_MAX_EXPANSION = 1 << 20


class Mark:
    """Where an error happened, 0-based like PyYAML's ``Mark``."""

    def __init__(self, name: str, line: int, column: int) -> None:
        self.name = name
        self.line = line
        self.column = column

    def __repr__(self) -> str:
        return f"Mark(line={self.line}, column={self.column})"

    def __str__(self) -> str:
        return f'  in "{self.name}", line {self.line + 1}, column {self.column + 1}'


class YAMLError(ValueError):
    """Base of every error this module raises. ``line`` and ``column`` are
    1-based (``None`` when unknown); ``problem_mark`` holds them 0-based, as
    PyYAML's errors do."""

    def __init__(self, problem: str, line: int | None = None, column: int | None = None) -> None:
        self.problem = problem
        self.line = line
        self.column = column
        self.problem_mark = (
            Mark("<unicode string>", line - 1, column - 1)
            if line is not None and column is not None
            else None
        )
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{problem}{where}")


class ReaderError(YAMLError):
    """The input is not text (invalid UTF-8), or holds a character YAML does
    not allow in a stream (control characters but tab, LF, CR and NEL; lone
    surrogates; U+FFFE and U+FFFF). For the latter, ``position`` is the
    character's index, as in PyYAML's ``ReaderError``."""

    position: int | None = None


class ParserError(YAMLError):
    """The input is not well-formed YAML."""


class ConstructorError(YAMLError):
    """A node cannot be built: a duplicate key, an unhashable key, an invalid
    tagged scalar, or a ``!!python`` tag that is not allowed."""


class LimitError(YAMLError):
    """A limit was reached: ``max_depth``, ``max_size`` or ``max_expansion``."""


class EmitterError(YAMLError):
    """An output option PyYAML's emitter refuses (a YAML version other than
    1.x, an invalid ``%TAG`` handle or an empty prefix)."""


class RepresenterError(YAMLError):
    """An object of a type that cannot be written as YAML."""


# YAML streams may be UTF-16 or UTF-32 with a byte order mark (UTF-32's
# come first: its little-endian mark starts like UTF-16's).
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _load(data, **options):
    if isinstance(data, (bytes, bytearray)):
        for mark, encoding in _BYTE_ORDER_MARKS:
            if data.startswith(mark):
                try:
                    data = bytes(data).decode(encoding)
                except UnicodeDecodeError as err:
                    raise ReaderError(f"invalid {encoding.upper()}: {err.reason}") from None
                break
    return _native_load(data, **options)


def _text(stream, str_is_path: bool):
    """The content to parse: a file object's, or a path's. PyYAML's names
    take a ``str`` as the YAML text itself, so only ``os.PathLike`` is a
    path there."""
    if isinstance(stream, (str, bytes, bytearray)) and not (
        str_is_path and isinstance(stream, str)
    ):
        return stream
    if _files.is_path(stream):
        return _files.read_bytes(stream)
    if hasattr(stream, "read"):
        return stream.read()
    return stream


def _load_options(schema, allow, allow_duplicate_keys, max_depth, max_size, max_expansion):
    return {
        "schema": schema,
        "allow": _allowed_names(allow) if allow else set(),
        "allow_duplicate_keys": allow_duplicate_keys,
        "max_depth": max_depth,
        "max_size": max_size,
        "max_expansion": max_expansion,
    }


def loads(
    s,
    *,
    schema: str = "core",
    allow=(),
    allow_duplicate_keys: bool = False,
    max_depth: int = _DEFAULT_MAX_DEPTH,
    max_size: int = _DEFAULT_MAX_SIZE,
    max_expansion: int = _DEFAULT_MAX_EXPANSION,
):
    """Load the single document in ``s`` (str or bytes); ``None`` if empty."""
    options = _load_options(schema, allow, allow_duplicate_keys, max_depth, max_size, max_expansion)
    return _load(s, **options)


def loads_all(
    s,
    *,
    schema: str = "core",
    allow=(),
    allow_duplicate_keys: bool = False,
    max_depth: int = _DEFAULT_MAX_DEPTH,
    max_size: int = _DEFAULT_MAX_SIZE,
    max_expansion: int = _DEFAULT_MAX_EXPANSION,
) -> list:
    """Load every document in ``s`` into a list."""
    options = _load_options(schema, allow, allow_duplicate_keys, max_depth, max_size, max_expansion)
    return _load(s, all=True, **options)


class SafeLoader:
    """PyYAML's loader names, accepted by ``load(stream, Loader=...)`` so
    that PyYAML code runs unchanged. serialkit never constructs arbitrary
    objects: every one of them loads as ``safe_load`` does, ``UnsafeLoader``
    included (a ``!!python/...`` tag is refused with an error naming it).
    PyYAML's ``BaseLoader``, which leaves every scalar a string, is not
    offered: standing in for it with ``safe_load`` would change values."""


FullLoader = Loader = UnsafeLoader = SafeLoader


def load(fp, Loader=None, **options):  # noqa: N803 (PyYAML's spelling)
    """``loads`` on a file object's content or a path's. Called PyYAML's way,
    ``load(stream, Loader=...)``, it is ``safe_load(stream)``: a ``str`` is
    the YAML text itself."""
    if Loader is not None:
        return safe_load(fp)
    return loads(_text(fp, True), **options)


def load_all(fp, Loader=None, **options):  # noqa: N803 (PyYAML's spelling)
    """``loads_all`` on a file object's content or a path's; with
    ``Loader=``, ``safe_load_all(stream)``."""
    if Loader is not None:
        return safe_load_all(fp)
    return loads_all(_text(fp, True), **options)


def dumps_all(
    documents,
    *,
    indent: int = 2,
    width: int = 80,
    sort_keys: bool = False,
    default_flow_style: bool | None = False,
    explicit_start: bool = False,
    allow_unicode: bool = True,
) -> str:
    """Write ``documents`` as one stream (``---`` between documents)."""
    return _dump(
        documents,
        indent=indent,
        width=_width(width),
        sort_keys=sort_keys,
        default_flow_style=default_flow_style,
        explicit_start=explicit_start,
        allow_unicode=allow_unicode,
    )


def dumps(obj, **options) -> str:
    """Write one document. Strings are quoted only when they must be to
    read back as strings under both schemas."""
    return dumps_all([obj], **options)


def _write(text: str, fp) -> None:
    if _files.is_path(fp):
        _files.atomic_write(fp, text)
    else:
        fp.write(text)


def dump(obj, fp=None, Dumper=None, **options):  # noqa: N803 (PyYAML's spelling)
    """``dumps`` into a file object, or atomically into a path.

    Without ``fp`` this is PyYAML's ``yaml.dump(data)``: it returns the text
    PyYAML returns for plain data (keys sorted, non-ASCII escaped), which is
    what code written for PyYAML expects to see."""
    if fp is None:
        return safe_dump(obj, **options)
    _write(dumps(obj, **options), fp)
    return None


def dump_all(documents, fp=None, Dumper=None, **options):  # noqa: N803 (PyYAML's spelling)
    """``dumps_all`` into a file object, or atomically into a path; without
    ``fp``, PyYAML's ``yaml.dump_all(documents)``."""
    if fp is None:
        return safe_dump_all(documents, **options)
    _write(dumps_all(documents, **options), fp)
    return None


def _width(width) -> int:
    if width is None:
        return 80
    if width == float("inf") or width > 1 << 62:
        return 1 << 62
    return int(width)


# PyYAML's names, with PyYAML's behaviour.


def safe_load(stream):
    """PyYAML's ``safe_load``: YAML 1.1 resolution, the last of duplicate
    keys wins, every ``!!python/...`` tag refused (``ConstructorError``).
    ``stream`` is a str, bytes, a file object or a path."""
    return _load(
        _text(stream, False), schema="yaml11", allow_duplicate_keys=True, python_tags=False
    )


def safe_load_all(stream):
    """PyYAML's ``safe_load_all``: an iterator over the documents."""
    return iter(
        _load(
            _text(stream, False),
            schema="yaml11",
            allow_duplicate_keys=True,
            all=True,
            python_tags=False,
        )
    )


_DEFAULT_TAG_PREFIXES = {"!": "!", "tag:yaml.org,2002:": "!!"}
_URI_CHARACTERS = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-;/?!:@&=+$,_.~*'()[]"
)


def _tag_handle(handle: str) -> str:
    if not handle:
        raise EmitterError("tag handle must not be empty")
    if handle[0] != "!" or handle[-1] != "!":
        raise EmitterError(f"tag handle must start and end with '!': {handle!r}")
    for ch in handle[1:-1]:
        if not (ch.isascii() and (ch.isalnum() or ch in "-_")):
            raise EmitterError(f"invalid character {ch!r} in the tag handle: {handle!r}")
    return handle


def _tag_prefix(prefix: str) -> str:
    """The prefix as PyYAML's emitter writes it: characters outside URIs
    percent-escaped as UTF-8."""
    if not prefix:
        raise EmitterError("tag prefix must not be empty")
    head, rest = (prefix[0], prefix[1:]) if prefix[0] == "!" else ("", prefix)
    escaped = (
        ch if ch in _URI_CHARACTERS else "".join(f"%{b:02X}" for b in ch.encode()) for ch in rest
    )
    return head + "".join(escaped)


def _directives(version, tags):
    """The directive lines before each document, and the tag prefixes
    (with their handles) when ``tags`` changes them."""
    lines = []
    if version:
        major, minor = version
        if major != 1:
            raise EmitterError(f"unsupported YAML version: {major}.{minor}")
        lines.append(f"%YAML {major}.{minor}")
    prefixes = []
    if tags:
        handles = dict(_DEFAULT_TAG_PREFIXES)
        for handle in sorted(tags):
            prefix = tags[handle]
            handles[prefix] = handle
            lines.append(f"%TAG {_tag_handle(handle)} {_tag_prefix(prefix)}")
        prefixes = sorted(handles.items())
    return lines, prefixes


def safe_dump_all(
    documents,
    stream=None,
    *,
    default_style: str | None = None,
    default_flow_style: bool | None = False,
    canonical: bool | None = None,
    indent: int | None = None,
    width: int | None = None,
    allow_unicode: bool | None = None,
    line_break: str | None = None,
    encoding: str | None = None,
    explicit_start: bool | None = None,
    explicit_end: bool | None = None,
    version: tuple[int, int] | None = None,
    tags: dict[str, str] | None = None,
    sort_keys: bool = True,
):
    """PyYAML's ``safe_dump_all``, with its keyword arguments: returns the
    text when ``stream`` is None (bytes with ``encoding``, after a byte
    order mark for UTF-16 as PyYAML writes it), else writes it there."""
    directives, tag_prefixes = _directives(version, tags)
    text = _dump(
        documents,
        indent=indent or 2,
        width=_width(width),
        sort_keys=sort_keys,
        default_flow_style=default_flow_style,
        explicit_start=bool(explicit_start),
        allow_unicode=bool(allow_unicode),
        compat=True,
        explicit_end=bool(explicit_end),
        canonical=bool(canonical),
        default_style=default_style,
        line_break=line_break,
        directives=directives,
        tag_prefixes=tag_prefixes,
    )
    # PyYAML encodes only when the stream has no encoding of its own (a
    # text file takes str).
    if encoding and not hasattr(stream, "encoding"):
        bom = "\ufeff".encode(encoding) if encoding.startswith("utf-16") else b""
        data = bom + text.encode(encoding)
    else:
        data = text
    if stream is None:
        return data
    if _files.is_path(stream):
        _files.atomic_write(stream, data)
    else:
        stream.write(data)
    return None


def safe_dump(data, stream=None, **kwds):
    """PyYAML's ``safe_dump``: block style, keys sorted, non-ASCII escaped
    unless ``allow_unicode=True``."""
    return safe_dump_all([data], stream, **kwds)
