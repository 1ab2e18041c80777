"""Values and comparisons shared by the marshal tests."""

from __future__ import annotations

import marshal
import math
import sys

from hypothesis import strategies as st


def same(a, b) -> bool:
    """Equality that also holds for NaN and tells 0.0 from -0.0, 1 from
    True and str from bytes: what a faithful loader must preserve."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items())
        )
    if isinstance(a, slice):
        # Compared field by field: `==` on slices compares their fields as
        # a tuple, where two distinct NaN objects are unequal.
        return all(same(x, y) for x, y in zip((a.start, a.stop, a.step), (b.start, b.stop, b.step)))
    if isinstance(a, (set, frozenset)):
        return a == b
    return a == b


def _corpus() -> list:
    shared_list = [1, 2]
    shared_str = "shared" * 3
    cyclic: list = ["head"]
    cyclic.append(cyclic)
    shared_slice = slice(shared_list, None, -1)
    # Slices are data from version 5 (3.14) on; before, every version
    # refuses them, as the interpreter's marshal does. They are hashable
    # from 3.12 only.
    hashable_slices = (
        [{slice(1, 2): "key", (slice(None), 3): frozenset({slice(0, 1, 2)})}]
        if sys.version_info >= (3, 12)
        else []
    )
    return [
        None,
        ...,
        StopIteration,
        True,
        False,
        0,
        1,
        -1,
        255,
        256,
        -5,
        2**31 - 1,
        -(2**31),
        2**31,
        -(2**31) - 1,
        2**63 - 1,
        -(2**63),
        2**64,
        2**100 + 12345,
        -(3**200),
        0.0,
        -0.0,
        1.5,
        0.1,
        1e300,
        5e-324,
        float("inf"),
        float("-inf"),
        float("nan"),
        1e16,
        1e17,
        complex(1, -2),
        complex(float("inf"), 0.5),
        "",
        "abc",
        sys.intern("interned_name"),
        "not interned " + str(12345),
        "é",
        "日本語",
        "emoji 🎉",
        "\ud800 lone surrogate",
        "a" * 255,
        "a" * 256,
        "é" * 300,
        b"",
        b"\x00\xff" * 10,
        bytearray(b"mutable"),
        memoryview(b"view"),
        (),
        (1,),
        (1, "two", 3.0),
        tuple(range(300)),
        [],
        [1, [2, [3, []]]],
        {},
        {"a": 1, "b": [1, 2], 3: "three", (1, 2): None, 2.5: b"x", frozenset({1}): ()},
        set(),
        {1, 2, 3},
        {"x", "y", (1, 2)},
        frozenset(),
        frozenset({"a", 1, 2.5}),
        [shared_list, shared_list, shared_str, shared_str],
        {"k": shared_list, "j": shared_list},
        (shared_list, [shared_list]),
        cyclic,
        [[[[[[[[[[]]]]]]]]]],
        {"nested": {"deeper": {"deepest": [1, 2, {3: 4}]}}},
        slice(None),
        slice(1, 2),
        slice(-(2**70), "stop", 1.5),
        slice((1, 2), [3], {"k": slice(None, None, ...)}),
        [shared_slice, shared_slice, (shared_slice,)],
        slice(shared_list, shared_list, shared_str),
        *hashable_slices,
    ]


CORPUS = _corpus()
# Every version the interpreter's marshal writes.
VERSIONS = list(range(0, marshal.version + 1))


def _strings():
    plain = st.text(max_size=20)
    return st.one_of(plain, plain.map(sys.intern), st.sampled_from(["", "a", "key", "é", "\udcff"]))


_atoms = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    _strings(),
    st.binary(max_size=20),
    st.binary(max_size=20).map(bytearray),
    st.just(...),
    st.just(StopIteration),
)

_hashable = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        _strings(),
        st.binary(max_size=8),
        st.floats(allow_nan=False),
    ),
    lambda inner: st.one_of(st.tuples(inner, inner), st.frozensets(inner, max_size=4)),
    max_leaves=6,
)


def _containers(inner):
    return st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(_hashable, inner, max_size=5),
        st.sets(_hashable, max_size=5),
        st.frozensets(_hashable, max_size=5),
        # The same object twice: shared references (FLAG_REF, TYPE_REF).
        inner.map(lambda x: [x, x]),
        inner.map(lambda x: (x, [x], {"again": x})),
        st.builds(slice, inner, inner, inner),
    )


values = st.recursive(_atoms, _containers, max_leaves=25)
