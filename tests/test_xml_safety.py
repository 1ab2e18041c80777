"""The documents defusedxml guards against: each is refused, by default,
before it can expand, fetch or nest anything."""

from __future__ import annotations

import io
from xml.parsers.expat import ExpatError

import pytest
import serialkit.xml as sx
import xmltodict


def billion_laughs(levels: int = 10) -> str:
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        entities.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    return f"<!DOCTYPE lolz [{''.join(entities)}]><lolz>&lol{levels - 1};</lolz>"


def quadratic_blowup(size: int = 50_000, uses: int = 50_000) -> str:
    return f'<!DOCTYPE r [<!ENTITY a "{"x" * size}">]><r>{"&a;" * uses}</r>'


EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<r>&secret;</r>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://example.invalid/evil.dtd">
<r>x</r>"""

PARAMETER_ENTITY = """<!DOCTYPE r [<!ENTITY % p SYSTEM "http://example.invalid/p.dtd"> %p;]><r/>"""


@pytest.mark.parametrize(
    "document",
    [billion_laughs(), quadratic_blowup(), EXTERNAL_ENTITY, PARAMETER_ENTITY],
    ids=["billion_laughs", "quadratic_blowup", "external_entity", "parameter_entity"],
)
def test_entity_declarations_are_refused_by_default(document):
    with pytest.raises(ValueError):  # xmltodict's refusal is a ValueError too
        xmltodict.parse(document)
    with pytest.raises(sx.EntitiesForbidden) as raised:
        sx.loads(document)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "document", [billion_laughs(), quadratic_blowup()], ids=["billion_laughs", "quadratic_blowup"]
)
def test_expansion_is_bounded_when_entities_are_allowed(document):
    with pytest.raises(sx.LimitExceeded, match="entity expansion"):
        sx.loads(document, disable_entities=False)
    with pytest.raises(sx.LimitExceeded):
        sx.loads(document, disable_entities=False, max_expansion=1000)


def test_internal_entities_expand_within_the_budget():
    document = '<!DOCTYPE r [<!ENTITY who "world">]><r a="&who;">hello &who;</r>'
    expected = {"r": {"@a": "world", "#text": "hello world"}}
    assert sx.loads(document, disable_entities=False) == expected
    assert xmltodict.parse(document, disable_entities=False) == expected


def test_external_entities_are_never_fetched():
    with pytest.raises(sx.ExternalReferenceForbidden, match="/etc/passwd"):
        sx.loads(EXTERNAL_ENTITY, disable_entities=False)
    # Allowed, they expand to nothing, as expat does without a handler.
    result = sx.loads(EXTERNAL_ENTITY, disable_entities=False, forbid_external=False)
    assert result == {"r": None}
    assert "root:" not in repr(result)


def test_external_dtd_is_refused_or_ignored():
    with pytest.raises(sx.ExternalReferenceForbidden, match="evil.dtd"):
        sx.loads(EXTERNAL_DTD)
    assert sx.loads(EXTERNAL_DTD, forbid_external=False) == xmltodict.parse(EXTERNAL_DTD)


def test_forbid_dtd_refuses_any_doctype():
    document = "<!DOCTYPE r><r/>"
    assert sx.loads(document) == xmltodict.parse(document)
    with pytest.raises(sx.DTDForbidden):
        sx.loads(document, forbid_dtd=True)


def test_depth_and_size_limits():
    deep = "<a>" * 50 + "</a>" * 50
    assert sx.loads(deep, max_depth=50) == xmltodict.parse(deep)
    with pytest.raises(sx.LimitExceeded, match="nesting depth"):
        sx.loads(deep, max_depth=49)
    with pytest.raises(sx.LimitExceeded, match="input size"):
        sx.loads("<a>" + "x" * 1000 + "</a>", max_size=100)


def test_default_depth_takes_documents_far_deeper_than_the_recursion_limit():
    deep = "<a>" * 5000 + "x" + "</a>" * 5000
    node = sx.loads(deep)
    for _ in range(5000):  # walked, since comparing would recurse 5000 deep
        assert list(node) == ["a"]
        node = node["a"]
    assert node == "x"


@pytest.mark.parametrize(
    "name",
    ["a b", "a><script>", '"q"', "1abc", "", "a&b", "-x", "a;b"],
)
def test_dumps_never_injects_invalid_names(name):
    for value in ({name: "x"}, {"r": {name: "x"}}, {"r": {"@" + name: "x"}}):
        with pytest.raises(ValueError, match="name"):
            sx.dumps(value)


def test_text_and_attribute_values_are_escaped():
    hostile = '</a><inject attr="1">&amp;\'"\n'
    text = sx.dumps({"a": {"@v": hostile, "#text": hostile}})
    assert "<inject" not in text
    assert sx.loads(text) == {"a": {"@v": hostile, "#text": hostile.strip()}}


def _deep_dict(depth):
    value = {}
    for _ in range(depth):
        value = {"k": value}
    return value


def _cyclic_dict():
    value = {}
    value["a"] = value
    return value


def _cyclic_list():
    value = []
    value.append(value)
    return {"a": value}


@pytest.mark.parametrize(
    "make, options",
    [
        (_cyclic_dict, {}),
        (lambda: _deep_dict(20_000), {}),
        (_cyclic_list, {"expand_iter": "x"}),
    ],
    ids=["cyclic-dict", "deep-dict", "cyclic-list"],
)
@pytest.mark.parametrize("recursion_limit", [None, 200_000])
def test_unparse_of_deep_or_cyclic_data_raises_recursion_error(make, options, recursion_limit):
    # Regression: the writer recursed without a bound and crashed the
    # interpreter; xmltodict raises RecursionError. A raised recursion
    # limit must not let the native stack overflow either.
    import sys

    value = make()
    old = sys.getrecursionlimit()
    if recursion_limit:
        sys.setrecursionlimit(recursion_limit)
    try:
        with pytest.raises(RecursionError):
            sx.unparse({"r": value} if "expand_iter" not in options else value, **options)
    finally:
        sys.setrecursionlimit(old)


@pytest.mark.parametrize(
    "document",
    [
        '<!DOCTYPE r [<!ENTITY e "v&#38;amp;">]><r>&e;</r>',
        '<!DOCTYPE r [<!ENTITY e "&#38;#60;">]><r>&e;</r>',
        '<!DOCTYPE r [<!ENTITY e "a&#10;b">]><r a="&e;"/>',
        '<!DOCTYPE r [<!ENTITY a "1"><!ENTITY e "&a;&#50;">]><r a="&e;">&e;</r>',
    ],
)
def test_replacement_text_is_read_again_as_expat_reads_it(document):
    # Regression: character references in an entity's value were expanded
    # only when the entity was used, so `&#38;amp;` gave `&amp;`, not `&`.
    assert sx.parse(document, disable_entities=False) == xmltodict.parse(
        document, disable_entities=False
    )


def test_parameter_entity_references_are_refused_by_name():
    # Regression: with entities allowed the refusal said they were disabled,
    # naming "%p;]" as the entity.
    document = '<!DOCTYPE r [<!ENTITY % p "x"> %p;]><r/>'
    with pytest.raises(sx.ParseError, match=r"parameter entity references .*\(%p;\)"):
        sx.loads(document, disable_entities=False)
    with pytest.raises(sx.EntitiesForbidden, match='"p"'):
        sx.loads(document)


@pytest.mark.parametrize(
    "document",
    [
        "<r>a\ufffeb</r>",
        "<r>\uffff</r>",
        '<r a="\ufffe"/>',
        "<r\ufffe/>",
        "<r><!-- \uffff --></r>",
        "<r><?pi \ufffe?></r>",
        "<r><![CDATA[\ufffe]]></r>",
        "<!DOCTYPE r [<!-- \ufffe -->]><r/>",
        "<r/><!--\uffff-->",
        "<\U0001d11e/>",
        "<r a\U0001d11e='1'/>",
        "<r\u2028/>",
    ],
)
def test_characters_expat_refuses_are_refused(document):
    # Regression: U+FFFE and U+FFFF, and name characters outside expat's
    # tables (XML 1.0 second edition, nothing beyond the BMP), were accepted.
    with pytest.raises(ExpatError) as expected:
        xmltodict.parse(document)
    with pytest.raises(sx.ParseError) as raised:
        sx.parse(document)
    assert (raised.value.msg, raised.value.lineno, raised.value.offset) == (
        expected.value.args[0].rsplit(": line", 1)[0],
        expected.value.lineno,
        expected.value.offset,
    )
    for stream in (io.BytesIO(document.encode()),):
        with pytest.raises(sx.ParseError):
            sx.parse(stream)


def test_lines_end_at_cr_as_in_expat():
    document = "<r>\r\r\n\r</r><x/>"
    with pytest.raises(ExpatError) as expected:
        xmltodict.parse(document)
    with pytest.raises(sx.ParseError) as raised:
        sx.parse(document)
    assert (raised.value.lineno, raised.value.offset) == (
        expected.value.lineno,
        expected.value.offset,
    )


@pytest.mark.parametrize("stream", [False, True])
def test_no_item_holding_a_forbidden_character_reaches_the_callback(stream):
    # Regression: U+FFFE was found only after the event holding it, so an
    # empty element carrying one reached item_callback before the error.
    document = '<r><i a="1"/><i a="\ufffe"/><i a="3"/></r>'
    seen, expected = [], []
    with pytest.raises(ExpatError):
        xmltodict.parse(
            document, item_depth=2, item_callback=lambda p, i: expected.append(i) or True
        )
    source = io.BytesIO(document.encode()) if stream else document
    with pytest.raises(sx.ParseError):
        sx.parse(source, item_depth=2, item_callback=lambda p, i: seen.append(i) or True)
    assert seen == expected
