"""serialkit.marshal's API: files and paths, code objects and allow_code."""

from __future__ import annotations

import io
import marshal
import os

import pytest
import serialkit.marshal as sm

SOURCE = "def area(w, h=2):\n    return w * h\n\nresult = area(3)\n"


def test_dump_and_load_with_file_objects():
    first, second = {"a": (1, 2)}, [3.5, "x"]
    buffer = io.BytesIO()
    sm.dump(first, buffer)
    sm.dump(second, buffer, 2)
    expected = marshal.dumps(first) + marshal.dumps(second, 2)
    assert buffer.getvalue() == expected
    buffer.seek(0)
    # Each load leaves the file just after its value, as marshal.load does.
    assert sm.load(buffer) == {"a": (1, 2)}
    assert sm.load(buffer) == [3.5, "x"]
    with pytest.raises(EOFError):
        sm.load(buffer)


def test_dump_and_load_with_paths(tmp_path):
    target = tmp_path / "data.marshal"
    value = {"k": b"v"}
    sm.dump(value, target)
    expected = marshal.dumps(value)
    assert target.read_bytes() == expected
    assert sm.load(target) == {"k": b"v"}
    assert sm.load(str(target)) == {"k": b"v"}
    with open(target, "rb") as handle:
        assert marshal.load(handle) == {"k": b"v"}


def test_failed_dump_to_a_path_leaves_the_file_alone(tmp_path):
    target = tmp_path / "keep.marshal"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="unmarshallable object"):
        sm.dump([object()], target)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["keep.marshal"]


def test_load_rejects_text_files(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("x")
    with open(target) as text, pytest.raises(TypeError, match="not bytes"):
        sm.load(text)


def test_code_objects_need_allow_code_to_load():
    code = compile(SOURCE, "<area>", "exec")
    data = marshal.dumps(code)
    with pytest.raises(ValueError, match="code objects is disallowed"):
        sm.loads(data)
    with pytest.raises(ValueError, match="code objects is disallowed"):
        sm.load(io.BytesIO(data))
    loaded = sm.loads(data, allow_code=True)
    assert loaded == code
    namespace: dict = {}
    exec(loaded, namespace)
    assert namespace["result"] == 6


def test_code_objects_nested_in_data():
    code = compile(SOURCE, "<area>", "exec")
    value = {"name": "area", "code": code, "consts": (1, 2)}
    data = marshal.dumps(value)
    assert sm.dumps(value) == data
    loaded = sm.loads(data, allow_code=True)
    assert loaded["code"] == code and loaded["consts"] == (1, 2)


def test_dumping_code_can_be_refused():
    code = compile(SOURCE, "<area>", "exec")
    assert sm.dumps(code) == marshal.dumps(code)
    for version in range(5):
        assert sm.dumps(code, version) == marshal.dumps(code, version)
    with pytest.raises(ValueError, match="code objects is disallowed"):
        sm.dumps(code, allow_code=False)
    with pytest.raises(ValueError, match="code objects is disallowed"):
        sm.dumps([1, {"c": code}], allow_code=False)


def test_pyc_files_of_the_stdlib_load_with_allow_code():
    import importlib.util
    import json as some_module

    pyc = importlib.util.cache_from_source(some_module.__file__)
    with open(pyc, "rb") as handle:
        data = handle.read()[16:]
    assert sm.loads(data, allow_code=True) == marshal.loads(data)


def test_signatures_follow_the_standard_library():
    with pytest.raises(TypeError):
        sm.dumps(1, version=4)  # positional-only, as in marshal
    with pytest.raises(TypeError):
        sm.loads(b"N", False)  # allow_code is keyword-only
    assert sm.loads(b"N") is None


@pytest.mark.parametrize("loader", [marshal.load, sm.load], ids=["stdlib", "serialkit"])
def test_load_from_a_pipe_reads_one_value_at_a_time(loader):
    # Regression: a stream that cannot seek back raised UnsupportedOperation
    # after it had been read to its end; the standard library reads exactly
    # one value.
    import os
    import threading

    values = [[1, 2], "x", {"k": (1.5, b"raw" * 1000)}, list(range(5000)), None]
    read_end, write_end = os.pipe()

    def write():
        with open(write_end, "wb") as out:
            for value in values:
                out.write(marshal.dumps(value))

    writer = threading.Thread(target=write)
    writer.start()
    with open(read_end, "rb") as stream:
        assert [loader(stream) for _ in values] == values
        with pytest.raises(EOFError, match="EOF read where object expected"):
            loader(stream)
    writer.join()


def test_load_from_an_unseekable_stream_that_ends_early():
    class Stream(io.RawIOBase):
        def __init__(self, data):
            self.data = data

        def readable(self):
            return True

        def readinto(self, buffer):
            count = min(len(buffer), len(self.data), 3)  # short reads
            buffer[:count] = self.data[:count]
            self.data = self.data[count:]
            return count

    data = marshal.dumps({"a": [1, 2, 3], "b": "text"})
    assert sm.load(Stream(data + b"tail")) == {"a": [1, 2, 3], "b": "text"}
    with pytest.raises(EOFError):
        sm.load(Stream(data[:-4]))
