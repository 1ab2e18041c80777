"""Non-ASCII strings: serialkit.json builds each `str` itself from the
UTF-8 the parser validated, so each must match json.loads' not only in
value but in storage (one, two or four bytes a character, compact), which
`sys.getsizeof` shows."""

from __future__ import annotations

import json
import sys

import serialkit.json as sj
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The widths change at U+0080, U+0100 and U+10000; UTF-8 lengths at
# U+0080, U+0800 and U+10000; surrogates are skipped around U+D800.
BOUNDARIES = [
    0x7F, 0x80, 0xFF, 0x100, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF,
]  # fmt: skip

characters = st.one_of(
    st.sampled_from([chr(code) for code in BOUNDARIES]),
    st.characters(codec="utf-8"),
    # Runs of one script, as real text has: Latin-1, Greek, kana, emoji.
    st.characters(min_codepoint=0xC0, max_codepoint=0xFF),
    st.characters(min_codepoint=0x391, max_codepoint=0x3C9),
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FF),
    st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F),
    st.sampled_from('abc 0123456789/"\\\n\t'),
)
texts = st.text(characters, max_size=40)


def escape(char: str) -> str:
    """`char` as a JSON \\u escape (a surrogate pair above the BMP)."""
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04X}"


@st.composite
def literals(draw: st.DrawFn) -> str:
    """A JSON string literal for a drawn text, each character written raw
    or escaped as drawn, so escapes fall between multi-byte characters."""
    text = draw(texts)
    parts = []
    for char in text:
        if char in '"\\' or char < " " or draw(st.booleans()):
            parts.append(escape(char))
        else:
            parts.append(char)
    return '"' + "".join(parts) + '"'


@st.composite
def documents(draw: st.DrawFn) -> str:
    """An object of literal keys and values, a list of literals, or one."""
    shape = draw(st.sampled_from(["object", "array", "string"]))
    if shape == "string":
        return draw(literals())
    items = draw(st.lists(literals(), max_size=6))
    if shape == "array":
        return "[" + ",".join(items) + "]"
    values = draw(st.lists(literals(), min_size=len(items), max_size=len(items)))
    return "{" + ",".join(f"{key}:{value}" for key, value in zip(items, values)) + "}"


def strings(value: object) -> list[str]:
    """Every str in a decoded document, keys included, in order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    assert isinstance(value, dict)
    return [text for key, item in value.items() for text in [key, *strings(item)]]


def assert_same_strings(document: str | bytes) -> None:
    expected = json.loads(document)
    got = sj.loads(document)
    assert got == expected
    pairs = list(zip(strings(got), strings(expected)))
    assert len(pairs) == len(strings(expected))
    for mine, theirs in pairs:
        assert type(mine) is str
        assert mine == theirs
        assert sys.getsizeof(mine) == sys.getsizeof(theirs), (mine, theirs)


@SETTINGS
@given(documents())
@example('"\\u00ff\\u0100"')
@example('"\u00e9t\u00e9 \u3042\u3044\u3046\u3048\u304a\U0001f600 \u00ff"')
def test_strings_match_json_in_value_and_storage(document: str) -> None:
    assert_same_strings(document)
    assert_same_strings(document.encode())


@SETTINGS
@given(texts)
def test_raw_text_matches_json(text: str) -> None:
    document = json.dumps({text: [text, text + "\u00e9"]}, ensure_ascii=False)
    assert_same_strings(document)
    assert_same_strings(document.encode())


def test_each_boundary_alone_and_among_ascii() -> None:
    for code in BOUNDARIES:
        char = chr(code)
        for text in (char, char * 9, f"0123456789{char}abcdefgh{char}", f"{char}\\n{char}"):
            document = f'{{"{text}": "{text}", "k": ["{text}"]}}'
            assert_same_strings(document)
            assert_same_strings(document.encode())


def test_single_latin1_characters_are_the_shared_ones() -> None:
    # json.loads hands out the interpreter's one-character strings below
    # U+0100; building a fresh str would waste memory on every repeat.
    for code in (0x80, 0xE9, 0xFF):
        char = chr(code)
        assert sj.loads(f'["{char}"]')[0] is json.loads(f'["{char}"]')[0]


def test_lone_surrogates_still_decode() -> None:
    for document in ('"\\ud800\u00e9"', '"\u3042\\udfff"', '{"\\ud83d\u00e9": "\\ude00"}'):
        assert_same_strings(document)
