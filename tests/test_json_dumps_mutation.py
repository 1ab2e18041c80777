"""A `default` that changes a dict while it is being written: `dumps` must
end as the running interpreter's `json.dumps` does. CPython's C encoder
walked a snapshot of each dict's items before 3.12 (PyMapping_Items), so
the change was not seen, and the values it dropped stayed alive until
written; from 3.12 it walks exact dicts in place (PyDict_Next) and sees the
change. Its pure-Python encoder, which 3.11 and 3.12 use when `indent` is
set, walks the live `items()` view: it sees replaced values, and stops with
RuntimeError when the size changes."""

from __future__ import annotations

import gc
import json

import pytest
import serialkit.json as sj


class Hook:
    """Marks the spot where `default` runs."""

    def __init__(self, action):
        self.action = action


def run_hooks(value):
    if isinstance(value, Hook):
        value.action()
        return "hooked"
    raise TypeError(f"not serializable: {type(value).__name__}")


def documents():
    """(name, factory) pairs: each factory builds a fresh document whose
    hooks mutate the dicts of that same document."""

    def clears_itself():
        doc = {"a": 1}
        doc["hook"] = Hook(doc.clear)
        doc["after"] = [1, 2, {"x": "y"}]
        return doc

    def grows_itself():
        doc = {"a": 1}
        doc["hook"] = Hook(lambda: doc.update({f"k{i}": i for i in range(50)}))
        doc["after"] = "tail"
        return doc

    def drops_later_values():
        # The values after the hook are referenced only by the dict; once
        # it lets go of them, only the snapshot keeps them alive.
        doc = {"hook": None, "later": ["only", "here", {"deep": ["x"] * 3}], "z": "last"}
        doc["hook"] = Hook(lambda: (doc.clear(), gc.collect()))
        return doc

    def outer_changed_from_inside():
        outer = {"first": {"inner": None, "sibling": 2}, "second": [3, 4], "third": "c"}
        outer["first"]["inner"] = Hook(
            lambda: (outer.pop("second"), outer.update(fourth=4), outer["first"].clear())
        )
        return outer

    def replaces_values():
        doc = {"hook": None, "v": "old", "w": {"n": 1}}
        doc["hook"] = Hook(lambda: doc.update(v="new", w={"n": 2}))
        return doc

    return [
        clears_itself,
        grows_itself,
        drops_later_values,
        outer_changed_from_inside,
        replaces_values,
    ]


@pytest.mark.parametrize("make", documents(), ids=lambda make: make.__name__)
@pytest.mark.parametrize(
    "options", [{}, {"indent": 2}, {"check_circular": False}, {"separators": (",", ":")}]
)
def test_dict_mutated_by_default_ends_as_json_does(make, options):
    def outcome(dumps):
        try:
            return dumps(make(), default=run_hooks, **options)
        except RuntimeError as error:
            return type(error), str(error)

    assert outcome(sj.dumps) == outcome(json.dumps)


def test_a_dict_nested_deeply_inside_dicts_is_written_whole():
    doc: dict = {}
    inner = doc
    for level in range(200):
        inner[f"k{level}"] = level
        inner["next"] = {}
        inner = inner["next"]
    assert sj.dumps(doc) == json.dumps(doc)
