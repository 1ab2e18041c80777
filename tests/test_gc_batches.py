"""The loaders pause the cyclic GC and collect the young generations in
batches as they build (crates/serialkit-py/src/gc.rs). What a caller can
observe must stay as without it: the collector's on/off state, no
collections for a caller that disabled it, and correct results when a
collection in the middle of a load runs other code (a finalizer) that
loads again."""

import gc
import json
import marshal
import pickle

import pytest
import serialkit.json
import serialkit.marshal
import serialkit.pickle
import serialkit.yaml

# Far more containers than one batch (a thousand).
DOCUMENT = {"rows": [{"id": i, "tags": [str(i), "x"], "pos": [i, -i]} for i in range(3000)]}

LOADERS = {
    "json": (serialkit.json.loads, json.dumps(DOCUMENT)),
    "pickle": (serialkit.pickle.loads, pickle.dumps(DOCUMENT, protocol=4)),
    "marshal": (serialkit.marshal.loads, marshal.dumps(DOCUMENT)),
    "yaml": (serialkit.yaml.loads, serialkit.yaml.dumps(DOCUMENT)),
}


def _young_collections_during(call):
    """The result of `call()` and the young collections (generation 0 or
    1) that started while it ran."""
    started = []

    def count(phase, info):
        if phase == "start" and info["generation"] < 2:
            started.append(info["generation"])

    gc.callbacks.append(count)
    try:
        result = call()
    finally:
        gc.callbacks.remove(count)
    return result, started


@pytest.mark.parametrize("format_name", sorted(LOADERS))
def test_large_load_collects_the_young_generations_in_batches(format_name):
    loads, data = LOADERS[format_name]
    assert gc.isenabled()
    result, started = _young_collections_during(lambda: loads(data))
    assert result == DOCUMENT
    # Batches of young objects are collected while the load runs (the
    # result's 15,000 containers make about fifteen batches) ...
    assert len(started) >= 5
    # ... and the collector is back on afterwards.
    assert gc.isenabled()


@pytest.mark.parametrize("format_name", sorted(LOADERS))
def test_a_caller_that_disabled_the_collector_gets_no_collections(format_name):
    loads, data = LOADERS[format_name]
    gc.disable()
    try:
        result, started = _young_collections_during(lambda: loads(data))
        assert result == DOCUMENT
        assert started == []
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Cycle:
    """Garbage that only the collector frees; its finalizer loads again."""

    loaded = []

    def __init__(self, loads, data):
        self.me = self
        self.loads = loads
        self.data = data

    def __del__(self):
        _Cycle.loaded.append(self.loads(self.data))


@pytest.mark.parametrize("format_name", sorted(LOADERS))
def test_a_finalizer_run_by_a_batch_may_load_again(format_name):
    loads, data = LOADERS[format_name]
    _Cycle.loaded.clear()
    gc.collect()
    _Cycle(loads, data)  # unreachable at once: the load's first batch frees it
    result = loads(data)
    # The nested load ran inside the outer one, and neither disturbed the other.
    assert _Cycle.loaded == [DOCUMENT]
    assert result == DOCUMENT
    assert gc.isenabled()


@pytest.mark.parametrize("format_name", sorted(LOADERS))
def test_code_run_by_a_batch_sees_only_whole_objects(format_name):
    """gc callbacks run inside the load's batches and can reach everything
    tracked, including what the load has made so far: each list must be
    readable (an empty slot would crash), and the load's result unchanged."""
    loads, data = LOADERS[format_name]
    walks = []

    def walk(phase, info):
        if phase != "stop":
            return
        lists = [obj for obj in gc.get_objects() if type(obj) is list]
        for items in lists:
            for item in items:
                type(item)
        walks.append(len(lists))

    gc.callbacks.append(walk)
    try:
        result = loads(data)
    finally:
        gc.callbacks.remove(walk)
    assert result == DOCUMENT
    assert len(walks) >= 5
