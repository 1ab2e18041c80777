"""A drop-in for ``xmltodict`` (1.0), backed by serialkit's Rust engine and
hardened as ``defusedxml`` hardens the standard library's parsers.

``loads``/``parse`` return what ``xmltodict.parse`` returns and take all of
its options; ``dumps``/``unparse`` return what ``xmltodict.unparse`` returns
and take all of its options. Differences, all on the side of safety:

- malformed XML raises :class:`ParseError`, a subclass of both
  ``xml.parsers.expat.ExpatError`` (what xmltodict raises) and
  ``ValueError``, with ``lineno`` and ``offset`` (0-based column) as expat
  sets them; messages follow expat's wording;
- a DOCTYPE that declares entities raises :class:`EntitiesForbidden` (a
  ``ValueError``, as xmltodict's refusal is). With
  ``disable_entities=False`` internal entities are expanded as expat
  expands them (markup in them becomes elements), within
  ``max_expansion`` characters;
- nothing is ever fetched: an external DTD or external entity raises
  :class:`ExternalReferenceForbidden` (``forbid_external=False`` ignores
  them instead, as expat does without a handler); ``forbid_dtd=True``
  refuses any DOCTYPE (:class:`DTDForbidden`);
- nesting deeper than ``max_depth`` (default 10000) or input larger than
  ``max_size`` bytes raises :class:`LimitExceeded`;
- names that are not XML names are refused by ``dumps`` with a
  ``ValueError`` (xmltodict refuses only some of them);
- the ``expat=`` argument is accepted and ignored. Error positions are
  expat's for documents in memory (lines nearly always, columns in about
  98% of malformed documents); for streams they point at the start of the
  offending markup.

What expat does beyond the elements is done too: attribute defaults and
tokenized attribute types declared in the DOCTYPE's internal subset, its
comments (with ``process_comments``), character references, line-end and
attribute-value normalisation.

Streaming (``load`` or ``parse`` on a file object) reads 64 KiB at a time;
with ``item_depth``/``item_callback`` only the item being built is held, so
documents larger than memory stream in constant memory.

``dumps`` (not ``unparse``) also writes general Python data: a value that is
not a mapping is written under a ``<root>`` element, lists as repeated
``<item>`` elements; ``None`` is an empty element, booleans are ``true`` and
``false``, numbers as ``str()`` writes them, ``datetime``/``date``/``time``
as ``isoformat()``, enums as their value and dataclasses as elements with a
child per field. ``extra_types=False`` writes exactly what xmltodict writes.
"""

from __future__ import annotations

import codecs
import dataclasses
import itertools
import os
from collections.abc import Mapping
from inspect import isgenerator
from xml.parsers.expat import ExpatError, ParserCreate

from . import _files
from ._native import xml_parse as _parse
from ._native import xml_unparse as _unparse

__all__ = [
    "DTDForbidden",
    "DefusedXmlException",
    "EntitiesForbidden",
    "ExternalReferenceForbidden",
    "LimitExceeded",
    "ParseError",
    "ParsingInterrupted",
    "dump",
    "dumps",
    "load",
    "loads",
    "parse",
    "unparse",
]

DEFAULT_MAX_DEPTH = 10_000


class ParseError(ExpatError, ValueError):
    """Malformed XML. ``except ExpatError`` (xmltodict's) and ``except
    ValueError`` both catch it. ``lineno`` is 1-based, ``offset`` the
    0-based column, as with expat."""

    def __init__(self, msg: str, lineno: int, offset: int):
        super().__init__(f"{msg}: line {lineno}, column {offset}")
        self.msg = msg
        self.lineno = lineno
        self.offset = offset
        self.code = None


class DefusedXmlException(ValueError):
    """Base of the refusals of hostile documents."""


class EntitiesForbidden(DefusedXmlException):
    """The document declares entities and ``disable_entities`` is set."""


class ExternalReferenceForbidden(DefusedXmlException):
    """The document refers to an external DTD or entity."""


class DTDForbidden(DefusedXmlException):
    """The document has a DOCTYPE and ``forbid_dtd`` is set."""


