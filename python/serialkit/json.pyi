import json as _std_json
import os
from collections.abc import Callable
from typing import IO, Any

_Path = str | os.PathLike[str]
_Hook = Callable[[str], Any] | None

__all__ = ["dump", "dumps", "load", "loads", "JSONDecoder", "JSONDecodeError", "JSONEncoder"]

class JSONDecodeError(_std_json.JSONDecodeError): ...

class JSONEncoder(_std_json.JSONEncoder):
    extra_types: bool
    def __init__(
        self,
        *,
        extra_types: bool = True,
        skipkeys: bool = False,
        ensure_ascii: bool = True,
        check_circular: bool = True,
        allow_nan: bool = True,
        sort_keys: bool = False,
        indent: int | str | None = None,
        separators: tuple[str, str] | None = None,
        default: Callable[[Any], Any] | None = None,
    ) -> None: ...
    def encode(self, o: Any) -> str: ...

class JSONDecoder(_std_json.JSONDecoder):
    def decode(self, s: str | bytes | bytearray, _w: Any = None) -> Any: ...
    def raw_decode(self, s: str, idx: int = 0) -> tuple[Any, int]: ...

def dumps(
    obj: Any,
    *,
    skipkeys: bool = False,
    ensure_ascii: bool = True,
    check_circular: bool = True,
    allow_nan: bool = True,
    cls: type[_std_json.JSONEncoder] | None = None,
    indent: int | str | None = None,
    separators: tuple[str, str] | None = None,
    default: Callable[[Any], Any] | None = None,
    sort_keys: bool = False,
    extra_types: bool = True,
    **kw: Any,
) -> str: ...
def dump(
    obj: Any,
    fp: IO[str] | _Path,
    *,
    skipkeys: bool = False,
    ensure_ascii: bool = True,
    check_circular: bool = True,
    allow_nan: bool = True,
    cls: type[_std_json.JSONEncoder] | None = None,
    indent: int | str | None = None,
    separators: tuple[str, str] | None = None,
    default: Callable[[Any], Any] | None = None,
    sort_keys: bool = False,
    extra_types: bool = True,
    **kw: Any,
) -> None: ...
def loads(
    s: str | bytes | bytearray,
    *,
    cls: type[_std_json.JSONDecoder] | None = None,
    object_hook: Callable[[dict[Any, Any]], Any] | None = None,
    parse_float: _Hook = None,
    parse_int: _Hook = None,
    parse_constant: _Hook = None,
    object_pairs_hook: Callable[[list[tuple[Any, Any]]], Any] | None = None,
    strict: bool = True,
    **kw: Any,
) -> Any: ...
def load(
    fp: IO[str] | IO[bytes] | _Path,
    *,
    cls: type[_std_json.JSONDecoder] | None = None,
    object_hook: Callable[[dict[Any, Any]], Any] | None = None,
    parse_float: _Hook = None,
    parse_int: _Hook = None,
    parse_constant: _Hook = None,
    object_pairs_hook: Callable[[list[tuple[Any, Any]]], Any] | None = None,
    strict: bool = True,
    **kw: Any,
) -> Any: ...
