"""serialkit.xml against xmltodict: equal results for every option of
``parse``, the same strings from ``unparse``, on documents shaped like real
ones (namespaces, mixed content, CDATA, attributes, deep and wide trees)."""

from __future__ import annotations

import collections
import io

import pytest
import serialkit.xml as sx
import xmltodict

SOAP = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
               xmlns:m="http://www.example.org/stock">
  <soap:Header><m:Trans soap:mustUnderstand="1">234</m:Trans></soap:Header>
  <soap:Body>
    <m:GetStockPrice><m:StockName>IBM</m:StockName></m:GetStockPrice>
  </soap:Body>
</soap:Envelope>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title type="text">Example Feed</title>
  <link href="http://example.org/"/>
  <updated>2003-12-13T18:30:02Z</updated>
  <author><name>John Doe</name></author>
  <entry>
    <title>Atom-Powered Robots Run Amok</title>
    <link href="http://example.org/2003/12/13/atom03"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <summary type="html">&lt;p&gt;Some text.&lt;/p&gt;</summary>
  </entry>
  <entry><title>Second</title><id>urn:2</id></entry>
</feed>"""

XHTML_MIXED = """<div class="post">
  <p>Hello <b>bold</b> and <i>italic</i> text, &amp; an entity &#169;.</p>
  <p>Line one<br/>Line two</p>
  <pre><![CDATA[if (a < b && c > d) { return "x"; }]]></pre>
  <!-- a comment -->
</div>"""

MAVEN = """<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <dependencies>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><scope>test</scope></dependency>
  </dependencies>
</project>"""

SVG = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="100" height="100">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/>
  <stop offset="1" stop-color="#000"/></linearGradient></defs>
  <rect x="10" y="10" width="80" height="80" fill="url(#g)"/>
  <use xlink:href="#g"/>
  <text x="50" y="50">A &lt; B</text>
</svg>"""

CONFIG = """<?xml version="1.0"?>
<!-- application settings -->
<configuration>
  <appSettings>
    <add key="a" value="1"/>
    <add key="b" value="two words"/>
    <add key="c" value="tab&#9;newline&#10;"/>
  </appSettings>
  <connectionStrings>
    <add name="db" connectionString="Server=.;Database=x;Trusted_Connection=True;"/>
  </connectionStrings>
</configuration>"""

RSS = """<rss version="2.0"><channel><title>News</title>
<item><title>One</title><description><![CDATA[<p>first</p>]]></description></item>
<item><title>Two</title><description>plain &amp; simple</description>
<category>a</category><category>b</category></item>
</channel></rss>"""

UNICODE = """<données langue="français">
  <clé>valeur été</clé><名前>日本語のテキスト</名前><emoji>😀 ✓</emoji>
</données>"""

DTD_DEFAULTS = """<?xml version="1.0"?>
<!DOCTYPE catalog [
  <!-- attribute defaults and tokenized types, which expat applies -->
  <!ELEMENT catalog (book*)>
  <!ATTLIST catalog xmlns:x CDATA #FIXED "urn:x" version CDATA "1.0">
  <!ATTLIST book id ID #REQUIRED lang (en|fr) "en" tags NMTOKENS #IMPLIED>
  <?tool directive?>
]>
<catalog>
  <book id="  b1 " tags="  a   b "><x:title>One</x:title></book>
  <book id="b2" lang="fr"/>
</catalog>"""

CRLF = "<a>\r\n  <b attr='x\r\ny'>one\r\ntwo</b>\r\n</a>\r\n"

DEEP = (
    "<r>"
    + "".join(f"<l{i} n='{i}'>" for i in range(200))
    + "leaf"
    + "".join(f"</l{i}>" for i in reversed(range(200)))
    + "</r>"
)

WIDE = (
    "<table>"
    + "".join(
        f"<row id='{i}'><c>{i}</c><c>{i * 2}</c><name>n{i % 7}</name></row>" for i in range(500)
    )
    + "".join(f"<col{i}>{i}</col{i}>" for i in range(300))
    + "</table>"
)

CORPUS = {
    "soap": SOAP,
    "atom": ATOM,
    "xhtml_mixed": XHTML_MIXED,
    "maven": MAVEN,
    "svg": SVG,
    "config": CONFIG,
    "rss": RSS,
    "unicode": UNICODE,
    "crlf": CRLF,
    "dtd_defaults": DTD_DEFAULTS,
    "deep": DEEP,
    "wide": WIDE,
}

