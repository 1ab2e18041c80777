import os
from typing import IO, Any

__all__ = ["dump", "dumps", "load", "loads", "version"]

version: int

def dumps(value: Any, version: int = ..., /, *, allow_code: bool = True) -> bytes: ...
def dump(
    value: Any,
    file: IO[bytes] | str | os.PathLike[str],
    version: int = ...,
    /,
    *,
    allow_code: bool = True,
) -> None: ...
def loads(data: bytes | bytearray | memoryview, /, *, allow_code: bool = False) -> Any: ...
def load(file: IO[bytes] | str | os.PathLike[str], /, *, allow_code: bool = False) -> Any: ...
