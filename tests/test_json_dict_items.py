"""Dict subclasses whose `items()` returns something other than 2-tuples.
CPython's C encoder accepts only 2-tuples ("items must return 2-tuples");
its pure-Python encoder, which Python 3.11 and 3.12 use with `indent`,
unpacks any iterable of two, and fails as that unpacking fails. `dumps`
must end as the running interpreter's `json.dumps` does."""

from __future__ import annotations

import json

import pytest
import serialkit.json as sj


class Items(dict):
    def __init__(self, items):
        super().__init__(unused=0)
        self._items = items

    def items(self):
        return self._items


ITEMS = {
    "lists": [["a", 1]],
    "triple": [("a", 1, 2)],
    "single": [("a",)],
    "empty": [[]],
    "not iterable": [5],
    "two-character str": ["ab"],
    "tuples": [("b", 2), ("a", 1)],
    "dict of two keys": [{"k": 1, "v": 2}],
}


def outcome(dumps, items, options):
    try:
        return dumps(Items(items), **options)
    except (TypeError, ValueError) as error:
        return type(error), str(error)


@pytest.mark.parametrize("items", ITEMS.values(), ids=ITEMS.keys())
@pytest.mark.parametrize(
    "options", [{}, {"indent": 2}, {"sort_keys": True}, {"indent": 2, "sort_keys": True}]
)
def test_items_that_are_not_two_tuples(items, options):
    assert outcome(sj.dumps, items, options) == outcome(json.dumps, items, options)
