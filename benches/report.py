"""Console tables and the BENCHMARKS.md writer.

BENCHMARKS.md holds a shared introduction and one section per suite, each
between `<!-- suite:NAME:begin -->` and `<!-- suite:NAME:end -->`. Writing
one suite's results replaces its section only: the other suites' sections
are kept as they are, and so are the hand-written notes (between the notes
markers) of the section being replaced."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from types import ModuleType

from harness import Result, format_ns, format_ratio
from perf_profile import Profile

NOTES_BEGIN = "<!-- notes:begin -->"
NOTES_END = "<!-- notes:end -->"
NOTES_PLACEHOLDER = "_No notes yet._"
SUITE_BEGIN = "<!-- suite:{}:begin -->"
SUITE_END = "<!-- suite:{}:end -->"
_SECTION = re.compile(
    r"<!-- suite:(?P<name>[\w-]+):begin -->\n(?P<body>.*?)\n?<!-- suite:(?P=name):end -->",
    re.S,
)
#: The first line of a file written before suites had sections of their own.
_LEGACY = re.compile(r"^`(?P<name>[\w-]+)` suite, ", re.M)


@dataclass
class Run:
    """Everything one invocation measured, with what is needed to redo it."""

    suite: ModuleType
    results: list[Result]
    profiles: list[Profile]
    profile_problem: str | None
    environment: dict[str, str]
    method: str
    command: str


def _width(name: str, least: int = 12) -> int:
    return max(least, len(name) + 2)


def _rival(suite: ModuleType) -> str | None:
    """The contender the subject is set against besides the baseline."""
    return getattr(suite, "RIVAL", None)


def _console_ratios(suite: ModuleType) -> list[tuple[str, str, int]]:
    """(name, over, column width) of the ratios the console shows."""
    pairs = [(suite.SUBJECT, suite.BASELINE, 16)]
    if _rival(suite):
        pairs.append((suite.SUBJECT, suite.RIVAL, 18))
    return [(name, over, _width(f"{name}/{over}", least)) for name, over, least in pairs]


def console_header(suite: ModuleType) -> str:
    names = "".join(f"{name:>{_width(name)}}" for name in suite.LIBRARIES)
    ratios = "".join(
        f"{name + '/' + over:>{width}}" for name, over, width in _console_ratios(suite)
    )
    return f"{'document':<19}{'operation':<27}{names}{ratios}"


def console_row(suite: ModuleType, result: Result) -> str:
    comparison = result.comparison
    medians = {name: format_ns(timing.median) for name, timing in result.timings.items()}
    cells = "".join(f"{medians.get(name, '-'):>{_width(name)}}" for name in suite.LIBRARIES)
    ratios = "".join(
        f"{format_ratio(result.speedup(name, over)):>{width}}"
        for name, over, width in _console_ratios(suite)
    )
    return f"{comparison.document:<19}{comparison.operation:<27}{cells}{ratios}"


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """A markdown table; `align` has one letter per column, l or r."""
    align = [{"l": "---", "r": "---:"}[letter] for letter in align]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _bold(cell: str) -> str:
    return cell if cell == "-" else f"**{cell}**"


def _verdict(met: bool, close: bool, missed_word: str) -> str:
    word = "met" if met else f"**{missed_word}**"
    return f"{word} (borderline)" if close else word


def _status_section(run: Run) -> list[str]:
    suite = run.suite
    rival = _rival(suite)
    label_of = {operation: label for label, operation in suite.PRIMARY.items()}
    primary = [r for r in run.results if r.comparison.operation in label_of]
    rows = []
    for result in primary:
        row = [f"`{result.comparison.document}`", label_of[result.comparison.operation]]
        for target in suite.TARGETS:
            if not target.applies(result):
                row += ["-", "-"]
                continue
            value = target.value(result)
            missed_word = "MISSED" if target.required else "not yet"
            row += [
                _bold(format_ratio(value)),
                _verdict(target.met(value), target.close(value, suite.NOISE), missed_word),
            ]
        if rival:
            row.append(format_ratio(result.speedup(rival, suite.BASELINE)))
        rows.append(row)
    header = ["document", "direction"]
    for target in suite.TARGETS:
        header += [target.column, target.label]
    if rival:
        header.append(f"for scale: {rival} vs {suite.BASELINE}")
    times = [f"`{t.column}`" for t in suite.TARGETS if t.as_time]
    lines = [
        "### Targets",
        "",
        suite.TARGETS_TEXT,
        "",
        "Judged on the primary rows ("
        + ", ".join(f"`{op}`" for op in suite.PRIMARY.values())
        + f"); a ratio above 1 means {suite.SUBJECT} is faster"
        + (
            f", except in {', '.join(times)}, a ratio of times, where above 1 means slower"
            if times
            else ""
        )
        + ". Borderline: within "
        f"{suite.NOISE:.0%} of the target, about how much a ratio moves between runs "
        "on this shared machine, so the next run may say otherwise.",
        "",
        *_table(header, rows, "ll" + "rl" * len(suite.TARGETS) + ("r" if rival else "")),
        "",
    ]
    return lines + _target_lines(suite, run.results) + [""]


def _target_lines(suite: ModuleType, results: list[Result]) -> list[str]:
    """A sentence per target: where it is missed, or how often it is met."""
    label_of = {operation: label for label, operation in suite.PRIMARY.items()}
    primary = [r for r in results if r.comparison.operation in label_of]
    lines = []
    for target in suite.TARGETS:
        judged = [(r, target.value(r)) for r in primary if target.applies(r)]
        if target.required:
            missed = [(r, value) for r, value in judged if not target.met(value)]
            if missed:
                lines.append(
                    f"**The {target.name} target is missed on {len(missed)} of {len(judged)}:** "
                    + "; ".join(
                        f"{r.comparison.document} {label_of[r.comparison.operation]} "
                        f"({target.describe(value)})"
                        for r, value in missed
                    )
                    + "."
                )
            else:
                lines.append(f"The {target.name} target is met on all {len(judged)}.")
        else:
            met = sum(target.met(value) for _, value in judged)
            lines.append(
                f"The {target.name} target ({target.summary}) is met on {met} of {len(judged)}."
            )
    return lines


def console_targets(suite: ModuleType, results: list[Result]) -> list[str]:
    """The targets' verdicts, as the Targets section words them."""
    return [line.replace("**", "") for line in _target_lines(suite, results)]


