"""serialkit.marshal against the bytes Python 3.14's marshal wrote at
version 5 (tests/marshal314, from make_golden.py), on every Python.

Where the interpreter's marshal has version 5, serialkit must read and
write exactly those bytes. Where it has not, serialkit must refuse slices
as the interpreter does; and, told for a while that the interpreter has
slices (as on 3.14), it must still read and write the golden bytes, so
that the version 5 code paths are checked on every Python.
"""

from __future__ import annotations

import contextlib
import marshal
import re

import pytest
import serialkit.marshal as sm
from marshalgolden import GOLDEN, HERE, VECTORS, buildable, data, expected, same
from serialkit._native import marshal_quirks

HAS_SLICES = marshal.version >= 5
NAMES = [vector["name"] for vector in VECTORS]


@contextlib.contextmanager
def slices_enabled():
    marshal_quirks(**{**sm._QUIRKS, "slices": True})
    try:
        yield
    finally:
        marshal_quirks(**sm._QUIRKS)


def test_golden_vectors_come_from_version_5():
    assert GOLDEN["marshal_version"] == 5 and len(VECTORS) >= 20


@pytest.mark.parametrize("vector", VECTORS, ids=NAMES)
def test_loads_reads_as_the_interpreter_does(vector):
    raw = data(vector)
    try:
        theirs = marshal.loads(raw)
    except ValueError as error:
        assert not HAS_SLICES
        with pytest.raises(ValueError, match=f"^{re.escape(str(error))}$"):
            sm.loads(raw)
        return
    ours = sm.loads(raw)
    assert same(ours, theirs)
    assert same(ours, expected(vector))


@pytest.mark.parametrize("vector", VECTORS, ids=NAMES)
def test_dumps_refuses_or_writes_as_the_interpreter_does(vector):
    value = expected(vector) if buildable(vector) else None
    if value is None:
        return  # slices are unhashable here: the value cannot exist
    for version in range(0, 6):
        try:
            theirs = marshal.dumps(value, version)
        except ValueError as error:
            with pytest.raises(ValueError, match=str(error)):
                sm.dumps(value, version)
        else:
            assert sm.dumps(value, version) == theirs


@pytest.mark.parametrize("vector", VECTORS, ids=NAMES)
def test_golden_bytes_read_with_slices(vector):
    with slices_enabled():
        if buildable(vector):
            assert same(sm.loads(data(vector)), expected(vector))
        else:
            # A slice as a set item or dict key: unhashable before 3.12.
            with pytest.raises(ValueError, match="unhashable"):
                sm.loads(data(vector))


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if buildable(v)], ids=lambda vector: vector["name"]
)
def test_golden_bytes_written_with_slices(vector):
    value = expected(vector)
    with slices_enabled():
        # A temporary, as make_golden.py passes it (see there); assigned,
        # as pytest's assert rewriting would keep it.
        ours = sm.dumps(expected(vector), 5)
        assert ours == data(vector)
        # Before version 5, a slice is unmarshallable, as on 3.14.
        if "slice" in vector["expression"]:
            with pytest.raises(ValueError, match="unmarshallable object"):
                sm.dumps(value, 4)


def test_golden_pyc_loads_as_the_interpreter_does():
    for name in ("sample.pyc", "sample_hash.pyc"):
        code = (HERE / name).read_bytes()[16:]
        # Before 3.14, the first slice constant is the first fault.
        refused = "code objects is disallowed" if HAS_SLICES else "unknown type code"
        with pytest.raises(ValueError, match=refused):
            sm.loads(code)
        try:
            theirs = marshal.loads(code)
        except ValueError as error:
            # Before 3.14 the interpreter's reader stops at the first slice
            # constant.
            assert not HAS_SLICES and "unknown type code" in str(error)
            with pytest.raises(ValueError, match="unknown type code"):
                sm.loads(code, allow_code=True)
            continue
        assert sm.loads(code, allow_code=True) == theirs
