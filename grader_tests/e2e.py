"""Helpers for end-to-end tests: a temporary copy of the course, graded with the real nbgrader apps."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat

from autograder import feedback, grading, synth

REPO_ROOT = Path(__file__).resolve().parents[1]
COURSE_PARTS = ("autograder", "reference_impl", "source", "release", "nbgrader_config.py")
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
TIMEOUT = 20  # seconds per cell in end-to-end grading (the loop students wait this long)
SHARED_BANKNOTE = (REPO_ROOT / ".." / "shared" / "data" / "banknote").resolve()


def use_shared_banknote() -> None:
    """Point the data loader at the shared verified copy (CI has no internet)."""
    if "BANKNOTE_DATA_DIR" not in os.environ and (SHARED_BANKNOTE / "data_banknote_authentication.txt").is_file():
        os.environ["BANKNOTE_DATA_DIR"] = str(SHARED_BANKNOTE)


def copy_course(dest: Path) -> Path:
    """A fresh course root holding this repository's course files (no grading output)."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in COURSE_PARTS:
        src = REPO_ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(src, dest / part)
    return dest


def graded_class(dest: Path, assignment: str, students: list[synth.Student], timeout: int = 15) -> Path:
    """Build, grade and write feedback for a synthetic class in a fresh course copy."""
    use_shared_banknote()
    root = copy_course(dest)
    synth.build_class(root, assignment, students)
    grading.grade(root, assignment, None, timeout=timeout)
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
