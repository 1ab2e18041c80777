"""The scan suite: `serialkit scan` against picklescan and fickling, the
scanners on PyPI (versions pinned in requirements-bench.txt), on the corpus
of tests/scan_corpus.py: benign files of every kind the scanners read
(pickles at every protocol, numpy, torch and joblib layouts) and malicious
ones for each technique and each published picklescan bypass. It is built
in a temporary folder for the run; nothing in it is ever loaded.

Each tool is called through its Python API, in this process:

- `serialkit.scan(path)`; `picklescan.scanner.scan_file_path(path)`;
  fickling's `scan_zip_archive(path, graceful=True)` for zip archives (it
  scans members named .pkl, .pickle or .bin) and `scan_file(path,
  graceful=True)` for anything else, as its own command line chooses
  (its torch/numpy "polyglot" support needs torch, which is not installed).
- Flagged means: serialkit, exit status 1 (something dangerous);
  picklescan, a dangerous global (`infected_files`); fickling, a severity
  above LIKELY_SAFE (`not result.is_safe`, what makes its command line
  report the file unsafe). An exception or a reported scan error that
  does not flag the file counts as an error, not as a detection.

The rows time a scan of the whole corpus (the document names the file
count); files per second are that count over the median time:

- `scan each file`: each tool's per-file call, file after file. Primary.
- `scan the folder`: `serialkit.scan(folder)`, the `serialkit scan FOLDER
  --format json` command line (a process per run, all cores; it is the
  rival column there), `picklescan.scanner.scan_directory_path(folder)`
  (which skips files whose extension it does not list) and fickling's
  per-file loop again (it has no folder API). Primary.

Detections come from one untimed pass of the same calls before timing,
and are written in the Targets section with the throughput.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.metadata
import importlib.util
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import harness
import serialkit
from harness import Comparison, Contender, Result, Target

NAME = "scan"
ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("corpus",)
LIBRARIES = ("picklescan", "fickling", "serialkit", "serialkit CLI")
SUBJECT = "serialkit"
BASELINE = "picklescan"
RIVAL = "fickling"
SUBJECT_DSO = "_native.so"
EACH = "scan each file"
FOLDER = "scan the folder"
PRIMARY = {"each file": EACH, "folder": FOLDER}
NOISE = 0.10
SPEEDUP = 20.0
TARGETS = (
    Target(
        name="throughput vs picklescan",
        label=f">= {SPEEDUP:g}x picklescan",
        summary=f"{SPEEDUP:g} times the files per second of picklescan",
        subject=SUBJECT,
        over=BASELINE,
        operations=(EACH, FOLDER),
        bound=SPEEDUP,
    ),
    Target(
        name="throughput vs fickling",
        label=f">= {SPEEDUP:g}x fickling",
        summary=f"{SPEEDUP:g} times the files per second of fickling",
        subject=SUBJECT,
        over=RIVAL,
        operations=(EACH, FOLDER),
        bound=SPEEDUP,
    ),
    Target(
        name="command line vs picklescan",
        label=f"CLI >= {SPEEDUP:g}x picklescan",
        summary=f"the command line at {SPEEDUP:g} times picklescan's folder scan",
        subject="serialkit CLI",
        over=BASELINE,
        operations=(FOLDER,),
        bound=SPEEDUP,
    ),
)
TOOLS = ("serialkit", "picklescan", "fickling")


def versions() -> dict[str, str]:
    found = {}
    for package in ("serialkit", "picklescan", "fickling", "numpy"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


# --- the corpus ------------------------------------------------------------------


def _corpus_module():
    spec = importlib.util.spec_from_file_location("scan_corpus", ROOT / "tests" / "scan_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("scan_corpus", module)
    spec.loader.exec_module(module)
    return module


@functools.cache
def corpus() -> tuple[Path, tuple]:
    """The corpus, built once per process in a folder removed at exit."""
    directory = Path(tempfile.mkdtemp(prefix="serialkit-scan-corpus-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory, tuple(_corpus_module().build(directory))


def _paths() -> list[str]:
    return [str(sample.path) for sample in corpus()[1]]


def cli() -> str:
    binary = os.environ.get("SERIALKIT_CLI") or str(ROOT / "target" / "release" / "serialkit")
    if not Path(binary).exists() and not shutil.which(binary):
        raise SystemExit(f"no serialkit binary at {binary}: build it or set SERIALKIT_CLI")
    return binary


# --- the tools, per file -----------------------------------------------------------


def _quiet() -> None:
    # picklescan logs each finding at WARNING, which with no handler set
    # goes to stderr through logging's last resort: not part of a scan.
    logging.getLogger("picklescan").setLevel(logging.CRITICAL)


def picklescan_file(path: str):
    from picklescan.scanner import scan_file_path

    return scan_file_path(path)


def picklescan_verdict(path: str) -> str:
    try:
        result = picklescan_file(path)
    except Exception:  # noqa: BLE001 - any failure of the tool is an error
        return "error"
    if result.infected_files:
        return "flagged"
    return "error" if result.scan_err else "clean"


def fickling_file(path: str) -> list:
    import fickling

    if zipfile.is_zipfile(path):
        return list(fickling.scan_zip_archive(path, graceful=True).values())
    return [fickling.scan_file(path, graceful=True)]


def fickling_verdict(path: str) -> str:
    try:
        results = fickling_file(path)
    except Exception:  # noqa: BLE001
        return "error"
    if any(not result.is_safe for result in results):
        return "flagged"
    return "error" if any(result.errors for result in results) else "clean"


def serialkit_verdict(path: str) -> str:
    return {0: "clean", 1: "flagged"}.get(serialkit.scan(path).exit_status, "error")


_DEVNULL = open(os.devnull, "w")  # noqa: SIM115 - open for the life of the process


def _fickling_quietly(call):
    """fickling prints warnings about malformed pickles (to stderr, some to
    stdout)."""

    @functools.wraps(call)
    def quiet(*args):
        with contextlib.redirect_stderr(_DEVNULL), contextlib.redirect_stdout(_DEVNULL):
            return call(*args)

    return quiet


def _each(call, paths: list[str]):
    def run() -> None:
        for path in paths:
            # A file a tool fails on still costs its time.
            with contextlib.suppress(Exception):
                call(path)

    return run


# --- detections --------------------------------------------------------------------


@dataclass
class Detections:
    samples: tuple
    #: tool -> sample name -> "flagged" | "clean" | "error"
    verdicts: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Benign samples with a suspicious finding (serialkit --strict).
    serialkit_strict: list[str] = field(default_factory=list)
    cli_flagged: set[str] = field(default_factory=set)

    def caught(self, tool: str) -> set[str]:
        return {
            s.name for s in self.samples if s.malicious and self.verdicts[tool][s.name] == "flagged"
        }

    def false_positives(self, tool: str) -> set[str]:
        return {
            s.name
            for s in self.samples
            if not s.malicious and self.verdicts[tool][s.name] == "flagged"
        }

    def errors(self, tool: str, malicious: bool) -> set[str]:
        return {
            s.name
            for s in self.samples
            if s.malicious == malicious and self.verdicts[tool][s.name] == "error"
        }


@functools.cache
def detections() -> Detections:
    _quiet()
    directory, samples = corpus()
    found = Detections(samples)
    verdict = {
        "serialkit": serialkit_verdict,
        "picklescan": picklescan_verdict,
        "fickling": _fickling_quietly(fickling_verdict),
    }
    for tool in TOOLS:
        found.verdicts[tool] = {s.name: verdict[tool](str(s.path)) for s in samples}
    for sample in samples:
        if not sample.malicious and serialkit.scan(sample.path).suspicious:
            found.serialkit_strict.append(sample.name)
    output = subprocess.run(
        [cli(), "scan", str(directory), "--format", "json"], capture_output=True, text=True
    ).stdout
    by_path = {os.path.normpath(s.path): s.name for s in samples}
    found.cli_flagged = {
        by_path[os.path.normpath(f["file"])]
        for f in json.loads(output)["findings"]
        if f["severity"] == "dangerous"
    }
    return found


def _names(names: set[str]) -> str:
    return ", ".join(f"`{name.split('/', 1)[-1]}`" for name in sorted(names)) or "none"


def detection_lines() -> list[str]:
    found = detections()
    samples = found.samples
    malicious = sum(s.malicious for s in samples)
    benign = len(samples) - malicious
    rows = []
    for tool in TOOLS:
        rows.append(
            f"| {tool} | {len(found.caught(tool))} / {malicious} | "
            f"{len(found.false_positives(tool))} / {benign} | "
            f"{len(found.errors(tool, True))} | {len(found.errors(tool, False))} |"
        )
    cli_caught = {s.name for s in samples if s.malicious} & found.cli_flagged
    cli_false = {s.name for s in samples if not s.malicious} & found.cli_flagged
    rows.append(
        f"| serialkit CLI | {len(cli_caught)} / {malicious} | {len(cli_false)} / {benign} | - | - |"
    )
    ours = found.caught("serialkit")
    lines = [
        "#### Detections",
        "",
        f"{len(samples)} files: {malicious} malicious, {benign} benign. Errors: files the tool "
        "failed on or reported as not fully scanned without flagging them.",
        "",
        "| tool | malicious caught | benign flagged | errors on malicious | errors on benign |",
        "| --- | ---: | ---: | ---: | ---: |",
        *rows,
        "",
    ]
    for tool in ("picklescan", "fickling"):
        theirs = found.caught(tool)
        gained = ours - theirs
        lines.append(f"- Missed by {tool}, caught by serialkit ({len(gained)}): {_names(gained)}.")
        lines.append(
            f"- **Caught by {tool}, missed by serialkit ({len(theirs - ours)})**: "
            f"{_names(theirs - ours)}."
        )
    missed = {s.name for s in samples if s.malicious} - ours
    lines.append(f"- **Missed by serialkit ({len(missed)})**: {_names(missed)}.")
    lines.append(
        f"- Benign files flagged by serialkit: {_names(found.false_positives('serialkit'))}; "
        "with a suspicious finding (`--strict` would fail them): "
        f"{_names(set(found.serialkit_strict))}; "
        f"not scanned completely (exit status 2): {_names(found.errors('serialkit', False))}."
    )
    for tool in ("picklescan", "fickling"):
        lines.append(f"- Benign files flagged by {tool}: {_names(found.false_positives(tool))}.")
        errors = found.errors(tool, True) | found.errors(tool, False)
        lines.append(f"- Files {tool} failed on or did not scan completely: {_names(errors)}.")
    return lines + [""]


# --- throughput, from the timings of this run ----------------------------------------

#: The results of this suite's rows, recorded as run.py measures them, so
#: that the Targets text can give files per second.
_MEASURED: dict[str, Result] = {}
_measure = harness.measure


def _recording_measure(comparison: Comparison, settings: harness.Settings) -> Result:
    result = _measure(comparison, settings)
    if comparison.suite == NAME:
        _MEASURED[comparison.operation] = result
    return result


harness.measure = _recording_measure


def throughput_lines() -> list[str]:
    files = len(corpus()[1])
    lines = [
        "#### Throughput",
        "",
        "Files per second: the corpus's file count over the median time of a whole-corpus "
        "scan, and serialkit's rate over each tool's.",
        "",
        "| row | tool | files/s | serialkit's rate over it |",
        "| --- | --- | ---: | ---: |",
    ]
    for operation, result in _MEASURED.items():
        ours = result.timings.get(SUBJECT)
        for name in LIBRARIES:
            timing = result.timings.get(name)
            if timing is None:
                continue
            rate = files / (timing.median / 1e9)
            ratio = timing.median / ours.median if ours else math.nan
            lines.append(
                f"| `{operation}` | {name} | {rate:,.0f} | {harness.format_ratio(ratio)} |"
            )
    return lines + [""] if _MEASURED else []


TARGETS_TEXT_HEAD = (
    f"- **Detection:** every malicious sample flagged dangerous, none of the benign ones; "
    f"in particular every sample picklescan or fickling misses is caught.\n"
    f"- **Throughput:** at least {SPEEDUP:g} times the files per second of picklescan and "
    f"of fickling, per file and over the folder (the command line against picklescan's "
    f"folder scan too)."
)


def __getattr__(name: str):
    # The Targets section is written after the timings: the detections of
    # the untimed pass and the rates of the timed rows go in it then.
    if name == "TARGETS_TEXT":
        return "\n".join([TARGETS_TEXT_HEAD, "", *detection_lines(), *throughput_lines()]).strip()
    raise AttributeError(name)


# --- the rows ------------------------------------------------------------------------


def document_name() -> str:
    return f"corpus ({len(corpus()[1])} files)"


def comparisons(documents: tuple[str, ...] = DOCUMENTS) -> list[Comparison]:
    _quiet()
    directory, samples = corpus()
    for line in detection_lines():
        print(line.replace("**", "").replace("`", ""), flush=True)
    found = detections()
    ours = found.caught("serialkit")
    for tool in ("picklescan", "fickling"):
        if found.caught(tool) - ours:
            print(f"warning: {tool} catches samples serialkit misses", flush=True)
    paths = _paths()
    binary = cli()
    fickling_each = _fickling_quietly(_each(fickling_file, paths))
    each = (
        Contender("picklescan", _each(picklescan_file, paths)),
        Contender("fickling", fickling_each),
        Contender("serialkit", _each(serialkit.scan, paths)),
    )

    def picklescan_folder() -> None:
        from picklescan.scanner import scan_directory_path

        scan_directory_path(str(directory))

    def serialkit_cli() -> None:
        subprocess.run(
            [binary, "scan", str(directory), "--format", "json"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    folder = (
        Contender("picklescan", picklescan_folder),
        Contender("fickling", fickling_each),
        Contender("serialkit", functools.partial(serialkit.scan, str(directory))),
        Contender("serialkit CLI", serialkit_cli),
    )
    rows = []
    for document in documents:
        if document != "corpus":
            raise SystemExit(f"unknown document {document!r}: the scan suite has one, corpus")
        rows.append(Comparison(NAME, document_name(), EACH, each))
        rows.append(Comparison(NAME, document_name(), FOLDER, folder))
    return rows


def workload(document: str, operation: str):
    """The serialkit call a profile repeats."""
    directory, _ = corpus()
    if operation == EACH:
        return _each(serialkit.scan, _paths())
    if operation == FOLDER:
        return functools.partial(serialkit.scan, str(directory))
    raise SystemExit(f"unknown operation {operation!r}")
