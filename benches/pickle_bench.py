"""The pickle suite: `serialkit.pickle` against the standard library's
`pickle` (its C implementation, `_pickle`) on the four JSON benchmark
documents, loaded as Python data with `json.load`, and on `records`, a list
of 20,000 instances of a small class defined in `benches/pickle_bench.py`.

Each `Record` has five attributes in its `__dict__`: an `int`, a `str`, a
`Point` dataclass, a naive `datetime` and a `Decimal`; pickling it goes
through `copyreg.__newobj__`, `__reduce_ex__` and `BUILD`, loading it
through the safe loader's allow-list.

- `dumps` pickles with the default protocol (4) and `dumps(protocol=5)` with
  protocol 5; serialkit's bytes are checked to equal `pickle`'s for both
  before timing. Primary.
- `loads` unpickles the protocol-4 bytes three ways, timed round-robin in
  the same row: `pickle.loads`; `serialkit`, the safe default
  (`serialkit.pickle.loads(data)`, with `allow=[Record, Point]` for
  `records`, as a user would have to pass); and `serialkit trusted`
  (`trusted=True`, which loads as `pickle.loads` does, with no allow-list).
  Primary (the safe contender). `serialkit trusted` is the rival column:
  the safe loader set against the trusted one shows what safety costs.
"""

from __future__ import annotations

import _pickle
import dataclasses
import datetime
import decimal
import functools
import importlib.metadata
import json
import pickle
from pathlib import Path

import serialkit.pickle as skpickle
from harness import Comparison, Contender, Target

NAME = "pickle"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "bench"
JSON_DOCUMENTS = ("twitter.json", "citm_catalog.json", "canada.json", "github.json")
RECORDS = "records"
DOCUMENTS = (*JSON_DOCUMENTS, RECORDS)
LIBRARIES = ("pickle", "serialkit", "serialkit trusted")
SUBJECT = "serialkit"
BASELINE = "pickle"
RIVAL = "serialkit trusted"
#: The subject's own compiled code in profiles (perf_profile.short_dso).
SUBJECT_DSO = "_native.so"

#: The rows the targets are judged on and profiled, by their label in the
#: Targets table.
PRIMARY = {"dumps": "dumps", "dumps (protocol 5)": "dumps(protocol=5)", "loads": "loads"}

#: Ratios this close to a target are called borderline: the same ratio
#: moves by about this much between runs on the shared machines.
NOISE = 0.10
#: The safe loader may take at most this many times the trusted one's time.
SAFE_COST = 1.10
TARGETS = (
    Target(
        name="parity",
        label="parity: >= 1x pickle",
        summary=f"at least as fast as {BASELINE}",
        subject=SUBJECT,
        over=BASELINE,
        operations=tuple(PRIMARY.values()),
        bound=1.0,
    ),
    Target(
        name="safe-loading",
        label=f"safe <= {SAFE_COST:.2f}x trusted time",
        summary=f"safe loading within {SAFE_COST - 1:.0%} of trusted loading",
        subject=SUBJECT,
        over=RIVAL,
        operations=("loads",),
        bound=SAFE_COST,
        as_time=True,
    ),
)
TARGETS_TEXT = (
    "- **Parity:** `serialkit.pickle` at least as fast as the standard library's "
    "`pickle` (the C implementation) in both directions on every document: `dumps` "
    "with the default protocol 4 and with protocol 5, and the safe, default `loads`.\n"
    f"- **Safe loading:** the safe `loads` takes at most {SAFE_COST:.2f}x the time of "
    "`loads(trusted=True)` on every document, i.e. safety costs at most "
    f"{SAFE_COST - 1:.0%}."
)

RECORD_COUNT = 20_000


@dataclasses.dataclass
class Point:
    x: float
    y: float


class Record:
    """A plain class pickled through its `__dict__`."""

    def __init__(self, number: int) -> None:
        self.id = number
        self.name = f"record-{number:05d}"
        self.where = Point(number * 0.25, -number / 7)
        self.when = datetime.datetime(2024, 1, 1, 8, 30) + datetime.timedelta(
            seconds=number * 37, microseconds=number % 1000
        )
        self.price = decimal.Decimal(number) / 100

    def __eq__(self, other: object) -> bool:
        return type(other) is Record and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]


#: What a safe load has to be allowed to import, per document.
ALLOW = {RECORDS: (Record, Point)}


def versions() -> dict[str, str]:
    found = {"pickle": "stdlib (C _pickle)"}
    try:
        found["serialkit"] = importlib.metadata.version("serialkit")
    except importlib.metadata.PackageNotFoundError:
        found["serialkit"] = "unknown"
    return found


@functools.cache
def _value(document: str) -> object:
    if document == RECORDS:
        return [Record(number) for number in range(RECORD_COUNT)]
    with open(CORPUS / document, encoding="utf-8") as file:
        return json.load(file)


def _safe_loads(document: str):
    allow = ALLOW.get(document)
    if allow:
        return functools.partial(skpickle.loads, allow=allow)
    return skpickle.loads  # the defaults, as most users call it


def _check(document: str, value: object) -> bytes:
    """A benchmark of wrong output would be meaningless: make sure
    serialkit agrees with the standard library on this document first.
    Returns the protocol-4 pickle that the loads rows read."""
    if pickle.dumps is not _pickle.dumps or pickle.loads is not _pickle.loads:
        raise SystemExit("pickle is not the C implementation here: nothing to compare with")
    for protocol in (None, 4, 5):
        if skpickle.dumps(value, protocol) != pickle.dumps(value, protocol):
            raise SystemExit(
                f"serialkit.pickle.dumps(protocol={protocol}) disagrees with pickle.dumps "
                f"on {document}"
            )
    data = pickle.dumps(value)
    if pickle.loads(data) != value:
        raise SystemExit(f"pickle does not round-trip {document}")
    if _safe_loads(document)(data) != value:
        raise SystemExit(f"serialkit.pickle.loads disagrees with pickle.loads on {document}")
    if skpickle.loads(data, trusted=True) != value:
        raise SystemExit(
            f"serialkit.pickle.loads(trusted=True) disagrees with pickle.loads on {document}"
        )
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
            row("dumps", (p(pickle.dumps, value), p(skpickle.dumps, value))),
            row(
                "dumps(protocol=5)",
                (p(pickle.dumps, value, 5), p(skpickle.dumps, value, 5)),
            ),
            row(
                "loads",
                (
                    p(pickle.loads, data),
                    p(_safe_loads(document), data),
                    p(skpickle.loads, data, trusted=True),
                ),
            ),
        ]
    return rows


def workload(document: str, operation: str):
    """The serialkit call a profile repeats, with its input ready."""
    value = _value(document)
    if operation == "dumps":
        return functools.partial(skpickle.dumps, value)
    if operation == "dumps(protocol=5)":
        return functools.partial(skpickle.dumps, value, 5)
    data = pickle.dumps(value)
    if operation == "loads":
        return functools.partial(_safe_loads(document), data)
    if operation == "loads(trusted)":
        return functools.partial(skpickle.loads, data, trusted=True)
    raise SystemExit(f"unknown operation {operation!r}")
