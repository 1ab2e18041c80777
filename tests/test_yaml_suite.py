"""The official YAML test suite through the Python bindings: every case with
an in.json loads to equal data, every case with an error file is rejected.
The Rust runner (crates/serialkit/tests/yaml_test_suite.rs) checks the core
model the same way; this checks the objects the bindings build."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import pytest
import serialkit.yaml as sy

SUITE = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "yaml-test-suite"

#: Cases that need allow_duplicate_keys=True: the suite does not check key
#: uniqueness, serialkit's loads does by default (see the Rust runner).
DUPLICATE_KEYS = {"2JQS", "X38W"}

#: Valid YAML (no in.json, no error file) with a sequence or a mapping as a
#: mapping key, which a Python dict cannot hold: serialkit raises
#: ConstructorError ("found unhashable key"), as PyYAML does. The core
#: model, whose keys may be anything, loads them (the Rust runner).
UNHASHABLE_KEYS = {
    "4FJ6",
    "6BFJ",
    "6PBE",
    "9MMW",
    "KK5P",
    "LX3P",
    "M2N8/00",
    "M2N8/01",
    "M5DY",
    "Q9WF",
    "RZP5",
    "SBG9",
    "V9D5",
    "X38W",
    "XW4D",
}


def cases() -> list[tuple[str, Path]]:
    found = []
    for folder in sorted(SUITE.iterdir()):
        if (folder / "in.yaml").exists():
            found.append((folder.name, folder))
        elif folder.is_dir():
            # Numbered sub-cases; the name/ and tags/ indexes hold only
            # links (as files) to the cases, and are skipped.
            found += [
                (f"{folder.name}/{sub.name}", sub)
                for sub in sorted(folder.iterdir())
                if (sub / "in.yaml").exists()
            ]
    return found


def json_documents(text: str) -> list:
    decoder = json.JSONDecoder()
    documents, at = [], 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return documents
        value, at = decoder.raw_decode(text, at)
        documents.append(value)


def same(got, expected) -> bool:
    """Equality as JSON sees data; the suite spells sets as mappings to
    null, binary as base64 text and ordered maps as one-pair mappings."""
    if isinstance(got, set) and isinstance(expected, dict):
        return all(v is None for v in expected.values()) and {str(k) for k in got} == set(expected)
    if isinstance(got, bytes) and isinstance(expected, str):
        return base64.b64decode(expected) == got
    if isinstance(got, tuple) and isinstance(expected, dict) and len(expected) == 1:
        ((key, value),) = expected.items()
        return same_key(got[0], key) and same(got[1], value)
    if isinstance(got, float) and isinstance(expected, (int, float)):
        return got == expected or (math.isnan(got) and math.isnan(expected))
    if isinstance(got, list) and isinstance(expected, list):
        return len(got) == len(expected) and all(map(same, got, expected))
    if isinstance(got, dict) and isinstance(expected, dict):
        if len(got) != len(expected):
            return False
        return all(
            any(same_key(k, k2) and same(v, v2) for k2, v2 in expected.items())
            for k, v in got.items()
        )
    return type(got) is type(expected) and got == expected


def same_key(got, expected) -> bool:
    if got is None:
        return expected in ("", "null")
    if isinstance(got, (bool, int)) and isinstance(expected, str):
        return str(got).lower() == expected.lower()
    return same(got, expected)


def test_suite_through_python(capsys):
    results = {}
    for name, folder in cases():
        text = (folder / "in.yaml").read_bytes()
        options = {"allow_duplicate_keys": name in DUPLICATE_KEYS}
        try:
            documents = sy.loads_all(text, **options)
        except sy.YAMLError as err:
            expected_error = (folder / "error").exists() or (
                name in UNHASHABLE_KEYS and "unhashable key" in str(err)
            )
            results[name] = expected_error or f"rejected: {err}"
            continue
        if name in UNHASHABLE_KEYS:
            results[name] = "loaded, though listed in UNHASHABLE_KEYS"
            continue
        if (folder / "error").exists():
            results[name] = "accepted invalid input"
        elif (folder / "in.json").exists():
            expected = json_documents((folder / "in.json").read_text(encoding="utf-8"))
            ok = len(expected) == len(documents) and all(map(same, documents, expected))
            results[name] = ok or f"loaded {documents!r}, expected {expected!r}"
        else:
            results[name] = True
    failures = {name: why for name, why in results.items() if why is not True}
    with capsys.disabled():
        print(
            f"\nyaml-test-suite through Python: {len(results) - len(failures)}/{len(results)} "
            f"cases as expected ({len(UNHASHABLE_KEYS)} of them unhashable keys, rejected)"
        )
    assert len(results) > 300
    assert not failures, failures


def test_duplicate_key_case_is_rejected_by_default():
    # X38W's repeated key is a sequence, so Python rejects it as unhashable.
    with pytest.raises(sy.ConstructorError, match="duplicate key"):
        sy.loads_all((SUITE / "2JQS" / "in.yaml").read_bytes())
