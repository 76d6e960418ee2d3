"""Helpers for end-to-end tests: a temporary copy of the course, graded with the real nbgrader apps."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.outputs import feedback
from autograder import synth
from autograder.pipeline.bwrap import bwrap_problem
from autograder.runner import run, summary_lines, template

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
            shutil.copytree(src, dest / part)  # with its compiled modules: each process need not compile them
        else:
            shutil.copy(src, dest / part)
    problem = sandbox_problem()
    if opt_out and problem:
        with open(dest / "nbgrader_config.py", "a") as f:
            f.write(OPT_OUT % problem)
    seed_font_list(dest)
    return dest


_FONT_LIST: list[Path] = []  # the matplotlib font list this test process built first (course.font_cache)


def seed_font_list(root: Path) -> None:
    """Give a new test course the font list for its kernels that this process built for its first course, instead
    of building the same list again for every course (a second of CPU each); the first course builds it as a
    real course does, and so does any course after that list's folder went away."""
    from autograder import course

    known = _FONT_LIST[0] if _FONT_LIST else None
    if known is not None and any(known.glob("fontlist-*.json")):
        shutil.copytree(known, course.state_dir(root) / known.name, dirs_exist_ok=True)
        return
    built = course.font_cache(root)
    _FONT_LIST[:] = [built] if built is not None else []


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


STARVED_SHARE = 0.1  # of one CPU: what a starved kernel gets


def _cpu_cgroup(name: str) -> tuple[Path, Path, str] | str:
    """(a new CPU cgroup, the one this process is in, the file that caps it) or why there is none."""
    v2 = Path("/sys/fs/cgroup")
    if (v2 / "cgroup.controllers").is_file():  # the unified hierarchy: the cap is cpu.max
        here = v2 / Path("/proc/self/cgroup").read_text().split("::", 1)[-1].strip().lstrip("/")
        if "cpu" not in (here / "cgroup.subtree_control").read_text().split():
            return "the cgroup this test runs in does not give its children the cpu controller"
        return here / name, here, "cpu.max"
    for line in Path("/proc/self/cgroup").read_text().splitlines():  # the cgroup v1 "cpu" controller: cpu.cfs_quota_us
        _, controllers, path = line.strip().split(":", 2)
        if "cpu" in controllers.split(","):
            mount = Path("/sys/fs/cgroup") / controllers
            if not mount.is_dir():
                mount = Path("/sys/fs/cgroup/cpu")
            here = mount / path.lstrip("/")
            return here / name, here, "cpu.cfs_quota_us"
    return "no cgroup cpu controller here"


@contextlib.contextmanager
def starving():
    """This process, and so every worker and kernel it starts, capped to a tenth of one CPU (the kernel's CFS
    bandwidth control, a cgroup of its own): a kernel runs a tenth of the time and waits, runnable, the rest,
    which is what a machine whose cores are all busy looks like to the grader (the time a throttled thread waits
    counts in ``/proc/*/schedstat`` as time spent waiting for a CPU, as on a loaded machine). Unlike processes
    that keep the CPUs busy, the cap takes nothing from the other tests, so starving tests run among them."""
    if os.geteuid() != 0:
        pytest.skip("capping a process group's CPU (a cgroup of its own) needs root")
    found = _cpu_cgroup("autograder-starved-%d-%d" % (os.getpid(), time.monotonic_ns()))
    if isinstance(found, str):
        pytest.skip("cannot cap the CPU of the grading processes: %s" % found)
    group, here, cap = found
    period = 100_000
    # this process's kept worker template runs outside the group (and one started inside would outlive it):
    # each run started here starts its own, capped with this process
    template.close_reusable()
    try:
        group.mkdir()
        if cap == "cpu.max":
            (group / cap).write_text("%d %d" % (int(period * STARVED_SHARE), period))
        else:
            (group / "cpu.cfs_period_us").write_text(str(period))
            (group / cap).write_text(str(int(period * STARVED_SHARE)))
        (group / "cgroup.procs").write_text(str(os.getpid()))
    except OSError as exc:  # a container whose cgroups are read-only
        with contextlib.suppress(OSError):
            group.rmdir()
        pytest.skip("cannot cap the CPU of the grading processes (%s): %s" % (group, exc))
    try:
        yield
    finally:
        template.close_reusable()
        (here / "cgroup.procs").write_text(str(os.getpid()))
        for _ in range(50):  # its last processes may still be exiting
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)
