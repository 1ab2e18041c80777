"""serialkit.pickle loading: equal objects to pickle.loads for what the
standard library writes, and safe by default against crafted pickles."""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import io
import pickle
import struct
import uuid

import pytest
import serialkit.pickle as sp

PROTOCOLS = range(6)

CORPUS = [
    None,
    True,
    False,
    0,
    -1,
    255,
    2**31,
    -(2**63),
    2**64,
    -(2**100),
    1.5,
    -0.0,
    float("inf"),
    "",
    "ascii",
    "é日本😀",
    "\ud800 lone",
    b"",
    b"\x00\xff" * 300,
    bytearray(b"ab"),
    (),
    (1,),
    (1, 2, 3, 4),
    [],
    [1, [2, [3]]],
    list(range(2500)),
    {},
    {"a": 1, 2: "b", (1, 2): None},
    {i: str(i) for i in range(1500)},
    set(),
    {1, "x"},
    frozenset({3, 4}),
    collections.OrderedDict(a=1, b=2),
    collections.defaultdict(list, a=[1]),
    collections.deque([1, 2], maxlen=5),
    collections.Counter("aab"),
    datetime.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
    datetime.date(2020, 1, 1),
    datetime.time(12, 30),
    datetime.timedelta(days=3, seconds=4),
    decimal.Decimal("1.10"),
    fractions.Fraction(3, 7),
    uuid.UUID(int=5),
    complex(1, 2),
    slice(1, 2, 3),
    range(3, 10, 2),
    "x" * 70_000,
]


def same(a, b):
    if isinstance(a, float) and a != a:
        return b != b
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_loads_equals_pickle_loads(index, protocol):
    value = CORPUS[index]
    data = pickle.dumps(value, protocol=protocol)
    assert same(sp.loads(data), pickle.loads(data))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_shared_references_and_cycles_stay_shared(protocol):
    shared = [1]
    loop = []
    loop.append(loop)
    ring = {}
    ring["self"] = ring
    loaded = sp.loads(pickle.dumps([shared, shared, loop, ring], protocol=protocol))
    assert loaded[0] is loaded[1]
    assert loaded[2][0] is loaded[2]
    assert loaded[3]["self"] is loaded[3]


class Car:
    def __init__(self, model, year):
        self.model = model
        self.year = year


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a, self.b = 1, 2


class WithState:
    def __init__(self):
        self.value = 3

    def __getstate__(self):
        return {"value": self.value * 10}

    def __setstate__(self, state):
        self.value = state["value"] // 10


def test_tutorial_car_needs_allow_or_trust():
    data = pickle.dumps(Car("Tesla Model S", 2020))
    with pytest.raises(sp.ForbiddenGlobal) as refused:
        sp.loads(data)
    assert refused.value.name == f"{__name__}.Car"
    assert "allow=" in str(refused.value) and "trusted=True" in str(refused.value)
    assert isinstance(refused.value, pickle.UnpicklingError)
    for car in (sp.loads(data, allow=[Car]), sp.loads(data, trusted=True)):
        assert car.__dict__ == {"model": "Tesla Model S", "year": 2020}
    assert sp.loads(data, allow=[f"{__name__}.Car"]).year == 2020


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_custom_classes_in_every_reduce_style(protocol):
    cases = [(WithState(), [WithState]), (Car("x", 1), [Car])]
    if protocol >= 2:  # slots need protocol 2's copyreg.__reduce_ex__ path
        cases.append((Slotted(), [Slotted]))
    for value, allow in cases:
        data = pickle.dumps(value, protocol=protocol)
        loaded = sp.loads(data, allow=allow)
        expected = pickle.loads(data)
        assert type(loaded) is type(expected)
        for attribute in ("a", "b", "value", "model", "year"):
            assert getattr(loaded, attribute, None) == getattr(expected, attribute, None)


