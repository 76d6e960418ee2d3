"""Helpers for tests that grade a temporary copy of the course (sandbox, faults, hostile submissions)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_forward_pass"
NOTEBOOK = "forward_pass.ipynb"
BANKNOTE = (REPO_ROOT / ".." / "shared" / "data" / "banknote").resolve()


def ensure_env() -> None:
    if not os.environ.get("BANKNOTE_DATA_DIR") and (BANKNOTE / "data_banknote_authentication.txt").is_file():
        os.environ["BANKNOTE_DATA_DIR"] = str(BANKNOTE)


def make_course(tmp: Path) -> Path:
    """A fresh course root in ``tmp``: the engine, the answer key, sources and releases, no submissions
    (``e2e.copy_course``)."""
    from e2e import copy_course

    ensure_env()
    return copy_course(tmp)


def submit_notebook(root: Path, student: str, nb, name: str = NOTEBOOK, assignment: str = ASSIGNMENT) -> Path:
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(folder / name))
    (folder / "timestamp.txt").write_text("2026-11-20 12:00:00 UTC\n")
    return folder


def submit_bytes(root: Path, student: str, data: bytes, name: str = NOTEBOOK, assignment: str = ASSIGNMENT) -> Path:
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    (folder / "timestamp.txt").write_text("2026-11-20 12:00:00 UTC\n")
    return folder


def student_notebook(root: Path, student, assignment: str = ASSIGNMENT):
    """The notebook a synth.Student would hand in (to edit further)."""
    from autograder import specs, synth

    return synth.notebook_for(root, specs.get(assignment), student)


def gradebook_scores(root: Path, students: list[str], assignment: str = ASSIGNMENT) -> dict:
    """{student: total score} from the gradebook (None when there is no submission recorded)."""
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook("sqlite:///%s" % (root / "gradebook.db"), course_id="dl-course") as gb:
        for s in students:
            try:
                out[s] = gb.find_submission(assignment, s).score
            except MissingEntry:
                out[s] = None
    return out


def gradebook_cell_scores(root: Path, student: str) -> dict:
    """{grade cell name: (auto_score, manual_score, max_score)} of one student's notebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook("sqlite:///%s" % (root / "gradebook.db"), course_id="dl-course") as gb:
        nb = gb.find_submission_notebook(NOTEBOOK[:-6], ASSIGNMENT, student)
        for g in nb.grades:
            out[g.name] = (g.auto_score, g.manual_score, g.max_score)
    return out


def hidden_sources(root: Path) -> list[str]:
    """The hidden test regions of the source notebooks (must never reach autograded/ or feedback/)."""
    found = []
    for path in (root / "source").rglob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            for m in re.finditer(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
                body = m.group(1).strip()
                if body:
                    found.append(body)
    return found


def leaked(root: Path, secrets: list[str], folders=("autograded", "feedback")) -> list[str]:
    """Which of ``secrets`` appear in any file under ``folders`` (as text)."""
    hits = []
    for folder in folders:
        base = root / folder
        if not base.exists():
            continue
        for path in base.rglob("*"):
            if not path.is_file():
                continue
            text = path.read_bytes()[:50_000_000].decode("utf-8", "replace")
            for s in secrets:
                if s and s in text:
                    hits.append("%s in %s" % (s[:40], path.relative_to(root)))
    return hits