class LimitExceeded(DefusedXmlException):
    """Nesting, size or entity expansion beyond the configured limit."""


class ParsingInterrupted(Exception):
    """An ``item_callback`` returned a false value."""


_REFUSALS = {
    "limit": LimitExceeded,
    "entities": EntitiesForbidden,
    "external": ExternalReferenceForbidden,
    "dtd": DTDForbidden,
}


def _error(kind: str, message: str, line: int, column: int) -> Exception:
    # Called by the native reader to build its exceptions.
    if kind == "syntax":
        return ParseError(message, line, column - 1)
    if kind == "io":
        return OSError(message)
    return _REFUSALS[kind](f"{message} (line {line}, column {column - 1})")


_HANDLER_OPTIONS = frozenset(
    {
        "item_depth",
        "item_callback",
        "xml_attribs",
        "attr_prefix",
        "cdata_key",
        "force_cdata",
        "cdata_separator",
        "postprocessor",
        "dict_constructor",
        "strip_whitespace",
        "namespaces",
        "force_list",
        "comment_key",
    }
)


def _expat_versions():
    """Which XML declaration versions the running interpreter's expat takes:
    2026's releases first refused an empty one, then any but ``1.`` and
    digits. A drop-in refuses what it refuses, so ask it once."""

    def accepted(version):
        parser = ParserCreate()
        try:
            parser.Parse(f'<?xml version="{version}"?><r/>', True)
        except ExpatError:
            return False
        return True

    if accepted("x"):
        return "any" if accepted("") else "non-empty"
    return "1.x"


_EXPAT_VERSIONS = _expat_versions()


def _native_options(
    encoding,
    process_namespaces,
    namespace_separator,
    disable_entities,
    process_comments,
    forbid_dtd,
    forbid_external,
    max_depth,
    max_size,
    max_expansion,
    kwargs,
):
    unknown = set(kwargs) - _HANDLER_OPTIONS
    if unknown:
        raise TypeError(
            f"_DictSAXHandler.__init__() got an unexpected keyword argument {sorted(unknown)[0]!r}"
        )
    if process_namespaces and namespace_separator is not None and len(namespace_separator) > 1:
        raise ValueError("namespace_separator must be at most one character, omitted, or None")
    options = dict(kwargs)
    if options.get("dict_constructor") is dict:
        del options["dict_constructor"]
    for key in ("force_list", "force_cdata", "namespaces", "postprocessor", "item_callback"):
        if options.get(key, 0) is None:
            del options[key]
    options["item_depth"] = int(options.get("item_depth", 0))
    return dict(
        options,
        encoding=encoding,
        # pyexpat without a separator does no namespace processing, so
        # neither does xmltodict.
        process_namespaces=bool(process_namespaces) and namespace_separator is not None,
        namespace_separator=namespace_separator if namespace_separator is not None else ":",
        disable_entities=bool(disable_entities),
        process_comments=bool(process_comments),
        forbid_dtd=bool(forbid_dtd),
        forbid_external=bool(forbid_external),
        max_depth=max_depth,
        max_size=max_size,
        max_expansion=max_expansion,
        versions=_EXPAT_VERSIONS,
        interrupted=ParsingInterrupted,
    )


def _needs_full_read(head: bytes | str, encoding) -> bool:
    # The native stream reader reads UTF-8; anything else is decoded whole.
    if isinstance(head, str):
        return False
    if encoding is not None and codecs.lookup(encoding).name != "utf-8":
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00?\x00", b"\x00<\x00?")):
        return True
    if head.startswith(b"<?xml"):
        end = head.find(b"?>")
        declaration = head[: end if end >= 0 else len(head)].decode("ascii", "replace")
        at = declaration.find("encoding")
        if at >= 0:
            rest = declaration[at + len("encoding") :].lstrip().lstrip("=").strip()
            label = rest[1:].split(rest[:1])[0] if rest[:1] in "\"'" and rest else ""
            try:
                return codecs.lookup(label).name not in ("utf-8", "ascii")
            except LookupError:
                return True
    return False


