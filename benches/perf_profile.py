"""Where serialkit's time goes: samples one operation with Linux `perf`.

A child process readies the input, then waits; `perf record` attaches to
it by pid and only then is the child told to loop, so reading the corpus
and building the object to dump stay out of the profile. The child runs
the same way the timings do (cyclic GC on unless `--no-gc`).

Run as `perf_profile.py --child SUITE DOCUMENT OPERATION SECONDS [--no-gc]`
it is that child; suites are the `<suite>_bench` modules beside it.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
FREQUENCY = 1999  # Hz; odd, so sampling does not beat with periodic work
#: Hardware counters are often missing on virtual machines; the kernel's
#: cpu-clock software event samples everywhere perf runs at all.
EVENT = "cpu-clock"
LINE = re.compile(r"^\s*([\d.]+)%\s+(?:(\d+)\s+)?(\S+)(?:\s+\[(.)\]\s+(.*))?$")


@dataclass(frozen=True)
class Entry:
    percent: float
    dso: str
    symbol: str


@dataclass
class Profile:
    suite: str
    document: str
    operation: str
    reason: str
    samples: int
    symbols: list[Entry]
    dsos: list[Entry]
    child_command: str
    record_command: str
    report_command: str


def short_dso(dso: str) -> str:
    # The extension's ABI-tagged file name says nothing the reader needs.
    return re.sub(r"\.cpython-[^.]+\.so$", ".so", dso)


def perf_problem() -> str | None:
    """Why `perf` cannot profile here, or None when it can."""
    if shutil.which("perf") is None:
        return "perf is not installed (apt-get install linux-perf)"
    with tempfile.TemporaryDirectory() as tmp:
        probe = subprocess.run(
            ["perf", "record", "-e", EVENT, "-o", f"{tmp}/probe.data", "--", "true"],
            capture_output=True,
            text=True,
        )
    if probe.returncode != 0:
        return f"perf record failed: {probe.stderr.strip().splitlines()[-1:]}"
    return None


def _report(data: Path, sort: str, limit: float) -> list[tuple[Entry, int]]:
    command = [
        "perf",
        "report",
        "-i",
        str(data),
        "--stdio",
        "--no-children",
        "-n",
        "--sort",
        sort,
        "--percent-limit",
        str(limit),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    entries = []
    for line in output.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = LINE.match(line.rstrip())
        if match:
            percent, count, dso, _, symbol = match.groups()
            entry = Entry(float(percent), short_dso(dso), symbol or "")
            entries.append((entry, int(count or 0)))
    return entries


def _stamp(paths: tuple[Path, ...]) -> list[tuple[int, int]]:
    return [(path.stat().st_mtime_ns, path.stat().st_size) for path in paths]


def profile(
    suite: str,
    document: str,
    operation: str,
    reason: str,
    seconds: float,
    keep_gc: bool = True,
    top: int = 15,
    watch: tuple[Path, ...] = (),
    attempts: int = 3,
) -> Profile:
    """Profiles one operation. perf names symbols from the binaries on
    disk when it reports, so a library in `watch` rebuilt meanwhile (other
    people build on the same machine) would get another build's names:
    such a profile is thrown away and taken again."""
    for _ in range(attempts):
        before = _stamp(watch)
        found = _profile_once(suite, document, operation, reason, seconds, keep_gc, top)
        if _stamp(watch) == before:
            return found
        print(f"  {', '.join(p.name for p in watch)} changed while profiling; again", flush=True)
    raise RuntimeError(f"{', '.join(map(str, watch))} kept changing; no reliable profile")


def _profile_once(
    suite: str,
    document: str,
    operation: str,
    reason: str,
    seconds: float,
    keep_gc: bool,
    top: int,
) -> Profile:
    child_command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        suite,
        document,
        operation,
        str(seconds),
    ] + ([] if keep_gc else ["--no-gc"])
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "perf.data"
        child = subprocess.Popen(
            child_command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert child.stdin is not None and child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            child.kill()
            raise RuntimeError(f"profile child failed: {shlex.join(child_command)}")
        record = ["perf", "record", "-e", EVENT, "-F", str(FREQUENCY), "-p", str(child.pid)]
        recorder = subprocess.Popen(
            [*record, "-o", str(data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        # perf needs a moment to attach; samples lost here only shorten
        # the loop it sees, they do not bias it.
        time.sleep(0.5)
        child.stdin.write("go\n")
        child.stdin.close()
        child.wait()
        _, errors = recorder.communicate(timeout=120)
        if recorder.returncode != 0:
            raise RuntimeError(f"perf record failed: {errors.strip()}")
        by_symbol = _report(data, "dso,sym", 0.5)
        by_dso = _report(data, "dso", 0)
    root = HERE.parent
    shown = [
        str(Path(part).relative_to(root)) if Path(part).is_relative_to(root) else part
        for part in child_command
    ]
    return Profile(
        suite=suite,
        document=document,
        operation=operation,
        reason=reason,
        samples=sum(count for _, count in by_dso),
        symbols=[entry for entry, _ in by_symbol[:top]],
        dsos=[entry for entry, _ in by_dso if entry.percent >= 0.5],
        child_command=shlex.join(shown),
        record_command=shlex.join([*record[:-1], "<child pid>"]),
        report_command="perf report --stdio --no-children --sort dso,sym",
    )


def _child(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="perf_profile.py --child")
    parser.add_argument("suite")
    parser.add_argument("document")
    parser.add_argument("operation")
    parser.add_argument("seconds", type=float)
    parser.add_argument("--no-gc", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    module = importlib.import_module(f"{args.suite}_bench")
    call = module.workload(args.document, args.operation)
    call()
    gc.collect()
    gc.freeze()  # as the timings do: collections skip the setup's objects
    if args.no_gc:
        gc.disable()
    print("ready", flush=True)
    sys.stdin.readline()
    deadline = time.perf_counter() + args.seconds
    while time.perf_counter() < deadline:
        call()


if __name__ == "__main__":
    if sys.argv[1:2] != ["--child"]:
        sys.exit(__doc__)
    _child(sys.argv[2:])
