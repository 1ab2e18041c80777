"""serialkit.json's API surface against the standard library's json: keywords,
hooks, encoder/decoder classes, raw_decode and errors. Extra types, files
and depth have their own test files."""

from __future__ import annotations

import datetime
import decimal
import enum
import inspect
import io
import json
import pickle
import sys
from collections import OrderedDict

import pytest
import serialkit.json as sj
from jsoncheck import assert_same, canonical, same_dumps, same_loads

# ---------------------------------------------------------------- surface


def test_public_names():
    for name in ["dump", "dumps", "load", "loads", "JSONDecoder", "JSONDecodeError", "JSONEncoder"]:
        assert hasattr(sj, name)
        assert name in sj.__all__


def test_class_relations():
    assert issubclass(sj.JSONDecodeError, json.JSONDecodeError)
    assert issubclass(sj.JSONDecodeError, ValueError)
    assert issubclass(sj.JSONEncoder, json.JSONEncoder)
    assert issubclass(sj.JSONDecoder, json.JSONDecoder)


@pytest.mark.parametrize("name", ["dumps", "loads"])
def test_signature_has_every_stdlib_keyword(name):
    ours = inspect.signature(getattr(sj, name)).parameters
    theirs = inspect.signature(getattr(json, name)).parameters
    for parameter in theirs.values():
        assert parameter.name in ours
        assert ours[parameter.name].kind == parameter.kind
        assert ours[parameter.name].default == parameter.default


def test_every_dumps_keyword_is_honoured():
    data = {"b": [1, 2.5, float("nan")], "a": "\u00e9", 3: None, (1,): "skipped"}
    arguments = dict(
        skipkeys=True,
        ensure_ascii=False,
        check_circular=False,
        allow_nan=True,
        indent="\t",
        separators=(";", "="),
        default=repr,
        sort_keys=False,
    )
    expected = json.dumps(data, **arguments)
    assert sj.dumps(data, **arguments) == expected
    assert sj.dumps(data, cls=json.JSONEncoder, **arguments) == expected
    assert sj.dumps(data, cls=sj.JSONEncoder, **arguments) == expected
    stream = io.StringIO()
    assert sj.dump(data, stream, **arguments) is None
    assert stream.getvalue() == expected


@pytest.mark.parametrize("indent", [None, 0, 1, 4, -2, "", "  ", "\t", "ab"])
def test_indent_int_or_str(indent):
    data = {"a": [1, [], {}, {"b": [2, 3]}], "c": {}}
    same_dumps(data, indent=indent)
    same_dumps(data, indent=indent, separators=(",", ":"))
    same_dumps(data, indent=indent, sort_keys=True)


def test_indent_of_wrong_type_fails_like_stdlib():
    with pytest.raises(TypeError):
        json.dumps([1], indent=1.5)
    with pytest.raises(TypeError):
        sj.dumps([1], indent=1.5)


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": "), ("", ""), (" ,\n", " : ")])
def test_separators(separators):
    same_dumps({"a": [1, 2], "b": {"c": None}}, separators=separators)
    same_dumps({"a": [1, 2], "b": {"c": None}}, separators=separators, indent=2)


def test_layout_with_lone_surrogates():
    # Any str is a valid separator or indent for the stdlib.
    same_dumps([1, 2], separators=(",\ud800", ":"))
    same_dumps({"a": 1}, separators=(",", "\udfff"))
    same_dumps([1, 2], indent="\ud800")


def test_wrong_kind_of_separators():
    with pytest.raises(ValueError):
        json.dumps([1], separators=(",",))
    with pytest.raises(ValueError):
        sj.dumps([1], separators=(",",))
    with pytest.raises(TypeError):
        json.dumps([1], separators=(1, 2))
    with pytest.raises(TypeError):
        sj.dumps([1], separators=(1, 2))


def test_unknown_keyword_is_a_type_error():
    for module in (json, sj):
        with pytest.raises(TypeError):
            module.loads("1", no_such_option=1)
        with pytest.raises(TypeError):
            module.dumps(1, no_such_option=1)


# ------------------------------------------------------------------ hooks


def test_object_hook():
    document = '{"a": {"b": 1}, "c": [{"d": 2}]}'

    def hook(d):
        return ("hooked", sorted(d))

    assert sj.loads(document, object_hook=hook) == json.loads(document, object_hook=hook)
    assert sj.loads(document, object_hook=hook) == ("hooked", ["a", "c"])