def test_python2_pickles_are_mapped_like_the_standard_library():
    # A protocol-2 pickle as Python 2 writes a set: the name is __builtin__.
    data = b"\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03."
    assert sp.loads(data) == pickle.loads(data) == {1, 2}
    py2_str = b"\x80\x02U\x04caf\xe9q\x00."
    assert sp.loads(py2_str, encoding="latin1") == pickle.loads(py2_str, encoding="latin1")
    assert sp.loads(py2_str, encoding="bytes") == b"caf\xe9"


def test_out_of_band_buffers():
    buffer = pickle.PickleBuffer(bytearray(b"payload"))
    buffers = []
    data = pickle.dumps(buffer, protocol=5, buffer_callback=buffers.append)
    assert bytes(sp.loads(data, buffers=buffers)) == b"payload"
    with pytest.raises(pickle.UnpicklingError):
        sp.loads(data)


def test_files_paths_and_streams(tmp_path):
    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps({"a": 1}))
    assert sp.load(path) == {"a": 1}
    assert sp.load(str(path)) == {"a": 1}
    stream = io.BytesIO(pickle.dumps(1) + pickle.dumps([2]) + b"tail")
    assert sp.load(stream) == 1
    assert sp.Unpickler(stream).load() == [2]
    assert stream.read() == b"tail"
    with pytest.raises(EOFError):
        sp.loads(b"")


def test_unpickler_hooks():
    class Restricted(sp.Unpickler):
        def find_class(self, module, name):
            if (module, name) == (__name__, "Car"):
                return Car
            return super().find_class(module, name)

    car = Restricted(io.BytesIO(pickle.dumps(Car("m", 1)))).load()
    assert car.model == "m"

    class WithIds(pickle.Pickler):
        def persistent_id(self, obj):
            return "ref" if obj == "external" else None

    out = io.BytesIO()
    WithIds(out).dump(["external", 1])

    class Resolver(sp.Unpickler):
        def persistent_load(self, pid):
            return f"resolved {pid}"

    assert Resolver(io.BytesIO(out.getvalue())).load() == ["resolved ref", 1]
    with pytest.raises(pickle.UnpicklingError, match="persistent_load"):
        sp.loads(out.getvalue())


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_prefix_is_rejected_cleanly(protocol):
    data = pickle.dumps([CORPUS[27], CORPUS[32], "é", 2**70, (1, 2)], protocol=protocol)
    for end in range(len(data) - 1):
        with pytest.raises((pickle.UnpicklingError, EOFError, ValueError, TypeError)):
            sp.loads(data[:end])
    assert sp.loads(data) == pickle.loads(data)


@pytest.mark.parametrize(
    ("encoding", "errors"),
    [
        ("ASCII", "strict"),
        ("ASCII", "replace"),
        ("ascii", "ignore"),
        ("latin1", "strict"),
        ("utf-8", "strict"),
        ("utf-8", "surrogateescape"),
        ("cp1252", "strict"),
        ("koi8-r", "strict"),
        ("bytes", "strict"),
    ],
)
def test_python2_strings_decode_as_pickle_loads_decodes_them(encoding, errors):
    # STRING (protocol 0), BINSTRING and SHORT_BINSTRING holding non-ASCII
    # bytes, as Python 2 wrote its str.
    raw = b"caf\xe9 \xd0\xbc"
    pickles = [
        b"S'caf\\xe9 \\xd0\\xbc'\np0\n.",
        b"\x80\x02T" + struct.pack("<I", len(raw)) + raw + b"q\x00.",
        b"\x80\x02U" + bytes([len(raw)]) + raw + b"q\x00.",
    ]
    for data in pickles:
        try:
            expected = ("ok", pickle.loads(data, encoding=encoding, errors=errors))
        except Exception as error:
            expected = ("error", type(error))
        try:
            got = ("ok", sp.loads(data, encoding=encoding, errors=errors))
        except Exception as error:
            got = ("error", type(error))
        assert got == expected, data
