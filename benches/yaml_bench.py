"""The YAML suite: `serialkit.yaml` against PyYAML with its C (LibYAML)
loader and dumper, and against `ryaml` and `yaml-rs` (Rust-backed YAML
libraries) when they are installed.

The documents are YAML versions of the four JSON benchmark documents
(written by PyYAML's C dumper, block style, keys in document order,
unicode kept) and `config`, a configuration file in the style of a
Kubernetes/CI deployment: 300 services, each a nested mapping of short
strings, numbers, booleans, lists and comments.

- `loads`: `yaml.load(text, Loader=yaml.CSafeLoader)` against
  `serialkit.yaml.loads(text, schema="yaml11")` (PyYAML wrote the texts
  the YAML 1.1 way; duplicate keys checked), `ryaml.loads` and
  `yaml_rs.loads`. Every
  library's result is checked to equal PyYAML's first. Primary.
- `dumps`: `yaml.dump(value, Dumper=yaml.CSafeDumper)` with block style,
  insertion order and unicode (the same layout `serialkit.yaml.dumps`
  writes by default) against `serialkit.yaml.dumps(value)`, `ryaml.dumps`
  and `yaml_rs.dumps`; every output is checked to load back as the value.
  Primary.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import math
from pathlib import Path

import serialkit.yaml as skyaml
import yaml
from harness import Comparison, Contender, Target

try:
    import ryaml
except ImportError:  # optional rival
    ryaml = None
try:
    import yaml_rs
except ImportError:  # optional rival
    yaml_rs = None

NAME = "yaml"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "bench"
JSON_DOCUMENTS = ("twitter.json", "citm_catalog.json", "canada.json", "github.json")
CONFIG = "config"
DOCUMENTS = (*JSON_DOCUMENTS, CONFIG)
LIBRARIES = ("PyYAML (C)", "serialkit", "ryaml", "yaml-rs")
SUBJECT = "serialkit"
BASELINE = "PyYAML (C)"
RIVAL = "ryaml"
SUBJECT_DSO = "_native.so"
PRIMARY = {"dumps": "dumps", "loads": "loads"}
NOISE = 0.10
SPEEDUP = 10.0
TARGETS = (
    Target(
        name="10x",
        label=f">= {SPEEDUP:g}x PyYAML (C)",
        summary=f"at least {SPEEDUP:g}x as fast as PyYAML's C loader and dumper",
        subject=SUBJECT,
        over=BASELINE,
        operations=tuple(PRIMARY.values()),
        bound=SPEEDUP,
    ),
)
TARGETS_TEXT = (
    f"- **{SPEEDUP:g}x:** `serialkit.yaml` at least {SPEEDUP:g}x as fast as PyYAML with "
    "its C implementation (`CSafeLoader`/`CSafeDumper`) in both directions on every "
    "document."
)


def versions() -> dict[str, str]:
    found = {}
    for label, package in (
        ("PyYAML (C)", "PyYAML"),
        ("serialkit", "serialkit"),
        ("ryaml", "ryaml"),
        ("yaml-rs", "yaml-rs"),
    ):
        try:
            found[label] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[label] = "not installed"
    return found


def _config() -> dict:
    """A deployment configuration: what a large hand-written YAML file holds."""
    services = {}
    for number in range(300):
        name = f"service-{number:03d}"
        services[name] = {
            "image": f"registry.example.com/team/{name}:1.{number % 17}.{number % 5}",
            "replicas": 1 + number % 4,
            "enabled": number % 7 != 0,
            "resources": {
                "limits": {"cpu": f"{250 + number % 4 * 250}m", "memory": "512Mi"},
                "requests": {"cpu": "100m", "memory": "128Mi"},
            },
            "ports": [{"name": "http", "port": 8000 + number, "protocol": "TCP"}],
            "env": {
                "LOG_LEVEL": ["debug", "info", "warning"][number % 3],
                "TIMEOUT_SECONDS": 30 + number % 60,
                "FEATURE_FLAGS": "alpha,beta" if number % 2 else "",
                "RATIO": round(0.1 * (number % 10), 2),
            },
            "depends_on": [f"service-{(number + k) % 300:03d}" for k in (1, 2)],
            "healthcheck": {"path": "/healthz", "interval": "10s", "retries": 3},
        }
    return {"version": "3.9", "name": "example-platform", "services": services}


@functools.cache
def _value(document: str) -> object:
    if document == CONFIG:
        return _config()
    with open(CORPUS / document, encoding="utf-8") as file:
        return json.load(file)


@functools.cache
def _text(document: str) -> str:
    text = yaml.dump(
        _value(document),
        Dumper=yaml.CSafeDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )
    if document == CONFIG:
        # Configuration files carry comments; the parsers skip them.
        text = text.replace("\n  service-", "\n  # one service\n  service-")
    return text


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b and type(a) is type(b)


def _pyyaml_dumps(value):
    return yaml.dump(
        value,
        Dumper=yaml.CSafeDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )


#: The texts are PyYAML's output, which follows YAML 1.1 (it leaves
#: `3E4415` plain, a float under YAML 1.2), so serialkit reads them with
#: the YAML 1.1 schema, as PyYAML does. Duplicate keys are still checked.
_serialkit_loads = functools.partial(skyaml.loads, schema="yaml11")


def _libraries():
    """(name, loads, dumps) of every library installed here."""
    found = [
        ("PyYAML (C)", functools.partial(yaml.load, Loader=yaml.CSafeLoader), _pyyaml_dumps),
        ("serialkit", _serialkit_loads, skyaml.dumps),
    ]
    if ryaml is not None:
        found.append(("ryaml", ryaml.loads, ryaml.dumps))
    if yaml_rs is not None:
        found.append(("yaml-rs", yaml_rs.loads, yaml_rs.dumps))
    return found


def _check(document: str) -> list:
    """Measuring wrong results would be meaningless: each library must load
    the text to the data PyYAML loads, and write output that loads back as
    that data. A rival that fails is left out of the rows for this
    document (and said so on the console)."""
    value = _value(document)
    text = _text(document)
    expected = yaml.load(text, Loader=yaml.CSafeLoader)
    if not _same(expected, value):
        raise SystemExit(f"PyYAML does not round-trip {document}")
    usable = []
    for name, loads, dumps in _libraries():
        ok = _same(loads(text), expected) and _same(
            yaml.load(dumps(value), Loader=yaml.CSafeLoader), expected
        )
        if ok:
            usable.append((name, loads, dumps))
        elif name in (SUBJECT, BASELINE):
            raise SystemExit(f"{name} disagrees with PyYAML on {document}")
        else:
            print(f"  {name} disagrees with PyYAML on {document}: left out", flush=True)
    return usable


def comparisons(documents: tuple[str, ...] = DOCUMENTS) -> list[Comparison]:
    p = functools.partial
    rows = []
    for document in documents:
        value = _value(document)
        text = _text(document)
        usable = _check(document)
        rows.append(
            Comparison(
                NAME,
                document,
                "dumps",
                tuple(Contender(name, p(dumps, value)) for name, _, dumps in usable),
            )
        )
        rows.append(
            Comparison(
                NAME,
                document,
                "loads",
                tuple(Contender(name, p(loads, text)) for name, loads, _ in usable),
            )
        )
    return rows


def workload(document: str, operation: str):
    """The serialkit call a profile repeats, with its input ready."""
    if operation == "dumps":
        return functools.partial(skyaml.dumps, _value(document))
    if operation == "loads":
        return functools.partial(_serialkit_loads, _text(document))
    raise SystemExit(f"unknown operation {operation!r}")
