"""serialkit.pickle's Pickler and Unpickler against the standard library's
C ones, attribute by attribute: what ``dir()`` lists, the hooks that are
unset until assigned, the memos (read, set, kept from one call to the next)
and the errors of misuse."""

from __future__ import annotations

import io
import pickle

import pytest
import serialkit.pickle as sp

PAIRS = [(pickle.Pickler, sp.Pickler), (pickle.Unpickler, sp.Unpickler)]


class Shape:
    def __init__(self, sides):
        self.sides = sides

    def __eq__(self, other):
        return type(other) is Shape and other.sides == self.sides


class Colour:
    def __init__(self, name):
        self.name = name


def public(names):
    return {name for name in names if not name.startswith("_")}


@pytest.mark.parametrize(("std", "ours"), PAIRS, ids=["Pickler", "Unpickler"])
def test_every_public_attribute_of_the_stdlib_class_exists(std, ours):
    assert public(dir(std)) - public(dir(ours)) == set()
    args = (io.BytesIO(),)
    assert public(dir(std(*args))) - public(dir(ours(*args))) == set()


def outcome(action, *args):
    """What ``action(*args)`` did, with the class named the same way for
    both sides ("'_pickle.Pickler' object ..." against "'Pickler' ...")."""
    try:
        result = action(*args)
    except Exception as error:
        return (type(error).__name__, str(error).replace("_pickle.", ""))
    if callable(result):
        # The default hooks of 3.13 and later: compare what they do.
        return ("callable", outcome(result, "pid"))
    return ("ok", result)


@pytest.mark.parametrize(
    ("index", "attribute"),
    [(0, "persistent_id"), (0, "dispatch_table"), (0, "reducer_override"), (1, "persistent_load")],
)
def test_hooks_before_assignment_match_the_c_classes(index, attribute):
    # Unset up to 3.12; from 3.13 persistent_id/persistent_load are default
    # methods (returning None, raising UnpicklingError).
    results = [outcome(getattr, cls(io.BytesIO()), attribute) for cls in PAIRS[index]]
    assert results[1] == results[0]
    if attribute in ("dispatch_table", "reducer_override"):
        assert results[0][0] == "AttributeError"


@pytest.mark.parametrize(("index", "attribute"), [(0, "persistent_id"), (1, "persistent_load")])
def test_assigning_and_deleting_persistent_hooks_match_the_c_classes(index, attribute):
    # Up to 3.12 only callables may be assigned and nothing deleted; 3.13
    # refuses both; from 3.14 anything may be assigned and deleting it
    # brings the default back.
    results = []
    for cls in PAIRS[index]:
        instance = cls(io.BytesIO())
        results.append(
            (
                outcome(setattr, instance, attribute, 42),
                outcome(getattr, instance, attribute),
                outcome(delattr, instance, attribute),
                outcome(getattr, instance, attribute),
                outcome(setattr, instance, attribute, len),
                outcome(getattr, instance, attribute),
                outcome(delattr, instance, attribute),
                outcome(delattr, instance, attribute),
            )
        )
    assert results[1] == results[0]


class StdHooks(pickle.Pickler):
    def persistent_id(self, obj):
        return "ext" if obj == "external" else None


class OurHooks(sp.Pickler):
    def persistent_id(self, obj):
        return "ext" if obj == "external" else None


def test_assigned_hooks_are_used_as_the_c_pickler_uses_them():
    data = ["external", {"k": 1.5}, "external"]
    written = []
    for cls, subclass in ((pickle.Pickler, StdHooks), (sp.Pickler, OurHooks)):
        out = io.BytesIO()
        pickler = cls(out, 4)
        try:
            pickler.persistent_id = lambda obj: "ext" if obj == "external" else None
        except AttributeError:
            # Python 3.13: read-only, so a subclass defines the hook.
            pickler = subclass(out, 4)
        pickler.dispatch_table = {float: lambda value: (float, (str(value),))}
        pickler.dump(data)
        written.append(out.getvalue())
    assert written[1] == written[0]
    loaded = []
    for cls in (pickle.Unpickler, sp.Unpickler):
        unpickler = cls(io.BytesIO(written[0]))
        try:
            unpickler.persistent_load = lambda pid: f"<{pid}>"
        except AttributeError:
            unpickler = type("Hooked", (cls,), {"persistent_load": lambda self, pid: f"<{pid}>"})(
                io.BytesIO(written[0])
            )
        loaded.append(unpickler.load())
    assert loaded[1] == loaded[0] == ["<ext>", {"k": 1.5}, "<ext>"]


def test_deleting_an_assigned_dispatch_table_unsets_it():
    for cls in (pickle.Pickler, sp.Pickler):
        pickler = cls(io.BytesIO())
        pickler.dispatch_table = {}
        del pickler.dispatch_table
        with pytest.raises(AttributeError):
            pickler.dispatch_table  # noqa: B018


