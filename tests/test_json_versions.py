"""Behaviour of ``json`` that changed between CPython 3.11 and 3.14:
serialkit.json must do what the running interpreter's ``json`` does, on
every version. Each case is compared with the standard library, so the
same test checks the old behaviour on old versions and the new one on new
versions."""

from __future__ import annotations

import collections
import datetime
import json

import pytest
import serialkit.json as sj
from jsoncheck import assert_same, same_dumps, same_loads


class Opaque:
    pass


class Sub(list):
    pass


class Tagged(dict):
    pass


# 3.13 names a comma before a closing bracket, at the comma.
TRAILING_COMMAS = [
    "[1,]",
    "[1 , ]",
    "[1,\n\t]",
    '{"a": 1,}',
    '{"a": 1 ,\r\n}',
    '[{"a": [1, 2,]}]',
    '{"a": {"b": 1,},}',
    "[1,,]",
    "[,]",
    "{,}",
    '{"a": 1,]',
    "[1,}",
    "[1,",
    '{"a": 1,',
]


@pytest.mark.parametrize("document", TRAILING_COMMAS)
def test_trailing_commas(document):
    same_loads(document)
    same_loads(document.encode())
    # Positions count characters, not bytes.
    same_loads('["\u00e9\U0001f600", ' + document + "]")
    assert_same(
        lambda: json.JSONDecoder().raw_decode(document),
        lambda: sj.JSONDecoder().raw_decode(document),
    )


# 3.14 reads a \uXXXX escape that ends the input as complete (the string
# is then unterminated); earlier versions call the escape invalid.
ESCAPES_AT_THE_END = [
    '"\\u0041',
    '[-10, "\\u0007',
    '"\\u00e9',
    '"\\u00',
    '"\\u12',
    '"\\ud800\\udc00',
    '"\\ud800\\udc0',
    '"\\ud800\\u',
    '"\\ud800\\',
    '"\\u0041x',
    '"\u00e9\\u0041',
]


@pytest.mark.parametrize("document", ESCAPES_AT_THE_END)
def test_unicode_escape_at_the_end_of_the_input(document):
    same_loads(document)
    same_loads(document.encode())


NON_FINITE = [float("inf"), float("-inf"), float("nan")]


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("value", NON_FINITE)
def test_non_finite_floats_are_named_as_the_stdlib_names_them(value, indent):
    # 3.12 added the value to the C encoder's message; 3.14 adds notes.
    for obj in (value, [value], {"k": [1, value]}, (0, {"k": value})):
        same_dumps(obj, allow_nan=False, indent=indent)
    same_dumps({value: 1}, allow_nan=False, indent=indent)


@pytest.mark.parametrize("indent", [None, 2])
def test_error_notes_name_where_the_error_happened(indent):
    # Notes from 3.14: the container type (fully qualified unless builtin or
    # __main__), the item index or the original key, and the object that
    # `default` replaced.
    cases = [
        [1, [2, Opaque()]],
        (1, (Opaque(),)),
        Sub([1, Opaque()]),
        collections.OrderedDict(a=[Opaque()]),
        Tagged(a=Opaque()),
        {1: [Opaque()], 2.5: Opaque(), None: Opaque(), False: [0, Opaque()], "s": Opaque()},
        {"a": [{"b": {(1,): 2}}]},
        [[float("nan")]],
    ]
    for obj in cases:
        same_dumps(obj, indent=indent, allow_nan=False)
        same_dumps(obj, indent=indent, allow_nan=False, sort_keys=False, check_circular=False)
    same_dumps({"b": [Opaque()], "a": 1}, indent=indent, sort_keys=True)
    loop = []
    loop.append(loop)
    same_dumps([loop], indent=indent)
    same_dumps([Opaque()], indent=indent, default=lambda o: {"x": Opaque})
    same_dumps([Opaque()], indent=indent, default=lambda o: 1 / 0)
    same_dumps([Opaque()], indent=indent, default=lambda o: [1, float("inf")], allow_nan=False)


@pytest.mark.parametrize("indent", [None, 1])
def test_bad_key_names_its_type(indent):
    # The C encoder (used with an indent from 3.13) says "datetime.date",
    # the pure-Python one "date".
    same_dumps({datetime.date(2000, 1, 1): 1}, indent=indent)
    same_dumps([{"k": {collections.OrderedDict: 1}}], indent=indent)


@pytest.mark.parametrize("indent", [None, 0, 2, "\t"])
def test_dict_whose_keys_are_all_skipped(indent):
    # With an indent, 3.14 writes `{}` where earlier versions wrote an
    # empty indented block.
    for obj in (
        {(1,): 1},
        [{(1,): 1}],
        {"x": {(1,): 1}},
        {(1,): 1, "a": 2},
        {"a": {(1,): 1}, "b": 1},
    ):
        same_dumps(obj, indent=indent, skipkeys=True)
