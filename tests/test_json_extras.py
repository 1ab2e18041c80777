"""serialkit.json's extra types (dataclasses, datetime/date/time, UUID,
Decimal, Enum, set/frozenset) and extra_types=False, which must behave
exactly like the standard library."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import io
import json
import uuid
from typing import ClassVar

import pytest
import serialkit.json as sj
from jsoncheck import assert_same


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


@dataclasses.dataclass
class Inner:
    when: datetime.date
    tags: frozenset


@dataclasses.dataclass
class Outer:
    z: int
    a: str
    inner: Inner
    items: list
    LIMIT: ClassVar[int] = 10
    hidden: int = dataclasses.field(default=5, init=False)


class Status(enum.Enum):
    ON = "on"
    PAIR = (1, 2)
    WHEN = datetime.date(2021, 1, 1)


def test_dataclass_fields_in_order_and_nested():
    value = Outer(
        z=1,
        a="x",
        inner=Inner(datetime.date(2020, 5, 17), frozenset()),
        items=[Inner(datetime.date(1999, 12, 31), frozenset([1]))],
    )
    assert sj.dumps(value) == (
        '{"z": 1, "a": "x", "inner": {"when": "2020-05-17", "tags": []}, '
        '"items": [{"when": "1999-12-31", "tags": [1]}], "hidden": 5}'
    )
    assert sj.dumps(value, sort_keys=True, indent=1) == json.dumps(
        sj.loads(sj.dumps(value)), sort_keys=True, indent=1
    )


def test_dataclass_class_itself_is_not_serialized():
    with pytest.raises(TypeError):
        sj.dumps(Outer)


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2024, 1, 2, 3, 4, 5),
        datetime.datetime(2024, 1, 2, 3, 4, 5, 678),
        datetime.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone.utc),
        datetime.datetime(
            2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))
        ),
        datetime.date(1, 1, 1),
        datetime.time(23, 59, 59, 999999),
        datetime.time(1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=9))),
        datetime.time(0, 0),
    ],
)
def test_datetime_isoformat(value):
    assert sj.dumps(value) == json.dumps(value.isoformat())
    assert sj.dumps([value], indent=2) == json.dumps([value.isoformat()], indent=2)
    assert sj.dumps({"t": value}) == json.dumps({"t": value.isoformat()})


def test_uuid():
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert sj.dumps(value) == '"12345678-1234-5678-1234-567812345678"'
    assert sj.dumps({"id": [value]}) == json.dumps({"id": [str(value)]})


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.10", "1.10"),
        ("0", "0"),
        ("-0", "-0"),
        ("-0.000", "-0.000"),
        ("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"),
        ("1E+2", "1E+2"),
        ("1e-7", "1E-7"),
        ("3.14159", "3.14159"),
    ],
)
def test_decimal_exact(text, expected):
    value = decimal.Decimal(text)
    assert sj.dumps(value) == expected
    assert sj.dumps([value], indent=1) == "[\n " + expected + "\n]"
    assert (
        sj.loads(sj.dumps(value), parse_float=decimal.Decimal, parse_int=decimal.Decimal) == value
    )


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize(
    "text, as_float",
    [("NaN", "nan"), ("sNaN", "nan"), ("-NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf")],
)
def test_decimal_non_finite(text, as_float, indent):
    value = decimal.Decimal(text)
    assert sj.dumps([value], indent=indent) == json.dumps([float(as_float)], indent=indent)
    with pytest.raises(ValueError) as ours:
        sj.dumps([value], allow_nan=False, indent=indent)
    with pytest.raises(ValueError) as theirs:
        json.dumps([float(as_float)], allow_nan=False, indent=indent)
    if indent is None:
        assert str(ours.value) == str(theirs.value)
    else:
        assert str(ours.value).startswith("Out of range float values are not JSON compliant")


def test_enum_values():
    assert sj.dumps(Status.ON) == '"on"'
    assert sj.dumps([Status.PAIR, Status.WHEN]) == '[[1, 2], "2021-01-01"]'
    assert sj.dumps({"s": Status.ON}, indent=1) == '{\n "s": "on"\n}'


def test_sets():
    assert sj.dumps(set()) == "[]"
    assert sj.dumps(frozenset()) == "[]"
    assert sorted(sj.loads(sj.dumps({3, 1, 2}))) == [1, 2, 3]
    assert sorted(sj.loads(sj.dumps(frozenset({"a", "b"})))) == ["a", "b"]
    assert sj.loads(sj.dumps({"s": {5}}, indent=2)) == {"s": [5]}


def test_nested_combination():
    moment = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)
    ident = uuid.UUID(int=1)
    value = {
        "event": Inner(moment, frozenset([Status.ON])),
        "ids": [ident, {decimal.Decimal("2.50")}],
        "status": Status.PAIR,
    }
    expected = {
        "event": {"when": "2024-06-01T12:00:00+00:00", "tags": ["on"]},
        "ids": ["00000000-0000-0000-0000-000000000001", [2.5]],
        "status": [1, 2],
    }
    assert sj.loads(sj.dumps(value)) == expected
    assert '"ids": ["00000000-0000-0000-0000-000000000001", [2.50]]' in sj.dumps(value)


def test_default_only_for_other_types():
    calls = []

    def default(o):
        calls.append(type(o).__name__)
        return "D"

    value = [datetime.date(2020, 1, 1), Point(0, 0), {1}, Status.ON]
    assert sj.dumps(value, default=default) == '["2020-01-01", "D", [1], "on"]'
    assert calls == ["Point"]


EXTRAS = [
    Inner(datetime.date(2020, 1, 1), frozenset()),
    datetime.datetime(2020, 1, 1, 1, 1),
    datetime.date(2020, 1, 1),
    datetime.time(1, 1),
    uuid.UUID(int=5),
    decimal.Decimal("1.5"),
    Status.ON,
    {1, 2},
    frozenset([3]),
]


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("value", EXTRAS, ids=lambda v: type(v).__name__)
def test_extra_types_false_is_stdlib(value, indent):
    result = assert_same(
        lambda: json.dumps([value], indent=indent),
        lambda: sj.dumps([value], extra_types=False, indent=indent),
    )
    assert result[0] == "TypeError"
    assert_same(
        lambda: json.dumps({"v": value}, indent=indent, default=repr),
        lambda: sj.dumps({"v": value}, extra_types=False, indent=indent, default=repr),
    )
    assert sj.dumps([value], extra_types=False, default=repr) == json.dumps([value], default=repr)
    stream = io.StringIO()
    sj.dump([value], stream, extra_types=False, default=repr)
    assert stream.getvalue() == json.dumps([value], default=repr)


@dataclasses.dataclass(frozen=True)
class Base:
    b: int
    a: int = 2


@dataclasses.dataclass(frozen=True)
class Derived(Base):
    c: tuple = (1, 2)


@dataclasses.dataclass
class Holder:
    payload: object


def test_dataclass_inheritance_and_frozen():
    assert sj.dumps(Derived(b=1)) == '{"b": 1, "a": 2, "c": [1, 2]}'
    assert sj.dumps(Derived(b=1), sort_keys=True) == '{"a": 2, "b": 1, "c": [1, 2]}'
    assert sj.dumps([Base(0)], indent=2) == json.dumps([{"b": 0, "a": 2}], indent=2)


def test_dataclass_fields_go_through_the_encoder():
    # Field values get the full treatment: extras, default=, errors.
    assert sj.dumps(Holder(Holder({1.5}))) == '{"payload": {"payload": [1.5]}}'
    assert sj.dumps(Holder(Point(1, 2)), default=lambda o: [o.x, o.y]) == '{"payload": [1, 2]}'
    assert_same(
        lambda: json.dumps({"payload": Point(1, 2)}),
        lambda: sj.dumps(Holder(Point(1, 2))),
    )
    assert_same(
        lambda: json.dumps({"payload": float("nan")}, allow_nan=False),
        lambda: sj.dumps(Holder(float("nan")), allow_nan=False),
    )


def test_circular_dataclass():
    holder = Holder(None)
    holder.payload = [holder]
    with pytest.raises(ValueError, match="Circular reference detected"):
        sj.dumps(holder)


def test_subclasses_of_extra_types():
    class Stamp(datetime.datetime):
        pass

    class Money(decimal.Decimal):
        pass

    class Flags(enum.IntFlag):
        A = 1
        B = 2

    stamp = Stamp(2020, 2, 3, 4, 5, 6)
    assert sj.dumps(stamp) == '"2020-02-03T04:05:06"'
    assert sj.dumps(Money("9.990")) == "9.990"
    assert sj.dumps([Flags.A | Flags.B]) == "[3]"
    assert sj.dumps({Flags.A: Flags.B}) == json.dumps({Flags.A: Flags.B})
