"""Comparative benchmarks for serialkit; `python3 dev.py bench` runs this.

    .venv/bin/python benches/run.py              full run of every suite, print the tables
    .venv/bin/python benches/run.py --quick      smoke run (few samples)
    .venv/bin/python benches/run.py --write      full run, profile, rewrite BENCHMARKS.md
    .venv/bin/python benches/run.py --suite pickle --write
                                                 one suite; rewrite its section only

Each format is a `<name>_bench` module beside this file (see `json_bench`)
that builds the comparisons, names its targets and provides the workloads
the profiler repeats; add one to SUITES to add a format. BENCHMARKS.md has
a section per suite: writing a suite's results replaces only its section.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import math
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402  (needs the path set above when run as a script)
import perf_profile  # noqa: E402
import report  # noqa: E402

SUITES = ("json", "pickle", "scan", "marshal", "yaml", "xml")
OUTPUT = ROOT / "BENCHMARKS.md"

FULL = harness.Settings(samples=45, sample_seconds=0.02)
QUICK = harness.Settings(samples=5, sample_seconds=0.01)
PROFILE_SECONDS = {"full": 4.0, "quick": 1.0}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few short samples: a smoke run")
    parser.add_argument(
        "--suite",
        choices=SUITES,
        action="append",
        help="only this suite (repeatable; default: every suite)",
    )
    parser.add_argument(
        "--document",
        action="append",
        help="only this document (repeatable; needs one --suite); not with --write to "
        "BENCHMARKS.md",
    )
    parser.add_argument(
        "--samples", type=int, help=f"samples per contender (default: {FULL.samples})"
    )
    parser.add_argument(
        "--no-gc", action="store_true", help="disable the cyclic GC while timing, as timeit does"
    )
    parser.add_argument(
        "--write",
        nargs="?",
        const=str(OUTPUT),
        metavar="PATH",
        help="rewrite BENCHMARKS.md (or PATH) with the results; implies --profile",
    )
    parser.add_argument("--profile", action="store_true", help="profile the worst rows")
    parser.add_argument("--no-profile", action="store_true", help="do not profile")
    args = parser.parse_args(argv)
    args.suite = list(dict.fromkeys(args.suite or SUITES))
    if args.document and len(args.suite) != 1:
        parser.error("--document needs a single --suite")
    partial = args.quick or args.document or (args.samples is not None and args.samples < 15)
    if args.write and Path(args.write).resolve() == OUTPUT and partial:
        parser.error("BENCHMARKS.md takes full runs only; give --write another PATH")
    return args


def _git(*command: str) -> str:
    try:
        return subprocess.run(
            ["git", *command], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def extension() -> Path:
    """The compiled extension under test."""
    import serialkit._native as native

    return Path(native.__file__)


def _built(path: Path) -> str:
    stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")


def environment(suite) -> dict[str, str]:
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    versions = ", ".join(f"{name} {version}" for name, version in suite.versions().items())
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "machine": f"{platform.platform()}, {platform.machine()}, {_cpu_model()}",
        "CPUs": str(os.cpu_count()),
        "load average at start": _load(),
        "libraries": versions,
        "serialkit commit": commit,
        "extension built": _built(extension()),
    }


def _shown_command() -> str:
    def relative(path: str) -> str:
        # Not resolved: .venv/bin/python is a symlink whose name matters.
        absolute = Path(os.path.abspath(path))
        return str(absolute.relative_to(ROOT)) if absolute.is_relative_to(ROOT) else path

    return shlex.join([relative(sys.executable), relative(sys.argv[0]), *sys.argv[1:]])


def _worst_rows(suite, results) -> list[tuple[str, str, str]]:
    """(document, operation, why) for each primary row that fares worst
    against each of the suite's targets judged on it."""
    picked: list[tuple[str, str, str]] = []
    for operation in suite.PRIMARY.values():
        rows = [r for r in results if r.comparison.operation == operation]
        for target in suite.TARGETS:
            judged = [r for r in rows if target.applies(r)]
            if not judged:
                continue
            worst = max(judged, key=lambda r, target=target: target.worse(target.value(r)))
            value = target.value(worst)
            if math.isnan(value):
                continue
            if target.as_time:
                why = f"highest {target.subject}/{target.over} time ratio of `{operation}`"
            else:
                why = f"lowest {target.subject}/{target.over} ratio of `{operation}`"
            if any(doc == worst.comparison.document and op == operation for doc, op, _ in picked):
                continue
            picked.append((worst.comparison.document, operation, f"{why} ({value:.2f}x)"))
    return picked


