"""The key cache: serialkit.json hands back one cached `str` per recent
ASCII key (and short string value), found by a hash of the key's bytes and
confirmed by comparing them. Keys that differ in one byte, at any position
and any length around the cache's word sizes, must never be confused,
whether the cache hits or misses."""

from __future__ import annotations

import json
import string

import pytest
import serialkit.json as sj


def variants(length: int) -> list[str]:
    """Keys of one length: a base, and the base with each position changed."""
    base = (string.ascii_letters * 3)[:length]
    keys = [base]
    for at in range(length):
        keys.append(base[:at] + "#" + base[at + 1 :])
    return keys


@pytest.mark.parametrize("length", range(0, 70))
def test_keys_differing_in_one_byte_stay_apart(length):
    keys = variants(length)
    document = json.dumps([{key: index} for index, key in enumerate(keys)] + [keys])
    # Twice: the first load fills the cache, the second hits it.
    for _ in range(2):
        loaded = sj.loads(document)
        assert loaded == json.loads(document)
        assert [next(iter(item)) for item in loaded[:-1]] == keys
        assert loaded[-1] == keys


def test_every_length_against_every_other():
    keys = [k for length in range(0, 40) for k in variants(length)[:3]]
    document = json.dumps({key: key for key in keys})
    for _ in range(2):
        loaded = sj.loads(document)
        assert list(loaded.items()) == [(key, key) for key in keys]
