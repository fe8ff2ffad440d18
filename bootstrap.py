#!/usr/bin/env python3
"""Set up .venv from the pinned lock file (once, and again when the lock changes), compile the
kernels once (`airpicture warm`), then run a task.

usage: python3 bootstrap.py demo [ARGS...]   run the demo on the bundled Paris data
       python3 bootstrap.py test [PYTEST ARGS...]   lint, type-check and test (installs the pinned
                                                    Ray extra, requirements-ray.lock, for the Ray tests)
       python3 bootstrap.py run ARGS...   any airpicture command (airpicture ARGS...)
       python3 bootstrap.py setup   only set up (.venv and the compiled kernels)
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".lock-sha256"
RAY_LOCK = ROOT / "requirements-ray.lock"  # the optional extra: the tests need it, the demo does not
RAY_STAMP = VENV / ".ray-lock-sha256"
TASKS = ("demo", "test", "run", "setup")


def ensure_venv() -> None:
    want = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text() == want:
        return
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(want)


def ensure_ray() -> None:
    """Install the pinned Ray extra (once, and again when its lock changes)."""
    want = hashlib.sha256(RAY_LOCK.read_bytes()).hexdigest()
    if RAY_STAMP.exists() and RAY_STAMP.read_text() == want:
        return
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-r", str(RAY_LOCK)], check=True)
    RAY_STAMP.write_text(want)


def warm() -> None:
    """Compile the numba kernels now (65-80 s on 2 cores, once), so the first demo does not wait
    for them; nothing when they are compiled already (airpicture.cli.warm keeps a stamp)."""
    subprocess.run([str(PY), "-m", "airpicture", "warm", "--quiet"], check=True)


#: The independent ASTERIX reference the tests compare against (tests/sources/asterix_reference.py),
#: kept in a folder of its own: it is GPL-2.0 and its package is also named `asterix`. It ships only
#: as source, so it needs a C++ compiler; without one its comparisons skip, and this says why.
ASTERIX_REFERENCE = "asterix-decoder==0.7.11"


def ensure_test_references() -> None:
    target = VENV / "asterix-decoder"
    if (target / "asterix").is_dir():
        return
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-deps"]
    if subprocess.run([*pip, "--target", str(target), ASTERIX_REFERENCE]).returncode != 0:
        print(f"bootstrap: could not build {ASTERIX_REFERENCE} (needs a C++ compiler); its comparisons skip")


def call(cmd: list[str]) -> int:
    """Run cmd and return its exit code. Ctrl-C reaches the child too (same process group): let
    it stop cleanly and report, instead of this script printing a KeyboardInterrupt traceback."""
    child = subprocess.Popen(cmd)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        print(__doc__)
        return 2
    ensure_venv()
    task, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    warm()
    if task == "setup":
        return 0
    if task == "demo":
        return call([str(PY), "-m", "airpicture", "demo", *rest])
    if task == "run":
        return call([str(PY), "-m", "airpicture", *rest])
    ensure_test_references()
    ensure_ray()
    for step in (["ruff", "check", "src", "tests", "benchmarks"], ["mypy"]):
        if call([str(PY), "-m", *step]) != 0:
            return 1
    return call([str(PY), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