METHOD = (
    "Every contender of a row is timed in the same process, round-robin, {samples} "
    "times, the order rotated each round; a sample times enough back-to-back calls "
    "(`time.perf_counter_ns`) to take about {ms:g} ms and yields the time per call, "
    "and the tables show the median sample. Ratios come from medians of the same run. "
    "Each call's result is held by one freshly allocated tracked object and then "
    "dropped inside the timed loop, so freeing it is counted, and so is a garbage "
    "collection that the call left due (serialkit's loaders pause the collector while "
    "they build), as in real use. {gc} Before timing, serialkit's output is checked against "
    "the standard library's on every document."
)

GC_ON = (
    "The cyclic GC runs while timing, as it does for users, so collections triggered "
    "by a call's allocations count against it (`--no-gc` turns it off); the "
    "harness's own documents are `gc.freeze()`d so that collections do not walk them."
)

GC_OFF = "The cyclic GC is off while timing (`--no-gc`), as in `timeit`."


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    for name in args.suite:
        run_suite(args, importlib.import_module(f"{name}_bench"))
    return 0


def write(path: Path, run: report.Run) -> None:
    """Replaces the run's suite section of `path`, keeping the rest."""
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    found = report.sections(previous)
    notes = report.preserved_notes(found.get(run.suite.NAME, ""))
    found[run.suite.NAME] = report.section(run, notes)
    path.write_text(report.document(found, SUITES), encoding="utf-8")
    print(f"wrote the {run.suite.NAME} section of {path}", flush=True)


def run_suite(args: argparse.Namespace, suite) -> None:
    base = QUICK if args.quick else FULL
    settings = harness.Settings(
        samples=args.samples or base.samples,
        sample_seconds=base.sample_seconds,
        keep_gc=not args.no_gc,
    )
    documents = tuple(args.document or suite.DOCUMENTS)
    env = environment(suite)
    print(
        f"{suite.NAME}: {settings.samples} samples of ~{settings.sample_seconds * 1000:g} ms "
        f"per contender; {env['python']}; {env['libraries']}",
        flush=True,
    )
    started = time.monotonic()
    comparisons = suite.comparisons(documents)
    print(report.console_header(suite), flush=True)
    results = []
    for comparison in comparisons:
        result = harness.measure(comparison, settings)
        results.append(result)
        print(report.console_row(suite, result), flush=True)
    print(f"timed in {time.monotonic() - started:.0f}s", flush=True)
    env["load average at end"] = _load()
    for line in report.console_targets(suite, results):
        print(line, flush=True)

    profiles = []
    problem = None
    if (args.profile or args.write) and not args.no_profile:
        problem = perf_profile.perf_problem()
        if problem:
            print(f"not profiling: {problem}", flush=True)
        else:
            seconds = PROFILE_SECONDS["quick" if args.quick else "full"]
            for document, operation, why in _worst_rows(suite, results):
                print(f"profiling {operation} on {document}: {why}", flush=True)
                found = perf_profile.profile(
                    suite.NAME,
                    document,
                    operation,
                    why,
                    seconds,
                    keep_gc=not args.no_gc,
                    watch=(extension(),),
                )
                profiles.append(found)
                for entry in found.symbols[:8]:
                    print(f"  {entry.percent:5.1f}%  {entry.dso:<22} {entry.symbol}")

    if _built(extension()) != env["extension built"]:
        # The timings ran the build loaded at the start, the profiles
        # possibly a newer one: say so rather than pass them off as one.
        env["extension built"] += f" (rebuilt on disk during the run, at {_built(extension())})"
        print(f"warning: {extension().name} was rebuilt during the run", flush=True)

    if args.write:
        method = METHOD.format(
            samples=settings.samples,
            ms=settings.sample_seconds * 1000,
            gc=GC_ON if settings.keep_gc else GC_OFF,
        )
        run = report.Run(suite, results, profiles, problem, env, method, _shown_command())
        write(Path(args.write), run)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
