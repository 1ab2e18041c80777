"""serialkit.marshal against the standard library: identical bytes for
every value and version, equal values back, and the same sharing."""

from __future__ import annotations

import array
import marshal

import pytest
import serialkit.marshal as sm
from hypothesis import given, settings
from marshalcheck import CORPUS, VERSIONS, same, values


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_dumps_matches_stdlib(index, version):
    value = CORPUS[index]
    try:
        expected = marshal.dumps(value, version)
    except ValueError as error:
        # A cyclic list before version 3, which has no references.
        with pytest.raises(ValueError, match=str(error)):
            sm.dumps(value, version)
        return
    assert sm.dumps(value, version) == expected


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_loads_matches_stdlib(index, version):
    try:
        data = marshal.dumps(CORPUS[index], version)
    except ValueError:
        return  # not writable at this version (see above)
    ours = sm.loads(data)
    theirs = marshal.loads(data)
    if isinstance(theirs, list) and theirs and theirs[-1] is theirs:
        # The cyclic list: compare its shape, as == would recurse forever.
        assert ours[-1] is ours and ours[0] == theirs[0]
        return
    assert same(ours, theirs)
    # What was loaded shares what the stdlib's result shares, so it is
    # written back to the same bytes.
    assert sm.dumps(ours, version) == marshal.dumps(theirs, version)


def test_default_version_is_the_interpreters():
    assert sm.version == marshal.version
    value = {"a": [1, 2.5, "x"]}
    assert sm.dumps(value) == marshal.dumps(value)


def test_top_level_reference_count_decides_the_flag():
    # A temporary has one reference and gets no FLAG_REF; a value held
    # twice does. (Plain assignments: pytest's assert rewriting keeps
    # temporaries. A value held by a local alone is not a test of it:
    # from 3.14 the call may borrow the local's reference or not.)
    ours, theirs = sm.dumps([]), marshal.dumps([])
    assert ours == theirs == b"[\x00\x00\x00\x00"
    held = {"twice": []}
    ours, theirs = sm.dumps(held["twice"]), marshal.dumps(held["twice"])
    assert ours == theirs == b"\xdb\x00\x00\x00\x00"


def test_trailing_bytes_are_ignored():
    data = marshal.dumps((1, "a")) + b"garbage"
    assert sm.loads(data) == (1, "a")


def test_loads_accepts_bytes_like_objects():
    data = marshal.dumps({"k": [1, 2]})
    assert sm.loads(bytearray(data)) == {"k": [1, 2]}
    assert sm.loads(memoryview(data)) == {"k": [1, 2]}
    # Any item format reads as bytes, as in the standard library
    # (regression: array('b') and cast views raised BufferError).
    assert sm.loads(array.array("b", data)) == {"k": [1, 2]}
    even = data + b"\0" * (len(data) % 2)
    assert sm.loads(memoryview(even).cast("h")) == marshal.loads(memoryview(even).cast("h"))
    # A strided view is refused the same way.
    for loads in (marshal.loads, sm.loads):
        with pytest.raises(BufferError):
            loads(memoryview(data * 2)[::2])


def test_interned_strings_stay_interned():
    data = marshal.dumps(("some_identifier", "some_identifier"))
    loaded = sm.loads(data)
    assert loaded[0] is loaded[1]
    # The tuple is held as the stdlib's own result would be.
    theirs = marshal.loads(data)
    assert sm.dumps(loaded) == marshal.dumps(theirs)
    assert b"\xda\x0fsome_identifier" in sm.dumps(loaded)


@pytest.mark.parametrize(
    "value", [object(), type, print, 1j.__class__, [object()], {"k": {1, 2, object}}]
)
def test_unmarshallable_values_raise_like_stdlib(value):
    with pytest.raises(ValueError) as stdlib_error:
        marshal.dumps(value)
    with pytest.raises(ValueError) as ours:
        sm.dumps(value)
    assert str(ours.value) == str(stdlib_error.value)


def test_subclasses_are_written_as_stdlib_writes_them():
    class B(bytes):
        pass

    class S(str):
        pass

    value = B(b"sub")
    assert sm.dumps(value) == marshal.dumps(value)
    with pytest.raises(ValueError, match="unmarshallable object"):
        sm.dumps(S("x"))


def test_too_deep_to_write():
    deep: list = []
    for _ in range(3000):
        deep = [deep]
    with pytest.raises(ValueError, match="object too deeply nested to marshal"):
        marshal.dumps(deep)
    with pytest.raises(ValueError, match="object too deeply nested to marshal"):
        sm.dumps(deep)


def _nested(depth: int, innermost, wrap):
    value = innermost
    for _ in range(depth - 1):
        value = wrap(value)
    return value


@pytest.mark.parametrize("depth", [1998, 1999, 2000, 2001])
@pytest.mark.parametrize(
    "innermost, wrap",
    [({}, lambda inner: {"k": inner}), ({}, lambda inner: [inner]), ([], lambda inner: [inner])],
    ids=["dicts", "dict-in-lists", "lists"],
)
def test_depth_boundary_matches_stdlib(depth, innermost, wrap):
    # Regression: a dict's end marker counts as one level more, so a dict
    # at exactly the deepest level is refused (serialkit wrote it).
    value = _nested(depth, innermost, wrap)
    for version in VERSIONS:
        try:
            expected = marshal.dumps(value, version)
        except ValueError as err:
            with pytest.raises(ValueError, match=str(err)):
                sm.dumps(value, version)
        else:
            assert sm.dumps(value, version) == expected


@settings(max_examples=300, deadline=None)
@given(values)
def test_random_values_match_stdlib(value):
    for version in VERSIONS:
        try:
            data = marshal.dumps(value, version)
        except ValueError as error:
            # Slices, before version 5 or before 3.14.
            with pytest.raises(ValueError, match=str(error)):
                sm.dumps(value, version)
            continue
        assert sm.dumps(value, version) == data
        assert same(sm.loads(data), marshal.loads(data))


def test_same_compares_slices_field_by_field():
    # Regression: hypothesis on 3.14 drew slice(None, None, nan), which `==`
    # calls unequal to a copy of itself (its NaN steps are distinct objects).
    assert same(slice(None, None, float("nan")), slice(None, None, float("nan")))
    assert same(slice(1, [2], 0.0), slice(1, [2], 0.0))
    assert not same(slice(1, 2, 0.0), slice(1, 2, -0.0))
    assert not same(slice(1, 2, 3), slice(1, 2, 4))
