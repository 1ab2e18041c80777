"""`serialkit scan` on the corpus of tests/scan_corpus.py: every malicious
sample is reported dangerous, naming the global that makes it so, and no
benign sample gets a dangerous or suspicious finding. The samples are
written by hand and only ever read by the scanner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import serialkit
from scan_corpus import Sample, build

ROOT = Path(__file__).resolve().parents[1]

#: The samples by name, listed without writing them (for the test ids).
LISTED = build(Path("corpus"), write=False)
MALICIOUS = [sample.name for sample in LISTED if sample.malicious]
BENIGN = [sample.name for sample in LISTED if not sample.malicious]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Sample]]:
    directory = tmp_path_factory.mktemp("corpus")
    return directory, {sample.name: sample for sample in build(directory)}


def describe(sample: Sample, report: serialkit.ScanReport) -> str:
    findings = [(f.member, f.offset, f.kind, f.name, f.severity) for f in report.findings]
    problems = [(p.member, p.offset, p.message) for p in report.errors]
    return (
        f"{sample.name}: {sample.technique}\n  exit status {report.exit_status}; "
        f"findings {findings}\n  errors {problems}\n  unrecognised {list(report.unrecognised)}"
    )


@pytest.mark.parametrize("name", MALICIOUS)
def test_malicious_sample_is_dangerous(corpus, name: str) -> None:
    sample = corpus[1][name]
    report = serialkit.scan(sample.path)
    assert report.exit_status == 1, describe(sample, report)
    assert sample.expected in {f.name for f in report.dangerous}, describe(sample, report)
    # Recognised by content: the same bytes under no name get the same verdict.
    assert serialkit.scan(sample.path.read_bytes()).exit_status == 1


@pytest.mark.parametrize("name", BENIGN)
def test_benign_sample_is_clean(corpus, name: str) -> None:
    sample = corpus[1][name]
    report = serialkit.scan(sample.path)
    assert not report.dangerous and not report.suspicious, describe(sample, report)
    assert report.exit_status == report.exit_status_strict == 0, describe(sample, report)


def test_corpus_covers_the_published_bypasses() -> None:
    names = " ".join(MALICIOUS)
    for advisory in (
        "CVE-2025-1716",
        "CVE-2025-1889",
        "CVE-2025-1944",
        "CVE-2025-1945",
        "CVE-2025-10155",
        "CVE-2025-10156",
        "CVE-2025-10157",
        "GHSA-9gvj-pp9x-gcfr",
        "GHSA-4675-36f9-wf6r",
        "GHSA-49gj-c84q-6qm9",
        "GHSA-5qwp-399c-mjwf",
    ):
        assert advisory in names, advisory
    assert len(set(MALICIOUS)) == len(MALICIOUS) and len(BENIGN) >= 20


def cli() -> str | None:
    configured = os.environ.get("SERIALKIT_CLI")
    if configured:
        return configured
    built = ROOT / "target" / "release" / "serialkit"
    return str(built) if built.exists() else shutil.which("serialkit")


def test_cli_over_the_whole_corpus(corpus) -> None:
    binary = cli()
    if binary is None:
        pytest.skip("no serialkit binary: set SERIALKIT_CLI (python3 dev.py test does)")
    directory, samples = corpus
    result = subprocess.run(
        [binary, "scan", str(directory), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["files"] == len(samples)
    assert report["exit_status"] == 1
    by_path = {os.path.normpath(sample.path): sample for sample in samples.values()}
    flagged = {
        os.path.normpath(f["file"]) for f in report["findings"] if f["severity"] == "dangerous"
    }
    malicious = {path for path, sample in by_path.items() if sample.malicious}
    assert sorted(by_path[p].name for p in malicious - flagged) == [], "malicious, not flagged"
    not_clean = flagged | {
        os.path.normpath(f["file"]) for f in report["findings"] if f["severity"] == "suspicious"
    }
    not_clean |= {os.path.normpath(p["file"]) for p in report["errors"]}
    not_clean |= {os.path.normpath(path) for path in report["unrecognised"]}
    benign = set(by_path) - malicious
    assert sorted(by_path[p].name for p in benign & not_clean) == [], "benign, not clean"
    summary = report["summary"]
    for severity in ("dangerous", "suspicious", "safe"):
        counted = sum(f["severity"] == severity for f in report["findings"])
        assert summary[severity] == counted, severity