def stream_of_dumps(protocol):
    """One Pickler, several dump() calls: later pickles refer to what the
    earlier ones memoized (a shared list, a module name for STACK_GLOBAL)."""
    shared = ["shared", 1]
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol)
    for obj in ([shared, Shape(3)], {"again": shared}, Colour("red"), [Shape(4), shared]):
        pickler.dump(obj)
    return out.getvalue()


def load_all(unpickler, count):
    return [unpickler.load() for _ in range(count)]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_the_memo_is_kept_from_one_load_to_the_next(protocol):
    data = stream_of_dumps(protocol)
    expected = load_all(pickle.Unpickler(io.BytesIO(data)), 4)
    unpickler = sp.Unpickler(io.BytesIO(data), allow=[Shape, Colour])
    got = load_all(unpickler, 4)
    assert [got[0], got[1], got[3][0], got[3][1]] == [
        expected[0],
        expected[1],
        expected[3][0],
        expected[3][1],
    ]
    assert got[2].name == "red"
    # The list shared across pickles is one object, as with the stdlib.
    assert got[1]["again"] is got[0][0] is got[3][1]
    assert expected[1]["again"] is expected[0][0]


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_memo_copy_matches_the_c_unpickler(protocol):
    data = stream_of_dumps(protocol)
    copies = []
    for cls, extra in ((pickle.Unpickler, {}), (sp.Unpickler, {"allow": [Shape, Colour]})):
        unpickler = cls(io.BytesIO(data), **extra)
        copies.append([])
        for _ in range(4):
            unpickler.load()
            memo = unpickler.memo.copy()
            copies[-1].append({key: type(value).__name__ for key, value in memo.items()})
    assert copies[1] == copies[0]


def test_a_memo_set_from_a_dict_serves_get():
    # The C unpickler's setter stores a dict's entries in the memo it then
    # throws away (CPython 3.11: `u.memo = {0: "a"}` leaves it empty), so
    # the reference here is the pure-Python unpickler, whose memo is the
    # dict itself.
    data = b"\x80\x04h\x00h\x07\x86\x94."
    results = []
    for cls in (pickle._Unpickler, sp.Unpickler):
        unpickler = cls(io.BytesIO(data))
        unpickler.memo = {0: "zero", 7: ["seven"]}
        value = unpickler.load()
        memo = unpickler.memo if isinstance(unpickler.memo, dict) else unpickler.memo.copy()
        results.append((value, sorted(memo)))
    assert results[1] == results[0] == (("zero", ["seven"]), [0, 2, 7])


def test_a_memo_can_be_copied_from_another_unpickler():
    data = pickle.dumps(["x", "y"], 4)
    results = []
    for cls in (pickle.Unpickler, sp.Unpickler):
        first = cls(io.BytesIO(data))
        first.load()
        second = cls(io.BytesIO(b"\x80\x04h\x01."))
        second.memo = first.memo
        results.append((second.load(), second.memo.copy() == first.memo.copy()))
        first.memo.clear()
        assert first.memo.copy() == {}
        assert second.memo.copy() != {}
    assert results[1] == results[0]


def test_a_memo_set_from_python_feeds_stack_global():
    data = b"\x80\x04h\x00h\x01\x93."
    for cls in (pickle._Unpickler, sp.Unpickler):
        unpickler = cls(io.BytesIO(data))
        unpickler.memo = {0: "collections", 1: "OrderedDict"}
        import collections

        assert unpickler.load() is collections.OrderedDict


def test_a_memo_set_from_python_is_still_under_the_policy():
    unpickler = sp.Unpickler(io.BytesIO(b"\x80\x04h\x00h\x01\x93."))
    unpickler.memo = {0: "os", 1: "system"}
    with pytest.raises(sp.ForbiddenGlobal):
        unpickler.load()


@pytest.mark.parametrize(
    "value",
    [["not", "a", "dict"], {"key": 1}, {-1: "negative"}, {1.5: "float"}, None],
    ids=["list", "str key", "negative key", "float key", "None"],
)
def test_bad_memo_values_fail_as_in_the_c_unpickler(value):
    results = []
    for cls in (pickle.Unpickler, sp.Unpickler):
        unpickler = cls(io.BytesIO())
        results.append(outcome(setattr, unpickler, "memo", value))
    assert results[1] == results[0]
    assert results[0][0] in ("TypeError", "ValueError")
    # A refused memo leaves the one there was.
    unpickler = sp.Unpickler(io.BytesIO())
    unpickler.memo = {3: "kept"}
    with pytest.raises((TypeError, ValueError)):
        unpickler.memo = value
    assert unpickler.memo.copy() == {3: "kept"}


@pytest.mark.parametrize("index", [0, 1])
def test_memos_cannot_be_deleted(index):
    results = []
    for cls in PAIRS[index]:
        instance = cls(io.BytesIO())
        results.append(outcome(delattr, instance, "memo"))
    assert results[1] == results[0]
    assert results[0][0] == "TypeError"