NAMESPACE_MAP = {
    "http://www.w3.org/2005/Atom": None,
    "http://schemas.xmlsoap.org/soap/envelope/": "soap",
    "http://www.w3.org/1999/xlink": "xl",
    "http://www.w3.org/XML/1998/namespace": "xml",
}

OPTIONS = {
    "defaults": {},
    "namespaces": {"process_namespaces": True},
    "namespace_map": {"process_namespaces": True, "namespaces": NAMESPACE_MAP},
    "namespace_separator": {"process_namespaces": True, "namespace_separator": "|"},
    "comments": {"process_comments": True},
    "comments_kept": {"process_comments": True, "strip_whitespace": False, "comment_key": "!"},
    "no_strip": {"strip_whitespace": False},
    "no_attribs": {"xml_attribs": False},
    "prefixes": {"attr_prefix": "$", "cdata_key": "text"},
    "force_cdata": {"force_cdata": True},
    "force_cdata_keys": {"force_cdata": ("title", "c")},
    "cdata_separator": {"cdata_separator": "\n"},
    "force_list_all": {"force_list": True},
    "force_list_keys": {"force_list": ("entry", "item", "add", "stop")},
    "ordered_dict": {"dict_constructor": collections.OrderedDict},
    "empty_prefix": {"attr_prefix": ""},
}


def _outcome(function, *args, **kwargs):
    try:
        return "ok", function(*args, **kwargs)
    except Exception as exc:  # compared by kind below
        return "error", type(exc)


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("name", CORPUS)
def test_parse_equals_xmltodict(name, options):
    text = CORPUS[name]
    expected = xmltodict.parse(text, **options)
    assert sx.loads(text, **options) == expected
    assert sx.parse(text.encode("utf-8"), **options) == expected


def _callables():
    def postprocessor(path, key, value):
        assert isinstance(path, list)
        try:
            return key, int(value)
        except (TypeError, ValueError):
            return key, value

    def drop_ids(path, key, value):
        return None if key in ("id", "@id") else (key.upper(), value)

    def force_list(path, key, value):
        return len(path) > 1 and key.startswith(("c", "e"))

    def force_cdata(path, key, value):
        return key in ("name", "title")

    return {
        "postprocessor": {"postprocessor": postprocessor},
        "postprocessor_drops": {"postprocessor": drop_ids},
        "force_list_callable": {"force_list": force_list},
        "force_cdata_callable": {"force_cdata": force_cdata},
    }


@pytest.mark.parametrize("which", list(_callables()))
@pytest.mark.parametrize("name", CORPUS)
def test_callables_see_what_xmltodict_gives_them(name, which):
    seen = {"xmltodict": [], "serialkit": []}

    def recording(label, options):
        recorded = {}
        for key, function in options.items():

            def wrapper(*args, _function=function, _key=key):
                seen[label].append((_key, [list(a) if isinstance(a, list) else a for a in args]))
                return _function(*args)

            recorded[key] = wrapper
        return recorded

    options = _callables()[which]
    expected = xmltodict.parse(CORPUS[name], **recording("xmltodict", options))
    assert sx.loads(CORPUS[name], **recording("serialkit", options)) == expected
    assert seen["serialkit"] == seen["xmltodict"]


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("name", CORPUS)
def test_streaming_calls_back_as_xmltodict_does(name, depth):
    calls = {"xmltodict": [], "serialkit": []}

    def callback(label):
        def record(path, item):
            calls[label].append(([tuple(step) for step in path], item))
            return True

        return record

    assert (
        xmltodict.parse(CORPUS[name], item_depth=depth, item_callback=callback("xmltodict")) is None
    )
    result = sx.load(
        io.BytesIO(CORPUS[name].encode()), item_depth=depth, item_callback=callback("serialkit")
    )
    assert result is None
    assert calls["serialkit"] == calls["xmltodict"]


def test_a_false_callback_result_interrupts():
    seen = []

    def first_only(path, item):
        seen.append(item)
        return False

    with pytest.raises(sx.ParsingInterrupted):
        sx.loads("<a><b>1</b><b>2</b></a>", item_depth=2, item_callback=first_only)
    assert seen == ["1"]