def _results_section(run: Run) -> list[str]:
    suite = run.suite
    rival = _rival(suite)
    others = [name for name in suite.LIBRARIES if name != suite.BASELINE]
    ratio_rows = []
    time_rows = []
    for result in run.results:
        comparison = result.comparison
        label = [f"`{comparison.document}`", f"`{comparison.operation}`"]
        ratio_rows.append(
            label
            + [
                (_bold(r) if name == suite.SUBJECT else r)
                for name in others
                for r in [format_ratio(result.speedup(name, suite.BASELINE))]
            ]
            + ([_bold(format_ratio(result.speedup(suite.SUBJECT, rival)))] if rival else [])
        )
        time_rows.append(
            label
            + [
                f"{format_ns(t.median)} ±{t.spread * 50:.0f}%"
                if (t := result.timings.get(name))
                else "-"
                for name in suite.LIBRARIES
            ]
        )
    against = (
        f", and {suite.SUBJECT} against {rival} in the last column "
        f"(above 1: {suite.SUBJECT} faster, below 1: {rival} faster)"
        if rival
        else ""
    )
    return [
        "### Results",
        "",
        f"Speed-up over `{suite.BASELINE}` (its median time divided by each library's; "
        f"above 1 is faster){against}.",
        "",
        *_table(
            [
                "document",
                "operation",
                *(f"{n} vs {suite.BASELINE}" for n in others),
                *([f"{suite.SUBJECT} vs {rival}"] if rival else []),
            ],
            ratio_rows,
            "ll" + "r" * (len(others) + bool(rival)),
        ),
        "",
        "Median time per call (± half the interquartile range, relative to the median, "
        "as a noise gauge). The machine is shared: compare within a row, not across runs.",
        "",
        *_table(
            ["document", "operation", *suite.LIBRARIES],
            time_rows,
            "ll" + "r" * len(suite.LIBRARIES),
        ),
        "",
    ]


def _profile_section(run: Run) -> list[str]:
    lines = ["### Profile", ""]
    if run.profile_problem:
        return lines + [f"Not profiled: {run.profile_problem}.", ""]
    if not run.profiles:
        return lines + ["Not profiled in this run (`--no-profile`).", ""]
    first = run.profiles[0]
    lines += [
        "Self time of serialkit's call, sampled with Linux `perf` on the "
        "primary rows that fared worst. Commands:",
        "",
        "```sh",
        f"{first.child_command}   # waits for perf, then loops",
        f"{first.record_command}",
        f"{first.report_command}",
        "```",
        "",
    ]
    note = getattr(run.suite, "PROFILE_NOTE", "")
    if note:
        lines += [note, ""]
    for profile in run.profiles:
        split = ", ".join(f"{e.dso} {e.percent:.1f}%" for e in profile.dsos[:5])
        lines += [
            f"#### `{profile.operation}` on `{profile.document}`",
            "",
            f"Why: {profile.reason}. {profile.samples} samples. By library: {split}.",
            "",
            *_ceiling(run, profile),
            *_table(
                ["% self", "library", "symbol"],
                [[f"{e.percent:.1f}", f"`{e.dso}`", f"`{e.symbol}`"] for e in profile.symbols],
                "rll",
            ),
            "",
        ]
    return lines


