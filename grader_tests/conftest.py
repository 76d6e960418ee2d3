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


def _xdist_group(item) -> str | None:
    """Tests that share a graded class run in one pytest-xdist worker (``--dist loadgroup``), so the class is
    graded once: the users of ``graded_course`` by assignment, the other slow tests by module (their classes
    are module fixtures). Every other test is spread one by one."""
    if "graded_course" in item.fixturenames:
        callspec = getattr(item, "callspec", None)
        assignment = callspec.params.get("a") if callspec is not None else None
        if assignment is None:
            assignment = getattr(getattr(item.module, "A", None), "name", None)
        if assignment is not None:
            return "graded_course-%s" % assignment
    if item.get_closest_marker("slow") is not None:
        return item.module.__name__
    return None


def pytest_collection_modifyitems(config, items):
    """Mark the tests that take the machine's CPUs (they use ``starved``) and group the tests that share a
    graded class; the slow ones first, so that the longest groups start while the quick tests fill the gaps."""
    for item in items:
        if "starved" in item.fixturenames:
            item.add_marker(pytest.mark.starving)
        group = _xdist_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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
    runner, with feedback. Each assignment is graded once per test session; every known mistake is judged in
    process by the spec tests (test_spec_*.py)."""
    from autograder import specs, synth
    from e2e import TIMEOUT, graded_class

    cache = {}

    def get(assignment: str) -> Path:
        if assignment not in cache:
            spec = specs.get(assignment)
            cache[assignment] = graded_class(tmp_path_factory.mktemp(assignment), assignment,
                                             synth.smoke_class(spec), timeout=TIMEOUT)
        return cache[assignment]

    return get


@pytest.fixture
def starved():
    """The machine too busy for the kernels (e2e.starving)."""
    from e2e import starving

    with starving():
        yield