MALFORMED = [
    "<a>",
    "<a></b>",
    "<a/><b/>",
    "text",
    "",
    "<a>&foo;</a>",
    '<a b="1" b="2"/>',
    "<a><b></a></b>",
    "<1a/>",
    "<a>\x01</a>",
    "<a x=1/>",
    "<a>]]></a>",
    "<a><![CDATA[x</a>",
    '<a b="<"/>',
    "<p:a/>",
    '<r a="1"b="2"/>',
    "<r><?p/ q?></r>",
    '<?xml versio="1.0"?><r/>',
    '<?xml version="1.0" encoding="utf-8"x?><r/>',
    '<!DOCTYPE r [<!ATTLIST r a CDAA "d">]><r/>',
    '<!DOCTYPE r [<!ATTLIS r a CDATA "d">]><r/>',
    "<r><!--\x00--></r>",
    "<r>\r\n<a>\x0b</a></r>",
    "<r><!--c---></r>",
    '<?xml version="1.0"??><r/>',
]


@pytest.mark.parametrize(
    "text",
    ['<r xmlns:p="urn:p"><p:x p:="v"/></r>', "<r><?x:y z?></r>", "<:r/>"],
)
def test_malformed_qualified_names_with_namespaces(text):
    from xml.parsers.expat import ExpatError

    with pytest.raises(ExpatError):
        xmltodict.parse(text, process_namespaces=True)
    with pytest.raises(sx.ParseError):
        sx.loads(text, process_namespaces=True)


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_documents_raise_expat_error_with_its_line(text):
    from xml.parsers.expat import ExpatError

    with pytest.raises(ExpatError) as expected:
        xmltodict.parse(text, process_namespaces=text.startswith("<p:"))
    with pytest.raises(sx.ParseError) as raised:
        sx.loads(text, process_namespaces=text.startswith("<p:"))
    assert isinstance(raised.value, ExpatError)
    assert isinstance(raised.value, ValueError)
    assert raised.value.msg == str(expected.value).split(": line")[0]
    assert raised.value.lineno == expected.value.lineno


def test_error_position_on_a_later_line():
    from xml.parsers.expat import ExpatError

    text = "<a>\n  <b>\n  </c>\n</a>"
    with pytest.raises(ExpatError) as expected:
        xmltodict.parse(text)
    with pytest.raises(sx.ParseError) as raised:
        sx.loads(text)
    # Expat points at the name in the end tag.
    assert (raised.value.lineno, raised.value.offset) == (3, expected.value.offset)
    assert str(raised.value) == str(expected.value)


UNPARSE_VALUES = [
    {"a": None},
    {"a": ""},
    {"a": "x<y&z>"},
    {"a": 1},
    {"a": 1.5},
    {"a": True},
    {"a": [1, 2]},
    {"a": {"b": [1, {"c": 2}], "@x": 1, "#text": "hi"}},
    {"a": {"@x": None, "@y": False, "@z": 'a"b', "@w": "a'b\"c\n\t\r"}},
    {"a": {"b": []}},
    {"a": {"#comment": ["hello", None, ""], "b": 1}},
    {"#comment": "top", "a": "x"},
    {"a": {"b": (1, 2)}},
    {"a": b"bytes \xff"},
    {"a": {"@xmlns": {"": "urn:d", "p": "urn:p"}, "p:b": 1}},
    {"a": {"b": {"c": {"d": None}}}},
    collections.OrderedDict(a=collections.OrderedDict(b=1, c=[2, 3])),
    {"a": {"b": [[1, 2], 3]}},
    {"a": {"#text": None}},
    {"a": {"b": (n for n in (1, 2))}},
]

UNPARSE_OPTIONS = {
    "defaults": {},
    "pretty": {"pretty": True},
    "pretty_int_indent": {"pretty": True, "indent": 2},
    "pretty_custom": {"pretty": True, "indent": "  ", "newl": "\r\n"},
    "fragment": {"full_document": False},
    "short_empty": {"short_empty_elements": True},
    "short_empty_pretty": {"short_empty_elements": True, "pretty": True},
    "expand_iter": {"expand_iter": "item"},
    "namespaces": {"namespaces": {"p": "http://p/"}},
    "encoding": {"encoding": "iso-8859-1"},
    "bytes_errors": {"bytes_errors": "ignore"},
}


@pytest.mark.parametrize("options", UNPARSE_OPTIONS.values(), ids=UNPARSE_OPTIONS.keys())
@pytest.mark.parametrize("index", range(len(UNPARSE_VALUES)))
def test_unparse_equals_xmltodict(index, options):
    value = UNPARSE_VALUES[index]
    if index == len(UNPARSE_VALUES) - 1:  # a generator is consumed once
        value_a, value_b = {"a": {"b": iter([1, 2])}}, {"a": {"b": iter([1, 2])}}
    else:
        value_a, value_b = value, value
    expected = _outcome(xmltodict.unparse, value_a, **options)
    got = _outcome(sx.unparse, value_b, **options)
    assert got == expected


