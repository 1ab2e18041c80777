"""The marshal suite: `serialkit.marshal` against the standard library's
`marshal` on the four JSON benchmark documents, loaded as Python data with
`json.load`.

- `dumps` writes with the default version (`marshal.version`: 4 before
  Python 3.14, 5 from it); serialkit's bytes are checked to equal
  `marshal.dumps`' first, for every version 0 to `marshal.version`. Primary.
- `loads` reads those bytes back; serialkit's result is checked to equal the
  standard library's first. Primary. serialkit's reader checks every size,
  reference and depth as it goes, where the standard library's trusts them.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import marshal
from pathlib import Path

import serialkit.marshal as skmarshal
from harness import Comparison, Contender, Target

NAME = "marshal"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "bench"
DOCUMENTS = ("twitter.json", "citm_catalog.json", "canada.json", "github.json")
LIBRARIES = ("marshal", "serialkit")
SUBJECT = "serialkit"
BASELINE = "marshal"
#: The subject's own compiled code in profiles (perf_profile.short_dso).
SUBJECT_DSO = "_native.so"

#: The rows the targets are judged on and profiled, by their label in the
#: Targets table.
PRIMARY = {"dumps": "dumps", "loads": "loads"}

#: Ratios this close to a target are called borderline: the same ratio
#: moves by about this much between runs on the shared machines.
NOISE = 0.10
TARGETS = (
    Target(
        name="parity",
        label="parity: >= 1x marshal",
        summary=f"at least as fast as {BASELINE}",
        subject=SUBJECT,
        over=BASELINE,
        operations=tuple(PRIMARY.values()),
        bound=1.0,
    ),
)
TARGETS_TEXT = (
    "- **Parity:** `serialkit.marshal` at least as fast as the standard library's "
    "`marshal` in both directions on every document: `dumps` (default version, "
    "byte-identical output) and `loads` (which checks what it reads)."
)


def versions() -> dict[str, str]:
    found = {"marshal": f"stdlib (version {marshal.version})"}
    try:
        found["serialkit"] = importlib.metadata.version("serialkit")
    except importlib.metadata.PackageNotFoundError:
        found["serialkit"] = "unknown"
    return found


@functools.cache
def _value(document: str) -> object:
    with open(CORPUS / document, encoding="utf-8") as file:
        return json.load(file)


def _check(document: str, value: object) -> bytes:
    """A benchmark of wrong output would be meaningless: make sure
    serialkit agrees with the standard library on this document first.
    Returns the default version's bytes, which the loads rows read."""
    for version in range(marshal.version + 1):
        if skmarshal.dumps(value, version) != marshal.dumps(value, version):
            raise SystemExit(
                f"serialkit.marshal.dumps disagrees with marshal.dumps on {document} "
                f"(version {version})"
            )
    data = marshal.dumps(value)
    if skmarshal.loads(data) != marshal.loads(data):
        raise SystemExit(f"serialkit.marshal.loads disagrees with marshal.loads on {document}")
    return data


def comparisons(documents: tuple[str, ...] = DOCUMENTS) -> list[Comparison]:
    p = functools.partial
    rows = []
    for document in documents:
        value = _value(document)
        data = _check(document, value)

        def row(operation, calls, document=document):
            contenders = tuple(Contender(name, call) for name, call in zip(LIBRARIES, calls))
            return Comparison(NAME, document, operation, contenders)

        rows += [
            row("dumps", (p(marshal.dumps, value), p(skmarshal.dumps, value))),
            row("loads", (p(marshal.loads, data), p(skmarshal.loads, data))),
        ]
    return rows


def workload(document: str, operation: str):
    """The serialkit call a profile repeats, with its input ready."""
    value = _value(document)
    if operation == "dumps":
        return functools.partial(skmarshal.dumps, value)
    if operation == "loads":
        return functools.partial(skmarshal.loads, marshal.dumps(value))
    raise SystemExit(f"unknown operation {operation!r}")
