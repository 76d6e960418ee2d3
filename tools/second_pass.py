"""`make test`'s second pass: the starving tests, and beside them an in-process test file on the other CPUs.

A starving test pins itself and two CPU-bound burners to the first CPU this process may use (``e2e.starving``),
so for the minute or two it runs, every other CPU is idle. An in-process file (no kernels, no time limits: the
judge in the test process) fills them: it is started pinned to the other CPUs, where the burners never run, so
neither pass sees the other. With a single CPU the two run one after the other.

Usage: second_pass.py STARVING_FILE... -- COMPANION_FILE... [-- PYTEST_ARGS...]
Exits non-zero when either failed.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def pytest(files: list[str], extra: list[str], cpus: set[int] | None = None, out=None) -> subprocess.Popen:
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    return subprocess.Popen([sys.executable, "-m", "pytest", *files, *extra], preexec_fn=pin, stdout=out,
                            stderr=subprocess.STDOUT if out else None)


def main(argv: list[str]) -> int:
    parts: list[list[str]] = [[]]
    for arg in argv:
        if arg == "--":
            parts.append([])
        else:
            parts[-1].append(arg)
    starving, companion, extra = (parts + [[], []])[:3]
    cpus = os.sched_getaffinity(0)
    others = cpus - {min(cpus)}  # the starving tests take min(cpus) (e2e.starving)
    log = tempfile.TemporaryFile("w+")  # printed when it ends, not interleaved with the starving tests' lines
    beside = pytest(companion, ["-m", "not starving", "-p", "no:cacheprovider", *extra], others, log) \
        if companion and others else None
    code = pytest(starving, ["-m", "starving", *extra]).wait()
    if beside is not None:
        code = beside.wait() or code
        log.seek(0)
        sys.stdout.flush()
        sys.stdout.write(log.read())
    elif companion:
        code = pytest(companion, ["-m", "not starving", *extra]).wait() or code
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
