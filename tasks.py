#!/usr/bin/env python3
"""The two commands: ``python3 tasks.py demo`` and ``python3 tasks.py test``.

Each creates ``.venv`` (if missing), installs personvern into it and runs the job.
Only the Python 3.11+ standard library is used here, so a fresh machine needs nothing else.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def _install(extra: str) -> None:
    """Create the virtualenv and install the project; skipped when pyproject is unchanged."""
    if not PYTHON.exists():
        print(f"Creating {VENV.relative_to(ROOT)} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extra or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extra}]" if extra else "."
    print(f"Installing personvern{f'[{extra}]' if extra else ''} …", flush=True)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", target],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(digest)


def _system_packages() -> None:
    """Debian's Chromium for the browser tests (Playwright drives it; it never downloads one)."""
    if shutil.which("chromium") or not shutil.which("apt-get"):
        return
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        print("Chromium is missing: install Debian's chromium package for the browser tests.")
        return
    print("Installing Debian's chromium for the browser tests …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env)


def _run(*args: str) -> int:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT).returncode


def demo() -> int:
    """Build the demo and serve it until Ctrl+C; options go to ``personvern demo``."""
    _install("")
    process = subprocess.Popen([str(BIN / "personvern"), "demo", *sys.argv[2:]], cwd=ROOT)
    # Ctrl+C reaches both processes: the demo stops its server cleanly, and this one waits
    # for it rather than killing it mid-shutdown. A SIGTERM (sent to this process only)
    # is passed on, so the demo never outlives it.
    previous = {signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
                signal.SIGTERM: signal.signal(signal.SIGTERM,
                                              lambda *_: process.send_signal(signal.SIGTERM))}
    try:
        return process.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def test() -> int:
    _install("test")
    _system_packages()
    steps = [
        ("ruff", "check", "src", "tests", "bench"),
        ("mypy",),
        ("pytest", *sys.argv[2:]),
    ]
    for step in steps:
        print(f"$ {' '.join(step)}", flush=True)
        code = _run(*step)
        if code != 0:
            return code
    return 0


def main() -> int:
    jobs = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in jobs:
        print("usage: python3 tasks.py demo [demo options] | test [pytest arguments]",
              file=sys.stderr)
        return 2
    return jobs[sys.argv[1]]()


if __name__ == "__main__":
    sys.exit(main())
