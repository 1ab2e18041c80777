"""PyYAML's safe_dump keyword arguments beyond the common ones
(``canonical``, ``default_style``, ``explicit_end``, ``line_break``,
``version``, ``tags``, ``encoding``): serialkit's output equals PyYAML's."""

from __future__ import annotations

import io

import pytest
import serialkit.yaml as sy
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_yaml_compat import canonical, dump_options, has_unicode_breaks, plain_data

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

tag_handles = st.sampled_from(["!", "!!", "!e!", "!y!", "!a-b_9!"])
# Prefixes with characters outside URIs are left out: PyYAML 6.0.3's
# prepare_tag_prefix raises TypeError on them (serialkit percent-escapes).
tag_prefixes = st.sampled_from(
    ["tag:yaml.org,2002:", "tag:yaml.org,2002:b", "tag:example.com,2000:", "!", "!x", "x:y/"]
)
extra_options = st.fixed_dictionaries(
    {},
    optional={
        "canonical": st.booleans(),
        "default_style": st.sampled_from([None, "", '"', "'", "|", ">"]),
        "explicit_end": st.booleans(),
        "line_break": st.sampled_from([None, "\n", "\r", "\r\n"]),
        "version": st.sampled_from([None, (1, 1), (1, 2)]),
        "tags": st.one_of(st.none(), st.dictionaries(tag_handles, tag_prefixes, max_size=2)),
        "encoding": st.sampled_from([None, "utf-8", "utf-16-le", "utf-16-be", "utf-32-le"]),
    },
)


@SETTINGS
@given(plain_data, dump_options, extra_options)
def test_safe_dump_matches_pyyaml_with_every_option(data, options, extra):
    options = {**options, **extra}
    assert sy.safe_dump(data, **options) == yaml.safe_dump(data, **options)


@SETTINGS
@given(st.lists(plain_data, max_size=3), extra_options)
def test_safe_dump_all_matches_pyyaml_with_every_option(documents, extra):
    assert sy.safe_dump_all(documents, **extra) == yaml.safe_dump_all(documents, **extra)


@SETTINGS
@given(plain_data, extra_options)
def test_output_with_every_option_loads_as_in_pyyaml(data, extra):
    assume(not has_unicode_breaks(data))
    extra.pop("encoding", None)
    text = sy.safe_dump(data, **extra)
    # Some `tags` make output that does not load (PyYAML's own does not
    # either): then both refuse it.
    try:
        expected = ("ok", canonical(yaml.safe_load(text)))
    except yaml.YAMLError:
        expected = ("error",)
    try:
        got = ("ok", canonical(sy.safe_load(text)))
    except sy.YAMLError:
        got = ("error",)
    foreign = any(prefix != "tag:yaml.org,2002:" for prefix in (extra.get("tags") or {}).values())
    if foreign and expected == ("error",) and got[0] == "ok":
        # A tag outside yaml.org's (`tag:example.com,...`, `!x...`) loads
        # as plain data, as the YAML test suite expects (case P76L);
        # PyYAML refuses it.
        return
    assert got == expected


def test_shared_data_with_options():
    shared = {"k": [1, 2]}
    data = {"a": shared, "b": shared}
    for options in ({"canonical": True}, {"default_style": "'", "explicit_end": True}):
        assert sy.safe_dump(data, **options) == yaml.safe_dump(data, **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"version": (2, 0)}, "unsupported YAML version: 2.0"),
        ({"tags": {"e!": "x"}}, "tag handle must start and end with '!'"),
        ({"tags": {"!e e!": "x"}}, "invalid character ' ' in the tag handle"),
        ({"tags": {"!e!": ""}}, "tag prefix must not be empty"),
    ],
)
def test_options_pyyaml_refuses_are_emitter_errors(options, message):
    with pytest.raises(yaml.emitter.EmitterError, match=message):
        yaml.safe_dump({"a": 1}, **options)
    with pytest.raises(sy.EmitterError, match=message):
        sy.safe_dump({"a": 1}, **options)


def test_prefixes_outside_uris_are_percent_escaped():
    text = sy.safe_dump(b"x", tags={"!e!": "tag:é %/"}, explicit_start=False)
    assert text.startswith("%TAG !e! tag:%C3%A9%20%25/\n---")


def test_encoding_writes_bytes_unless_the_stream_is_text():
    assert sy.safe_dump("é", encoding="utf-16-le") == yaml.safe_dump("é", encoding="utf-16-le")
    ours, theirs = io.StringIO(), io.StringIO()
    sy.safe_dump({"a": "é"}, ours, encoding="utf-8")
    yaml.safe_dump({"a": "é"}, theirs, encoding="utf-8")
    assert ours.getvalue() == theirs.getvalue()
    ours, theirs = io.BytesIO(), io.BytesIO()
    sy.safe_dump({"a": "é"}, ours, encoding="utf-16-be")
    yaml.safe_dump({"a": "é"}, theirs, encoding="utf-16-be")
    assert ours.getvalue() == theirs.getvalue()


def test_dump_takes_pyyamls_dumper_argument():
    data = {"b": [1, 2], "a": "x"}
    assert sy.dump(data, Dumper=yaml.SafeDumper) == yaml.dump(data, Dumper=yaml.SafeDumper)
    assert sy.dump_all([data], Dumper=yaml.SafeDumper, explicit_end=True) == yaml.dump_all(
        [data], Dumper=yaml.SafeDumper, explicit_end=True
    )
