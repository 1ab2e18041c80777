"""Strings in pickles and marshal data: serialkit builds each non-ASCII
`str` itself, checking the bytes as it fills it, where CPython runs its
UTF-8 codec with the `surrogatepass` handler. The result must be the
codec's in value and in storage (one, two or four bytes a character,
which `sys.getsizeof` shows), and bytes the codec refuses must still be
refused."""

from __future__ import annotations

import marshal
import pickle
import struct
import sys

import pytest
import serialkit.marshal as sm
import serialkit.pickle as sp
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Where widths change (U+0080, U+0100, U+10000), where UTF-8 lengths
# change (U+0080, U+0800, U+10000), the surrogates, and the last code point.
BOUNDARIES = [
    0x7F, 0x80, 0xFF, 0x100, 0x7FF, 0x800, 0xD7FF, 0xD800, 0xDBFF, 0xDC00,
    0xDFFF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF,
]  # fmt: skip

characters = st.one_of(
    st.sampled_from([chr(code) for code in BOUNDARIES]),
    # Any code point, lone surrogates included: pickle and marshal carry them.
    st.characters(),
    st.characters(min_codepoint=0xC0, max_codepoint=0xFF),
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FF),
    st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F),
    st.sampled_from("abc 0123456789/"),
)
texts = st.text(characters, max_size=40)


def same_string(made: object, expected: str) -> None:
    assert type(made) is str
    assert made == expected
    assert sys.getsizeof(made) == sys.getsizeof(expected)


@SETTINGS
@given(texts, st.integers(min_value=0, max_value=pickle.HIGHEST_PROTOCOL))
@example("\u00e9t\u00e9", 4)
@example("\ud83d\ude00", 4)  # a surrogate pair in two halves stays two
@example("\udfff\ud800", 0)
@example("\u65e5\u672c\u8a9e" * 20, 5)
def test_pickled_strings_load_as_pickle_loads_them(text, protocol):
    data = pickle.dumps([text, {text: text}], protocol=protocol)
    expected = pickle.loads(data)
    made = sp.loads(data)
    same_string(made[0], expected[0])
    (key, value), (expected_key, _) = made[1].popitem(), expected[1].popitem()
    same_string(key, expected_key)
    same_string(value, expected_key)


@SETTINGS
@given(texts)
@example("\ud800")
@example("\u00ff" * 30 + "\u0100")
def test_marshalled_strings_load_as_marshal_loads_them(text):
    for version in range(marshal.version + 1):
        data = marshal.dumps(text, version)
        same_string(sm.loads(data), marshal.loads(data))


def binunicode(raw: bytes) -> bytes:
    return b"\x80\x04X" + struct.pack("<I", len(raw)) + raw + b"."


def marshalled(raw: bytes) -> bytes:
    return b"u" + struct.pack("<I", len(raw)) + raw


# Fragments that make up valid and invalid UTF-8 alike: every lead class,
# continuations at both ends of their range, overlong forms (C0, C1,
# E0 80, F0 80), encoded surrogates (ED A0-BF), and leads past U+10FFFF.
fragments = st.sampled_from([
    b"a", b"\x7f", b"\x80", b"\xbf", b"\xc0", b"\xc1", b"\xc2", b"\xc3", b"\xdf",
    b"\xe0", b"\xe3", b"\xed", b"\xa0", b"\xef", b"\xf0", b"\x90", b"\xf4",
    b"\x8f", b"\xf5", b"\xf8", b"\xff", b"\xe3\x81\x82", b"\xed\xa0\x80",
    b"\xf0\x9f\x98\x80", b"\xc3\xa9", b"0123456789",
    # Whole forms, so that they also turn up between other characters.
    b"\xc0\x80", b"\xc1\xbf", b"\xe0\x9f\xbf", b"\xf0\x8f\xbf\xbf",
    b"\xf4\x90\x80\x80", b"\xe3\x81\x82\xe3\x81\x84",
])  # fmt: skip
raw_strings = st.lists(fragments, max_size=12).map(b"".join)


@SETTINGS
@given(raw_strings)
@example(b"\xe3\x81")  # a truncated sequence
# One character alone goes to the codec; these are not alone.
@example(b"ab\xc0\x80")  # overlong, in two bytes
@example(b"ab\xe0\x80\x80")  # and in three
@example(b"ab\xe0\x80\x80\xe3\x81\x82")  # and in the first of a pair
@example(b"ab\xe3\x81\x82\xe0\x80\x80")  # and in the second
@example(b"ab\xf0\x80\x80\x80")  # and in four
@example(b"ab\xf4\x90\x80\x80")  # past U+10FFFF
@example(b"ab\xfc\x84\x80\x80")  # a lead that is never valid
@example(b"ab\xe3\x81\xe3\x81\x82\x82")  # a pair that is not one
@example(b"\xed\xa0\x80\xed\xb0\x80")  # two encoded surrogates
@example(b"\xe3\x81\x82\xe3\x81x")  # a bad second character of a pair
def test_arbitrary_bytes_are_accepted_and_refused_as_by_the_codec(raw):
    try:
        expected = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        expected = None

    if expected is None:
        with pytest.raises((sp.UnpicklingError, UnicodeDecodeError)):
            sp.loads(binunicode(raw))
        with pytest.raises(UnicodeDecodeError) as refused:
            sm.loads(marshalled(raw))
        with pytest.raises(UnicodeDecodeError) as codec_refused:
            marshal.loads(marshalled(raw))
        assert str(refused.value) == str(codec_refused.value)
    else:
        same_string(sp.loads(binunicode(raw)), expected)
        same_string(sm.loads(marshalled(raw)), expected)
