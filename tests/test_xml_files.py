"""Files, paths, streams and encodings for serialkit.xml, and the general
Python data that ``dumps`` writes beyond xmltodict."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import io
import os

import pytest
import serialkit.xml as sx
import xmltodict

TEXT = "<r a='é'><b>ü 1</b><b>2 €</b></r>"


@pytest.mark.parametrize(
    "encoded",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),
        TEXT.encode("utf-16-be").join([b"\xfe\xff", b""]),
        b"<?xml version='1.0' encoding='ISO-8859-1'?>" + TEXT.replace(" €", "").encode("latin-1"),
        b"<?xml version='1.0' encoding='latin-1'?>" + TEXT.replace(" €", "").encode("latin-1"),
        b"<?xml version='1.0' encoding='windows-1252'?>" + TEXT.encode("cp1252"),
        b'<?xml version="1.0" encoding="utf-16"?>'.decode().encode("utf-16")
        + TEXT.encode("utf-16-le"),
    ],
    ids=[
        "utf8",
        "utf8_bom",
        "utf16",
        "utf16_be_bom",
        "iso_8859_1",
        "latin1",
        "cp1252",
        "utf16_decl",
    ],
)
def test_encodings_as_xmltodict_reads_them(encoded):
    expected = xmltodict.parse(encoded)
    assert sx.loads(encoded) == expected
    assert sx.load(io.BytesIO(encoded)) == expected


def test_encoding_argument_overrides_the_declaration():
    data = "<?xml version='1.0' encoding='utf-8'?><r>é</r>".encode("latin-1")
    assert sx.loads(data, encoding="latin-1") == xmltodict.parse(data, encoding="latin-1")


def test_unknown_encoding():
    with pytest.raises(sx.ParseError, match="unknown encoding"):
        sx.loads(b"<?xml version='1.0' encoding='klingon'?><r/>")


def test_load_from_path_text_file_and_generator(tmp_path):
    path = tmp_path / "doc.xml"
    path.write_text(TEXT, encoding="utf-8")
    expected = xmltodict.parse(TEXT)
    assert sx.load(path) == expected
    assert sx.load(str(path)) == expected
    with open(path, encoding="utf-8") as handle:
        assert sx.load(handle) == expected
    assert sx.parse(chunk for chunk in ("<r a='é'>", "<b>ü 1</b><b>2 €</b>", "</r>")) == expected


class LazyFile:
    """A file object that makes its content as it is read: a document far
    larger than what is ever held at once."""

    def __init__(self, items: int):
        self.parts = iter(
            [b"<feed>"]
            + [f"<entry id='{i}'><title>item {i}</title></entry>".encode() for i in range(items)]
            + [b"</feed>"]
        )
        self.pending = b""
        self.reads = 0
        self.largest_read = 0

    def read(self, size=-1):
        self.reads += 1
        while size < 0 or len(self.pending) < size:
            part = next(self.parts, None)
            if part is None:
                break
            self.pending += part
        out, self.pending = (
            (self.pending, b"") if size < 0 else (self.pending[:size], self.pending[size:])
        )
        self.largest_read = max(self.largest_read, len(out))
        return out


def test_streaming_reads_in_chunks_and_calls_back_per_item():
    source = LazyFile(60_000)  # about 3 MB of XML
    seen = []

    def count(path, item):
        seen.append(item["@id"])
        return True

    assert sx.load(source, item_depth=2, item_callback=count) is None
    assert len(seen) == 60_000 and seen[-1] == "59999"
    assert source.reads > 10
    assert source.largest_read <= 1 << 16


def test_dump_to_path_is_atomic(tmp_path):
    path = tmp_path / "out.xml"
    path.write_text("old")
    with pytest.raises(ValueError):
        sx.dump({"a": 1, "b": 2}, path)
    assert path.read_text() == "old"
    sx.dump({"a": {"b": "é"}}, path, pretty=True)
    assert path.read_bytes().decode("utf-8") == xmltodict.unparse({"a": {"b": "é"}}, pretty=True)
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".serialkit-")]


def test_dump_to_text_and_binary_files():
    text, binary = io.StringIO(), io.BytesIO()
    sx.dump({"a": "é"}, text)
    sx.dump({"a": "é"}, binary)
    assert text.getvalue() == xmltodict.unparse({"a": "é"})
    assert binary.getvalue().decode("utf-8") == text.getvalue()


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: str | None = None


def test_general_python_data():
    header = '<?xml version="1.0" encoding="utf-8"?>\n'
    assert sx.dumps([1, 2]) == header + "<root><item>1</item><item>2</item></root>"
    assert sx.dumps(None) == header + "<root></root>"
    assert sx.dumps(3.5) == header + "<root>3.5</root>"
    assert sx.dumps(True) == header + "<root>true</root>"
    assert sx.dumps({"p": Point(1, 2.5)}) == header + "<p><x>1</x><y>2.5</y><label></label></p>"
    assert (
        sx.dumps(Point(1, 2.5, "a")) == header + "<root><x>1</x><y>2.5</y><label>a</label></root>"
    )
    when = datetime.datetime(2024, 5, 6, 7, 8, 9)
    assert sx.dumps({"t": when, "d": when.date(), "c": Color.RED}, full_document=False) == (
        "<t>2024-05-06T07:08:09</t><d>2024-05-06</d><c>red</c>"
    )
    assert sx.dumps([], root_name="list", item_name="x") == header + "<list></list>"


def test_extra_types_off_is_exactly_xmltodict():
    when = datetime.datetime(2024, 5, 6, 7, 8, 9)
    value = {"r": {"t": when, "c": Color.RED, "p": Point(1, 2.0)}}
    assert sx.dumps(value, extra_types=False) == xmltodict.unparse(value)
    assert sx.unparse(value) == xmltodict.unparse(value)


def test_errors_of_the_file_object_propagate_as_raised():
    class Failing:
        def __init__(self):
            self.calls = 0

        def read(self, size=-1):
            self.calls += 1
            if self.calls == 1:
                return b"<a><b>1</b>"
            raise KeyError("disk gone")

    with pytest.raises(KeyError, match="disk gone"):
        sx.load(Failing())


def test_streamed_errors_carry_the_line():
    with pytest.raises(sx.ParseError) as raised:
        sx.load(io.BytesIO(b"<a>\n<b>\n</c>\n</a>"))
    assert raised.value.lineno == 3
    assert raised.value.msg == "mismatched tag"


def test_generators_are_parsed_as_they_produce():
    produced = []

    def chunks():
        yield "<feed>"
        for i in range(20_000):
            produced.append(i)
            yield f"<entry>{i}</entry>".encode() if i % 2 else f"<entry>{i}</entry>"
        yield "</feed>"

    seen = []

    def record(path, item):
        # Items arrive while the generator is still producing.
        seen.append((item, len(produced)))
        return True

    assert sx.parse(chunks(), item_depth=2, item_callback=record) is None
    assert [item for item, _ in seen] == [str(i) for i in range(20_000)]
    assert seen[0][1] < 20_000


def test_str_chunks_are_utf8_whatever_the_declaration_says():
    # Regression: str chunks were encoded as UTF-8 and then decoded as the
    # declared latin-1, giving mojibake; pyexpat (and so xmltodict) parses
    # str as UTF-8.
    text = '<?xml version="1.0" encoding="ISO-8859-1"?><r>é€</r>'
    for cut in (len(text), 20, 1):
        chunks = [text[i : i + cut] for i in range(0, len(text), cut)]
        assert sx.parse(c for c in chunks) == xmltodict.parse(c for c in chunks) == {"r": "é€"}


class _GeneratedStream(io.RawIOBase):
    """A latin-1 or UTF-16 document of `count` items, produced as it is read."""

    def __init__(self, count: int, encoding: str):
        self.encoding = encoding
        self.left = count
        self.pending = '<?xml version="1.0"?><root>'.encode(encoding)
        self.closed_root = False

    def readable(self):
        return True

    def readinto(self, buffer):
        while len(self.pending) < len(buffer) and self.left > 0:
            batch = min(self.left, 100)
            piece = "".join(f"<item>café {self.left - i}</item>" for i in range(batch))
            self.pending += piece.encode(self.encoding)[2 if self.encoding == "utf-16" else 0 :]
            self.left -= batch
        if self.left == 0 and not self.closed_root:
            self.pending += "</root>".encode(self.encoding)[2 if self.encoding == "utf-16" else 0 :]
            self.closed_root = True
        count = min(len(buffer), len(self.pending))
        buffer[:count] = self.pending[:count]
        self.pending = self.pending[count:]
        return count


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_streaming_other_encodings_in_constant_memory(encoding):
    # Regression: documents not in UTF-8 were read whole before streaming.
    import tracemalloc

    seen = []

    def keep_last(path, item):
        seen[:] = [item]
        return True

    items = 100_000  # megabytes of input, far more than the peak allowed
    tracemalloc.start()
    try:
        sx.parse(
            io.BufferedReader(_GeneratedStream(items, encoding)),
            encoding=encoding if encoding == "latin-1" else None,
            item_depth=2,
            item_callback=keep_last,
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == ["café 1"]
    assert peak < 2_000_000, peak


def test_streaming_a_stream_that_is_not_its_encoding_is_a_parse_error():
    data = "<root><item>x</item></root>".encode("utf-16") + b"\x00"  # an odd byte
    with pytest.raises(sx.ParseError):
        sx.parse(io.BytesIO(data), item_depth=2, item_callback=lambda path, item: True)
    with pytest.raises(xmltodict.expat.ExpatError):
        xmltodict.parse(io.BytesIO(data), item_depth=2, item_callback=lambda path, item: True)