@pytest.mark.parametrize("name", CORPUS)
def test_unparse_of_parsed_corpus_equals_xmltodict(name):
    parsed = xmltodict.parse(CORPUS[name])
    for options in ({}, {"pretty": True}, {"short_empty_elements": True}):
        assert sx.unparse(parsed, **options) == xmltodict.unparse(parsed, **options)
        assert sx.dumps(parsed, **options) == xmltodict.unparse(parsed, **options)


def test_preprocessor_and_output_file():
    def preprocessor(key, value):
        if key == "skip":
            return None
        return key.upper(), value

    value = {"a": {"b": 1, "skip": 2, "c": [3, 4]}}
    expected, got = io.StringIO(), io.StringIO()
    xmltodict.unparse(value, output=expected, preprocessor=preprocessor)
    assert sx.unparse(value, output=got, preprocessor=preprocessor) is None
    assert got.getvalue() == expected.getvalue()


@pytest.mark.parametrize(
    "value",
    [{"a": 1, "b": 2}, {}, {"a": [1, 2]}],
    ids=["two_roots", "no_root", "list_root"],
)
def test_unparse_refuses_what_xmltodict_refuses(value):
    with pytest.raises(ValueError) as expected:
        xmltodict.unparse(value)
    with pytest.raises(ValueError) as raised:
        sx.unparse(value)
    assert str(raised.value) == str(expected.value)


def test_invalid_bytes_errors_handler():
    with pytest.raises(ValueError, match="Invalid bytes_errors handler"):
        sx.unparse({"a": b"x"}, bytes_errors="nope")


@pytest.mark.parametrize(
    "document",
    ["<r><x:a/></r>", '<r xmlns:x="urn:x"><x:a b="1"/></r>', '<r xmlns="urn:d"><a/></r>'],
)
def test_namespace_separator_none_turns_namespace_processing_off(document):
    # Regression: serialkit still expanded namespaces, and refused an
    # unbound prefix that xmltodict keeps as it is written.
    options = {"process_namespaces": True, "namespace_separator": None}
    assert sx.parse(document, **options) == xmltodict.parse(document, **options)


class CountingMap(dict):
    """A namespaces mapping that counts its lookups: xmltodict consults it
    for every name, so serialkit must too when it is not a plain dict."""

    def __init__(self, *args):
        super().__init__(*args)
        self.lookups = 0

    def __getitem__(self, key):
        self.lookups += 1
        return super().__getitem__(key)


def test_namespace_maps_are_consulted_as_xmltodict_consults_them():
    text = SOAP
    ours, theirs = CountingMap(NAMESPACE_MAP), CountingMap(NAMESPACE_MAP)
    options = {"process_namespaces": True}
    assert sx.parse(text, namespaces=ours, **options) == xmltodict.parse(
        text, namespaces=theirs, **options
    )
    assert ours.lookups == theirs.lookups > 0


def test_names_built_through_a_namespace_map_are_reused_consistently():
    # Regression guard for the cache of names built through a plain dict:
    # repeated, unmapped and attribute names give xmltodict's keys.
    text = "".join(
        f'<p:i xmlns:p="urn:p" xmlns:q="urn:q" q:a="{n}" p:b="x"><q:v>{n}</q:v><w/></p:i>'
        for n in range(5)
    )
    text = f'<r xmlns="urn:d">{text}</r>'
    for mapping in ({"urn:p": "P", "urn:q": None}, {"urn:d": "D"}, {}):
        options = {"process_namespaces": True, "namespaces": mapping}
        assert sx.parse(text, **options) == xmltodict.parse(text, **options)


def test_force_list_functions_are_called_as_in_xmltodict():
    calls, expected_calls = [], []

    def ours(path, key, value):
        calls.append((list(path), key, value))
        return key == "b"

    def theirs(path, key, value):
        expected_calls.append((list(path), key, value))
        return key == "b"

    text = "<a><b>1</b><c>2</c><b>3</b></a>"
    assert sx.parse(text, force_list=ours) == xmltodict.parse(text, force_list=theirs)
    assert calls == expected_calls
    # A builtin is called the same way, failing the same way here.
    with pytest.raises(TypeError):
        xmltodict.parse(text, force_list=len)
    with pytest.raises(TypeError):
        sx.parse(text, force_list=len)
