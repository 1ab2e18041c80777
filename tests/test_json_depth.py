"""Nesting depth: serialkit.json handles whatever the standard library
handles, and raises RecursionError (never crashes) beyond that, for loads
and dumps alike."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading

import pytest
import serialkit.json as sj
from jsoncheck import canonical, outcome


@dataclasses.dataclass
class Link:
    next: object


def nested_list(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def nested_dict(depth):
    value = {}
    for _ in range(depth - 1):
        value = {"k": value}
    return value


def deepest(succeeds, high=200_000):
    """The largest depth in [1, high] for which succeeds(depth) is true,
    assuming monotonicity. The bound is generous: up to 3.12 the recursion
    limit decides (about 1000), 3.13 allows 10000 levels of C recursion and
    3.14 as many as the C stack holds (about 65000 on the main thread)."""
    low = 1
    while low < high:
        middle = (low + high + 1) // 2
        if succeeds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def nested_document(opener, closer, depth):
    return opener * depth + "0" + closer * depth


def loads_ok(module, opener, closer):
    def succeeds(depth):
        try:
            module.loads(nested_document(opener, closer, depth))
        except RecursionError:
            return False
        return True

    return succeeds


def dumps_ok(module, build, **kwargs):
    def succeeds(depth):
        try:
            module.dumps(build(depth), **kwargs)
        except RecursionError:
            return False
        return True

    return succeeds


@pytest.mark.parametrize(
    "opener, closer, per_level",
    [("[", "]", 1), ('{"k":', "}", 1), ('[{"a": [], "k":', "}]", 2), ("[1, ", "]", 1)],
)
def test_loads_depth(opener, closer, per_level):
    # Nesting 500 deep works.
    document = nested_document(opener, closer, 500 // per_level)
    assert outcome(sj.loads, document) == outcome(json.loads, document)
    assert outcome(sj.loads, document)[0] == "ok"
    limit = deepest(loads_ok(json, opener, closer))
    document = nested_document(opener, closer, limit)
    assert canonical(sj.loads(document)) == canonical(json.loads(document))
    for depth in (limit + 50, 100000):
        document = nested_document(opener, closer, depth)
        with pytest.raises(RecursionError):
            json.loads(document)
        with pytest.raises(RecursionError):
            sj.loads(document)
        with pytest.raises(RecursionError):
            sj.loads(document.encode())
        with pytest.raises(RecursionError):
            sj.loads(document.encode("utf-16"))
        with pytest.raises(RecursionError):
            sj.loads(document, object_pairs_hook=list, parse_int=str)
        with pytest.raises(RecursionError):
            sj.JSONDecoder().raw_decode(document)
    # The interpreter is still fine afterwards.
    assert sj.loads("[[1]]") == [[1]]


@pytest.mark.parametrize("build", [nested_list, nested_dict])
@pytest.mark.parametrize("indent", [None, 1])
def test_dumps_depth(build, indent):
    assert sj.dumps(build(500), indent=indent) == json.dumps(build(500), indent=indent)
    limit = deepest(dumps_ok(json, build, indent=indent))
    assert sj.dumps(build(limit), indent=indent) == json.dumps(build(limit), indent=indent)
    for depth in (limit + 50, 100000):
        with pytest.raises(RecursionError):
            json.dumps(build(depth), indent=indent)
        with pytest.raises(RecursionError):
            sj.dumps(build(depth), indent=indent)
    assert sj.dumps([[1]]) == "[[1]]"


def test_deep_extra_types_and_default_raise_recursion_error():
    value = None
    for _ in range(100000):
        value = Link(value)
    with pytest.raises(RecursionError):
        sj.dumps(value)

    class Wrap:
        def __init__(self, inner):
            self.inner = inner

    value = None
    for _ in range(100000):
        value = Wrap(value)
    with pytest.raises(RecursionError):
        json.dumps(value, default=lambda o: [o.inner])
    with pytest.raises(RecursionError):
        sj.dumps(value, default=lambda o: [o.inner])


def run_with_raised_limit(function, limit=60000, stack_size=512 * 1024 * 1024):
    """Runs function in a thread with a large stack and a raised recursion
    limit, the way programs that need deep documents do."""
    results = {}

    def target():
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(limit)
        try:
            results["value"] = function()
        except BaseException as error:  # reported to the test thread
            results["error"] = error
        finally:
            sys.setrecursionlimit(old)

    previous = threading.stack_size(stack_size)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous)
    if "error" in results:
        raise results["error"]
    return results["value"]


@pytest.mark.parametrize("depth", [3000, 5000, 20000])
def test_loads_as_deep_as_stdlib_with_raised_recursion_limit(depth):
    document = "[" * depth + "]" * depth

    def compare():
        return outcome(json.loads, document), outcome(sj.loads, document)

    # Up to 3.11 the raised limit lets the standard library succeed; 3.12
    # and 3.13 bound C recursion apart from it, so it may fail: serialkit
    # must do the same either way.
    expected, actual = run_with_raised_limit(compare)
    assert actual == expected


@pytest.mark.parametrize("depth", [3000, 5000, 20000])
def test_dumps_as_deep_as_stdlib_with_raised_recursion_limit(depth):
    value = nested_list(depth)

    def compare():
        return outcome(json.dumps, value), outcome(sj.dumps, value)

    # Up to 3.11 the raised limit lets the standard library succeed; 3.12
    # and 3.13 bound C recursion apart from it, so it may fail: serialkit
    # must do the same either way.
    expected, actual = run_with_raised_limit(compare)
    assert actual == expected


@pytest.mark.parametrize("operation", ["loads", "dumps"])
def test_small_stack_with_huge_recursion_limit_raises_instead_of_crashing(operation):
    """Regression: the recursion limit can be raised past what the thread's
    stack holds; serialkit checks the stack that is left and raises
    RecursionError where the standard library would crash the process."""
    depth = 100_000
    if operation == "loads":
        document = "[" * depth + "]" * depth

        def deep():
            return sj.loads(document)

        def shallow():
            return sj.loads('[[1], {"a": [2]}]')
    else:
        value = nested_list(depth)

        def deep():
            return sj.dumps(value)

        def shallow():
            return sj.dumps([[1], {"a": [2]}])

    def attempt():
        try:
            deep()
        except RecursionError as error:
            return str(error), shallow()
        return "no error", shallow()

    message, shallow_result = run_with_raised_limit(
        attempt, limit=10 * depth, stack_size=256 * 1024
    )
    assert message.startswith("maximum recursion depth exceeded while")
    assert shallow_result in ([[1], {"a": [2]}], '[[1], {"a": [2]}]')
