"""Timing shared by every benchmark suite: contenders of one comparison are
timed round-robin, sample after sample, and each is summarised by the
median time per call.

The machines these run on are shared and noisy. Interleaving puts every
contender through the same bursts of noise, so ratios within one run stay
meaningful even when absolute times drift; medians shrug off the outliers.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Contender:
    """One library doing one job; `call` takes no arguments so that the
    timed loop adds the same small overhead to everybody."""

    name: str
    call: Callable[[], object]


@dataclass(frozen=True)
class Comparison:
    """Several contenders doing the same job on the same document."""

    suite: str
    document: str
    operation: str
    contenders: tuple[Contender, ...]
    #: Overrides Settings.keep_gc for this comparison when not None.
    keep_gc: bool | None = None
    #: Hold each call's result through one tracked allocation before
    #: dropping it (see `_time_loop_holding`). Loaders that pause the
    #: collector leave it a collection due, which the next tracked
    #: allocation runs; holding the result makes that happen inside the
    #: caller's own sample, with the result alive, as in real use. Every
    #: suite's loaders (json, pickle, yaml, xml, marshal) pause the
    #: collector, so this is on unless a comparison turns it off.
    hold_result: bool = True


@dataclass
class Timing:
    name: str
    iterations: int
    #: Nanoseconds per call, one entry per sample.
    per_call_ns: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.per_call_ns)

    @property
    def spread(self) -> float:
        """Interquartile range relative to the median: how noisy it was."""
        if len(self.per_call_ns) < 4:
            return math.nan
        q1, _, q3 = statistics.quantiles(self.per_call_ns, n=4)
        return (q3 - q1) / self.median


@dataclass
class Result:
    comparison: Comparison
    timings: dict[str, Timing]

    def speedup(self, name: str, over: str) -> float:
        """How many times faster `name` is than `over` (above 1: faster)."""
        if name not in self.timings or over not in self.timings:
            return math.nan
        return self.timings[over].median / self.timings[name].median


@dataclass(frozen=True)
class Settings:
    samples: int
    #: Wall time one sample of one contender aims for; slower calls get a
    #: single iteration per sample.
    sample_seconds: float
    #: Leave the cyclic GC running while timing, as it runs for users: the
    #: collections a loader's allocations trigger are part of its cost, and
    #: avoiding them is a legitimate optimisation. Off, as in `timeit`,
    #: isolates the library's own code.
    keep_gc: bool = True


def _time_loop(call: Callable[[], object], iterations: int) -> int:
    loop = range(iterations)
    start = time.perf_counter_ns()
    for _ in loop:
        call()
    return time.perf_counter_ns() - start


class _Held:
    """A tracked object the free lists cannot supply: making one always
    counts towards the collector's threshold, so it runs any collection
    that is due (a list or tuple might come from a free list and not)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _time_loop_holding(call: Callable[[], object], iterations: int) -> int:
    """`_time_loop`, but each result is held by a fresh tracked object
    before both are dropped. A loader that pauses the cyclic GC returns
    with the allocation count far past the threshold, and the collection
    it owes (a walk over the whole fresh result) runs at the next tracked
    allocation that is not served by a free list. Left to chance, that was
    sometimes in the loader's own return path, sometimes in the next
    contender's sample and sometimes nowhere (the result freed first): the
    same call measured 1x or 1.5x depending on what ran before it. Here it
    always runs in the caller's sample, with the result alive, as it does
    for a caller that keeps the result; a loader that collects as it goes
    (the stdlib's) has at most a small collection left to run."""
    loop = range(iterations)
    start = time.perf_counter_ns()
    for _ in loop:
        held = _Held(call())
        del held
    return time.perf_counter_ns() - start