def _ceiling(run: Run, profile: Profile) -> list[str]:
    """Amdahl's bound: what the row's ratio would be if the subject's own
    code took no time at all and everything else (allocating, filling and
    freeing the interpreter's objects) stayed as it is."""
    suite = run.suite
    own = sum(e.percent for e in profile.dsos if e.dso == suite.SUBJECT_DSO) / 100
    ratios = [
        r.speedup(suite.SUBJECT, suite.BASELINE)
        for r in run.results
        if (r.comparison.document, r.comparison.operation) == (profile.document, profile.operation)
    ]
    if not ratios or math.isnan(ratios[0]) or not 0 < own < 1:
        return []
    return [
        f"Ceiling: {own:.0%} of the time is in `{suite.SUBJECT_DSO}`; were that free, "
        f"this row would reach at most {ratios[0] / (1 - own):.1f}x {suite.BASELINE} "
        f"(now {ratios[0]:.2f}x). The rest is spent in the interpreter and libc "
        "(allocating, filling and freeing objects, copying memory).",
        "",
    ]


def _method_section(run: Run) -> list[str]:
    env = run.environment
    return [
        "### How this was measured",
        "",
        f"Command: `{run.command}`",
        "",
        run.method,
        "",
        (run.suite.__doc__ or "").split("\n\n", 1)[-1].strip(),
        "",
        *_table(["", ""], [[key, value] for key, value in env.items()], "ll"),
        "",
    ]


def preserved_notes(previous: str) -> str:
    """The hand-written notes of the file being replaced, kept verbatim."""
    start = previous.find(NOTES_BEGIN)
    end = previous.find(NOTES_END)
    if start < 0 or end < start:
        return NOTES_PLACEHOLDER
    return previous[start + len(NOTES_BEGIN) : end].strip() or NOTES_PLACEHOLDER


def section(run: Run, notes: str) -> str:
    """One suite's section, without its begin/end markers."""
    lines = [
        f"## `{run.suite.NAME}` suite",
        "",
        f"`{run.suite.NAME}` suite, {run.environment['date']}. Written by "
        "`benches/run.py --write`; everything outside the notes markers is regenerated, "
        "so edit only between them.",
        "",
        *_status_section(run),
        *_results_section(run),
        *_profile_section(run),
        "### Notes",
        "",
        "Written by hand; `--write` keeps them. They interpret the profile of the run "
        "they name and may lag behind the tables above.",
        "",
        NOTES_BEGIN,
        notes,
        NOTES_END,
        "",
        *_method_section(run),
    ]
    return "\n".join(lines).strip()


def _demote(text: str) -> str:
    """Headings one level down, outside code fences and the notes."""
    out = []
    fenced = notes = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif line.strip() == NOTES_BEGIN:
            notes = True
        elif line.strip() == NOTES_END:
            notes = False
        elif line.startswith("#") and not (fenced or notes):
            line = "#" + line
        out.append(line)
    return "\n".join(out)


def sections(previous: str) -> dict[str, str]:
    """The suite sections of a file written by `document`, by suite name.

    A file from before suites had sections (one suite's report under a
    `# Benchmarks` title) becomes that suite's section, so that writing
    another suite does not lose it."""
    found = {m["name"]: m["body"].strip() for m in _SECTION.finditer(previous)}
    if found or not previous.strip():
        return found
    legacy = _LEGACY.search(previous)
    if not legacy:
        print("warning: no suite sections found in the previous file; starting afresh")
        return {}
    body = _demote(previous[legacy.start() :].strip())
    return {legacy["name"]: f"## `{legacy['name']}` suite\n\n{body}"}


def _placeholder(name: str) -> str:
    return (
        f"## `{name}` suite\n\nNot run yet: "
        f"`.venv/bin/python benches/run.py --suite {name} --write`."
    )


def document(found: dict[str, str], suites: tuple[str, ...]) -> str:
    """The whole file: the introduction, then a section per suite, in the
    order of `suites` (sections of suites no longer listed are kept, last)."""
    names = list(suites) + [name for name in found if name not in suites]
    links = ", ".join(f"[`{name}`](#{name}-suite)" for name in names)
    lines = [
        "# Benchmarks",
        "",
        f"One section per benchmark suite: {links}. Each suite is a `<name>_bench` "
        "module in `benches/` that pits serialkit against the standard library "
        "(the baseline) and other libraries on the same documents.",
        "",
        "How to run:",
        "",
        "- `python3 dev.py bench` builds the extension, runs every suite and rewrites "
        "every section (`benches/run.py --write`).",
        "- `.venv/bin/python benches/run.py --suite NAME --write` runs one suite and "
        "rewrites its section only, keeping the others.",
        "- `--quick` is a smoke run; it prints the tables but may not write this file "
        "(give `--write` another path to try the writer).",
        "",
        "Method, in short: the contenders of a row are timed round-robin in one process "
        "and summarised by their median times, so ratios within a row are meaningful "
        "even on a shared, noisy machine; absolute times are not comparable across "
        "runs. Each section ends with its exact method, command, machine, build and "
        "load. The hand-written notes of every section (between the notes markers) "
        "are kept by every rewrite; everything else is regenerated.",
        "",
    ]
    for name in names:
        lines += [
            SUITE_BEGIN.format(name),
            found.get(name) or _placeholder(name),
            SUITE_END.format(name),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
