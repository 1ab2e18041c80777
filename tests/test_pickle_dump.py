"""serialkit._pickler.dumps against pickle.dumps: the same bytes for every
protocol, the same exceptions for what cannot be pickled."""

from __future__ import annotations

import collections
import copyreg
import dataclasses
import datetime
import decimal
import enum
import fractions
import functools
import io
import pickle
import threading
import typing
import uuid

import pytest
from serialkit import _pickler
from serialkit._pickler import dumps

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


# Module-level classes, so that both picklers can find them by name.


class Plain:
    def __init__(self, a=1, b="two"):
        self.a = a
        self.b = b

    def __eq__(self, other):
        return type(other) is type(self) and vars(other) == vars(self)


class Box:
    """Hashable by identity, so that it can sit in a frozenset."""

    content = None


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self, x=1, y=2):
        self.x = x
        self.y = y

    def __eq__(self, other):
        return type(other) is type(self) and (other.x, other.y) == (self.x, self.y)


class WithState:
    def __init__(self, value=3):
        self.value = value

    def __getstate__(self):
        return {"v": self.value}

    def __setstate__(self, state):
        self.value = state["v"]

    def __eq__(self, other):
        return type(other) is type(self) and other.value == self.value


class ReducesToName:
    def __reduce__(self):
        return "REDUCED_INSTANCE"


REDUCED_INSTANCE = ReducesToName()


class ReduceEx:
    def __init__(self, n=0):
        self.n = n

    def __reduce_ex__(self, protocol):
        return (ReduceEx, (self.n + protocol,))

    def __eq__(self, other):
        return type(other) is type(self)


class NewArgs(int):
    def __new__(cls, value, extra):
        self = super().__new__(cls, value)
        self.extra = extra
        return self

    def __getnewargs__(self):
        return (int(self), self.extra)


class NewArgsEx:
    def __new__(cls, *args, key=None):
        self = super().__new__(cls)
        self.args = args
        self.key = key
        return self

    def __getnewargs_ex__(self):
        return self.args, {"key": self.key}

    def __eq__(self, other):
        return type(other) is type(self) and (other.args, other.key) == (
            self.args,
            self.key,
        )


class Registered:
    def __init__(self, value=7):
        self.value = value

    def __eq__(self, other):
        return type(other) is type(self) and other.value == self.value


def _reduce_registered(obj):
    return Registered, (obj.value,)


copyreg.pickle(Registered, _reduce_registered)


class ListSub(list):
    pass


class DictSub(dict):
    pass


class Outer:
    class Inner:
        pass


class Color(enum.Enum):
    RED = 1
    GREEN = "g"


class Flags(enum.IntFlag):
    A = 1
    B = 2


Point = collections.namedtuple("Point", "x y")


class TypedPoint(typing.NamedTuple):
    x: int
    y: float = 0.0


@dataclasses.dataclass
class Data:
    name: str
    items: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class FrozenData:
    value: int


class WithSetterState:
    def __init__(self, value=0):
        self.value = value

    def __reduce__(self):
        return (WithSetterState, (), {"value": self.value}, None, None, _set_state)


def _set_state(obj, state):
    obj.value = state["value"]


class ItemsReduce:
    def __reduce__(self):
        return (list, (), None, iter([1, 2, 3]), None)


class DictItemsReduce:
    def __reduce__(self):
        return (dict, (), None, None, iter([(i, i) for i in range(1001)]))


def module_function(x):
    return x


def assert_same(obj, protocol, **kwargs):
    """The same bytes as pickle.dumps, or the same exception."""
    try:
        expected = pickle.dumps(obj, protocol, **kwargs)
    except Exception as error:
        with pytest.raises(type(error)) as got:
            dumps(obj, protocol, **kwargs)
        assert str(got.value) == str(error)
    else:
        assert dumps(obj, protocol, **kwargs) == expected


