"""The version 5 golden vectors (tests/marshal314, written by Python 3.14's
marshal through make_golden.py), and the values they stand for, on any
Python. Needs nothing but the standard library: the Rust tests run it with
python3 as a checker (``python3 tests/marshalgolden.py check-pickles DIR``).
"""

from __future__ import annotations

import json
import math
import pickle
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "marshal314"
GOLDEN = json.loads((HERE / "golden.json").read_text())
VECTORS = GOLDEN["vectors"]


class StandInSlice(tuple):
    """A hashable stand-in for ``slice`` (slices are hashable from 3.12
    only), built from the same arguments."""

    def __new__(cls, *args):
        if len(args) == 1:
            args = (None, args[0], None)
        elif len(args) == 2:
            args = (*args, None)
        return super().__new__(cls, args)


def data(vector) -> bytes:
    return bytes.fromhex(vector["version5"])


def expected(vector, slice_type=slice):
    """The value of the vector's expression, with ``slice`` standing for
    ``slice_type``."""
    return eval(vector["expression"], {"slice": slice_type, "__builtins__": __builtins__})


def buildable(vector) -> bool:
    """Whether this interpreter can build the value with real slices."""
    return not vector["hashable_slices"] or sys.version_info >= (3, 12)


_SHARABLE = (list, dict, set, frozenset, tuple, slice, StandInSlice, bytearray)


def same(a, b, pairs=None) -> bool:
    """Equality that tells 1 from True, 0.0 from -0.0 and str from bytes,
    and holds NaN equal; and sharing: an object met again on one side is
    met again on the other, in the same place."""
    pairs = {} if pairs is None else pairs
    if type(a) is not type(b):
        return False
    if isinstance(a, _SHARABLE) and not (isinstance(a, tuple) and not a):
        seen = pairs.get(("a", id(a)))
        if seen is not None:
            return seen == id(b) and pairs.get(("b", id(b))) == id(a)
        if ("b", id(b)) in pairs:
            return False
        pairs[("a", id(a))] = id(b)
        pairs[("b", id(b))] = id(a)
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, complex):
        return same(a.real, b.real, pairs) and same(a.imag, b.imag, pairs)
    if isinstance(a, slice):
        return all(same(x, y, pairs) for x, y in zip(_fields(a), _fields(b)))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, pairs) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb, pairs) and same(va, vb, pairs)
            for (ka, va), (kb, vb) in zip(a.items(), b.items())
        )
    if isinstance(a, (set, frozenset)):
        return a == b
    return a == b


def _fields(value: slice) -> tuple:
    return (value.start, value.stop, value.step)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("builtins", "slice"):
            return StandInSlice
        return super().find_class(module, name)


def check_pickles(directory: Path) -> None:
    """Each ``<name>.pickle`` in ``directory`` holds the value of the vector
    of that name (slices as stand-ins)."""
    checked = 0
    for vector in VECTORS:
        path = directory / f"{vector['name']}.pickle"
        with path.open("rb") as handle:
            loaded = _Unpickler(handle).load()
        want = expected(vector, StandInSlice)
        if not same(loaded, want):
            sys.exit(f"{vector['name']}: {loaded!r} != {want!r}")
        checked += 1
    print(f"{checked} vectors checked")


def write_marshal(directory: Path) -> None:
    for vector in VECTORS:
        (directory / f"{vector['name']}.marshal").write_bytes(data(vector))


if __name__ == "__main__":
    command, directory = sys.argv[1], Path(sys.argv[2])
    {"check-pickles": check_pickles, "write-marshal": write_marshal}[command](directory)
