import os
from collections.abc import Iterable, Iterator
from typing import IO, Any

_Allow = Iterable[str | type | Any] | str | type
_Path = str | os.PathLike[str]

class Mark:
    name: str
    line: int
    column: int
    def __init__(self, name: str, line: int, column: int) -> None: ...

class YAMLError(ValueError):
    problem: str
    line: int | None
    column: int | None
    problem_mark: Mark | None
    def __init__(
        self, problem: str, line: int | None = None, column: int | None = None
    ) -> None: ...

class ReaderError(YAMLError):
    position: int | None

class ParserError(YAMLError): ...
class ConstructorError(YAMLError): ...
class LimitError(YAMLError): ...
class EmitterError(YAMLError): ...
class RepresenterError(YAMLError): ...

def loads(
    s: str | bytes | bytearray,
    *,
    schema: str = "core",
    allow: _Allow = (),
    allow_duplicate_keys: bool = False,
    max_depth: int = ...,
    max_size: int = ...,
    max_expansion: int = ...,
) -> Any: ...
def loads_all(
    s: str | bytes | bytearray,
    *,
    schema: str = "core",
    allow: _Allow = (),
    allow_duplicate_keys: bool = False,
    max_depth: int = ...,
    max_size: int = ...,
    max_expansion: int = ...,
) -> list[Any]: ...

class SafeLoader: ...

FullLoader = SafeLoader
UnsafeLoader = SafeLoader
Loader = SafeLoader

def load(fp: IO[str] | IO[bytes] | _Path, Loader: type | None = None, **options: Any) -> Any: ...
def load_all(
    fp: IO[str] | IO[bytes] | _Path, Loader: type | None = None, **options: Any
) -> Any: ...
def dumps_all(
    documents: Iterable[Any],
    *,
    indent: int = 2,
    width: int = 80,
    sort_keys: bool = False,
    default_flow_style: bool | None = False,
    explicit_start: bool = False,
    allow_unicode: bool = True,
) -> str: ...
def dumps(obj: Any, **options: Any) -> str: ...
def dump(
    obj: Any, fp: IO[str] | _Path | None = None, Dumper: Any = None, **options: Any
) -> Any: ...
def dump_all(
    documents: Iterable[Any],
    fp: IO[str] | _Path | None = None,
    Dumper: Any = None,
    **options: Any,
) -> Any: ...
def safe_load(stream: str | bytes | IO[str] | IO[bytes] | os.PathLike[str]) -> Any: ...
def safe_load_all(
    stream: str | bytes | IO[str] | IO[bytes] | os.PathLike[str],
) -> Iterator[Any]: ...
def safe_dump_all(
    documents: Iterable[Any],
    stream: IO[str] | IO[bytes] | _Path | None = None,
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
) -> Any: ...
def safe_dump(data: Any, stream: IO[str] | IO[bytes] | _Path | None = None, **kwds: Any) -> Any: ...