def _corpus():
    shared = [1, 2]
    cyclic_list = []
    cyclic_list.append(cyclic_list)
    cyclic_dict = {}
    cyclic_dict["me"] = cyclic_dict
    holder = []
    recursive_tuple = (holder, 1)
    holder.append(recursive_tuple)
    big_holder = []
    big_recursive_tuple = (big_holder, 1, 2, 3, 4)
    big_holder.append(big_recursive_tuple)
    cyclic_obj = Plain()
    cyclic_obj.a = cyclic_obj
    fs_holder = Box()
    frozen_rec = frozenset([fs_holder])
    fs_holder.a = frozen_rec
    return {
        "none": None,
        "true": True,
        "false": False,
        **{
            f"int{v}": v
            for v in [
                0,
                1,
                -1,
                127,
                128,
                -128,
                -129,
                255,
                256,
                -256,
                65535,
                65536,
                2**31 - 1,
                2**31,
                -(2**31),
                -(2**31) - 1,
                2**32,
                2**63 - 1,
                2**63,
                -(2**63),
                -(2**63) - 1,
                2**64,
                -(2**64),
                10**100,
                -(10**100),
                2**2040,
                -(2**2047),
                -(2**2048),
                2**3000,
            ]
        },
        **{
            f"float{v!r}": v
            for v in [0.0, -0.0, 1.5, -2.25, 1e16, 1e-300, 1e300, 0.1]
            + [float("nan"), float("inf"), float("-inf")]
        },
        "str_empty": "",
        "str_ascii": "hello world",
        "str_unicode": "h\u00e9llo \u20ac \u4e2d\u6587",
        "str_astral": "\U0001f600\U00010000",
        "str_escapes": "a\\b\nc\rd\x1ae\x00f\x7f\x80\xff",
        "str_surrogate": "\ud800 lone \udfff",
        "str_surrogate_pair": "\ud83d\ude00",
        "str_255": "x" * 255,
        "str_256": "x" * 256,
        "str_long": "abc\u00e9" * 20000,
        "str_frame_edge": "y" * (64 * 1024),
        "str_frame_edge_minus": "y" * (64 * 1024 - 1),
        "bytes_empty": b"",
        "bytes_one": b"a",
        "bytes_small": b"\x00\x01\xff abc",
        "bytes_255": b"b" * 255,
        "bytes_256": bytes(range(256)),
        "bytes_long": b"\x00\xfe" * 40000,
        "bytearray_empty": bytearray(),
        "bytearray_one": bytearray(b"z"),
        "bytearray_small": bytearray(b"hello"),
        "bytearray_256": bytearray(range(256)),
        "bytearray_long": bytearray(70000),
        **{f"tuple{n}": tuple(range(n)) for n in range(6)},
        "tuple_nested": ((1, (2, (3, ()))), ("a",)),
        "recursive_tuple": recursive_tuple,
        "recursive_list": holder,
        "big_recursive_tuple": big_recursive_tuple,
        "list_empty": [],
        "list_one": [1],
        "list_small": [1, "a", None, 2.5],
        "list_999": list(range(999)),
        "list_1000": list(range(1000)),
        "list_1001": list(range(1001)),
        "list_2500": list(range(2500)),
        "list_nested": [[[[]]], [[1], [2, [3]]]],
        "list_shared": [shared, shared, (shared,)],
        "list_cyclic": cyclic_list,
        "dict_empty": {},
        "dict_one": {"a": 1},
        "dict_small": {"a": 1, 2: "b", (3, 4): [5]},
        "dict_999": {i: str(i) for i in range(999)},
        "dict_1000": {i: i for i in range(1000)},
        "dict_1001": {i: -i for i in range(1001)},
        "dict_2000": {str(i): i for i in range(2000)},
        "dict_cyclic": cyclic_dict,
        "dict_nested": {"a": {"b": {"c": [1, {"d": ()}]}}},
        "set_empty": set(),
        "set_small": {1, 2, "three"},
        "set_1000": set(range(1000)),
        "set_1001": set(range(1001)),
        "frozenset_empty": frozenset(),
        "frozenset_small": frozenset({1, "x", (2, 3)}),
        "frozenset_recursive": frozen_rec,
        "types": [int, str, type, object, type(None), type(...), type(NotImplemented)],
        "builtins": [len, print, max, getattr, id],
        "singletons": [..., NotImplemented],
        "module_function": module_function,
        "method": [[].append, "abc".upper, dict.fromkeys],
        "classes": [Plain, Slotted, Outer, Outer.Inner, Color, Point],
        "plain": Plain(),
        "plain_nested": Plain([1, 2], {"k": Plain()}),
        "plain_cyclic": cyclic_obj,
        "slotted": Slotted(),
        "with_state": WithState(),
        "reduce_string": REDUCED_INSTANCE,
        "reduce_ex": ReduceEx(3),
        "newargs": NewArgs(5, "extra"),
        "newargs_ex": NewArgsEx(1, 2, key="k"),
        "copyreg": Registered(11),
        "list_sub": ListSub([1, 2, 3]),
        "dict_sub": DictSub(a=1, b=2),
        "state_setter": WithSetterState(4),
        "listitems": ItemsReduce(),
        "dictitems": DictItemsReduce(),
        "ordereddict": collections.OrderedDict([("b", 1), ("a", 2)]),
        "defaultdict": collections.defaultdict(list, {"a": [1]}),
        "deque": collections.deque([1, 2, 3], maxlen=5),
        "counter": collections.Counter("abracadabra"),
        "datetime": datetime.datetime(2024, 2, 29, 12, 30, 45, 123456),
        "datetime_tz": datetime.datetime(
            2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
        "date": datetime.date(1999, 12, 31),
        "time": datetime.time(23, 59, 59, 999999),
        "timedelta": datetime.timedelta(days=-3, seconds=5, microseconds=7),
        "timezone_utc": datetime.timezone.utc,
        "decimal": [decimal.Decimal("3.14159"), decimal.Decimal("-inf")],
        "fraction": fractions.Fraction(22, 7),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "enum": [Color.RED, Color.GREEN, Flags.A | Flags.B],
        "namedtuple": Point(1, 2),
        "typed_namedtuple": TypedPoint(1, 2.5),
        "dataclass": Data("n", [1, 2]),
        "frozen_dataclass": FrozenData(3),
        "partial": functools.partial(module_function, 1),
        "partial_kw": functools.partial(int, base=16),
        "complex": [1 + 2j, complex(0, -1)],
        "range_slice": [range(1, 10, 2), slice(1, None, 3)],
        "shared_bytes": [b"a", b"a", "latin1", b"bc", bytearray(b"q"), bytearray(b"q")],
        "shared_strings": ["same", "same", "same" * 2],
        "mixed_memo_over_256": [str(i) for i in range(300)] * 2,
        "big_mixed": [{"k": i, "v": [str(i)] * 3, "t": (i, float(i))} for i in range(3000)],
    }


CORPUS = _corpus()


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("name", list(CORPUS))
def test_same_bytes(name, protocol):
    assert_same(CORPUS[name], protocol)


#: Corpus entries that cannot be compared with ==: cycles (comparison
#: recurses), NaN, and classes without __eq__ (compared by identity).
NOT_COMPARABLE = (
    "recursive",
    "big_recursive",
    "list_cyclic",
    "dict_cyclic",
    "plain_cyclic",
    "frozenset_recursive",
    "float",
    "listitems",
    "dictitems",
    "state_setter",
    "reduce_ex",
    "reduce_string",
    "partial",
    "method",
)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("name", list(CORPUS))
def test_round_trip(name, protocol):
    """pickle.loads reads back what serialkit writes as what it reads back
    from the standard library's own pickle: the same type, and an equal
    value wherever values can be compared. Where the standard
    library cannot pickle the object, serialkit refuses it the same way.
    (Byte identity itself is test_same_bytes.)"""
    obj = CORPUS[name]
    try:
        reference = pickle.loads(pickle.dumps(obj, protocol))
    except Exception as refused:
        with pytest.raises(type(refused)):
            dumps(obj, protocol)
        return
    loaded = pickle.loads(dumps(obj, protocol))
    # Some reductions rebuild another type on purpose: compare with what
    # the standard library's own round trip gives.
    assert type(loaded) is type(reference)
    if not name.startswith(NOT_COMPARABLE):
        assert loaded == reference


def test_default_and_negative_protocol():
    obj = {"a": [1, 2.5, "x"]}
    assert dumps(obj) == pickle.dumps(obj)
    assert dumps(obj, None) == pickle.dumps(obj, None)
    assert dumps(obj, -1) == pickle.dumps(obj, -1)
    assert dumps(obj, -5) == pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    assert _pickler.DEFAULT_PROTOCOL == pickle.DEFAULT_PROTOCOL
    assert _pickler.HIGHEST_PROTOCOL == pickle.HIGHEST_PROTOCOL


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_fix_imports(protocol):
    obj = [collections.OrderedDict, functools.reduce, io.BytesIO, range, ValueError]
    for fix in (True, False):
        assert dumps(obj, protocol, fix_imports=fix) == pickle.dumps(obj, protocol, fix_imports=fix)


def test_protocol_errors():
    for bad in (6, 100):
        with pytest.raises(ValueError):
            pickle.dumps(1, bad)
        with pytest.raises(ValueError):
            dumps(1, bad)
    with pytest.raises(TypeError):
        dumps(1, "4")
    with pytest.raises(ValueError, match="buffer_callback needs protocol >= 5"):
        dumps(1, 4, buffer_callback=list.append)


def _local_function():
    def inner():
        pass

    return inner


class NotFound:
    pass


NotFound.__qualname__ = "NoSuchName"


class BadReduce:
    def __init__(self, result):
        self.result = result

    def __reduce__(self):
        return self.result


UNPICKLABLE = {
    "lambda": lambda: None,
    "local_function": _local_function(),
    "lock": threading.Lock(),
    "generator": (i for i in range(3)),
    "not_found": NotFound,
    "bad_reduce_int": BadReduce(3),
    "bad_reduce_short": BadReduce((list,)),
    "bad_reduce_long": BadReduce((list, (), None, None, None, None, None)),
    "bad_reduce_callable": BadReduce((1, ())),
    "bad_reduce_args": BadReduce((list, [])),
    "bad_reduce_listitems": BadReduce((list, (), None, [1])),
    "bad_reduce_dictitems": BadReduce((dict, (), None, None, {1: 2})),
    "module": pytest,
    "nested_lock": [{"k": (1, threading.Lock())}],
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("name", list(UNPICKLABLE))
def test_same_exception(name, protocol):
    obj = UNPICKLABLE[name]
    with pytest.raises(Exception) as expected:
        pickle.dumps(obj, protocol)
    with pytest.raises(Exception) as got:
        dumps(obj, protocol)
    # serialkit raises its own PicklingError, a subclass of pickle's.
    assert isinstance(got.value, type(expected.value))
    assert str(got.value) == str(expected.value)


def test_picklebuffer_requires_protocol_5():
    buf = pickle.PickleBuffer(b"abc")
    for protocol in range(5):
        with pytest.raises(pickle.PicklingError):
            pickle.dumps(buf, protocol)
        with pytest.raises(pickle.PicklingError, match="protocol >= 5"):
            dumps(buf, protocol)


def test_recursion_error():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(RecursionError):
        pickle.dumps(deep)
    with pytest.raises(RecursionError):
        dumps(deep)
    nested = {}
    for _ in range(100_000):
        nested = {"k": nested}
    with pytest.raises(RecursionError):
        dumps(nested, 0)


def test_deep_nesting_on_a_small_stack_raises_instead_of_crashing():
    import sys

    def run():
        deep = None
        for _ in range(100_000):
            deep = [deep, {"k": (deep,)}]
        for protocol in (0, 5):
            try:
                dumps(deep, protocol)
            except RecursionError:
                outcome.append(protocol)

    outcome: list[int] = []
    limit = sys.getrecursionlimit()
    size = threading.stack_size(512 * 1024)
    sys.setrecursionlimit(1_000_000)
    try:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(limit)
        threading.stack_size(size)
    assert outcome == [0, 5]


class _Mutator:
    """Changes the list it sits in while being pickled."""

    def __init__(self, owner: list, change) -> None:
        self.owner = owner
        self.change = change

    def __reduce__(self):
        self.change(self.owner)
        return (int, (7,))


def _outcome(call):
    try:
        return call()
    except Exception as error:  # compared with the C pickler's outcome
        return (type(error).__name__, str(error), getattr(error, "__notes__", None))


_CHANGES = {
    "shrink": [list.clear],
    "grow": [lambda owner: owner.extend(range(3))],
    "grow then shrink back": [lambda owner: owner.append(1), list.pop],
    "replace": [lambda owner: owner.__setitem__(-1, "z")],
}


@pytest.mark.parametrize("nested", [False, True])
@pytest.mark.parametrize("change", sorted(_CHANGES))
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_list_changed_while_its_items_are_saved(change, protocol, nested):
    """Items are read by index after the length is read afresh, as the C
    pickler reads them; a list that shrinks or grows under the pickler
    must give the C pickler's bytes, or its error where it raises one
    (patch releases of 3.14 check the size after each batch), and never
    read past its end."""

    def build():
        owner = ["a", "b"]
        owner.extend(_Mutator(owner, step) for step in _CHANGES[change])
        owner.extend(["c", "d", 1.5])
        return [[owner, 0], 1] if nested else owner

    expected = _outcome(lambda: pickle.dumps(build(), protocol=protocol))
    assert _outcome(lambda: dumps(build(), protocol=protocol)) == expected
