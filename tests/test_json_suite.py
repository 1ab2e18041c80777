"""JSONTestSuite (Nicolas Seriot's test_parsing corpus): serialkit.json must
accept every y_ file, reject every n_ file, survive every i_ file, and agree
with the standard library's json on all of them."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import serialkit.json as sj
from jsoncheck import assert_same

SUITE = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "json-test-suite"
PARSING = SUITE / "test_parsing"
MISSING = "<test_parsing folder missing>"

# n_ files the standard library (and so serialkit) accepts by default: the
# NaN / Infinity extension. parse_constant can reject them.
CONSTANT_FILES = {"n_number_NaN.json", "n_number_infinity.json", "n_number_minus_infinity.json"}

FILES = sorted(path.name for path in PARSING.glob("*.json")) if PARSING.is_dir() else [MISSING]


def read(name: str) -> bytes:
    assert PARSING.is_dir(), f"JSONTestSuite corpus missing: {PARSING.resolve()}"
    return (PARSING / name).read_bytes()


def test_corpus_is_present():
    assert PARSING.is_dir(), f"JSONTestSuite corpus missing: {PARSING.resolve()}"
    names = set(FILES)
    assert len(names) >= 300
    assert names >= CONSTANT_FILES
    assert sum(name.startswith("y_") for name in names) >= 90
    assert sum(name.startswith("n_") for name in names) >= 180
    assert sum(name.startswith("i_") for name in names) >= 30


@pytest.mark.parametrize("name", FILES)
def test_same_outcome_as_stdlib(name):
    data = read(name)
    assert_same(lambda: json.loads(data), lambda: sj.loads(data))
    assert_same(lambda: json.loads(bytearray(data)), lambda: sj.loads(bytearray(data)))
    try:
        text = data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return
    assert_same(lambda: json.loads(text), lambda: sj.loads(text))


@pytest.mark.parametrize("name", [name for name in FILES if name.startswith("y_")])
def test_accepted(name):
    data = read(name)
    sj.loads(data)


@pytest.mark.parametrize(
    "name", [name for name in FILES if name.startswith("n_") and name not in CONSTANT_FILES]
)
def test_rejected(name):
    data = read(name)
    try:
        json.loads(data)
    except (UnicodeDecodeError, RecursionError) as error:
        # Undecodable bytes and 100000-deep nesting: stdlib raises these,
        # not JSONDecodeError, and serialkit must raise the same.
        with pytest.raises(type(error)):
            sj.loads(data)
        return
    except json.JSONDecodeError:
        pass
    with pytest.raises(sj.JSONDecodeError):
        sj.loads(data)
    with pytest.raises(json.JSONDecodeError):
        sj.loads(data)


class Rejected(Exception):
    pass


def reject(name):
    raise Rejected(name)


@pytest.mark.parametrize("name", sorted(CONSTANT_FILES))
def test_constants_accepted_unless_parse_constant_raises(name):
    data = read(name)
    value = sj.loads(data)
    assert isinstance(value, list) and len(value) == 1
    assert isinstance(value[0], float)
    assert repr(value) == repr(json.loads(data))
    with pytest.raises(Rejected):
        sj.loads(data, parse_constant=reject)
    assert_same(
        lambda: json.loads(data, parse_constant=reject),
        lambda: sj.loads(data, parse_constant=reject),
    )


@pytest.mark.parametrize("name", [name for name in FILES if name.startswith("i_")])
def test_implementation_defined_does_not_crash(name):
    data = read(name)
    # Accepting is fine; rejecting must be an ordinary exception
    # (JSONDecodeError and UnicodeDecodeError are ValueErrors).
    with contextlib.suppress(ValueError, RecursionError):
        sj.loads(data)
