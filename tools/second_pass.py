"""`make test`'s second pass: the starving tests, and beside them the in-process test files.

A starving test caps its own grading processes to a tenth of a CPU (``e2e.starving``) and then mostly waits, on
the cap and on its time limits, for a minute or two; the cores are free meanwhile. The test files that start no
kernel (the judge, the specs, the answer key, the grades under other secrets) fill them, over pytest-xdist
workers. Their output is printed when they end, not interleaved with the starving tests' lines.

Usage: second_pass.py STARVING_FILE... -- IN_PROCESS_FILE... [-- PYTEST_ARGS...]
Exits non-zero when either failed.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile


WORKERS = "2"


def main(argv: list[str]) -> int:
    parts: list[list[str]] = [[]]
    for arg in argv:
        if arg == "--":
            parts.append([])
        else:
            parts[-1].append(arg)
    starving, beside, extra = (parts + [[], []])[:3]
    pytest = [sys.executable, "-m", "pytest"]
    with tempfile.TemporaryFile("w+") as log:
        others = subprocess.Popen(pytest + beside + ["-m", "not starving", "-n", WORKERS, "-p", "no:cacheprovider",
                                                     *extra], stdout=log, stderr=subprocess.STDOUT) \
            if beside else None
        # each starving test caps a cgroup of its own, so they wait side by side, over workers of their own
        code = subprocess.call(pytest + starving + ["-m", "starving", "-n", WORKERS, *extra]) if starving else 0
        if others is not None:
            code = others.wait() or code
            log.seek(0)
            sys.stdout.flush()
            sys.stdout.write(log.read())
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
