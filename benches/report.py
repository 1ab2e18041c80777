"""Console tables and the BENCHMARKS.md writer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType

from harness import Result, format_ns, format_ratio
from perf_profile import Profile

NOTES_BEGIN = "<!-- notes:begin -->"
NOTES_END = "<!-- notes:end -->"
NOTES_PLACEHOLDER = "_No notes yet._"


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


def console_header(suite: ModuleType) -> str:
    names = "".join(f"{name:>12}" for name in suite.LIBRARIES)
    return (
        f"{'document':<19}{'operation':<27}{names}"
        f"{suite.SUBJECT + '/' + suite.BASELINE:>16}{suite.SUBJECT + '/' + suite.RIVAL:>18}"
    )


def console_row(suite: ModuleType, result: Result) -> str:
    comparison = result.comparison
    cells = "".join(
        f"{format_ns(result.timings[name].median) if name in result.timings else '-':>12}"
        for name in suite.LIBRARIES
    )
    return (
        f"{comparison.document:<19}{comparison.operation:<27}{cells}"
        f"{format_ratio(result.speedup(suite.SUBJECT, suite.BASELINE)):>16}"
        f"{format_ratio(result.speedup(suite.SUBJECT, suite.RIVAL)):>18}"
    )


def _faster(ratio: float, than: str) -> str:
    """A ratio in words, always from the subject's side."""
    if math.isnan(ratio):
        return "not measured"
    if ratio >= 1:
        return f"{ratio:.2f}x faster than {than}"
    return f"{1 / ratio:.2f}x slower than {than}"


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """A markdown table; `align` has one letter per column, l or r."""
    align = [{"l": "---", "r": "---:"}[letter] for letter in align]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _verdict(met: bool, close: bool, missed_word: str) -> str:
    word = "met" if met else f"**{missed_word}**"
    return f"{word} (borderline)" if close else word


def _status_section(run: Run) -> list[str]:
    suite = run.suite
    verdicts = suite.verdicts(run.results)
    rows = [
        [
            f"`{v.document}`",
            v.direction,
            f"**{format_ratio(v.over_baseline)}**",
            _verdict(v.met_now, v.close_to_now(), "MISSED"),
            f"**{format_ratio(v.over_rival)}**",
            _verdict(v.met_later, v.close_to_later(), "not yet"),
            format_ratio(v.rival_over_baseline),
        ]
        for v in verdicts
    ]
    missed = [v for v in verdicts if not v.met_now]
    met_later = sum(v.met_later for v in verdicts)
    lines = [
        "## Targets",
        "",
        suite.TARGETS_TEXT,
        "",
        "Judged on the primary rows ("
        + ", ".join(f"`{op}`" for op in suite.PRIMARY.values())
        + "); a ratio above 1 means serialkit is faster. Borderline: within "
        f"{suite.NOISE:.0%} of the target, about how much a ratio moves between runs "
        "on this shared machine, so the next run may say otherwise.",
        "",
        *_table(
            [
                "document",
                "direction",
                f"{suite.SUBJECT} vs {suite.BASELINE}",
                suite.TARGET_NOW_LABEL,
                f"{suite.SUBJECT} vs {suite.RIVAL}",
                suite.TARGET_LATER_LABEL,
                f"for scale: {suite.RIVAL} vs {suite.BASELINE}",
            ],
            rows,
            "llrlrlr",
        ),
        "",
    ]
    if missed:
        lines.append(
            f"**The current target is missed on {len(missed)} of {len(verdicts)}:** "
            + "; ".join(
                f"{v.document} {v.direction} ({_faster(v.over_baseline, suite.BASELINE)})"
                for v in missed
            )
            + "."
        )
    else:
        lines.append(f"The current target is met on all {len(verdicts)}.")
    lines.append(
        f"The later target (faster than {suite.RIVAL}) is met on {met_later} of {len(verdicts)}."
    )
    return lines + [""]


def _results_section(run: Run) -> list[str]:
    suite = run.suite
    others = [name for name in suite.LIBRARIES if name != suite.BASELINE]
    ratio_rows = []
    time_rows = []
    for result in run.results:
        comparison = result.comparison
        label = [f"`{comparison.document}`", f"`{comparison.operation}`"]
        ratio_rows.append(
            label
            + [
                (f"**{r}**" if name == suite.SUBJECT else r)
                for name in others
                for r in [format_ratio(result.speedup(name, suite.BASELINE))]
            ]
            + [f"**{format_ratio(result.speedup(suite.SUBJECT, suite.RIVAL))}**"]
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
    return [
        "## Results",
        "",
        f"Speed-up over `{suite.BASELINE}` (its median time divided by each library's; "
        "above 1 is faster), and serialkit against orjson in the last column "
        f"(above 1: serialkit faster, below 1: {suite.RIVAL} faster).",
        "",
        *_table(
            [
                "document",
                "operation",
                *(f"{n} vs {suite.BASELINE}" for n in others),
                f"{suite.SUBJECT} vs {suite.RIVAL}",
            ],
            ratio_rows,
            "ll" + "r" * (len(others) + 1),
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
    lines = ["## Profile", ""]
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
        "The extension is built with fat LTO, so parser and sink code inlined into "
        "`Parser::container`/`Parser::value` is charged to them.",
        "",
    ]
    for profile in run.profiles:
        split = ", ".join(f"{e.dso} {e.percent:.1f}%" for e in profile.dsos[:5])
        lines += [
            f"### `{profile.operation}` on `{profile.document}`",
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
        "## How this was measured",
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


def markdown(run: Run, notes: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"`{run.suite.NAME}` suite, {run.environment['date']}. Written by "
        "`benches/run.py --write`; everything outside the notes markers is regenerated, "
        "so edit only between them.",
        "",
        *_status_section(run),
        *_results_section(run),
        *_profile_section(run),
        "## Notes",
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
    return "\n".join(lines).rstrip() + "\n"