def test_object_pairs_hook_sees_duplicate_keys():
    document = '{"a": 1, "b": 2, "a": 3, "b": {"x": 1, "x": 2}}'
    expected = [("a", 1), ("b", 2), ("a", 3), ("b", [("x", 1), ("x", 2)])]
    assert sj.loads(document, object_pairs_hook=list) == expected
    assert json.loads(document, object_pairs_hook=list) == expected
    assert sj.loads(document, object_pairs_hook=OrderedDict) == json.loads(
        document, object_pairs_hook=OrderedDict
    )
    assert type(sj.loads(document, object_pairs_hook=OrderedDict)) is OrderedDict


def test_object_pairs_hook_takes_precedence():
    document = '{"a": {"b": 1}}'

    def object_hook(d):
        raise AssertionError("object_hook must not be called")

    assert sj.loads(document, object_hook=object_hook, object_pairs_hook=tuple) == (
        ("a", (("b", 1),)),
    )
    same_loads(document, object_hook=dict.keys, object_pairs_hook=tuple)


def test_duplicate_keys_last_wins_first_position():
    document = '{"a": 1, "b": 2, "a": 3}'
    assert canonical(sj.loads(document)) == canonical({"a": 3, "b": 2})
    same_loads(document)


def test_parse_float_decimal():
    document = "[1.10, -0.0, 1e400, 2.5E-3, 3]"
    value = sj.loads(document, parse_float=decimal.Decimal)
    assert value == [
        decimal.Decimal("1.10"),
        decimal.Decimal("-0.0"),
        decimal.Decimal("1e400"),
        decimal.Decimal("2.5E-3"),
        3,
    ]
    assert str(value[0]) == "1.10"
    assert type(value[4]) is int
    same_loads(document, parse_float=decimal.Decimal)


def test_parse_int():
    document = '[0, -0, 12345678901234567890123, 1.5, {"a": -7}]'
    seen = []

    def hook(text):
        seen.append(text)
        return ("int", text)

    value = sj.loads(document, parse_int=hook)
    assert seen == ["0", "-0", "12345678901234567890123", "-7"]
    assert value == [
        ("int", "0"),
        ("int", "-0"),
        ("int", "12345678901234567890123"),
        1.5,
        {"a": ("int", "-7")},
    ]
    same_loads(document, parse_int=hook)
    same_loads(document, parse_int=float)
    same_loads(document, parse_int=int, parse_float=float)


def test_parse_constant():
    document = '[NaN, Infinity, -Infinity, {"k": NaN}]'
    seen = []

    def hook(name):
        seen.append(name)
        return name.lower()

    assert sj.loads(document, parse_constant=hook) == ["nan", "infinity", "-infinity", {"k": "nan"}]
    assert seen == ["NaN", "Infinity", "-Infinity", "NaN"]
    same_loads(document, parse_constant=hook)
    same_loads(document)


def test_hook_exceptions_propagate():
    class Boom(Exception):
        pass

    def boom(*args):
        raise Boom

    for keyword, document in [
        ("object_hook", "{}"),
        ("object_pairs_hook", "{}"),
        ("parse_float", "1.5"),
        ("parse_int", "1"),
        ("parse_constant", "NaN"),
    ]:
        with pytest.raises(Boom):
            sj.loads(document, **{keyword: boom})


def test_hook_reentering_loads():
    # A hook that calls loads again must get correct results.
    def hook(d):
        return {k: sj.loads(v) if isinstance(v, str) else v for k, v in d.items()}

    document = '{"inner": "{\\"key\\": [1, {\\"key\\": 2}]}", "key": 3}'
    assert sj.loads(document, object_hook=hook) == json.loads(document, object_hook=hook)


@pytest.mark.parametrize("character", ["\x00", "\x01", "\t", "\n", "\r", "\x1f"])
def test_strict_false_allows_control_characters(character):
    document = '{"k' + character + '": "a' + character + 'b"}'
    with pytest.raises(sj.JSONDecodeError):
        sj.loads(document)
    same_loads(document)
    same_loads(document, strict=True)
    assert sj.loads(document, strict=False) == {"k" + character: "a" + character + "b"}
    same_loads(document, strict=False)
    same_loads(document.encode(), strict=False)
    decoder = sj.JSONDecoder(strict=False)
    assert decoder.decode(document) == {"k" + character: "a" + character + "b"}


