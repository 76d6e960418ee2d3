"""Helpers for end-to-end tests: a temporary copy of the course, graded with the real nbgrader apps."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.outputs import feedback
from autograder import synth
from autograder.pipeline.bwrap import bwrap_problem
from autograder.runner import run, summary_lines

REPO_ROOT = Path(__file__).resolve().parents[1]
COURSE_PARTS = ("autograder", "reference_impl", "source", "release", "nbgrader_config.py")
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
TIMEOUT = 45  # seconds per cell in end-to-end grading (the loop students wait this long): under `make test` other
# workers grade at the same time, and a notebook's first cell imports Keras (7 CPU-seconds)
# Workers per class graded by the runner. Under pytest-xdist (`make test`) other workers grade other classes at
# the same time, so each class grades one submission at a time and the cores are shared between classes; alone,
# the runner's default (all cores). Tests about the runner's parallelism pass their own ``jobs``.
JOBS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else None
SHARED_BANKNOTE = (REPO_ROOT / ".." / "shared" / "data" / "banknote").resolve()


def use_shared_banknote() -> None:
    """Point the data loader at the shared verified copy (CI has no internet)."""
    if "BANKNOTE_DATA_DIR" not in os.environ and (SHARED_BANKNOTE / "data_banknote_authentication.txt").is_file():
        os.environ["BANKNOTE_DATA_DIR"] = str(SHARED_BANKNOTE)


def sandbox_problem() -> str | None:
    """Why bubblewrap cannot sandbox grading kernels on this machine, as the grader would use it; None if it can."""

    return bwrap_problem(os.geteuid() == 0)


OPT_OUT = ('\n# The tests\' own opt-out, written into this temporary copy only: bubblewrap is not usable here (%s).\n'
           'c.SafeExecute.sandbox = "none"\n')


def copy_course(dest: Path, opt_out: bool = True) -> Path:
    """A fresh course root holding this repository's course files (no grading output).

    Where bubblewrap is not usable, the copy's nbgrader_config.py opts out of the sandbox explicitly (as an
    instructor would), so that the tests that grade without needing isolation still run; the tests that are
    about isolation are marked ``needs_sandbox`` and skipped there (conftest.py). ``opt_out=False`` keeps
    the course's own setting (the refusal's test)."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in COURSE_PARTS:
        src = REPO_ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(src, dest / part)
    problem = sandbox_problem()
    if opt_out and problem:
        with open(dest / "nbgrader_config.py", "a") as f:
            f.write(OPT_OUT % problem)
    return dest


def graded_class(dest: Path, assignment: str, students: list[synth.Student], timeout: int = 15,
                 jobs: int | None = JOBS) -> Path:
    """Build, grade (the runner, ``jobs`` at a time) and write feedback for a synthetic class in a fresh course
    copy."""

    use_shared_banknote()
    root = copy_course(dest)
    synth.build_class(root, assignment, students)
    result = run(root, assignment, jobs=jobs, timeout=timeout, progress=False)
    assert not result.failed, summary_lines(result, root)
    feedback.generate(root, assignment)
    return root


def hidden_regions(assignment: str) -> list[str]:
    """The text of every hidden-test region of an assignment's source notebooks."""
    regions = []
    for path in sorted((REPO_ROOT / "source" / assignment).glob("*.ipynb")):
        nb = nbformat.read(str(path), 4)
        for cell in nb.cells:
            regions += HIDDEN.findall(cell.source)
    return regions


def gradebook_scores(root: Path, assignment: str, student: str) -> dict[str, float]:
    """{grade cell id: score} of one submission, as nbgrader's gradebook holds it."""
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///%s" % (root / "gradebook.db"), course_id="dl-course") as gb:
        sub = gb.find_submission(assignment, student)
        return {g.name: g.score for nb in sub.notebooks for g in nb.grades}


def _favoured():
    """In a burner: a session of its own, whose scheduling group outweighs a normal one about three times."""
    with open("/proc/self/autogroup", "w") as f:
        f.write("-5")


@contextlib.contextmanager
def starving():
    """This process, and so every worker and kernel it starts, on one CPU, shared with two CPU-bound processes
    that the scheduler favours: a kernel gets about a tenth of that CPU and waits for it most of the time.
    (Each session is a scheduling group of its own, and kernels start sessions of their own, so burners of
    normal priority would take only half the CPU from a kernel.)"""
    if os.geteuid() != 0 or not os.path.exists("/proc/self/autogroup"):
        pytest.skip("favouring the CPU-bound processes needs root and the scheduler's autogroups")
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(old)})
    burners = []
    try:
        for _ in range(2):
            burners.append(subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True,
                                            preexec_fn=_favoured))
    except subprocess.SubprocessError as exc:  # root without the right to raise a priority (a container)
        for b in burners:
            b.kill()
            b.wait()
        os.sched_setaffinity(0, old)
        pytest.skip("the CPU-bound processes cannot be favoured here: %s" % exc)
    try:
        yield
    finally:
        for b in burners:
            b.kill()
            b.wait()
        os.sched_setaffinity(0, old)
