import os
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any
from xml.parsers.expat import ExpatError

_Path = str | os.PathLike[str]
_Input = str | bytes | bytearray | IO[bytes] | IO[str] | Iterable[str | bytes]

DEFAULT_MAX_DEPTH: int

class ParseError(ExpatError, ValueError):
    msg: str
    lineno: int
    offset: int
    code: None
    def __init__(self, msg: str, lineno: int, offset: int) -> None: ...

class DefusedXmlException(ValueError): ...
class EntitiesForbidden(DefusedXmlException): ...
class ExternalReferenceForbidden(DefusedXmlException): ...
class DTDForbidden(DefusedXmlException): ...
class LimitExceeded(DefusedXmlException): ...
class ParsingInterrupted(Exception): ...

def loads(
    xml_input: _Input,
    encoding: str | None = None,
    expat: Any = None,
    process_namespaces: bool = False,
    namespace_separator: str = ":",
    disable_entities: bool = True,
    process_comments: bool = False,
    *,
    forbid_dtd: bool = False,
    forbid_external: bool = True,
    max_depth: int = ...,
    max_size: int | None = None,
    max_expansion: int | None = None,
    item_depth: int = 0,
    item_callback: Callable[[list[Any], Any], Any] = ...,
    xml_attribs: bool = True,
    attr_prefix: str = "@",
    cdata_key: str = "#text",
    force_cdata: bool | Iterable[str] | Callable[[list[Any], str, Any], bool] = False,
    cdata_separator: str = "",
    postprocessor: Callable[[list[Any], str, Any], tuple[Any, Any] | None] | None = None,
    dict_constructor: Callable[..., Any] = ...,
    strip_whitespace: bool = True,
    namespaces: Mapping[str, str | None] | None = None,
    force_list: bool | Iterable[str] | Callable[[list[Any], str, Any], bool] | None = None,
    comment_key: str = "#comment",
) -> Any: ...

parse = loads

def load(source: IO[bytes] | IO[str] | _Path, **options: Any) -> Any: ...
def unparse(
    input_dict: Mapping[Any, Any],
    output: IO[str] | IO[bytes] | None = None,
    encoding: str = "utf-8",
    full_document: bool = True,
    short_empty_elements: bool = False,
    comment_key: str = "#comment",
    *,
    pretty: bool = False,
    newl: str = "\n",
    indent: str | int = "\t",
    attr_prefix: str = "@",
    cdata_key: str = "#text",
    preprocessor: Callable[[Any, Any], tuple[Any, Any] | None] | None = None,
    namespace_separator: str = ":",
    namespaces: Mapping[str, str] | None = None,
    expand_iter: str | None = None,
    bytes_errors: str = "replace",
) -> str | None: ...
def dumps(
    obj: Any,
    *,
    encoding: str = "utf-8",
    full_document: bool = True,
    short_empty_elements: bool = False,
    comment_key: str = "#comment",
    extra_types: bool = True,
    root_name: str = "root",
    item_name: str = "item",
    pretty: bool = False,
    newl: str = "\n",
    indent: str | int = "\t",
    attr_prefix: str = "@",
    cdata_key: str = "#text",
    preprocessor: Callable[[Any, Any], tuple[Any, Any] | None] | None = None,
    namespace_separator: str = ":",
    namespaces: Mapping[str, str] | None = None,
    expand_iter: str | None = None,
    bytes_errors: str = "replace",
) -> str: ...
def dump(obj: Any, output: IO[str] | IO[bytes] | _Path, **options: Any) -> None: ...