def test_strict_false_still_rejects_control_characters_outside_strings():
    same_loads("[1,\x00 2]", strict=False)
    same_loads("\x0c[]", strict=False)


# ---------------------------------------------------- encoder/decoder classes


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


class StdPointEncoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Point):
            return {"x": o.x, "y": o.y}
        return super().default(o)


class SkPointEncoder(sj.JSONEncoder):
    def default(self, o):
        if isinstance(o, Point):
            return {"x": o.x, "y": o.y}
        return super().default(o)


@pytest.mark.parametrize("indent", [None, 2])
def test_cls_stdlib_encoder_subclass(indent):
    data = {"p": Point(1, 2), "l": [Point(3, 4)]}
    expected = json.dumps(data, cls=StdPointEncoder, indent=indent)
    assert sj.dumps(data, cls=StdPointEncoder, indent=indent) == expected
    assert_same(
        lambda: json.dumps([object()], cls=StdPointEncoder, indent=indent),
        lambda: sj.dumps([object()], cls=StdPointEncoder, indent=indent),
    )


@pytest.mark.parametrize("indent", [None, 2])
def test_cls_serialkit_encoder_subclass(indent):
    data = {"p": Point(1, 2), "l": [Point(3, 4)]}
    expected = json.dumps(data, cls=StdPointEncoder, indent=indent)
    assert sj.dumps(data, cls=SkPointEncoder, indent=indent) == expected
    assert json.dumps(data, cls=SkPointEncoder, indent=indent) == expected
    assert SkPointEncoder(indent=indent).encode(data) == expected
    assert "".join(SkPointEncoder(indent=indent).iterencode(data)) == expected
    assert_same(
        lambda: json.dumps([object()], cls=StdPointEncoder, indent=indent),
        lambda: sj.dumps([object()], cls=SkPointEncoder, indent=indent),
    )


def test_cls_serialkit_subclass_default_not_used_for_extra_types():
    calls = []

    class Recording(sj.JSONEncoder):
        def default(self, o):
            calls.append(o)
            return "default"

    day = datetime.date(2024, 2, 29)
    assert sj.dumps([day, Point(0, 0)], cls=Recording) == '["2024-02-29", "default"]'
    assert len(calls) == 1
    calls.clear()
    assert sj.dumps([day], cls=Recording, extra_types=False) == '["default"]'
    assert calls == [day]


def test_default_keyword_overrides_encoder_method():
    data = [Point(1, 2)]
    assert sj.dumps(data, cls=SkPointEncoder, default=lambda o: "kw") == json.dumps(
        data, cls=StdPointEncoder, default=lambda o: "kw"
    )


def test_encoder_default_raises_stdlib_type_error():
    assert_same(
        lambda: json.JSONEncoder().default(Point(1, 2)),
        lambda: sj.JSONEncoder().default(Point(1, 2)),
    )


@pytest.mark.parametrize(
    "value", ["plain", "\u00e9\U0001f600\ud800", 1, 2.5, None, True, [1, "a"], {"k": [None]}]
)
def test_encoder_encode_matches_stdlib(value):
    for options in [{}, {"ensure_ascii": False}, {"indent": 2}, {"sort_keys": True}]:
        assert sj.JSONEncoder(**options).encode(value) == json.JSONEncoder(**options).encode(value)


def test_cls_decoder_subclasses():
    class StdDecoder(json.JSONDecoder):
        def __init__(self, **kwargs):
            super().__init__(object_hook=lambda d: ("std", d), **kwargs)

    class SkDecoder(sj.JSONDecoder):
        def __init__(self, **kwargs):
            super().__init__(object_hook=lambda d: ("std", d), **kwargs)

    document = '{"a": [1, {"b": 2}]}'
    expected = json.loads(document, cls=StdDecoder)
    assert sj.loads(document, cls=StdDecoder) == expected
    assert sj.loads(document, cls=SkDecoder) == expected
    assert sj.loads(document.encode("utf-16"), cls=SkDecoder) == expected
    assert sj.loads(document, cls=sj.JSONDecoder) == json.loads(document)
    assert_same(lambda: json.loads("[1,", cls=StdDecoder), lambda: sj.loads("[1,", cls=SkDecoder))


