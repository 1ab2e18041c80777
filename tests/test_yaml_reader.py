"""Characters YAML forbids in a stream are refused as PyYAML's reader
refuses them: ReaderError, at the same character index."""

from __future__ import annotations

import pytest
import serialkit.yaml as sy
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FORBIDDEN = (
    [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0) if c != 0x85]
    + ["\ud800", "\udfff", "\ufffe", "\uffff"]
)
# Line breaks (LF, CR, NEL) are allowed too; how they fold is tested elsewhere.
ALLOWED = ["\t", "\xa0", "\ud7ff", "\ue000", "\ufffd", "\U00010000"]


def outcome(load, text):
    try:
        load(text)
    except yaml.YAMLError as err:
        return ("error", type(err).__name__, getattr(err, "position", None))
    except sy.YAMLError as err:
        return ("error", type(err).__name__, getattr(err, "position", None))
    return ("ok",)


@pytest.mark.parametrize("char", FORBIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_forbidden_characters_are_reader_errors(char):
    for text in (f"a: {char}", f"# {char}\nk: v\n", f'- "x{char}"'):
        expected = outcome(yaml.safe_load, text)
        assert expected[:2] == ("error", "ReaderError")
        assert outcome(sy.safe_load, text) == expected
        assert outcome(sy.loads, text) == expected


def test_the_error_carries_line_and_column():
    with pytest.raises(sy.ReaderError) as info:
        sy.loads("a: 1\nb: é\x01\n")
    assert (info.value.line, info.value.column, info.value.position) == (2, 5, 9)
    with pytest.raises(sy.ReaderError):
        sy.loads(b"a: \x01")


@pytest.mark.parametrize("char", ALLOWED, ids=lambda c: f"U+{ord(c):04X}")
def test_allowed_characters_load(char):
    text = f'k: "a{char}b"\n'
    assert sy.safe_load(text) == yaml.safe_load(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.sampled_from("ab :-\n\t#é")), st.integers(0, 50), st.sampled_from(FORBIDDEN))
def test_the_position_matches_pyyaml(text, at, char):
    at = min(at, len(text))
    text = text[:at] + char + text[at:]
    assert outcome(sy.safe_load, text) == outcome(yaml.safe_load, text)
