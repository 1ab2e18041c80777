from collections.abc import Callable, Iterable
from typing import Any, Literal

__version__: str

def json_loads(
    s: str | bytes | bytearray,
    *,
    object_hook: Callable[[dict[Any, Any]], Any] | None = None,
    parse_float: Callable[[str], Any] | None = None,
    parse_int: Callable[[str], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
    object_pairs_hook: Callable[[list[tuple[Any, Any]]], Any] | None = None,
    strict: bool = True,
) -> Any: ...
def json_raw_decode(
    s: str,
    idx: int = 0,
    *,
    object_hook: Callable[[dict[Any, Any]], Any] | None = None,
    parse_float: Callable[[str], Any] | None = None,
    parse_int: Callable[[str], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
    object_pairs_hook: Callable[[list[tuple[Any, Any]]], Any] | None = None,
    strict: bool = True,
) -> tuple[Any, int]: ...
def json_dumps(
    obj: Any,
    *,
    skipkeys: bool = False,
    ensure_ascii: bool = True,
    check_circular: bool = True,
    allow_nan: bool = True,
    indent: str | None = None,
    item_separator: str | None = None,
    key_separator: str | None = None,
    default: Callable[[Any], Any] | None = None,
    sort_keys: bool = False,
    extra_types: bool = True,
) -> str: ...

PICKLE_SAFE_GLOBALS: list[str]

def pickle_load(
    data: bytes,
    start: int,
    allow: frozenset[str] | set[str],
    trusted: bool,
    fix_imports: bool,
    encoding: str,
    errors: str,
    buffers: Any,
    persistent_load: Callable[[Any], Any] | None,
    find_class: Callable[[str, str], Any] | None,
    memo: UnpicklerMemo | None,
    /,
) -> tuple[Any, int]: ...
def pickle_end(data: bytes, start: int, memo: UnpicklerMemo | None, /) -> int | None: ...

class UnpicklerMemo:
    def __init__(self) -> None: ...
    def __len__(self) -> int: ...
    def copy(self) -> dict[int, Any]: ...
    def clear(self) -> None: ...
    def replace(self, entries: dict[int, Any]) -> None: ...

def pickle_dumps(
    obj: Any, protocol: int | None = None, fix_imports: bool = True, buffer_callback: Any = None
) -> bytes: ...

class PicklerCore:
    protocol: int
    fast: bool
    def __init__(
        self,
        protocol: int | None = None,
        fix_imports: bool | None = None,
        buffer_callback: Any = None,
    ) -> None: ...
    def dump(
        self,
        obj: Any,
        write: Callable[[bytes], Any] | None = None,
        persistent_id: Callable[[Any], Any] | None = None,
        dispatch_table: Any = None,
        reducer_override: Callable[[Any], Any] | None = None,
        has_dispatch_table: bool = False,
    ) -> bytes | None: ...
    def clear_memo(self) -> None: ...
    def memo_copy(self) -> dict[int, tuple[int, Any]]: ...
    def set_memo(self, entries: dict[Any, tuple[int, Any]]) -> None: ...

def scan_bytes(name: str, data: bytes) -> dict[str, Any]: ...
def scan_files(paths: list[str]) -> dict[str, Any]: ...
def marshal_dumps(value: Any, version: int = 4, /, *, allow_code: bool = True) -> bytes: ...
def marshal_dump(
    value: Any, file: Any, version: int = 4, /, *, allow_code: bool = True
) -> None: ...
def marshal_loads(data: Any, /, *, allow_code: bool = False) -> Any: ...
def marshal_load_prefix(data: Any, /, *, allow_code: bool = False) -> tuple[Any, int]: ...
def marshal_quirks(
    *, always_ref_interned: bool, slices: bool, set_item_held: bool, cached_one_byte: bool
) -> None: ...
def yaml_load(
    data: str | bytes | bytearray,
    *,
    schema: str = "core",
    all: bool = False,
    allow_duplicate_keys: bool = False,
    allow: set[str] = ...,
    max_depth: int = ...,
    max_size: int = ...,
    max_expansion: int = ...,
    python_tags: bool = True,
) -> Any: ...
def yaml_dump(
    documents: Iterable[Any],
    *,
    indent: int = 2,
    width: int = 80,
    sort_keys: bool = False,
    default_flow_style: bool | None = False,
    explicit_start: bool = False,
    allow_unicode: bool = True,
    compat: bool = False,
    explicit_end: bool = False,
    canonical: bool = False,
    default_style: str | None = None,
    line_break: str | None = None,
    directives: list[str] = ...,
    tag_prefixes: list[tuple[str, str]] = ...,
) -> str: ...
def xml_parse(
    data: str | bytes | bytearray,
    *,
    stream: Any = None,
    encoding: str | None = None,
    process_namespaces: bool = False,
    namespace_separator: str = ":",
    disable_entities: bool = True,
    forbid_dtd: bool = False,
    forbid_external: bool = True,
    process_comments: bool = False,
    max_depth: int | None = None,
    max_size: int | None = None,
    max_expansion: int | None = None,
    item_depth: int = 0,
    item_callback: Callable[[list[Any], Any], Any] | None = None,
    xml_attribs: bool = True,
    attr_prefix: str = "@",
    cdata_key: str | None = None,
    force_cdata: Any = None,
    cdata_separator: str = "",
    postprocessor: Callable[[list[Any], Any, Any], Any] | None = None,
    dict_constructor: Callable[..., Any] | None = None,
    strip_whitespace: bool = True,
    namespaces: Any = None,
    force_list: Any = None,
    comment_key: str | None = None,
    interrupted: type[BaseException] | None = None,
    versions: Literal["any", "non-empty", "1.x"] = "1.x",
) -> Any: ...
def xml_unparse(
    input_dict: Any,
    *,
    encoding: str = "utf-8",
    full_document: bool = True,
    short_empty_elements: bool = False,
    comment_key: Any = None,
    pretty: bool = False,
    newl: str = "\n",
    indent: str | int | None = None,
    attr_prefix: str = "@",
    cdata_key: Any = None,
    preprocessor: Callable[[Any, Any], Any] | None = None,
    namespace_separator: str = ":",
    namespaces: Any = None,
    expand_iter: Any = None,
    bytes_errors: str = "replace",
    extra_types: bool = True,
) -> str: ...