@pytest.mark.parametrize(
    "document", ['{"a": [1, 2]}', " [1] ", "[1] x", "", "\ufeff[]", "[1,", '"\\ud800"', "NaN"]
)
def test_decoder_decode_matches_stdlib(document):
    assert_same(
        lambda: json.JSONDecoder().decode(document), lambda: sj.JSONDecoder().decode(document)
    )
    assert_same(
        lambda: json.JSONDecoder(parse_float=decimal.Decimal, object_pairs_hook=list).decode(
            document
        ),
        lambda: sj.JSONDecoder(parse_float=decimal.Decimal, object_pairs_hook=list).decode(
            document
        ),
    )


@pytest.mark.parametrize(
    "text, index",
    [
        ('[1, "x"] tail', 0),
        ('\u00e9\u00e9 {"a": 1} rest', 3),
        ('\U0001f600\U0001f600["\U0001f600"]\U0001f600', 2),
        ("\ud800\udc00\ud800 12.5e3,", 3),
        ('\u00e9 "\u00e9"', 2),
        ("x 1", 1),  # whitespace at idx is not skipped
        ("[1] [2]", 3),
        ("[1] [2]", 4),
        ("NaN-Infinity", 3),
        ("[1, 2", 0),
        ("\u00e9\u00e9\u00e9 [1, 2", 4),
        ("[1]", 3),
    ],
)
def test_raw_decode(text, index):
    assert_same(
        lambda: json.JSONDecoder().raw_decode(text, index),
        lambda: sj.JSONDecoder().raw_decode(text, index),
    )
    if index == 0:
        assert_same(
            lambda: json.JSONDecoder().raw_decode(text), lambda: sj.JSONDecoder().raw_decode(text)
        )


def test_raw_decode_index_past_the_end():
    assert_same(
        lambda: json.JSONDecoder().raw_decode("[1]", 10),
        lambda: sj.JSONDecoder().raw_decode("[1]", 10),
    )


def test_raw_decode_negative_index():
    assert_same(
        lambda: json.JSONDecoder().raw_decode("[1]", -1),
        lambda: sj.JSONDecoder().raw_decode("[1]", -1),
    )


def test_raw_decode_rejects_bytes():
    assert_same(
        lambda: json.JSONDecoder().raw_decode(b"[1]"), lambda: sj.JSONDecoder().raw_decode(b"[1]")
    )


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "document",
    [
        "",
        "[1,\n  2,\n  x]",
        '{\n"a": 1,\n"b" 2}',
        '["abc',
        '"\\x"',
        '"\\u12"',
        "[1] [2]",
        "\ufeff[1]",
        "\u00e9\U0001f600",
        '[\n"\U0001f600\U0001f600",\n tru]',
    ],
)
def test_decode_error_attributes(document):
    with pytest.raises(sj.JSONDecodeError) as ours:
        sj.loads(document)
    with pytest.raises(json.JSONDecodeError) as theirs:
        json.loads(document)
    error, expected = ours.value, theirs.value
    assert isinstance(error, json.JSONDecodeError)
    assert isinstance(error, ValueError)
    assert (error.msg, error.doc, error.pos, error.lineno, error.colno) == (
        expected.msg,
        expected.doc,
        expected.pos,
        expected.lineno,
        expected.colno,
    )
    assert str(error) == str(expected)
    assert error.args == expected.args
    # except json.JSONDecodeError catches it, and it pickles like stdlib's.
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is sj.JSONDecodeError
    assert (copy.msg, copy.doc, copy.pos) == (error.msg, error.doc, error.pos)


def test_decode_error_doc_is_decoded_text_for_bytes():
    data = '[\n"\u00e9",\n x]'.encode("utf-16")
    same_loads(data)
    with pytest.raises(sj.JSONDecodeError) as info:
        sj.loads(data)
    assert info.value.doc == '[\n"\u00e9",\n x]'


