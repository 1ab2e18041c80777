"""serialkit._pickler.Pickler's hooks, files and protocol 5 buffers against
pickle.Pickler, and generated data against pickle.dumps."""

from __future__ import annotations

import copyreg
import io
import math
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from serialkit import _pickler
from serialkit._pickler import dumps

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


class Item:
    def __init__(self, key):
        self.key = key

    def __eq__(self, other):
        return type(other) is type(self) and other.key == self.key


class Other:
    def __init__(self, n=1):
        self.n = n


def _item_reducer(obj):
    return Item, ("from-table-" + str(obj.key),)


def pickle_both(obj, protocol, mixin, **kwargs):
    """Pickle with a subclass of pickle.Pickler and of serialkit's Pickler,
    both given the same mixin of hooks."""

    class Expected(mixin, pickle.Pickler):
        pass

    class Got(mixin, _pickler.Pickler):
        pass

    expected, got = io.BytesIO(), io.BytesIO()
    Expected(expected, protocol, **kwargs).dump(obj)
    Got(got, protocol, **kwargs).dump(obj)
    return expected.getvalue(), got.getvalue()


class PersistentItems:
    def persistent_id(self, obj):
        if isinstance(obj, Item):
            return ("item", obj.key)
        return None


class PersistentText:
    def persistent_id(self, obj):
        if isinstance(obj, Item):
            return "item-" + str(obj.key)
        return None


class ReduceOther:
    def reducer_override(self, obj):
        if isinstance(obj, Other):
            return Item, (obj.n,)
        if obj is Item:
            return "Item"
        return NotImplemented


class TableForItems:
    dispatch_table = {Item: _item_reducer}


class NoHooks:
    pass


DATA = [Item(1), Item(2), [Item(1), {"k": Item(3)}], Other(4), Item, 5, "s", None]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    "mixin", [NoHooks, PersistentItems, PersistentText, ReduceOther, TableForItems]
)
def test_hooks(mixin, protocol):
    expected, got = pickle_both(DATA, protocol, mixin)
    assert got == expected


def test_persistent_id_ascii_only_in_protocol_0():
    class NonAscii:
        def persistent_id(self, obj):
            return "\u00e9" if isinstance(obj, Item) else None

    with pytest.raises(pickle.PicklingError):
        pickle_both([Item(1)], 0, NonAscii)
    expected, got = pickle_both([Item(1)], 1, NonAscii)
    assert got == expected


def test_dispatch_table_attribute_on_instance():
    expected, got = io.BytesIO(), io.BytesIO()
    table = copyreg.dispatch_table.copy()
    table[Item] = _item_reducer
    p = pickle.Pickler(expected, 4)
    p.dispatch_table = table
    p.dump(DATA)
    q = _pickler.Pickler(got, 4)
    q.dispatch_table = table
    q.dump(DATA)
    assert got.getvalue() == expected.getvalue()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_memo_lasts_across_dumps(protocol):
    shared = ["shared", {"a": 1}]
    expected, got = io.BytesIO(), io.BytesIO()
    p, q = pickle.Pickler(expected, protocol), _pickler.Pickler(got, protocol)
    for pickler in (p, q):
        pickler.dump(shared)
        pickler.dump([shared, shared])
        pickler.clear_memo()
        pickler.dump(shared)
    assert got.getvalue() == expected.getvalue()


def test_dump_to_file_and_path(tmp_path):
    obj = {"big": b"x" * 200_000, "text": "y" * 100_000, "list": list(range(50_000))}
    for protocol in PROTOCOLS:
        stream = io.BytesIO()
        _pickler.dump(obj, stream, protocol)
        assert stream.getvalue() == pickle.dumps(obj, protocol)
        target = tmp_path / f"out{protocol}.pickle"
        _pickler.dump(obj, target, protocol)
        assert target.read_bytes() == pickle.dumps(obj, protocol)
        _pickler.dump(obj, str(target), protocol)
        assert target.read_bytes() == pickle.dumps(obj, protocol)


def test_file_needs_write():
    with pytest.raises(TypeError):
        _pickler.Pickler(object())


def test_extension_registry():
    copyreg.add_extension(__name__, "Item", 240)
    copyreg.add_extension(__name__, "Other", 0x1234)
    try:
        for protocol in PROTOCOLS:
            obj = [Item, Other, Item]
            assert dumps(obj, protocol) == pickle.dumps(obj, protocol)
    finally:
        copyreg.remove_extension(__name__, "Item", 240)
        copyreg.remove_extension(__name__, "Other", 0x1234)


BUFFERS = {
    "bytes": pickle.PickleBuffer(b"readonly data"),
    "bytearray": pickle.PickleBuffer(bytearray(b"writable data")),
    "large": pickle.PickleBuffer(bytearray(100_000)),
    "memoryview": pickle.PickleBuffer(memoryview(b"abcdef")[1:4]),
}