def _source_encoding(head: bytes, encoding) -> str | None:
    """The codec a byte stream is in, when it can be told from ``encoding``,
    a byte order mark or the XML declaration; None otherwise."""
    try:
        if encoding is not None:
            return codecs.lookup(encoding).name
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        if head.startswith(b"<\x00?\x00"):
            return "utf-16-le"
        if head.startswith(b"\x00<\x00?"):
            return "utf-16-be"
        end = head.find(b"?>")
        declaration = head[: end if end >= 0 else len(head)].decode("ascii", "replace")
        at = declaration.find("encoding")
        rest = declaration[at + len("encoding") :].lstrip().lstrip("=").strip()
        label = rest[1:].split(rest[:1])[0] if rest[:1] in "\"'" and rest else ""
        return codecs.lookup(label).name if at >= 0 and label else None
    except LookupError:
        return None


class _Transcoder:
    """A binary stream in another encoding, read as UTF-8 a piece at a time,
    so that streaming it takes the memory of one piece."""

    def __init__(self, head: bytes, file, encoding: str):
        self._file = file
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._line, self._column = 1, 0
        self._pending = self._decode(head, final=False)
        self._done = False

    def _decode(self, data: bytes, final: bool) -> bytes:
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError:
            raise ParseError(
                f"not well-formed (invalid token): not {self._encoding}", self._line, self._column
            ) from None
        newlines = text.count("\n")
        self._line += newlines
        self._column = len(text) - text.rfind("\n") - 1 if newlines else self._column + len(text)
        return text.encode("utf-8", "surrogatepass")

    def read(self, size=-1):
        while not self._done and (size < 0 or len(self._pending) < size):
            chunk = self._file.read(1 << 16)
            if not chunk:
                self._pending += self._decode(b"", final=True)
                self._done = True
            else:
                self._pending += self._decode(chunk, final=False)
        if size < 0:
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        return out


def loads(
    xml_input,
    encoding=None,
    expat=None,
    process_namespaces=False,
    namespace_separator=":",
    disable_entities=True,
    process_comments=False,
    *,
    forbid_dtd=False,
    forbid_external=True,
    max_depth=DEFAULT_MAX_DEPTH,
    max_size=None,
    max_expansion=None,
    **kwargs,
):
    """Parse XML (str, bytes, a file object or a generator of chunks) into
    xmltodict's shape. Takes every option of ``xmltodict.parse``; with
    ``item_depth`` and ``item_callback`` it streams, as xmltodict does."""
    options = _native_options(
        encoding,
        process_namespaces,
        namespace_separator,
        disable_entities,
        process_comments,
        forbid_dtd,
        forbid_external,
        max_depth,
        max_size,
        max_expansion,
        kwargs,
    )
    if hasattr(xml_input, "read"):
        head = xml_input.read(1 << 16)
        if _needs_full_read(head, encoding):
            source = _source_encoding(head, encoding)
            if options["item_depth"] and source is not None:
                # Streamed in constant memory: decoded as it is read and
                # handed on as UTF-8, which then overrides the declaration.
                reader = _Transcoder(head, xml_input, source)
                first = reader.read(1 << 16)
                return _parse(first, stream=reader, **dict(options, encoding="utf-8"))
            return _parse(head + xml_input.read(), **options)
        return _parse(head, stream=xml_input, **options)
    if isgenerator(xml_input):
        first = next(xml_input, None)
        chunks = itertools.chain(() if first is None else (first,), xml_input)
        if isinstance(first, str):
            # pyexpat parses str as UTF-8 whatever the declaration says, and
            # so does xmltodict with str chunks.
            encoding = "utf-8"
        return loads(_ChunkReader(chunks, encoding), **_caller_options(locals()))
    return _parse(xml_input, **options)


parse = loads


def _caller_options(names: dict) -> dict:
    # The arguments of a loads call, to hand them on unchanged.
    options = dict(names["kwargs"])
    for name in (
        "encoding",
        "process_namespaces",
        "namespace_separator",
        "disable_entities",
        "process_comments",
        "forbid_dtd",
        "forbid_external",
        "max_depth",
        "max_size",
        "max_expansion",
    ):
        options[name] = names[name]
    return options