def test_the_memo_keeps_what_a_failed_load_stored():
    # Protocol 2 has no frames, which would fail before any opcode runs.
    data = pickle.dumps(["a", ["b"]], 2)[:-3]
    copies = []
    for cls in (pickle.Unpickler, sp.Unpickler):
        unpickler = cls(io.BytesIO(data))
        with pytest.raises((pickle.UnpicklingError, EOFError)):
            unpickler.load()
        copies.append(unpickler.memo.copy())
    assert copies[1] == copies[0] != {}


def test_memo_proxies_reduce_to_a_dict():
    for cls in (pickle.Unpickler, sp.Unpickler):
        unpickler = cls(io.BytesIO(pickle.dumps(["a"], 4)))
        unpickler.load()
        assert pickle.loads(pickle.dumps(unpickler.memo)) == {0: ["a"], 1: "a"}


def test_a_subclass_that_skips_init_fails_as_in_c():
    def skipping(cls):
        class Sub(cls):
            def __init__(self, *args, **kwargs):
                pass

        Sub.__name__ = "Sub"
        return Sub

    results = []
    for pickler, unpickler in zip(*PAIRS):
        results.append(
            (
                outcome(lambda cls: skipping(cls)(io.BytesIO()).dump(1), pickler),
                outcome(lambda cls: skipping(cls)(io.BytesIO(b"K\x01.")).load(), unpickler),
            )
        )
    assert results[1] == results[0]
    assert results[0][0][0] == "PicklingError"
    assert results[0][1][0] == "UnpicklingError"


class ReadOnly:
    def read(self, size=-1):
        return b""


def test_files_without_the_needed_methods_are_refused_as_in_c():
    results = []
    for pickler, unpickler in zip(*PAIRS):
        results.append((outcome(pickler, ReadOnly()), outcome(unpickler, object())))
    assert results[1] == results[0]
    assert results[0][0][0] == results[0][1][0] == "TypeError"
    with pytest.raises(TypeError):
        sp.Unpickler(ReadOnly())
    with pytest.raises(TypeError):
        pickle.Unpickler(ReadOnly())


class Pieces:
    """A stream that hands out its data a few bytes at a time and fails if
    read past its end, as a pipe or socket that stays open would block."""

    def __init__(self, data, size=7):
        self.data = data
        self.size = size
        self.read_bytes = 0

    def read(self, n=-1):
        if not self.data:
            raise AssertionError("read past what the stream has: it would block")
        chunk, self.data = self.data[: min(n, self.size)], self.data[min(n, self.size) :]
        self.read_bytes += len(chunk)
        return chunk

    def readline(self):
        if not self.data:
            raise AssertionError("read past what the stream has: it would block")
        end = self.data.find(b"\n") + 1 or len(self.data)
        line, self.data = self.data[:end], self.data[end:]
        return line


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_load_from_an_open_stream_reads_no_further_than_the_pickle(protocol):
    obj = {"key": ["value", 1.5, (1, 2)], "big": list(range(300))}
    data = pickle.dumps(obj, protocol)
    assert sp.Unpickler(Pieces(data)).load() == obj
    assert sp.load(Pieces(data)) == obj


class CountingBytesIO(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.read_bytes = 0

    def read1(self, n=-1):
        chunk = super().read1(n)
        self.read_bytes += len(chunk)
        return chunk

    def read(self, n=-1):
        chunk = super().read(n)
        self.read_bytes += len(chunk)
        return chunk


def test_loading_many_pickles_from_one_file_does_not_reread_the_file():
    records = [{"n": n, "text": "x" * 1000} for n in range(2000)]
    file = CountingBytesIO(b"".join(pickle.dumps(record) for record in records))
    size = len(file.getvalue())
    unpickler = sp.Unpickler(file)
    assert [unpickler.load() for _ in records] == records
    with pytest.raises(EOFError):
        unpickler.load()
    # Reading the rest of the file for each pickle would be ~1000 times its
    # size; a bounded chunk per pickle keeps it to a small multiple.
    assert file.read_bytes < 20 * size


def test_a_stream_of_dumps_with_a_shared_memo_loads_pickle_by_pickle():
    # Later pickles GET what earlier ones stored, STACK_GLOBAL names too.
    data = stream_of_dumps(4)
    stream = Pieces(data, size=5)
    unpickler = sp.Unpickler(stream, allow=[Shape, Colour])
    loaded = [unpickler.load() for _ in range(4)]
    assert loaded[3][1] is loaded[0][0]
    assert stream.data == b""


def test_pickler_arguments_may_all_be_positional_as_in_c():
    written = []
    calls = []
    for cls in (pickle.Pickler, sp.Pickler):
        out = io.BytesIO()
        cls(out, 5, False, calls.append).dump([pickle.PickleBuffer(b"abc"), "x"])
        written.append(out.getvalue())
    assert written[1] == written[0]
    assert len(calls) == 2
