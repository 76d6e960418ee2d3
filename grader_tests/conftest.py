"""Shared pytest fixtures for the grader test suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# nbgrader runs `alembic` (and the tests run `nbgrader`, `jupyter`) from PATH: use this environment's.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")


def pytest_runtest_setup(item):
    """Tests about the sandbox's isolation (``@pytest.mark.needs_sandbox``) are skipped, with the reason, where
    bubblewrap is not usable; everything else runs there too (course copies opt out: e2e.copy_course)."""
    if item.get_closest_marker("needs_sandbox") is not None:
        from e2e import sandbox_problem

        problem = sandbox_problem()
        if problem:
            pytest.skip("needs the kernel sandbox, and bubblewrap is not usable here: %s" % problem)


def pytest_collection_modifyitems(config, items):
    """Mark the tests whose grading processes are starved (they use ``starved``); put the slow tests first, so that
    under ``--dist loadfile --no-loadscope-reorder`` (``make test``) the files that grade classes start first
    and the quick in-process files fill the cores while kernels wait. (Files, not xdist groups: pytest 9.2
    no longer lets pytest-xdist regroup tests by mark.)"""
    for item in items:
        if "starved" in item.fixturenames:
            item.add_marker(pytest.mark.starving)
    first = {name: k for k, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: (item.get_closest_marker("slow") is None,
                                 first.get(item.module.__name__, len(first))))


# The files that grade classes, longest first; the two that read the 01 smoke class that test_e2e_assignments
# grades come last, so that no worker waits for it while other files are left to run.
SLOW_FIRST = ["test_e2e_assignments", "test_hostile", "test_runner", "test_faults", "test_cluster", "test_serve_live", "test_serve_browser", "test_bench", "test_authoring",
              "test_keras_backends", "test_formgrader_browser", "test_open_authoring", "test_stability", "test_check",
              "test_export", "test_pages_browser", "test_e2e_forward_pass", "test_report"]


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh seeded random generator for each test."""
    return np.random.default_rng(12345)


@pytest.fixture
def shared_banknote_dir() -> Path:
    """The verified banknote copy in ../shared/data/banknote beside the repository (skip if absent)."""
    folder = (REPO_ROOT / ".." / "shared" / "data" / "banknote").resolve()
    if not (folder / "data_banknote_authentication.txt").is_file():
        pytest.skip(f"no shared banknote copy in {folder}")
    return folder


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    """graded_course(assignment) -> the root of a temporary course where the assignment's smoke class
    (synth.smoke_class: the special students and the first known mistake of each question) was graded by the
    runner, with feedback. Each assignment is graded once per test run, also across pytest-xdist workers: the
    first worker that needs it grades it in the run's shared temporary folder, under a lock, and the others wait
    for it and read the same course. Every known mistake is judged in process by the spec tests."""
    import fcntl

    from autograder import specs, synth
    from e2e import TIMEOUT, graded_class

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base

    def get(assignment: str) -> Path:
        root = shared / ("graded-" + assignment)
        with open(shared / ("graded-%s.lock" % assignment), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (root / ".graded").exists():
                if root.exists():  # a worker failed half-way: grade it again
                    import shutil

                    shutil.rmtree(root)
                # two at a time: the other files wait for these classes, so they are graded as fast as they can
                graded_class(root, assignment, synth.smoke_class(specs.get(assignment)), timeout=TIMEOUT, jobs=2)
                (root / ".graded").touch()
        return root

    return get


@pytest.fixture
def starved():
    """The machine too busy for the kernels (e2e.starving)."""
    from e2e import starving

    with starving():
        yield
