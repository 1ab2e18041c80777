"""The Pickler attributes beyond the hooks: ``fast``, ``memo`` and ``bin``,
and a ``dispatch_table`` set to None, each against ``pickle.Pickler``."""

from __future__ import annotations

import io
import pickle

import pytest
from serialkit import _pickler

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def run_both(protocol, action):
    """Runs ``action(pickler)`` on the C pickler and on serialkit's, and
    returns what each wrote."""
    written = []
    for cls in (pickle.Pickler, _pickler.Pickler):
        out = io.BytesIO()
        action(cls(out, protocol))
        written.append(out.getvalue())
    return written


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_fast_mode_writes_shared_objects_again(protocol):
    shared = ["text", {"k": (1, 2.5)}, b"raw"]
    data = {"a": shared, "b": [shared, shared], "s": "text"}

    def action(pickler):
        pickler.fast = True
        pickler.dump(data)
        pickler.dump(data)

    expected, got = run_both(protocol, action)
    assert got == expected
    assert pickle.loads(got) == data


def test_fast_attribute_reads_back_as_the_c_pickler_stores_it():
    for cls in (pickle.Pickler, _pickler.Pickler):
        pickler = cls(io.BytesIO())
        assert pickler.fast == 0
        pickler.fast = True
        assert pickler.fast == 1


@pytest.mark.parametrize("container", ["list", "dict"])
def test_fast_mode_refuses_cycles_with_a_value_error(container):
    cyclic = [] if container == "list" else {}
    if container == "list":
        cyclic.append(cyclic)
    else:
        cyclic["self"] = cyclic
    messages = []
    for cls in (pickle.Pickler, _pickler.Pickler):
        pickler = cls(io.BytesIO(), 4)
        pickler.fast = True
        with pytest.raises(ValueError) as caught:
            pickler.dump(cyclic)
        messages.append(str(caught.value).split(" at 0x")[0])
    assert messages[1] == messages[0]
    assert messages[0] == (
        f"fast mode: can't pickle cyclic objects including object type {container}"
    )


def test_fast_mode_allows_deep_acyclic_nesting():
    deep = inner = []
    for _ in range(200):
        inner.append([])
        inner = inner[0]
    expected, got = run_both(4, lambda p: (setattr(p, "fast", 1), p.dump(deep)))
    assert got == expected


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_memo_copy_and_reassignment(protocol):
    shared = ["shared", {"a": 1}]
    copies = []

    def action(pickler):
        pickler.dump(shared)
        copy = pickler.memo.copy()
        copies.append(copy)
        pickler.memo.clear()
        pickler.dump(shared)
        # Restoring the memo makes later dumps refer to the first one.
        pickler.memo = copy
        pickler.dump([shared])

    expected, got = run_both(protocol, action)
    assert got == expected
    c_copy, our_copy = copies
    assert sorted((index, id(obj)) for index, obj in c_copy.values()) == sorted(
        (index, id(obj)) for index, obj in our_copy.values()
    )
    assert set(our_copy) == {id(obj) for _, obj in our_copy.values()}


def test_memo_assignment_takes_a_proxy_and_refuses_other_types():
    shared = ["x"]
    for cls in (pickle.Pickler, _pickler.Pickler):
        first = cls(io.BytesIO(), 4)
        first.dump(shared)
        second = cls(io.BytesIO(), 4)
        second.memo = first.memo
        assert len(second.memo.copy()) == len(first.memo.copy())
        with pytest.raises(TypeError):
            second.memo = [1, 2]


def test_bin_attribute():
    for protocol in PROTOCOLS:
        assert (
            _pickler.Pickler(io.BytesIO(), protocol).bin
            == pickle.Pickler(io.BytesIO(), protocol).bin
        )


def test_dispatch_table_set_to_none_fails_as_in_c():
    class Custom:
        pass

    errors = []
    for cls in (pickle.Pickler, _pickler.Pickler):
        pickler = cls(io.BytesIO(), 4)
        pickler.dispatch_table = None
        # Built-in containers never consult the table.
        pickler.dump([1, "a", {"b": 2}])
        with pytest.raises(TypeError) as caught:
            pickler.dump(Custom())
        errors.append(str(caught.value))
    assert errors[1] == errors[0]
