"""The JSON suite: `serialkit.json` against the standard library's `json`,
`orjson` and `msgspec` on the four classic documents.

Inputs and outputs are not identical across libraries, which the rows
make explicit:

- `loads(str)` feeds the same `str` to all four (all accept one). Primary.
  serialkit, orjson and msgspec read a `str` as UTF-8, which CPython
  caches inside a non-ASCII `str` the first time; repeated calls on one
  `str` reuse it (twitter and citm are non-ASCII), where a fresh string
  would pay for that encoding once. `json` scans the `str` itself.
- `loads(bytes)` feeds the same UTF-8 `bytes` to all four; `json` decodes
  them to `str` first, which is part of its cost.
- `loads(str) GC off` repeats `loads(str)` with the cyclic GC disabled, as
  `timeit` does: the other rows keep it on, as users have it, so the
  difference is what each library's allocations cost in collections.
- `dumps` uses each library's defaults: `json` and `serialkit` return a
  `str` with `ensure_ascii=True` and `", "`/`": "` separators, `orjson`
  and `msgspec` return compact UTF-8 `bytes`. Primary.
- `dumps(ensure_ascii=False)` is the same but with non-ASCII text copied
  through by `json` and `serialkit`, closer to what `orjson`/`msgspec` do.

For scale, the `loads` rows also time `marshal.loads` of the same value
(marshalled beforehand). It builds the same objects as a JSON loader, with
hardly any parsing: length-prefixed strings, dict keys shared by reference.
Its speed-up over `json` is therefore about as far as any loader can go
that builds these objects through CPython's API.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import marshal
from pathlib import Path

import msgspec
import orjson
import serialkit.json as skjson
from harness import Comparison, Contender, Target

NAME = "json"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "bench"
DOCUMENTS = ("twitter.json", "citm_catalog.json", "canada.json", "github.json")
LIBRARIES = ("json", "serialkit", "orjson", "msgspec", "marshal")
SUBJECT = "serialkit"
BASELINE = "json"
RIVAL = "orjson"
#: The subject's own compiled code in profiles (perf_profile.short_dso).
SUBJECT_DSO = "_native.so"
#: Said under the profiles, to read them by.
PROFILE_NOTE = (
    "The extension is built with fat LTO, so parser and sink code inlined into "
    "`Parser::container`/`Parser::value` is charged to them."
)

#: The rows the targets are judged on, per direction.
PRIMARY = {"loads": "loads(str)", "dumps": "dumps"}

TARGET_NOW = 3.0  # times faster than the standard library
#: Ratios this close to a target are called borderline: the same ratio
#: moves by about this much between runs on the shared machines.
NOISE = 0.10
TARGETS = (
    Target(
        name="current",
        label=f"now: >= {TARGET_NOW:g}x json",
        summary=f"at least {TARGET_NOW:g}x faster than {BASELINE}",
        subject=SUBJECT,
        over=BASELINE,
        operations=tuple(PRIMARY.values()),
        bound=TARGET_NOW,
    ),
    Target(
        name="later",
        label="later: faster than orjson",
        summary=f"faster than {RIVAL}",
        subject=SUBJECT,
        over=RIVAL,
        operations=tuple(PRIMARY.values()),
        bound=1.0,
        strict=True,
        required=False,
    ),
)
TARGETS_TEXT = (
    f"- **Now:** `serialkit.json` at least {TARGET_NOW:g}x faster than the standard "
    "library's `json` in both directions (`loads` and `dumps`) on every document.\n"
    "- **Later:** `serialkit.json` faster than `orjson` in both directions on every document."
)


def versions() -> dict[str, str]:
    found = {"json": "stdlib", "marshal": "stdlib"}
    for library in ("serialkit", "orjson", "msgspec"):
        try:
            found[library] = importlib.metadata.version(library)
        except importlib.metadata.PackageNotFoundError:
            found[library] = "unknown"
    return found


def _read(document: str) -> tuple[bytes, str]:
    data = (CORPUS / document).read_bytes()
    return data, data.decode("utf-8")


def _check(document: str, text: str, value: object) -> None:
    """A benchmark of wrong output would be meaningless: make sure
    serialkit agrees with the standard library on this document first."""
    if skjson.loads(text) != value:
        raise SystemExit(f"serialkit.json.loads disagrees with json.loads on {document}")
    for ensure_ascii in (True, False):
        if skjson.dumps(value, ensure_ascii=ensure_ascii) != json.dumps(
            value, ensure_ascii=ensure_ascii
        ):
            raise SystemExit(
                f"serialkit.json.dumps(ensure_ascii={ensure_ascii}) disagrees with "
                f"json.dumps on {document}"
            )


def comparisons(documents: tuple[str, ...] = DOCUMENTS) -> list[Comparison]:
    p = functools.partial
    rows = []
    for document in documents:
        data, text = _read(document)
        value = json.loads(text)
        _check(document, text, value)
        marshalled = marshal.dumps(value)

        def row(operation, calls, keep_gc=None, document=document):
            contenders = tuple(Contender(name, call) for name, call in zip(LIBRARIES, calls))
            return Comparison(NAME, document, operation, contenders, keep_gc)

        loads_str = (
            p(json.loads, text),
            p(skjson.loads, text),
            p(orjson.loads, text),
            p(msgspec.json.decode, text),
            p(marshal.loads, marshalled),
        )
        rows += [
            row("loads(str)", loads_str),
            row(
                "loads(bytes)",
                (
                    p(json.loads, data),
                    p(skjson.loads, data),
                    p(orjson.loads, data),
                    p(msgspec.json.decode, data),
                    p(marshal.loads, marshalled),
                ),
            ),
            row("loads(str) GC off", loads_str, keep_gc=False),
            row(
                "dumps",
                (
                    p(json.dumps, value),
                    p(skjson.dumps, value),
                    p(orjson.dumps, value),
                    p(msgspec.json.encode, value),
                ),
            ),
            row(
                "dumps(ensure_ascii=False)",
                (
                    p(json.dumps, value, ensure_ascii=False),
                    p(skjson.dumps, value, ensure_ascii=False),
                    p(orjson.dumps, value),
                    p(msgspec.json.encode, value),
                ),
            ),
        ]
    return rows


def workload(document: str, operation: str):
    """The serialkit call a profile repeats, with its input ready."""
    data, text = _read(document)
    if operation == "loads(str)":
        return functools.partial(skjson.loads, text)
    if operation == "loads(bytes)":
        return functools.partial(skjson.loads, data)
    value = json.loads(text)
    if operation == "dumps":
        return functools.partial(skjson.dumps, value)
    if operation == "dumps(ensure_ascii=False)":
        return functools.partial(skjson.dumps, value, ensure_ascii=False)
    raise SystemExit(f"unknown operation {operation!r}")