@pytest.mark.parametrize("name", list(BUFFERS))
def test_picklebuffer_in_band(name):
    buf = BUFFERS[name]
    for obj in (buf, [buf, buf]):
        assert dumps(obj, 5) == pickle.dumps(obj, 5)


@pytest.mark.parametrize("name", list(BUFFERS))
def test_picklebuffer_out_of_band(name):
    buf = BUFFERS[name]
    expected_buffers, got_buffers = [], []
    obj = [buf, 1, buf]
    expected = pickle.dumps(obj, 5, buffer_callback=expected_buffers.append)
    assert dumps(obj, 5, buffer_callback=got_buffers.append) == expected
    assert [bytes(b) for b in got_buffers] == [bytes(b) for b in expected_buffers]
    loaded = pickle.loads(expected, buffers=got_buffers)
    assert bytes(loaded[0]) == bytes(buf)


def test_picklebuffer_callback_decides():
    obj = [BUFFERS["bytes"], BUFFERS["bytearray"]]

    def keep_readonly_in_band(buf):
        return buf.raw().readonly

    expected = pickle.dumps(obj, 5, buffer_callback=keep_readonly_in_band)
    assert dumps(obj, 5, buffer_callback=keep_readonly_in_band) == expected


def test_picklebuffer_non_contiguous():
    import array

    view = memoryview(array.array("b", range(10)))[::2]
    with pytest.raises(pickle.PicklingError, match="non-contiguous"):
        pickle.dumps(pickle.PickleBuffer(view), 5)
    with pytest.raises(pickle.PicklingError, match="non-contiguous"):
        dumps(pickle.PickleBuffer(view), 5)


def test_picklebuffer_of_other_shapes_and_formats():
    import array

    doubles = array.array("d", [1.5, -2.0, 3.25, 0.0, 8.0, 9.5])
    fortran = memoryview(bytes(range(6))).cast("B", (2, 3))
    for view in (doubles, memoryview(doubles).cast("B").cast("d", (2, 3)), fortran):
        for obj in (pickle.PickleBuffer(view), [pickle.PickleBuffer(view)] * 2):
            assert dumps(obj, 5) == pickle.dumps(obj, 5)


def test_a_released_picklebuffer_fails_as_in_c():
    # Its own test: CPython 3.11 crashes when the collector clears a frame,
    # kept by a caught exception's traceback, that holds a PickleBuffer
    # over a memoryview (the stdlib alone does it), so no such buffer is
    # in this frame.
    released = pickle.PickleBuffer(b"gone")
    released.release()
    with pytest.raises(ValueError, match="released") as caught:
        pickle.dumps(released, 5)
    with pytest.raises(ValueError, match="released") as ours:
        dumps(released, 5)
    assert str(ours.value) == str(caught.value)


class LengthsOnly:
    """A file that keeps only the lengths of what is written to it."""

    def __init__(self):
        self.lengths = []

    def write(self, data):
        self.lengths.append(memoryview(data).nbytes)


@pytest.mark.parametrize(
    "data", [b"r" * 4_000_000, bytearray(4_000_000)], ids=["bytes", "bytearray"]
)
def test_a_large_picklebuffer_written_in_band_is_not_copied_by_python(data):
    # The C pickler hands a large in-band buffer straight to write(); so
    # does serialkit, with no Python-side copy (a bytes of it) on the way.
    import tracemalloc

    from serialkit import _pickler

    buf = pickle.PickleBuffer(data)
    file = LengthsOnly()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        _pickler.Pickler(file, 5, buffer_callback=lambda _: True).dump(buf)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < len(data) // 4
    expected = LengthsOnly()
    pickle.Pickler(expected, 5, buffer_callback=lambda _: True).dump(buf)
    assert file.lengths == expected.lengths
    assert len(data) in file.lengths


# Generated data: atoms and containers nested a few levels, with repeats so
# that the memo is exercised.

atoms = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text()
    | st.binary()
    | st.sampled_from([len, int, Item, "shared", b"shared", math.pi])
)


def _containers(children):
    return (
        st.lists(children)
        | st.tuples(children)
        | st.tuples(children, children, children, children)
        | st.lists(children).map(tuple)
        | st.dictionaries(st.text() | st.integers(), children)
        | st.frozensets(st.integers() | st.text())
        | st.sets(st.integers() | st.text())
        | st.binary().map(bytearray)
        | st.lists(children).map(lambda items: items + items)
    )


nested = st.recursive(atoms, _containers, max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(obj=nested)
def test_generated_same_bytes(obj):
    for protocol in PROTOCOLS:
        assert dumps(obj, protocol) == pickle.dumps(obj, protocol)
