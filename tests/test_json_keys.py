"""The key cache: serialkit.json hands back one cached `str` per recent
ASCII key (and short string value), found by a hash of the key's bytes and
confirmed by comparing them. Keys that differ in one byte, at any position
and any length around the cache's word sizes, must never be confused,
whether the cache hits or misses."""

from __future__ import annotations

import itertools
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


def colliding_ints() -> list[int]:
    """Ints past the small-int range that share a slot of the int cache
    (512 slots, picked by the top bits of the value times the 64-bit golden
    ratio), and the bounds of the fast path on either side."""
    slot_of = lambda value: ((value * 0x9E3779B97F4A7C15) % 2**64) >> 55  # noqa: E731
    wanted = slot_of(257)
    same_slot = list(itertools.islice((v for v in itertools.count(257) if slot_of(v) == wanted), 6))
    edges = [-6, -5, 256, 2**62, -(2**62), 10**18 - 1, -(10**18) + 1]
    edges += [2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 10**18, 10**30]
    return same_slot + [-v for v in same_slot] + edges


def test_repeated_and_colliding_ints_keep_their_values():
    ints = colliding_ints()
    assert len(set(ints)) == len(ints)
    # Each value repeated, interleaved with its slot-mates, so that hits and
    # evictions alternate; as values and as nested items.
    document = json.dumps([ints, ints[::-1], [{"id": v, "ids": [v, v]} for v in ints]])
    for _ in range(2):
        loaded = sj.loads(document)
        assert loaded == json.loads(document)
        flat = loaded[0] + loaded[1] + [x for item in loaded[2] for x in [item["id"], *item["ids"]]]
        assert all(type(x) is int for x in flat)


def test_a_repeated_int_is_one_shared_object():
    # What the cache is for: the second 1000 is the first one's object,
    # within a call and across calls, as long as no other value took its
    # slot meanwhile.
    first, second = sj.loads("[1000, 1000]")
    assert first is second
    assert sj.loads("1000") is first


def test_ints_from_the_cache_are_plain_ints_with_their_hooks_respected():
    document = "[1000, 1000, -1000]"
    assert sj.loads(document) == [1000, 1000, -1000]
    assert sj.loads(document, parse_int=str) == ["1000", "1000", "-1000"]
    assert sj.loads(document, parse_int=float) == [1000.0, 1000.0, -1000.0]
