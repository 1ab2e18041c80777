from collections.abc import Callable
from typing import Any

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
