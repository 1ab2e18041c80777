"""Property tests: serialkit.yaml's PyYAML names against PyYAML itself on
generated data, and round trips of serialkit's own API under both schemas."""

from __future__ import annotations

import datetime
import math

import pytest
import serialkit.yaml as sy
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Any character but lone surrogates, which YAML cannot hold, plus the
# characters YAML's emitter treats specially, so they turn up often.
characters = st.one_of(
    st.characters(exclude_categories=["Cs"]),
    st.sampled_from(" \t\n\r\x00\x1b\x85\xa0\u2028\u2029\ufeff#:-?,[]{}&*!|>'\"%@`~"),
)
texts = st.one_of(
    st.text(characters, max_size=12),
    # Texts that look like other YAML scalars.
    st.sampled_from(
        [
            "",
            "yes",
            "No",
            "on",
            "null",
            "~",
            "0777",
            "0o17",
            "0x1F",
            "1e3",
            "1.0e+3",
            "1_000",
            "190:20:30",
            "2001-12-14",
            "2001-12-14 21:59:43.10 -5",
            ".inf",
            "-.NaN",
            "<<",
            "=",
            "---",
            "...",
            "- a",
            "a: b",
            "#c",
        ]
    ),
    st.text(st.sampled_from("ab \n"), min_size=60, max_size=200),
)
floats = st.floats(allow_nan=True, allow_infinity=True)
dates = st.dates(min_value=datetime.date(1, 1, 1))
datetimes = st.one_of(
    st.datetimes(),
    st.datetimes(timezones=st.just(datetime.timezone.utc)),
    st.datetimes(timezones=st.sampled_from([datetime.timezone(datetime.timedelta(hours=-5))])),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    floats,
    texts,
    st.binary(max_size=80),
    dates,
    datetimes,
)
keys = st.one_of(st.none(), st.booleans(), st.integers(), texts, st.floats(allow_nan=False))
plain_data = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(keys, children, max_size=5),
    ),
    max_leaves=25,
)


def canonical(value):
    """NaN compares unequal to itself; replace it so documents compare."""
    if isinstance(value, float) and math.isnan(value):
        return "<nan>"
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {canonical(k): canonical(v) for k, v in value.items()}
    if isinstance(value, set):
        return {canonical(v) for v in value}
    return value


UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")


def has_unicode_breaks(value) -> bool:
    """Whether a text in ``value`` holds NEL, LS or PS: YAML 1.1 reads them
    as line breaks, YAML 1.2 as ordinary characters. PyYAML writes them raw
    with ``allow_unicode=True``, and serialkit reads YAML 1.2's way (a known
    difference, listed in the README)."""
    if isinstance(value, str):
        return any(c in value for c in UNICODE_BREAKS)
    if isinstance(value, list):
        return any(has_unicode_breaks(v) for v in value)
    if isinstance(value, dict):
        return any(has_unicode_breaks(k) or has_unicode_breaks(v) for k, v in value.items())
    return False


dump_options = st.fixed_dictionaries(
    {},
    optional={
        "default_flow_style": st.sampled_from([False, True, None]),
        "indent": st.integers(min_value=2, max_value=9),
        "width": st.sampled_from([20, 40, 80, 200]),
        "allow_unicode": st.booleans(),
        "explicit_start": st.booleans(),
        "sort_keys": st.booleans(),
    },
)


@SETTINGS
@given(plain_data, dump_options)
@example({"a": [1, {"b": "yes"}], "": None}, {})
@example("x " * 60, {"width": 20})
@example({"k" * 123: 1, "k" * 122: 2}, {})
def test_safe_dump_matches_pyyaml(data, options):
    assert sy.safe_dump(data, **options) == yaml.safe_dump(data, **options)


@SETTINGS
@given(st.lists(plain_data, max_size=3))
def test_safe_dump_all_matches_pyyaml(documents):
    assert sy.safe_dump_all(documents) == yaml.safe_dump_all(documents)


@SETTINGS
@given(plain_data, dump_options)
def test_safe_load_matches_pyyaml_on_pyyaml_output(data, options):
    assume(not (options.get("allow_unicode") and has_unicode_breaks(data)))
    text = yaml.safe_dump(data, **options)
    assert canonical(sy.safe_load(text)) == canonical(yaml.safe_load(text))


# Plain scalars made of the characters YAML 1.1's resolvers look at.
scalar_texts = st.text(st.sampled_from("0123456789:._-+eExXbBoO yesnNtTfFlL~<=Z"), max_size=14)


