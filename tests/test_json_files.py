"""serialkit.json's dump and load with file objects and paths, and the
atomic replacement of files written by path."""

from __future__ import annotations

import datetime
import io
import json
import os
import stat
from pathlib import Path

import pytest
import serialkit.json as sj


class Point:
    pass


def tmp_leftovers(folder: Path) -> list[str]:
    return [
        name
        for name in os.listdir(folder)
        if name.startswith(".serialkit-") or name.endswith(".tmp")
    ]


def test_dump_and_load_file_objects(tmp_path):
    data = {"name": "\u00e9\U0001f600", "n": [1, 2.5, None]}
    stream = io.StringIO()
    sj.dump(data, stream, ensure_ascii=False, indent=2)
    assert stream.getvalue() == json.dumps(data, ensure_ascii=False, indent=2)
    stream.seek(0)
    assert sj.load(stream) == data
    assert sj.load(io.BytesIO(json.dumps(data).encode("utf-16"))) == data
    path = tmp_path / "x.json"
    with open(path, "w", encoding="utf-8") as handle:
        sj.dump(data, handle)
    with open(path, encoding="utf-8") as handle:
        assert sj.load(handle) == data
    with open(path, "rb") as handle:
        assert sj.load(handle, object_pairs_hook=list) == json.loads(
            path.read_bytes(), object_pairs_hook=list
        )


class CustomPath:
    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return str(self.path)


@pytest.mark.parametrize("kind", [str, Path, CustomPath])
def test_dump_and_load_paths(tmp_path, kind):
    data = {"a": [1, "\u00e9"], "when": datetime.date(2020, 1, 1)}
    target = tmp_path / "out.json"
    assert sj.dump(data, kind(target), ensure_ascii=False, indent=1) is None
    assert target.read_bytes() == sj.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    assert sj.load(kind(target)) == {"a": [1, "\u00e9"], "when": "2020-01-01"}
    assert sj.load(kind(target), object_pairs_hook=list) == [
        ("a", [1, "\u00e9"]),
        ("when", "2020-01-01"),
    ]
    assert tmp_leftovers(tmp_path) == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32-be"])
def test_load_path_detects_encoding(tmp_path, encoding):
    target = tmp_path / "enc.json"
    target.write_bytes('{"k": ["\u00e9", "\U0001f600"]}'.encode(encoding))
    assert sj.load(target) == json.loads(target.read_bytes())


def test_dump_path_replaces_existing_content(tmp_path):
    target = tmp_path / "data.json"
    target.write_text("x" * 1000)
    sj.dump([1], target)
    assert target.read_text() == "[1]"


@pytest.mark.parametrize(
    "bad, options",
    [
        ({"ok": [1, 2, {"deep": [object()]}]}, {}),
        ({"ok": 1, "nan": float("nan")}, {"allow_nan": False}),
        ({"bad key": {(1, 2): 1}}, {}),
        ({"lone surrogate": "\ud800"}, {"ensure_ascii": False}),
    ],
)
def test_failed_dump_leaves_existing_file_untouched(tmp_path, bad, options):
    target = tmp_path / "keep.json"
    target.write_text('{"original": true}')
    before = target.stat()
    with pytest.raises((TypeError, ValueError)):
        sj.dump(bad, target, **options)
    assert target.read_text() == '{"original": true}'
    assert target.stat().st_mode == before.st_mode
    assert sorted(os.listdir(tmp_path)) == ["keep.json"]


def test_dump_onto_a_folder_leaves_no_temporary(tmp_path):
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(OSError):
        sj.dump([1], tmp_path / "folder.json")
    assert (tmp_path / "folder.json").is_dir()
    assert tmp_leftovers(tmp_path) == []


def test_failed_default_midway_leaves_file_untouched(tmp_path):
    target = tmp_path / "keep.json"
    target.write_text("old")

    def default(o):
        raise RuntimeError("midway")

    with pytest.raises(RuntimeError):
        sj.dump({"a": list(range(1000)), "b": Point()}, str(target), default=default)
    assert target.read_text() == "old"
    assert tmp_leftovers(tmp_path) == []


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_failure_while_writing_leaves_no_temporary(tmp_path, monkeypatch, step):
    target = tmp_path / "keep.json"
    target.write_text("old")

    def fail(*args, **kwargs):
        raise OSError("simulated failure")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(OSError, match="simulated"):
        sj.dump({"a": 1}, target)
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert tmp_leftovers(tmp_path) == []


def test_failed_dump_to_new_path_creates_nothing(tmp_path):
    with pytest.raises(TypeError):
        sj.dump([object()], tmp_path / "new.json")
    assert os.listdir(tmp_path) == []


def test_dump_into_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        sj.dump([1], tmp_path / "missing" / "x.json")


def test_load_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError):
        sj.load(tmp_path / "absent.json")


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002, 0o027])
def test_new_file_mode_like_open(tmp_path, umask):
    previous = os.umask(umask)
    try:
        sj.dump({"a": 1}, tmp_path / "new.json")
        with open(tmp_path / "plain.json", "w") as handle:
            handle.write("{}")
    finally:
        os.umask(previous)
    mode = stat.S_IMODE((tmp_path / "new.json").stat().st_mode)
    assert mode == 0o666 & ~umask
    assert mode == stat.S_IMODE((tmp_path / "plain.json").stat().st_mode)
