#!/usr/bin/env python3
"""The project's entry points; needs only python3 and cargo.

python3 dev.py demo    build serialkit and run the demo
python3 dev.py test    install the pinned test tools into .venv, build,
                       then run the linters, the Rust tests and pytest
python3 dev.py bench   run the benchmarks and rewrite BENCHMARKS.md
                       (arguments go to benches/run.py instead: --quick)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
REQUIREMENTS = ROOT / "requirements-dev.txt"
BENCH_REQUIREMENTS = ROOT / "requirements-bench.txt"
CLI = ROOT / "target" / "release" / "serialkit"


def run(*command: object, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], cwd=ROOT, check=True, env=env)


def venv_env() -> dict[str, str]:
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONHOME", None)
    return env


def ensure_venv() -> None:
    """Create .venv and install the pinned requirements, once per change of
    the requirements file."""
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = VENV / ".requirements-sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    pip = (PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    run(*pip, "-r", REQUIREMENTS)
    stamp.write_text(digest)


def build() -> None:
    env = venv_env()
    run(BIN / "maturin", "develop", "--release", "--quiet", env=env)
    run("cargo", "build", "--release", "--quiet", "-p", "serialkit-cli")


def demo() -> None:
    ensure_venv()
    build()
    env = venv_env()
    env["SERIALKIT_CLI"] = str(CLI)
    run(PYTHON, ROOT / "examples" / "demo.py", env=env)


def test() -> None:
    started = time.monotonic()
    ensure_venv()
    env = venv_env()
    run("cargo", "fmt", "--all", "--", "--check")
    run(BIN / "ruff", "format", "--check", ".", env=env)
    run(BIN / "ruff", "check", ".", env=env)
    build()
    run("cargo", "clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings")
    run("cargo", "test", "--workspace", "--quiet")
    # The YAML test suite's pass rate, shown (cargo test hides it).
    run(
        "cargo",
        "test",
        "-p",
        "serialkit",
        "--test",
        "yaml_test_suite",
        "--quiet",
        "--",
        "--nocapture",
    )
    env["SERIALKIT_CLI"] = str(CLI)
    run(PYTHON, "-m", "pytest", "-q", env=env)
    print(f"all checks passed in {time.monotonic() - started:.0f}s")


def bench() -> None:
    ensure_venv()
    # The scanners the scan suite is compared with; the tests do not need them.
    pip = (PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    run(*pip, "-r", BENCH_REQUIREMENTS)
    build()
    arguments = sys.argv[2:] or ["--write"]
    run(PYTHON, ROOT / "benches" / "run.py", *arguments, env=venv_env())


COMMANDS = {"demo": demo, "test": test, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    try:
        COMMANDS[sys.argv[1]]()
    except subprocess.CalledProcessError as err:
        sys.exit(err.returncode or 1)
