"""serialkit.marshal.loads and the cyclic garbage collector: the collector
is paused while a value is built, and the young generations are collected
in batches of the interpreter's threshold (crates/serialkit-py/src/gc.rs). Those collections may run
Python code (gc callbacks, finalizers) in the middle of a load, which must
neither crash on the half-built value nor change what is loaded."""

from __future__ import annotations

import gc
import marshal

import pytest
import serialkit.marshal as sm

# Many small containers, nested, as in a JSON document: well past the
# default threshold of 700 allocations.
DOCUMENT = {
    "rows": [
        {"id": i, "tags": [f"t{i % 7}", "x"], "pair": (i, [i, i + 1]), "set": {i, -i}}
        for i in range(3000)
    ],
    "matrix": [[float(i), float(j)] for i in range(40) for j in range(40)],
}
DATA = marshal.dumps(DOCUMENT)


@pytest.fixture
def collections():
    """The generations collected while the fixture is active."""
    seen: list[int] = []

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    was_enabled = gc.isenabled()
    threshold = gc.get_threshold()
    gc.enable()
    gc.collect()
    gc.callbacks.append(callback)
    try:
        yield seen
    finally:
        gc.callbacks.remove(callback)
        gc.set_threshold(*threshold)
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_young_collections_run_during_a_large_load(collections):
    value = sm.loads(DATA)
    assert value == DOCUMENT
    # About one per threshold's worth of containers (700 by default, 2000
    # from 3.14), as the interpreter's own reader gets, each of the young
    # generations only. The document makes about 16,600 containers.
    assert len(collections) >= 16_000 // gc.get_threshold()[0] // 2
    assert max(collections) < 2


def test_a_paused_collector_stays_paused(collections):
    gc.disable()
    value = sm.loads(DATA)
    assert value == DOCUMENT
    assert collections == []
    assert not gc.isenabled()


def test_threshold_zero_means_no_collection(collections):
    gc.set_threshold(0)
    value = sm.loads(DATA)
    assert value == DOCUMENT
    assert collections == []


def test_the_collector_resumes_after_a_load(collections):
    sm.loads(DATA)
    assert gc.isenabled()
    before = len(collections)
    # Garbage made after the load is collected as usual.
    junk = [[] for _ in range(2 * gc.get_threshold()[0] + 100)]
    del junk
    assert len(collections) > before


def test_code_that_inspects_every_list_mid_load_sees_no_hole(collections):
    """A callback that walks every tracked list while the loader is filling
    some: each must be a proper list (a NULL slot would crash repr)."""
    inspected = []

    def walk(phase: str, info: dict) -> None:
        if phase != "stop":
            return
        count = 0
        for obj in gc.get_objects():
            if type(obj) is list:
                for item in obj:
                    type(item)
                count += 1
        inspected.append(count)

    gc.callbacks.append(walk)
    try:
        value = sm.loads(DATA)
    finally:
        gc.callbacks.remove(walk)
    assert value == DOCUMENT
    assert inspected


def _is_rows(obj: object) -> bool:
    return type(obj) is list and bool(obj) and all(type(row) is dict and "id" in row for row in obj)


def test_code_that_empties_a_list_mid_load_does_not_crash(collections):
    """A callback that tampers with the list being filled changes the
    result (its own doing) but must neither crash nor fail the load."""
    tampered = []
    # Only the list being loaded may be touched, not DOCUMENT's own rows.
    existing = {id(obj) for obj in gc.get_objects()}

    def tamper(phase: str, info: dict) -> None:
        if phase != "stop" or tampered:
            return
        for obj in gc.get_objects():
            if id(obj) not in existing and _is_rows(obj):
                tampered.append(len(obj))
                obj.clear()
                obj.append("tampered")
                return

    gc.callbacks.append(tamper)
    try:
        value = sm.loads(DATA)
    finally:
        gc.callbacks.remove(tamper)
    assert tampered and tampered[0] < len(DOCUMENT["rows"])
    # The rows read after the tampering have nowhere to go.
    assert value["rows"] == ["tampered"]
    assert value["matrix"] == DOCUMENT["matrix"]


def test_a_failing_load_after_young_collections_leaves_nothing_behind(collections):
    # Truncated at the very end: the collections happened, then EOF.
    with pytest.raises(EOFError):
        sm.loads(DATA[:-1])
    assert gc.isenabled()
    assert collections and max(collections) < 2
