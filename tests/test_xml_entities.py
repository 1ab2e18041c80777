"""Internal entities with `disable_entities=False`, expanded as expat expands
them: replacement text that holds markup becomes elements, compared with
xmltodict over pyexpat; recursion and unbalanced entities are errors, and
the expansion budget holds whatever the entities contain."""

from __future__ import annotations

import tracemalloc
from xml.parsers.expat import ExpatError

import pytest
import serialkit.xml as sx
import xmltodict


def doc(entities: str, body: str) -> str:
    return f"<!DOCTYPE r [{entities}]>{body}"


EXPANDED = [
    doc('<!ENTITY e "<b>x</b>">', "<r>&e;</r>"),
    doc('<!ENTITY e "<b>t</b>">', "<r>a&e;b<c>&e;</c></r>"),
    doc('<!ENTITY e "&#60;b/>">', "<r>&e;</r>"),
    doc('<!ENTITY e "&#38;#60;">', "<r>&e;</r>"),
    doc("<!ENTITY e \"<b c='1' d='&#34;'>x<i>y</i>z</b>\">", "<r>&e;</r>"),
    doc('<!ENTITY e "<b>1</b>"><!ENTITY f "&e;&e;">', "<r>&f;</r>"),
    doc('<!ENTITY e "<![CDATA[x<y]]>z">', "<r>&e;</r>"),
    doc('<!ENTITY e "<!--c--><?pi x?>t">', "<r>&e;</r>"),
    doc('<!ENTITY e "<b/>">', "<r>&e;<!-- x -->&e;</r>"),
    doc("<!ENTITY e \"<x:b xmlns:x='urn:x'>t</x:b>\">", "<r>&e;</r>"),
    doc('<!ENTITY who "w"><!ENTITY e "<b a=\'&who;\'>&who;</b>">', "<r>&e;</r>"),
    # Character references in the value put CRs there, which stay in text
    # and become one space each in attributes.
    doc('<!ENTITY e "a&#13;b">', "<r>&e;</r>"),
    doc('<!ENTITY e "a&#13;&#10;b">', '<r a="&e;">&e;</r>'),
    doc('<!ENTITY e "a\r\nb\rc">', "<r>&e;</r>"),
    doc('<!ENTITY e "<b>a</b>"><!ATTLIST b k CDATA "d">', "<r>&e;</r>"),
]


@pytest.mark.parametrize("document", EXPANDED)
@pytest.mark.parametrize(
    "options",
    [{}, {"process_namespaces": True}, {"process_comments": True}, {"force_cdata": True}],
    ids=["plain", "namespaces", "comments", "force_cdata"],
)
def test_markup_in_entities_expands_as_in_expat(document, options):
    expected = xmltodict.parse(document, disable_entities=False, **options)
    assert sx.parse(document, disable_entities=False, **options) == expected


def test_markup_in_entities_streams_items():
    document = doc('<!ENTITY e "<i>1</i><i>2</i>">', "<r>&e;<i>3</i>&e;</r>")
    got, expected = [], []
    sx.parse(
        document,
        disable_entities=False,
        item_depth=2,
        item_callback=lambda p, i: got.append(i) or True,
    )
    xmltodict.parse(
        document,
        disable_entities=False,
        item_depth=2,
        item_callback=lambda p, i: expected.append(i) or True,
    )
    assert got == expected
    assert len(got) == 5


