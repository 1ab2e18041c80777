"""Aliases: recursive nodes load as PyYAML loads them, shared nodes stay
shared (never copied), and the expansion budget refuses billion laughs
without refusing realistic reuse."""

from __future__ import annotations

import pytest
import serialkit.yaml as sy
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st


def shape(value, seen=None):
    """A comparable description of `value` that follows identity: a node
    met again (shared or cyclic) is described by the order it was first
    met in, so two results agree only if they share the same nodes."""
    seen = {} if seen is None else seen
    if isinstance(value, (list, dict, tuple)):
        if id(value) in seen:
            return ("ref", seen[id(value)])
        seen[id(value)] = len(seen)
        if isinstance(value, dict):
            items = [(shape(k, seen), shape(v, seen)) for k, v in value.items()]
            return ("dict", seen[id(value)], items)
        return (type(value).__name__, seen[id(value)], [shape(v, seen) for v in value])
    return ("atom", type(value).__name__, value)


RECURSIVE = [
    "&a [*a]",
    "&a {x: *a}",
    "&a [1, *a, [*a, 2]]",
    "a: &a [1, *a, [*a]]\nb: *a\n",
    "&a [&b {y: *b, z: *a}]",
    "&a {list: &b [*a, *b], self: *a}",
    "- &a [*a]\n- *a\n",
    "&a !!omap [x: *a]",
    "&a !!pairs [x: *a, y: 1]",
    "a: &a\n  - b: &b\n      c: *a\n      d: *b\n",
    "--- &a [*a]\n--- &a {k: *a}\n",
]


@pytest.mark.parametrize("text", RECURSIVE)
def test_recursive_aliases_load_as_pyyaml_loads_them(text):
    expected = [shape(document) for document in yaml.safe_load_all(text)]
    assert [shape(document) for document in sy.safe_load_all(text)] == expected
    assert [shape(document) for document in sy.loads_all(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "&a !!set {? *a}",  # a set cannot hold itself (unhashable in PyYAML too)
        "&a !!python/tuple [*a]",
    ],
)
def test_recursive_nodes_that_cannot_be_built_are_errors(text):
    with pytest.raises(sy.YAMLError):
        sy.loads(text)
    with pytest.raises(yaml.YAMLError):
        yaml.unsafe_load(text)


def cyclic_data():
    loop = []
    loop.append(loop)
    mapping = {"name": "root"}
    mapping["self"] = mapping
    mapping["children"] = [mapping, {"parent": mapping}]
    shared = {"k": [1, 2]}
    both = {"a": shared, "b": [shared, loop], "c": loop}
    return [loop, mapping, both, [mapping, mapping]]


@pytest.mark.parametrize("data", cyclic_data(), ids=["list", "dict", "shared", "twice"])
def test_cyclic_data_round_trips(data):
    assert shape(sy.loads(sy.dumps(data))) == shape(data)
    assert sy.safe_dump(data) == yaml.safe_dump(data)
    # safe_dump sorts keys, so the order of first meeting is PyYAML's own.
    expected = shape(yaml.safe_load(yaml.safe_dump(data)))
    assert shape(sy.safe_load(sy.safe_dump(data))) == expected
    assert shape(yaml.safe_load(sy.dumps(data))) == shape(data)


def test_aliases_share_the_anchored_object():
    loaded = sy.loads("a: &a {k: [1, 2]}\nb: *a\nc: [*a]\n")
    assert loaded["a"] is loaded["b"] is loaded["c"][0]


def test_large_data_shared_a_few_times_loads_with_default_limits():
    # 200,001 nodes aliased five times expand to over a million nodes, past
    # max_expansion, but only six times what is built: not an attack.
    items = "".join(f"  - {i}\n" for i in range(200_000))
    text = "base: &b\n" + items + "".join(f"copy{j}: *b\n" for j in range(5))
    loaded = sy.loads(text)
    assert len(loaded["base"]) == 200_000
    assert all(loaded[f"copy{j}"] is loaded["base"] for j in range(5))


def nested_aliases(levels, width):
    lines = ["l0: &l0 [" + ", ".join(["x"] * width) + "]"]
    for level in range(1, levels):
        aliases = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_fails_fast():
    with pytest.raises(sy.LimitError, match="alias expansion"):
        sy.loads(nested_aliases(9, 9))
    with pytest.raises(sy.LimitError, match="alias expansion"):
        sy.safe_load(nested_aliases(30, 2))


def test_expansion_budget_rule():
    # 4 levels of 10: about 40 nodes built, 11,110 expanded: under the
    # default floor, so it loads ...
    text = nested_aliases(4, 10)
    assert len(sy.loads(text)["l3"]) == 10
    # ... but past a small floor it is more than 100 times what is built.
    with pytest.raises(sy.LimitError, match="alias expansion"):
        sy.loads(text, max_expansion=1000)
    # Under 100 times what is built, a small floor does not refuse.
    assert sy.loads("a: &a [1, 2, 3]\nb: [*a, *a]\n", max_expansion=5)["b"][1] == [1, 2, 3]


@st.composite
def linked_data(draw):
    """Lists and dicts that refer to each other at random: shared nodes
    and cycles of every shape."""
    count = draw(st.integers(1, 6))
    nodes = [[] if draw(st.booleans()) else {} for _ in range(count)]
    for node in nodes:
        for position in range(draw(st.integers(0, 4))):
            if draw(st.booleans()):
                item = nodes[draw(st.integers(0, count - 1))]
            else:
                item = draw(st.one_of(st.integers(), st.text(max_size=5), st.none()))
            if isinstance(node, list):
                node.append(item)
            else:
                node[f"k{position}"] = item
    return nodes[0]


@settings(max_examples=300, deadline=None)
@given(linked_data())
def test_shared_and_cyclic_data_load_as_pyyaml_loads_it(data):
    text = yaml.safe_dump(data)
    assert shape(sy.safe_load(text)) == shape(yaml.safe_load(text))
    assert shape(sy.loads(sy.dumps(data))) == shape(data)
