"""serialkit.scan from Python: the command line's scanner, returning its
report as objects. The malicious samples are written by hand and never
loaded by anything but the scanner."""

from __future__ import annotations

import pickle

import serialkit

OS_SYSTEM = b"cos\nsystem\n(S'echo pwned'\ntR."


def test_dangerous_bytes_are_reported_with_offsets():
    report = serialkit.scan(OS_SYSTEM, name="payload.pkl")
    assert report.exit_status == 1
    assert not report.clean
    found = {(finding.kind, finding.name, finding.offset) for finding in report.dangerous}
    assert found == {("import", "os.system", 0), ("call", "os.system", 27)}
    assert all(finding.file == "payload.pkl" for finding in report.findings)


def test_plain_data_is_clean():
    report = serialkit.scan(pickle.dumps({"a": [1, 2.5, "x"]}, protocol=5))
    assert report.exit_status == report.exit_status_strict == 0
    assert report.clean
    assert report.files == 1


def test_unrecognised_input_is_never_clean():
    report = serialkit.scan(b"just some text")
    assert report.unrecognised
    assert report.exit_status == 2
    assert not report.clean


def test_folders_are_scanned_recursively(tmp_path):
    (tmp_path / "models" / "nested").mkdir(parents=True)
    (tmp_path / "models" / "nested" / "weights.bin").write_bytes(OS_SYSTEM)
    (tmp_path / "models" / "ok.pkl").write_bytes(pickle.dumps([1, 2]))
    report = serialkit.scan(tmp_path / "models")
    assert report.files == 2
    assert report.exit_status == 1
    assert {finding.file for finding in report.dangerous} == {
        str(tmp_path / "models" / "nested" / "weights.bin")
    }


def test_suspicious_globals_need_strict_to_fail():
    # NEWOBJ of a class on neither list: suspicious, not dangerous.
    data = b"\x80\x04csome_package.models\nUnknown\n)\x81."
    report = serialkit.scan(data)
    assert report.suspicious and not report.dangerous
    assert report.exit_status == 0
    assert report.exit_status_strict == 1
