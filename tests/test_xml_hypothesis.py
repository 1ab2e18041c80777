"""Round-trip properties, compared with xmltodict on generated data."""

from __future__ import annotations

import serialkit.xml as sx
import xmltodict
from hypothesis import given, settings
from hypothesis import strategies as st

NAME_START = st.sampled_from("abcxyzABC_éñ")
NAME_REST = st.text(alphabet="abcz0189-._ü", max_size=6)
NAMES = st.builds(lambda first, rest: first + rest, NAME_START, NAME_REST)
# Every character XML 1.0 allows, spaces and markup characters included.
TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="".join(map(chr, range(32))) + "\ufffe\uffff",
    )
    | st.sampled_from("\t\n <>&\"'"),
    max_size=12,
)
SCALARS = st.one_of(TEXT, st.none(), st.integers(-1000, 1000), st.booleans())


def element(children):
    attributes = st.dictionaries(NAMES.map(lambda n: "@" + n), TEXT, max_size=3)
    body = st.dictionaries(NAMES, children, max_size=4)
    text = st.one_of(st.none(), TEXT)

    def combine(attrs, content, text):
        node = {**attrs, **content}
        if text is not None:
            node["#text"] = text
        return node

    return st.builds(combine, attributes, body, text)


VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(element(children), st.lists(children, min_size=1, max_size=3)),
    max_leaves=12,
)
DOCUMENTS = st.builds(lambda name, value: {name: value}, NAMES, VALUES)


@settings(max_examples=250, deadline=None)
@given(DOCUMENTS, st.booleans(), st.booleans())
def test_unparse_then_parse_as_xmltodict(document, pretty, short):
    try:
        expected = xmltodict.unparse(document, pretty=pretty, short_empty_elements=short)
    except ValueError:  # e.g. a list of several roots
        return
    text = sx.unparse(document, pretty=pretty, short_empty_elements=short)
    assert text == expected
    assert sx.loads(text) == xmltodict.parse(text)
    assert sx.loads(text, strip_whitespace=False) == xmltodict.parse(text, strip_whitespace=False)
    utf16 = text.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert sx.loads(utf16) == xmltodict.parse(utf16)


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS)
def test_parsed_documents_unparse_identically(document):
    try:
        text = xmltodict.unparse(document)
    except ValueError:
        return
    parsed = xmltodict.parse(text)
    assert sx.loads(text) == parsed
    if parsed is not None and len(parsed) == 1:
        assert sx.unparse(parsed) == xmltodict.unparse(parsed)
        assert sx.loads(sx.unparse(parsed)) == parsed


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60) | st.text(max_size=60).map(lambda t: "<a>" + t))
def test_arbitrary_input_fails_as_a_value_error_or_parses(data):
    try:
        expected = ("ok", xmltodict.parse(data))
    except Exception:
        expected = ("error",)
    try:
        got = ("ok", sx.loads(data))
    except ValueError:
        got = ("error",)
    if expected[0] == "ok" and got[0] == "ok":
        assert got == expected