@pytest.mark.parametrize("value", [12, 1.5, None, [b"x"], memoryview(b"[]"), object()])
def test_loads_wrong_input_type(value):
    with pytest.raises(TypeError):
        sj.loads(value)
    same_loads(value)


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("value", [object(), 1 + 2j, b"bytes", Point(1, 2), {1, 2}.__iter__()])
def test_unserializable_type_error(value, indent):
    result = same_dumps({"k": [value]}, indent=indent)
    assert result[0] == "TypeError"
    assert type(value).__name__ in result[1]


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("key", [(1, 2), b"k", frozenset(), datetime.date(2020, 1, 1), Point(0, 0)])
def test_bad_key_type_error(key, indent):
    result = same_dumps({key: 1}, indent=indent)
    assert result[0] == "TypeError"
    assert same_dumps({key: 1}, indent=indent, skipkeys=True)[0] == "ok"


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_with_allow_nan_false(value, indent):
    result = same_dumps([1, {"k": value}], allow_nan=False, indent=indent)
    assert result[0] == "ValueError"
    assert same_dumps({value: 1}, allow_nan=False, indent=indent)[0] == "ValueError"
    assert same_dumps([value], indent=indent)[0] == "ok"


def test_circular_references():
    loop = []
    loop.append(loop)
    cyclic = {}
    cyclic["self"] = [cyclic]

    class Node:
        pass

    node = Node()
    for value in (loop, cyclic):
        for indent in (None, 2):
            result = same_dumps(value, indent=indent)
            assert result[:2] == ("ValueError", "Circular reference detected")
    circular = ("ValueError", "Circular reference detected")
    assert same_dumps(node, default=lambda o: o)[:2] == circular
    assert same_dumps(node, default=lambda o: [o])[:2] == circular
    for value in (loop, cyclic):
        with pytest.raises(RecursionError):
            json.dumps(value, check_circular=False)
        with pytest.raises(RecursionError):
            sj.dumps(value, check_circular=False)


def test_shared_but_not_circular_is_fine():
    shared = [1, 2]
    same_dumps({"a": shared, "b": [shared, shared]})


def test_integer_digit_limit():
    same_loads("1" * 5000)
    same_loads("[" + "9" * 4300 + "]")
    same_dumps(10**5000)
    same_dumps(10**4299)
    same_dumps({10**5000: 1})


def test_loaded_number_types():
    value = sj.loads("[1, 1.0, -0, -0.0, 1e2, true, 123456789012345678901234567890, 5e-324]")
    assert [type(v) for v in value] == [int, float, int, float, float, bool, int, float]
    assert value[6] == 123456789012345678901234567890
    same_loads("[1, 1.0, -0, -0.0, 1e2, true, 123456789012345678901234567890, 5e-324]")


def test_lone_surrogates_in_escapes():
    for document in ['"\\ud800"', '"\\udfff\\ud800"', '{"\\ud83d": "\\ude00"}', '"\\ud83d\\ude00"']:
        same_loads(document)
        same_loads(document.encode())
    assert sj.loads('"\\ud83d\\ude00"') == "\U0001f600"
    assert sj.loads('"\\ud800"') == "\ud800"


def test_subclass_values_and_keys():
    class Level(enum.IntEnum):
        LOW = 1

    class Name(str, enum.Enum):
        A = "a\u00e9"

    class Ratio(float):
        def __repr__(self):
            return "nope"

    class Big(int):
        def __str__(self):
            return "nope"

    data = {
        Level.LOW: [Level.LOW, Name.A, Ratio(0.5), Big(2**80)],
        Name.A: Ratio(1.5),
        True: False,
        None: None,
        1.5: 2,
        Ratio(2.5): 3,
        Big(2**70): 4,
        float("inf"): 5,
    }
    for indent in (None, 1):
        for ensure_ascii in (True, False):
            assert same_dumps(data, indent=indent, ensure_ascii=ensure_ascii)[0] == "ok"


def test_list_subclass_with_own_iteration():
    # The standard library walks list subclasses with their __iter__.
    class Reversed(list):
        def __iter__(self):
            return reversed(list(super().__iter__()))

    same_dumps(Reversed([1, 2, 3]))
    same_dumps(Reversed([1, 2, 3]), indent=1)


def test_dict_subclass_with_own_items():
    class Upper(dict):
        def items(self):
            return [(k.upper(), v) for k, v in super().items()]

    same_dumps(Upper(a=1, b=2))
    same_dumps(OrderedDict([("b", 1), ("a", 2)]), sort_keys=True)