REFUSED = [
    doc('<!ENTITY e "<b>x">', "<r>&e;</b></r>"),
    doc('<!ENTITY e "</r>">', "<r>&e;"),
    doc('<!ENTITY e "<b>">', "<r>\n  &e;\n</r>"),
    doc('<!ENTITY e "x</b>">', "<r><b>&e;</r>"),
    doc('<!ENTITY e "<b></c>">', "<r>&e;</r>"),
    doc('<!ENTITY a "&b;"><!ENTITY b "&a;">', "<r>&a;</r>"),
    doc('<!ENTITY a "&a;">', "<r>\n &a;</r>"),
    doc("<!ENTITY e \"<b a='&e;'/>\">", "<r>&e;</r>"),
    doc('<!ENTITY a "x&b;"><!ENTITY b "&a;">', '<r v="&a;"/>'),
    doc('<!ENTITY e "<b/>">', '<r a="&e;"/>'),
    doc('<!ENTITY e "&#60;b/>">', '<r a="&e;"/>'),
    doc('<!ENTITY e "<b/>">', "&e;<r/>"),
    doc('<!ENTITY e "<b/>">', "<r/>&e;"),
    doc("<!ENTITY e \"<?xml version='1.0'?>\">", "<r>&e;</r>"),
    doc('<!ENTITY e "<!DOCTYPE x>">', "<r>&e;</r>"),
    doc('<!ENTITY e "a]]>b">', "<r>&e;</r>"),
    doc("<!ENTITY e \"<b c='1' c='2'/>\">", "<r>&e;</r>"),
    doc('<!ENTITY e "<b>&nope;</b>">', "<r>&e;</r>"),
    doc('<!ENTITY e "x<b">', "\n<r>\n  &e;\n</r>"),
    doc('<!ENTITY e "&#38;">', "<r>&e;</r>"),
    doc('<!ENTITY e "&#60;">', "<r>&e;</r>"),
    # Refused where declared, used or not.
    doc('<!ENTITY e "x&amp">', "<r/>"),
    doc('<!ENTITY e "a&b c;">', "<r>&e;</r>"),
    doc('<!ENTITY e "a%p;">', "<r/>"),
    doc('<!ENTITY e "a%">', "<r/>"),
    doc('<!ENTITY e "&#1;">', "<r/>"),
    doc('<!ENTITY e "<b>\ufffe</b>">', "<r/>"),
]


@pytest.mark.parametrize("document", REFUSED)
def test_malformed_entities_fail_as_in_expat(document):
    with pytest.raises(ExpatError) as expected:
        xmltodict.parse(document, disable_entities=False)
    with pytest.raises(sx.ParseError) as raised:
        sx.parse(document, disable_entities=False)
    assert raised.value.msg == expat_message(expected.value)
    assert raised.value.lineno == expected.value.lineno


def expat_message(error: ExpatError) -> str:
    return str(error).rsplit(": line ", 1)[0]


def test_entity_errors_point_at_the_reference():
    document = doc('<!ENTITY e "<b>">', "<r>  &e;</r>")
    with pytest.raises(sx.ParseError) as raised:
        sx.parse(document, disable_entities=False)
    assert (raised.value.lineno, raised.value.offset) == (1, document.index("&e;"))


def test_default_still_refuses_every_entity_declaration():
    for document in EXPANDED:
        with pytest.raises(sx.EntitiesForbidden):
            sx.parse(document)


def markup_laughs(levels: int) -> str:
    entities = ["<!ENTITY l0 \"<b x='1'>lol</b>\">"]
    for level in range(1, levels):
        entities.append(f'<!ENTITY l{level} "<i>{f"&l{level - 1};" * 10}</i>">')
    return doc("".join(entities), f"<r>&l{levels - 1};</r>")


@pytest.mark.parametrize(
    "document",
    [
        markup_laughs(10),
        doc(f'<!ENTITY a "{"<b/>" * 10_000}">', f"<r>{'&a;' * 50_000}</r>"),
    ],
    ids=["billion_laughs_of_elements", "quadratic_blowup_of_elements"],
)
def test_markup_expansion_is_refused_in_little_memory(document):
    tracemalloc.start()
    try:
        with pytest.raises(sx.LimitExceeded, match="entity expansion"):
            sx.parse(document, disable_entities=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The budget bounds what is built to what a document of max_expansion
    # characters would build; the tree built so far is dropped.
    assert peak < 64_000_000, peak
    with pytest.raises(sx.LimitExceeded):
        sx.parse(document, disable_entities=False, max_expansion=1000)


def test_a_small_expansion_of_elements_is_within_the_budget():
    document = markup_laughs(3)
    expected = xmltodict.parse(document, disable_entities=False)
    assert sx.parse(document, disable_entities=False) == expected
    with pytest.raises(sx.LimitExceeded):
        sx.parse(document, disable_entities=False, max_expansion=500)


def test_long_chains_of_distinct_entities_are_bounded():
    entities = ['<!ENTITY e0 "<b/>">'] + [f'<!ENTITY e{n} "&e{n - 1};">' for n in range(1, 200)]
    document = doc("".join(entities), "<r>&e199;</r>")
    with pytest.raises(sx.LimitExceeded, match="entity nesting"):
        sx.parse(document, disable_entities=False)
