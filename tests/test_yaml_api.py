"""serialkit.yaml's own API: schemas, tags, the !!python allowlist, limits,
errors with positions, files and paths."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import io
import uuid

import pytest
import serialkit.yaml as sy


def test_core_schema_is_the_default():
    assert sy.loads("a: yes\nb: 0777\nc: 0o17\nd: 1e3\ne: ~\n") == {
        "a": "yes",
        "b": 777,
        "c": 15,
        "d": 1000.0,
        "e": None,
    }


def test_yaml11_schema():
    text = "a: yes\nb: 0777\nc: 1:30\nd: 2001-12-14\ne: off\n"
    assert sy.loads(text, schema="yaml11") == {
        "a": True,
        "b": 511,
        "c": 90,
        "d": datetime.date(2001, 12, 14),
        "e": False,
    }
    with pytest.raises(ValueError, match="schema"):
        sy.loads("a", schema="yaml13")


def test_multi_document_streams():
    text = "--- 1\n--- [a, b]\n---\nk: v\n"
    assert sy.loads_all(text) == [1, ["a", "b"], {"k": "v"}]
    with pytest.raises(sy.ParserError, match="single document"):
        sy.loads(text)
    assert sy.loads("") is None
    assert sy.loads_all("") == []
    assert sy.dumps_all([1, {"a": 1}]) == "1\n---\na: 1\n"
    assert sy.loads_all(sy.dumps_all([1, {"a": 1}])) == [1, {"a": 1}]


def test_anchors_share_objects():
    doc = sy.loads("a: &x [1, 2]\nb: *x\n")
    assert doc["a"] is doc["b"]


def test_unknown_local_tags_load_as_plain_data():
    assert sy.loads("!foo {a: !bar 1}") == {"a": "1"}
    assert sy.loads("!!str 12") == "12"
    assert sy.loads("!!float 1") == 1.0
    assert sy.loads("!!binary aGVsbG8=") == b"hello"
    assert sy.loads("!!set {a, b}") == {"a", "b"}


def test_duplicate_keys():
    with pytest.raises(sy.ConstructorError, match="duplicate key 'a'") as info:
        sy.loads("x: 0\na: 1\na: 2\n")
    assert (info.value.line, info.value.column) == (3, 1)
    assert sy.loads("a: 1\na: 2\n", allow_duplicate_keys=True) == {"a": 2}
    assert sy.safe_load("a: 1\na: 2\n") == {"a": 2}


def test_merge_keys_only_under_yaml11():
    text = "b: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n"
    assert sy.loads(text, schema="yaml11")["d"] == {"x": 1, "y": 3}
    assert sy.loads(text)["d"] == {"<<": {"x": 1, "y": 2}, "y": 3}


def test_errors_carry_line_and_column():
    with pytest.raises(sy.YAMLError) as info:
        sy.loads("a:\n  - 1\n  b: 2\n")
    error = info.value
    assert isinstance(error, sy.ParserError)
    assert error.line == 3
    assert error.column is not None
    assert error.problem_mark.line == error.line - 1


def test_depth_and_size_limits():
    with pytest.raises(sy.LimitError, match="nesting depth"):
        sy.loads("[" * 50 + "]" * 50, max_depth=20)
    with pytest.raises(sy.LimitError, match="input size"):
        sy.loads("a: 1\n" * 100, max_size=50)


class Point:
    def __init__(self, x=0, y=0):
        self.x = x
        self.y = y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


def test_python_tags_need_the_allowlist():
    text = f"!!python/object:{__name__}.Point {{x: 1, y: 2}}"
    with pytest.raises(sy.ConstructorError, match=f"{__name__}.Point"):
        sy.loads(text)
    assert sy.loads(text, allow=[Point]) == Point(1, 2)
    assert sy.loads(text, allow=[f"{__name__}.Point"]) == Point(1, 2)
    apply = "!!python/object/apply:collections.OrderedDict [[[a, 1]]]"
    assert sy.loads(apply, allow=[collections.OrderedDict]) == collections.OrderedDict(a=1)
    assert sy.loads("!!python/name:os.path.join", allow=["os.path.join"]).__name__ == "join"
    # Value tags need nothing.
    assert sy.loads("!!python/tuple [1, 2]") == (1, 2)
    assert sy.loads("!!python/complex 1+2j") == 1 + 2j


def test_safe_load_refuses_every_python_tag_as_pyyaml_does():
    for text in ("!!python/tuple [1, 2]", "!!python/none ''", "!!python/name:os.path.join"):
        with pytest.raises(sy.ConstructorError, match="python/"):
            sy.safe_load(text)


def test_forbidden_python_tags_import_nothing():
    for text in (
        "!!python/object/apply:os.system [echo hi]",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/object/new:subprocess.Popen [[ls]]",
    ):
        with pytest.raises(sy.ConstructorError, match="not allowed"):
            sy.loads(text)
    with pytest.raises(sy.ConstructorError, match="python/nonsense"):
        sy.loads("!!python/nonsense 1")


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Item:
    name: str
    tags: list


def test_dumps_extra_types():
    data = {
        "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "day": datetime.date(2024, 1, 2),
        "id": uuid.UUID(int=1),
        "price": decimal.Decimal("1.10"),
        "color": Color.RED,
        "set": {1},
        "item": Item("a", ["x"]),
        "bytes": b"\x00\x01",
    }
    text = sy.dumps(data)
    assert "!!timestamp" in text  # so it reads back under the core schema too
    assert sy.loads(text) == {
        "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "day": datetime.date(2024, 1, 2),
        "id": str(uuid.UUID(int=1)),
        "price": 1.1,
        "color": "red",
        "set": {1},
        "item": {"name": "a", "tags": ["x"]},
        "bytes": b"\x00\x01",
    }
    with pytest.raises(sy.RepresenterError, match="cannot represent"):
        sy.dumps(object())
    with pytest.raises(sy.RepresenterError):
        sy.safe_dump(Color.RED)


def test_dumps_defaults_and_options():
    data = {"b": "é", "a": [1, 2], "c": {}}
    assert sy.dumps(data) == "b: é\na:\n- 1\n- 2\nc: {}\n"
    assert sy.dumps(data, sort_keys=True, default_flow_style=None) == "a: [1, 2]\nb: é\nc: {}\n"
    assert sy.dumps(data, allow_unicode=False).startswith('b: "\\xE9"')
    assert sy.dumps({"a": {"b": 1}}, indent=4) == "a:\n    b: 1\n"
    assert sy.dumps(1, explicit_start=True) == "--- 1\n...\n"
    assert sy.dumps("x " * 10, width=10).count("\n") > 1


def test_strings_quoted_only_when_needed():
    for text in ["yes", "0o17", "1e3", "1_000", "null", "", "2001-12-14", "-", "a: b", "#"]:
        dumped = sy.dumps(text)
        assert dumped.startswith(("'", '"')), (text, dumped)
        assert sy.loads(dumped) == text
        assert sy.loads(dumped, schema="yaml11") == text
    assert sy.dumps("hello world") == "hello world\n...\n"


def test_files_and_paths(tmp_path):
    path = tmp_path / "doc.yaml"
    sy.dump({"a": 1}, path)
    assert path.read_text() == "a: 1\n"
    assert sy.load(path) == {"a": 1}
    assert sy.load(str(path)) == {"a": 1}
    sy.dump_all([1, 2], str(path))
    assert sy.load_all(path) == [1, 2]
    buffer = io.StringIO()
    sy.dump([1], buffer)
    assert buffer.getvalue() == "- 1\n"
    assert sy.load(io.StringIO("x: 1")) == {"x": 1}
    assert sy.load(io.BytesIO(b"x: 1")) == {"x": 1}
    assert sy.safe_load(io.StringIO("x: yes")) == {"x": True}
    sy.safe_dump({"a": 1}, path)
    assert sy.safe_load(path) == {"a": 1}


def test_safe_dump_returns_bytes_with_encoding():
    assert sy.safe_dump({"a": "é"}, encoding="utf-8") == b'a: "\\xE9"\n'
    assert sy.safe_dump({"a": "é"}, allow_unicode=True) == "a: é\n"


def test_invalid_input_text():
    with pytest.raises(sy.ReaderError):
        sy.loads(b"a: \xff")
    with pytest.raises(TypeError):
        sy.loads(12)


@pytest.mark.parametrize(
    "document, allow",
    [
        ("!!python/name:os.nonexistent ''", ["os.nonexistent"]),
        ("!!python/name:nomodule_here.x ''", ["nomodule_here.x"]),
        ("!!python/module:nomodule_here ''", ["nomodule_here"]),
    ],
)
def test_allowed_globals_that_do_not_exist_are_constructor_errors(document, allow):
    # Regression: the ImportError or AttributeError escaped, not a YAMLError.
    with pytest.raises(sy.ConstructorError, match="cannot find"):
        sy.loads(document, allow=allow)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_streams_with_a_byte_order_mark(encoding, tmp_path):
    # Regression: UTF-16 with a BOM was refused as invalid UTF-8.
    import codecs

    marks = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    text = "a: é\nb: [1, 2]\n"
    data = marks.get(encoding, b"") + text.encode(encoding)
    expected = {"a": "é", "b": [1, 2]}
    assert sy.loads(data) == expected
    assert sy.safe_load(data) == expected
    path = tmp_path / "doc.yaml"
    path.write_bytes(data)
    assert sy.load(path) == expected
    with pytest.raises(sy.ReaderError):
        sy.loads(codecs.BOM_UTF16_LE + b"a\x00:\x00 \x00\x00\xd8")


@pytest.mark.parametrize("document", ["!!set [a]", "!!str [1]", "!!seq {a: 1}", "!!int {a: 1}"])
def test_standard_tags_on_collections_of_the_wrong_kind_are_errors(document):
    # Regression: the tag was ignored and the collection loaded as is.
    import yaml

    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.safe_load(document)
    for load in (sy.safe_load, sy.loads):
        with pytest.raises(sy.ConstructorError, match="expected a"):
            load(document)