def test_stdlib_dump_with_serialkit_encoder_class():
    data = {"p": Point(1, 2), "n": [1.5, None]}
    ours, theirs = io.StringIO(), io.StringIO()
    json.dump(data, ours, cls=SkPointEncoder, indent=2)
    json.dump(data, theirs, cls=StdPointEncoder, indent=2)
    assert ours.getvalue() == theirs.getvalue()


def test_keys_spelled_differently_are_the_same_key():
    long_key = "x" * 80
    document = (
        '{"ab": 1, "a\\u0062": 2, "\\u00e9": 3, "\u00e9": 4, '
        f'"{long_key}": 5, "{long_key[:-1]}\\u0078": 6}}'
    )
    assert sj.loads(document) == {"ab": 2, "\u00e9": 4, long_key: 6}
    same_loads(document)
    same_loads(document.encode("utf-8"))


def test_concurrent_loads_from_threads():
    import threading

    documents = [
        json.dumps({f"key{j}_{i % 5}": [j, {f"k{i % 3}": "v" * j}] for j in range(i % 17 + 1)})
        for i in range(40)
    ]
    failures = []

    def work(offset):
        for round_ in range(100):
            document = documents[(offset + round_) % len(documents)]
            hook = dict if round_ % 2 else None
            if sj.loads(document, object_hook=hook) != json.loads(document):
                failures.append(document)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


HALF_MIN_SUBNORMAL = (
    "2.47032822920623272088284396434110686182529901307162382212792841250337753635104375932649"
    "91818081799618989828234772285886546332835517796989819938739800539093906315035659515570226"
    "39229085839244910518443593180284993653615250031937045767824921936562366986365848075700158"
    "57692699037063119282795585513329278343384093519780155312465972635795746227664652728272200"
    "56374006485499977096599470454020828166226237857393450736339007967761930577506740176324673"
    "60096895134053553745851666113422376667860416215968046191446729184030053005753084904876539"
    "17113865916462395249126236538818796362393732804238910186723484976682350898633885879256283"
    "02755995657524455507255189313690836254779186948667994968324049705821028513185451396213837"
    "722826145437693412532098591327667236328125"
)


@pytest.mark.parametrize(
    "text",
    [
        HALF_MIN_SUBNORMAL + "e-324",  # exactly half the smallest subnormal: rounds to 0
        HALF_MIN_SUBNORMAL + "1e-324",  # just above: rounds up
        "9007199254740993.0",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203126",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1e-99999",
        "-1e99999",
        "123e+00000000000000000000000000001",
        "0." + "0" * 5000 + "1",
        "1" * 400 + ".5",
        "-0e0",
        "1" + "0" * 4300 + ".0",
        "1" + "0" * 4299,
        "-" + "1" * 4301,
    ],
    ids=lambda text: text[:30],
)
def test_number_texts(text):
    same_loads(text)
    same_loads("[" + text + "]")
    same_loads(text, parse_float=decimal.Decimal)


def test_sort_keys_with_skipkeys_still_sorts_first():
    same_dumps({(1,): 1, "a": 2}, skipkeys=True, sort_keys=True)
    same_dumps({1: 1, "a": 2}, sort_keys=True, indent=1)
    same_dumps({"b": 1, "a": 2, "c": {"z": 1, "y": 2}}, sort_keys=True)


def test_bytearray_changed_by_a_hook():
    # json.loads decodes a bytearray up front, so changing it while hooks
    # run cannot affect the result.
    data = bytearray(b'[{"a": 1}, {"b": 2}, [3, 4, 5]]')

    def hook(obj):
        data[:] = b"garbage, not even JSON"
        return obj

    expected = json.loads(bytearray(data), object_hook=hook)
    data[:] = b'[{"a": 1}, {"b": 2}, [3, 4, 5]]'
    assert sj.loads(data, object_hook=hook) == expected


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_dumps_leaves_no_utf8_copy_inside_strings(ensure_ascii):
    """Regression: reading strings through CPython's UTF-8 buffer made each
    non-ASCII string written keep a cached UTF-8 copy, so the caller's data
    grew in memory after dumps. sys.getsizeof counts that copy."""
    texts = ["café" * 50, "日本語" * 50, "emoji 😀" * 50, "\ud800 lone" * 10]
    sizes = [sys.getsizeof(text) for text in texts]
    sj.dumps({"texts": texts, texts[0]: texts[1]}, ensure_ascii=ensure_ascii)
    assert [sys.getsizeof(text) for text in texts] == sizes
