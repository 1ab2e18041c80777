"""Standard tags (`!!`) as PyYAML's safe constructor takes them: an unknown
one, or one on a node of the wrong kind, is a ConstructorError with
PyYAML's message; unknown local tags (`!foo`) load as plain data, as the
YAML test suite expects."""

from __future__ import annotations

import pytest
import serialkit.yaml as sy
import yaml

ERRORS = [
    "!!foo bar",
    "!!foo [1]",
    "!!foo {a: 1}",
    "k: [1, !!foo x]",
    "!<tag:yaml.org,2002:foo> x",
    "!!seq a",
    "!!map a",
    "!!set a",
    "!!omap {a: 1}",
    "!!str [1]",
    "!!int {a: 1}",
    "a: !!merge b",
    "!!value x",
    "a: !!set [1]",
]


@pytest.mark.parametrize("text", ERRORS)
def test_unknown_and_misplaced_standard_tags_fail_as_in_pyyaml(text):
    with pytest.raises(yaml.constructor.ConstructorError) as expected:
        yaml.safe_load(text)
    for load in (sy.safe_load, sy.loads):
        with pytest.raises(sy.ConstructorError) as got:
            load(text)
        assert got.value.problem == expected.value.problem
        mark = expected.value.problem_mark
        assert (got.value.line, got.value.column) == (mark.line + 1, mark.column + 1)


@pytest.mark.parametrize(
    "text",
    ["%TAG !! tag:example.com,2000:app/\n---\n!!int 1 - 3\n", "!local x", "!local [1]"],
)
def test_tags_outside_the_standard_set_load_as_plain_data(text):
    assert sy.loads(text) in ("1 - 3", "x", [1])


def test_flow_nesting_past_the_event_parsers_cap_is_a_limit_error():
    assert sy.loads("[" * 255 + "]" * 255) == yaml.safe_load("[" * 255 + "]" * 255)
    with pytest.raises(sy.LimitError, match="flow nesting depth"):
        sy.loads("[" * 256 + "]" * 256)
    with pytest.raises(sy.LimitError, match="nesting depth"):
        sy.loads("[" * 100 + "]" * 100, max_depth=50)