@SETTINGS
@given(scalar_texts)
@example("0b_")
@example("1__0.5_")
@example("2001-12-14t21:59:43.10-05:00")
@example("<<")  # regression: a merge key outside a key was loaded as "<<"
@example("=")
def test_safe_load_resolves_scalars_as_pyyaml(text):
    # Only texts both grammars read as one plain scalar: YAML 1.2 parses a
    # few texts (":") that YAML 1.1 rejects, which is not resolution.
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        node = None
    assume(isinstance(node, yaml.ScalarNode) and node.style is None)
    try:
        expected = ("ok", canonical(yaml.safe_load(text)))
    except (yaml.YAMLError, ValueError):
        expected = ("error",)
    try:
        got = ("ok", canonical(sy.safe_load(text)))
    except (sy.YAMLError, ValueError):
        got = ("error",)
    assert got == expected


@SETTINGS
@given(plain_data, dump_options)
def test_round_trip_core_schema(data, options):
    options.pop("allow_unicode", None)
    text = sy.dumps(data, **options)
    assert canonical(sy.loads(text)) == canonical(data)


@SETTINGS
@given(plain_data, dump_options)
def test_round_trip_yaml11_schema(data, options):
    text = sy.dumps(data, **options)
    assert canonical(sy.loads(text, schema="yaml11")) == canonical(data)


@SETTINGS
@given(plain_data)
def test_dumps_output_reads_the_same_in_pyyaml(data):
    # What serialkit writes, PyYAML reads back as the same data.
    text = sy.dumps(data)
    assert canonical(yaml.safe_load(text)) == canonical(data)


def test_shared_and_cyclic_data_match_pyyaml():
    shared = [1, {"k": "v"}]
    day = datetime.date(2020, 1, 2)
    cycle = []
    cycle.append(cycle)
    for data in (
        {"a": shared, "b": [shared, {"c": shared}]},
        [day, day, {day: day}],
        cycle,
        {"x": {"y": cycle}},
    ):
        assert sy.safe_dump(data) == yaml.safe_dump(data)
        assert sy.safe_dump_all([data, data]) == yaml.safe_dump_all([data, data])
    loaded = sy.loads(sy.dumps({"a": shared, "b": shared}))
    assert loaded["a"] is loaded["b"]


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n",
        "a: &a [1, 2]\nb: *a\n",
        "- !!set {a, b}\n- !!omap [a: 1, b: 2]\n- !!binary aGVsbG8=\n",
        "a: 1\na: 2\n",
        "? [1, 2]\n: x\n",
        "t: 2001-12-14 21:59:43.10 -5\nd: 2002-12-14\n",
        "--- |\n  literal\n  text\n--- >\n  folded\n  text\n",
    ],
)
def test_safe_load_matches_pyyaml_on_documents(text):
    try:
        expected = ("ok", list(yaml.safe_load_all(text)))
    except yaml.YAMLError:
        expected = ("error",)
    try:
        got = ("ok", list(sy.safe_load_all(text)))
    except sy.YAMLError:
        got = ("error",)
    assert got == expected


@pytest.mark.parametrize("document", ["<<", "- <<", "a: <<", "x: [<<]", "--- <<", "a: =", "[=]"])
@pytest.mark.parametrize("loader", ["SafeLoader", "FullLoader", "Loader", "UnsafeLoader"])
def test_merge_and_value_keys_outside_a_key_are_refused_as_pyyaml(document, loader):
    """Plain `<<` and `=` resolve to the merge and value tags, which no
    constructor of PyYAML's handles; only as a mapping key is `<<` a merge."""
    with pytest.raises(yaml.constructor.ConstructorError) as expected:
        yaml.load(document, Loader=getattr(yaml, loader))
    with pytest.raises(sy.ConstructorError) as got:
        sy.load(document, Loader=getattr(sy, loader))
    assert got.value.problem == expected.value.problem
    assert (got.value.problem_mark.line, got.value.problem_mark.column) == (
        expected.value.problem_mark.line,
        expected.value.problem_mark.column,
    )


def test_the_unsafe_loader_name_still_loads_safely(tmp_path):
    """Code written for PyYAML's UnsafeLoader runs, but serialkit still
    refuses to call anything: the payload's canary is never created."""
    canary = tmp_path / "canary"
    document = f"!!python/object/apply:os.system ['touch {canary}']"
    with pytest.raises(sy.YAMLError) as refused:
        sy.load(document, Loader=sy.UnsafeLoader)
    assert "python/object/apply" in str(refused.value)
    assert not canary.exists()
    assert sy.load("a: [1, yes]", Loader=sy.UnsafeLoader) == {"a": [1, True]}