def calibrate(call: Callable[[], object], sample_seconds: float, loop=_time_loop) -> int:
    """Iterations per sample so that one sample takes about
    `sample_seconds`, found the way `timeit.Timer.autorange` does."""
    call()  # warm-up: imports, caches, the str's cached UTF-8 form
    iterations = 1
    while True:
        elapsed = loop(call, iterations) / 1e9
        if elapsed >= sample_seconds / 5 or iterations >= 1_000_000:
            break
        iterations *= 10 if elapsed < sample_seconds / 100 else 2
    return max(1, round(iterations * sample_seconds / max(elapsed, 1e-9)))


def measure(comparison: Comparison, settings: Settings) -> Result:
    gc_was_enabled = gc.isenabled()
    gc.collect()
    # The documents and objects the harness keeps alive would otherwise be
    # walked by every full collection, charging contenders for a heap that
    # is not theirs; frozen objects are skipped.
    gc.freeze()
    keep_gc = settings.keep_gc if comparison.keep_gc is None else comparison.keep_gc
    if not keep_gc:
        gc.disable()
    loop = _time_loop_holding if comparison.hold_result else _time_loop
    try:
        timings = {
            contender.name: Timing(
                contender.name, calibrate(contender.call, settings.sample_seconds, loop)
            )
            for contender in comparison.contenders
        }
        contenders = comparison.contenders
        for sample in range(settings.samples):
            # Rotating the order keeps any one contender from always running
            # first (cold caches) or last (after the others' garbage).
            shift = sample % len(contenders)
            for contender in contenders[shift:] + contenders[:shift]:
                timing = timings[contender.name]
                elapsed = loop(contender.call, timing.iterations)
                timing.per_call_ns.append(elapsed / timing.iterations)
    finally:
        gc.unfreeze()
        if gc_was_enabled:
            gc.enable()
    return Result(comparison, timings)


def format_ns(ns: float) -> str:
    if math.isnan(ns):
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns < 100 * scale else f"{ns / scale:.0f} {unit}"
    return f"{ns:.0f} ns"


def format_ratio(ratio: float) -> str:
    return "-" if math.isnan(ratio) else f"{ratio:.2f}x"


@dataclass(frozen=True)
class Target:
    """A goal one contender must reach against another on some rows.

    By default the goal is a speed-up, `speedup(subject, over) >= bound`
    (above it when `strict`); with `as_time` it is a ratio of times,
    `time(subject) / time(over) <= bound`, for costs one accepts up to a
    limit (a safety check, say)."""

    #: How sentences name it: "The {name} target is met ...".
    name: str
    #: Header of its verdict column.
    label: str
    #: Said of it where its results are summed up: "({summary})".
    summary: str
    subject: str
    over: str
    #: The rows (operations) it is judged on.
    operations: tuple[str, ...]
    bound: float
    as_time: bool = False
    strict: bool = False
    #: A miss of a required target is a failure ("MISSED", listed); of
    #: another, a goal not reached yet ("not yet", counted).
    required: bool = True

    @property
    def column(self) -> str:
        if self.as_time:
            return f"{self.subject} time / {self.over} time"
        return f"{self.subject} vs {self.over}"

    def applies(self, result: Result) -> bool:
        return result.comparison.operation in self.operations

    def value(self, result: Result) -> float:
        """The number the target is judged on (NaN when not measured)."""
        speedup = result.speedup(self.subject, self.over)
        return 1 / speedup if self.as_time else speedup

    def met(self, value: float) -> bool:
        # NaN compares False every way: not measured is not met.
        if self.as_time:
            return value <= self.bound
        return value > self.bound if self.strict else value >= self.bound

    def close(self, value: float, noise: float) -> bool:
        """Within `noise` of the bound: the next run may say otherwise."""
        return abs(value / self.bound - 1) < noise

    def worse(self, value: float) -> float:
        """A sort key: the larger, the further from the target."""
        return value if self.as_time else -value

    def describe(self, value: float) -> str:
        """`value` in words, from the subject's side."""
        if math.isnan(value):
            return "not measured"
        if self.as_time:
            return f"{value:.2f}x the time of {self.over}"
        if value >= 1:
            return f"{value:.2f}x faster than {self.over}"
        return f"{1 / value:.2f}x slower than {self.over}"