class _ChunkReader:
    """A generator of str or bytes chunks as a file object, so that it is
    parsed as it is produced, as xmltodict parses it."""

    def __init__(self, chunks, encoding):
        self._chunks = chunks
        self._encoding = encoding or "utf-8"
        self._pending = b""

    def read(self, size=-1):
        while size < 0 or len(self._pending) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._pending += chunk.encode(self._encoding) if isinstance(chunk, str) else chunk
        if size < 0:
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        return out


def load(source, **options):
    """``loads`` from a file object or a path, read in chunks while parsing
    so that documents larger than memory can be streamed with
    ``item_depth``/``item_callback``."""
    if _files.is_path(source):
        with open(source, "rb") as handle:
            return loads(handle, **options)
    return loads(source, **options)


def _check_bytes_errors(bytes_errors):
    try:
        codecs.lookup_error(bytes_errors)
    except LookupError as exc:
        raise ValueError(f"Invalid bytes_errors handler: {bytes_errors}") from exc


def _write_text(output, text: str, encoding: str) -> None:
    try:
        output.write(text)
    except TypeError:
        output.write(text.encode(encoding, "xmlcharrefreplace"))


def unparse(
    input_dict,
    output=None,
    encoding="utf-8",
    full_document=True,
    short_empty_elements=False,
    comment_key="#comment",
    **kwargs,
):
    """Exactly ``xmltodict.unparse``: the document as a string, or written
    to ``output`` (a file object) when given."""
    return _unparse_with(
        input_dict,
        output,
        encoding,
        full_document,
        short_empty_elements,
        comment_key,
        False,
        kwargs,
    )


_UNPARSE_OPTIONS = frozenset(
    {
        "pretty",
        "newl",
        "indent",
        "attr_prefix",
        "cdata_key",
        "preprocessor",
        "namespace_separator",
        "namespaces",
        "expand_iter",
        "bytes_errors",
    }
)


def _unparse_with(
    input_dict, output, encoding, full_document, short_empty_elements, comment_key, extra, kwargs
):
    unknown = set(kwargs) - _UNPARSE_OPTIONS
    if unknown:
        raise TypeError(f"_emit() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    _check_bytes_errors(kwargs.get("bytes_errors", "replace"))
    options = {key: value for key, value in kwargs.items() if value is not None}
    if "newl" in options:
        options["newl"] = str(options["newl"])
    text = _unparse(
        input_dict,
        encoding=encoding,
        full_document=full_document,
        short_empty_elements=short_empty_elements,
        comment_key=comment_key,
        extra_types=extra,
        **options,
    )
    if output is None:
        return text
    _write_text(output, text, encoding)
    return None


def _as_document(obj, root_name: str, item_name: str):
    if isinstance(obj, Mapping):
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {root_name: obj}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return {root_name: {item_name: list(obj)}}
    return {root_name: obj}


def dumps(
    obj,
    *,
    encoding="utf-8",
    full_document=True,
    short_empty_elements=False,
    comment_key="#comment",
    extra_types=True,
    root_name="root",
    item_name="item",
    **kwargs,
):
    """The XML document for ``obj``, as ``xmltodict.unparse`` writes it for
    mappings; other values are written under ``<root>`` (see the module's
    documentation)."""
    document = _as_document(obj, root_name, item_name) if extra_types else obj
    return _unparse_with(
        document,
        None,
        encoding,
        full_document,
        short_empty_elements,
        comment_key,
        extra_types,
        kwargs,
    )


def dump(obj, output, **options) -> None:
    """``dumps`` to a file object, or atomically to a path."""
    text = dumps(obj, **options)
    encoding = options.get("encoding", "utf-8")
    if _files.is_path(output):
        _files.atomic_write(os.fspath(output), text.encode(encoding, "xmlcharrefreplace"))
        return
    _write_text(output, text, encoding)
