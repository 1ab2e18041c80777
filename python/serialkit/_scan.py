"""``serialkit.scan``: find malicious pickles in files without loading them.

The same scanner as ``serialkit scan`` on the command line, returning its
report as objects. Nothing is ever loaded: every import and call a loader
would make is found by reading the pickle, and classified ``"safe"``,
``"dangerous"`` or ``"suspicious"``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from . import _native


@dataclass(frozen=True)
class Finding:
    """One import (``kind == "import"``) or call a loader would make."""

    file: str
    #: The archive member, for zip archives such as PyTorch models.
    member: str | None
    #: Byte offset of the opcode in the file (or in the member).
    offset: int
    kind: str
    #: ``module.qualname`` for imports, the callable for calls.
    name: str
    severity: str
    reason: str
    #: Repeats of the same safe import or call in the stream, reported once
    #: at the first offset; 1 for everything that is not safe.
    count: int = 1


@dataclass(frozen=True)
class Problem:
    """Something that stopped part of a scan, or a note about the input."""

    file: str
    member: str | None
    offset: int | None
    message: str


@dataclass(frozen=True)
class ScanReport:
    """What a scan found. ``exit_status`` is the command line's: 0 clean, 1
    something dangerous (or, with ``strict``, suspicious), 2 files that could
    not be read or recognised, which are never reported clean."""

    files: int
    findings: tuple[Finding, ...]
    unrecognised: tuple[str, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    exit_status: int
    exit_status_strict: int

    @property
    def dangerous(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == "dangerous")

    @property
    def suspicious(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == "suspicious")

    @property
    def clean(self) -> bool:
        """Nothing dangerous or suspicious, and everything was read."""
        return self.exit_status_strict == 0


def _report(raw: dict) -> ScanReport:
    return ScanReport(
        files=raw["files"],
        findings=tuple(Finding(**finding) for finding in raw["findings"]),
        unrecognised=tuple(raw["unrecognised"]),
        errors=tuple(Problem(**problem) for problem in raw["errors"]),
        warnings=tuple(Problem(**problem) for problem in raw["warnings"]),
        exit_status=raw["exit_status"],
        exit_status_strict=raw["exit_status_strict"],
    )


def _files_under(path: str) -> list[str]:
    if not os.path.isdir(path):
        return [path]
    found = []
    for folder, folders, names in os.walk(path):
        folders.sort()
        found.extend(os.path.join(folder, name) for name in sorted(names))
    return found


def scan(
    target: bytes | bytearray | memoryview | str | os.PathLike,
    *,
    name: str = "<bytes>",
) -> ScanReport:
    """Scan ``target`` without loading it: the content of a file (bytes,
    reported under ``name``), or a path to a file or a folder (scanned
    recursively)."""
    if isinstance(target, (bytes, bytearray, memoryview)):
        return _report(_native.scan_bytes(name, bytes(target)))
    return _report(_native.scan_files(_files_under(os.fspath(target))))
