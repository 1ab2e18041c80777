"""The XML suite: `serialkit.xml` against `xmltodict` (parse and unparse)
and `xml.etree.ElementTree` (parse only), on XML renderings of the four JSON
benchmark documents.

Each JSON document is loaded with `json.load` and rendered at bench time
with `xmltodict.unparse({"root": value})` (a top-level array as
`{"root": {"item": value}}`): objects become elements, arrays
repeated elements, every scalar text. (`null`s become empty elements and
empty arrays vanish, so the rendering is not the JSON document itself, but
it is real XML of the same size and shape.) Keys that are not XML names
(citm_catalog keys objects by number) are made names first: characters
other than letters, digits, `.`, `-` and `_` become `_`, and a name that
would not start with a letter or `_` gets one `_` in front.

- `parse` reads the rendering: `xmltodict.parse(text)`,
  `serialkit.xml.loads(text)` (results checked equal to xmltodict's before
  timing) and `ElementTree.fromstring(text)` (an element tree, not dicts,
  so less work; the rival column, for scale). Primary.
- `unparse` writes `xmltodict.parse(text)` back:
  `xmltodict.unparse(value)` and `serialkit.xml.unparse(value)` (output
  checked identical before timing). Primary.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import serialkit.xml as skxml
import xmltodict
from harness import Comparison, Contender, Target

NAME = "xml"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "bench"
DOCUMENTS = ("twitter.json", "citm_catalog.json", "canada.json", "github.json")
LIBRARIES = ("xmltodict", "serialkit", "ElementTree")
SUBJECT = "serialkit"
BASELINE = "xmltodict"
RIVAL = "ElementTree"
SUBJECT_DSO = "_native.so"
PRIMARY = {"parse": "parse", "unparse": "unparse"}
NOISE = 0.10
GOAL = 10.0
TARGETS = (
    Target(
        name="speed",
        label=f"speed: >= {GOAL:g}x xmltodict",
        summary=f"at least {GOAL:g}x faster than {BASELINE}",
        subject=SUBJECT,
        over=BASELINE,
        operations=tuple(PRIMARY.values()),
        bound=GOAL,
    ),
)
TARGETS_TEXT = (
    f"- **Speed:** `serialkit.xml` at least {GOAL:g}x faster than `xmltodict` "
    "(1.0) in both directions, `parse` and `unparse`, on every document. "
    "`ElementTree.fromstring` is shown for scale on `parse`."
)


def versions() -> dict[str, str]:
    found = {"ElementTree": "stdlib (C accelerator)"}
    for name in ("xmltodict", "serialkit"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


def _xml_name(key: str) -> str:
    name = re.sub(r"[^\w.-]", "_", key)
    return name if re.match(r"[A-Za-z_]", name) else "_" + name


def _named(value):
    """The JSON value with every key made an XML name (citm_catalog keys
    objects by number, which xmltodict would write but not read back)."""
    if isinstance(value, dict):
        return {_xml_name(key): _named(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_named(item) for item in value]
    return value


@functools.cache
def _text(document: str) -> str:
    with open(CORPUS / document, encoding="utf-8") as file:
        value = _named(json.load(file))
    if isinstance(value, list):  # github.json: one root, the items inside
        value = {"item": value}
    return xmltodict.unparse({"root": value})


@functools.cache
def _value(document: str) -> object:
    return xmltodict.parse(_text(document))


def _check(document: str) -> None:
    """Output that differs from xmltodict's would make the timings moot."""
    text, value = _text(document), _value(document)
    if skxml.loads(text) != value:
        raise SystemExit(f"serialkit.xml.loads disagrees with xmltodict.parse on {document}")
    if skxml.unparse(value) != xmltodict.unparse(value):
        raise SystemExit(f"serialkit.xml.unparse disagrees with xmltodict.unparse on {document}")


def comparisons(documents: tuple[str, ...] = DOCUMENTS) -> list[Comparison]:
    p = functools.partial
    rows = []
    for document in documents:
        _check(document)
        text, value = _text(document), _value(document)
        rows.append(
            Comparison(
                NAME,
                document,
                "parse",
                (
                    Contender("xmltodict", p(xmltodict.parse, text)),
                    Contender("serialkit", p(skxml.loads, text)),
                    Contender("ElementTree", p(ElementTree.fromstring, text)),
                ),
            )
        )
        rows.append(
            Comparison(
                NAME,
                document,
                "unparse",
                (
                    Contender("xmltodict", p(xmltodict.unparse, value)),
                    Contender("serialkit", p(skxml.unparse, value)),
                ),
            )
        )
    return rows


def workload(document: str, operation: str):
    """The serialkit call a profile repeats, with its input ready."""
    if operation == "parse":
        return functools.partial(skxml.loads, _text(document))
    if operation == "unparse":
        return functools.partial(skxml.unparse, _value(document))
    raise SystemExit(f"unknown operation {operation!r}")
