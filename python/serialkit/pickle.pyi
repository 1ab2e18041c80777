import os
import pickle as _std_pickle
from collections.abc import Callable, Iterable
from typing import IO, Any

_Path = str | os.PathLike[str]
_Allow = Iterable[str | type | Callable[..., Any]] | str | type | Callable[..., Any]

HIGHEST_PROTOCOL: int
DEFAULT_PROTOCOL: int
SAFE_GLOBALS: frozenset[str]

class PickleError(_std_pickle.PickleError): ...
class PicklingError(PickleError, _std_pickle.PicklingError): ...
class UnpicklingError(PickleError, _std_pickle.UnpicklingError): ...

class ForbiddenGlobal(UnpicklingError):
    name: str
    def __init__(self, message: str, name: str = "") -> None: ...

def dumps(
    obj: Any,
    protocol: int | None = None,
    *,
    fix_imports: bool = True,
    buffer_callback: Callable[[_std_pickle.PickleBuffer], Any] | None = None,
) -> bytes: ...
def dump(
    obj: Any,
    file: IO[bytes] | _Path,
    protocol: int | None = None,
    *,
    fix_imports: bool = True,
    buffer_callback: Callable[[_std_pickle.PickleBuffer], Any] | None = None,
) -> None: ...
def loads(
    data: bytes | bytearray | memoryview,
    /,
    *,
    allow: _Allow = (),
    trusted: bool = False,
    fix_imports: bool = True,
    encoding: str = "ASCII",
    errors: str = "strict",
    buffers: Iterable[Any] | None = None,
) -> Any: ...
def load(
    file: IO[bytes] | _Path,
    *,
    allow: _Allow = (),
    trusted: bool = False,
    fix_imports: bool = True,
    encoding: str = "ASCII",
    errors: str = "strict",
    buffers: Iterable[Any] | None = None,
) -> Any: ...

class PicklerMemoProxy:
    def copy(self) -> dict[int, tuple[int, Any]]: ...
    def clear(self) -> None: ...

class UnpicklerMemoProxy:
    def copy(self) -> dict[int, Any]: ...
    def clear(self) -> None: ...

class Pickler:
    dispatch_table: Any
    persistent_id: Callable[[Any], Any]
    @property
    def protocol(self) -> int: ...
    @property
    def bin(self) -> int: ...
    @property
    def fast(self) -> int: ...
    @fast.setter
    def fast(self, value: int) -> None: ...
    @property
    def memo(self) -> PicklerMemoProxy: ...
    @memo.setter
    def memo(self, value: PicklerMemoProxy | dict[Any, tuple[int, Any]]) -> None: ...
    def __init__(
        self,
        file: IO[bytes],
        protocol: int | None = None,
        fix_imports: bool = True,
        buffer_callback: Callable[[_std_pickle.PickleBuffer], Any] | None = None,
    ) -> None: ...
    def dump(self, obj: Any) -> None: ...
    def clear_memo(self) -> None: ...

class Unpickler:
    persistent_load: Callable[[Any], Any]
    @property
    def memo(self) -> UnpicklerMemoProxy: ...
    @memo.setter
    def memo(self, value: UnpicklerMemoProxy | dict[int, Any]) -> None: ...
    def __init__(
        self,
        file: IO[bytes],
        *,
        allow: _Allow = (),
        trusted: bool = False,
        fix_imports: bool = True,
        encoding: str = "ASCII",
        errors: str = "strict",
        buffers: Iterable[Any] | None = None,
    ) -> None: ...
    def find_class(self, module: str, name: str) -> Any: ...
    def load(self) -> Any: ...
