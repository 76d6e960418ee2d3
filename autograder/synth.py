"""Synthetic submissions: a released notebook filled in the way a student would, right or wrong.

A submission starts from ``release/`` (what students get), its solution cells filled with the
source solutions (the ``### BEGIN/END SOLUTION`` lines dropped), and then some cells replaced:
by a known mistake's ``example`` cell, or by the code of a fault (a crash, an endless loop, a
kernel that tampers with numpy). The demo, the tests and the benchmark grade such classes.
"""
from __future__ import annotations

import copy
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import course
from .judging.spec import Assignment

MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


@dataclass
class Student:
    """A synthetic student: which cells differ from the right solution, and what the grade should be."""

    name: str
    cells: dict[str, str] = field(default_factory=dict)  # solution grade_id -> full cell source
    blank: bool = False  # hand in the released notebook untouched
    mistakes: list[str] = field(default_factory=list)  # ids of the known mistakes made
    note: str = ""


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solved(source_cell_text: str) -> str:
    """A source solution cell as a student would hand it in: the solution markers removed."""
    return MARKER.sub("", source_cell_text)


def notebook_for(root: Path, assignment: Assignment, student: Student, notebook: str | None = None):
    """The notebook (``notebook``, default the spec's) a synthetic student hands in."""
    notebook = notebook or assignment.notebook
    release = nbformat.read(str(root / "release" / assignment.name / (notebook + ".ipynb")), 4)
    if student.blank:
        return release
    source = nbformat.read(str(root / "source" / assignment.name / (notebook + ".ipynb")), 4)
    answers = {grade_id(c): c.source for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in student.cells:
            cell.source = student.cells[gid]
        elif gid in answers:
            cell.source = solved(answers[gid])
    return nb


def solution_ids(root: Path, name: str) -> list[str]:
    """The grade ids of the solution cells of every source notebook of an assignment, in order."""
    ids = []
    for path in sorted((root / "source" / name).glob("*.ipynb")):
        ids += [grade_id(c) for c in nbformat.read(str(path), 4).cells
                if c.get("metadata", {}).get("nbgrader", {}).get("solution") and grade_id(c)]
    return ids


def write_submission(root: Path, assignment: Assignment, student: Student, timestamp: str = "2026-11-20 12:00:00 UTC"):
    """Hand in every notebook of the assignment (and the other files of its release, as students get them)."""
    folder = root / "submitted" / student.name / assignment.name
    folder.mkdir(parents=True, exist_ok=True)
    release = root / "release" / assignment.name
    unknown = set(student.cells) - set(solution_ids(root, assignment.name))
    if unknown:
        raise ValueError("student %r replaces cells that are not solution cells: %s" % (student.name, sorted(unknown)))
    for path in sorted(release.rglob("*")):
        if path.is_file() and path.suffix != ".ipynb":
            (folder / path.relative_to(release)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, folder / path.relative_to(release))
    for path in sorted(release.glob("*.ipynb")):
        nbformat.write(notebook_for(root, assignment, student, path.stem), str(folder / path.name))
    (folder / "timestamp.txt").write_text(timestamp + "\n")
    return folder


def mistake_students(assignment: Assignment, per_student: int | None = None, prefix: str = "mistakes") -> list[Student]:
    """Students who together make every known mistake of the assignment, each mistake exactly once.

    With ``per_student=None``, student k makes the k-th mistake of every question (few notebooks,
    each question judged on its own); otherwise each student makes ``per_student`` mistakes.
    """
    pending = [[m for m in q.mistakes] for q in assignment.questions]
    if per_student is None:
        rounds = max((len(p) for p in pending), default=0)
        out = []
        for k in range(rounds):
            s = Student("%s-%d" % (prefix, k + 1), note="the %s known mistake of each question" % ordinal(k + 1))
            for ms in pending:
                if k < len(ms):
                    _make(s, ms[k])
            out.append(s)
        return out
    flat = [m for ms in zip_longest_flat(pending) for m in ms]
    out: list[Student] = []
    for m in flat:  # the first student with room whose cells the mistake leaves alone, else a new one
        s = next((s for s in out if len(s.mistakes) < per_student and not set(m.example) & set(s.cells)), None)
        if s is None:
            s = Student("%s-%02d" % (prefix, len(out) + 1))
            out.append(s)
        _make(s, m)
    for s in out:
        s.note = ", ".join(s.mistakes)
    return out


def zip_longest_flat(lists):
    """Round-robin over lists: the first of each, then the second of each, ..."""
    longest = max((len(x) for x in lists), default=0)
    return [[x[k] for x in lists if k < len(x)] for k in range(longest)]


def _make(student: Student, mistake) -> None:
    clash = set(mistake.example) & set(student.cells)
    if clash:
        raise ValueError("mistakes of %r replace the same cell %s" % (student.name, sorted(clash)))
    student.cells.update(mistake.example)
    student.mistakes.append(mistake.id)


def ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth"}.get(k, "%dth" % k)


# --------------------------------------------------------------------------------------
# faults and tricks, by assignment


def special_students(assignment: Assignment, root: Path | None = None) -> list[Student]:
    """The assignment's special students: its spec's ``special_students`` (correct, blank, crashing, looping,
    tampering and warning ones, as the spec writes them), or, for a spec that has none or no spec at all, the
    ones every assignment gets (:func:`derived_students`)."""
    if assignment.special_students:
        return [Student(**fields) for fields in assignment.special_students]
    return derived_students(root or course.course_root(), assignment.name)


CRASH = "raise RuntimeError('this cell crashes before it defines anything')\n"
WARN = "import warnings\nwarnings.warn('a harmless warning from a right answer')\n"


def derived_students(root: Path, name: str) -> list[Student]:
    """Right, blank, crashing and warning students for any assignment, from its source notebooks: the crash and
    the warning come first in its first code solution cell, before the right code."""
    students = [Student("correct", note="every answer right"),
                Student("blank", blank=True, note="the released notebook, untouched")]
    first = None
    for path in sorted((root / "source" / name).glob("*.ipynb")):
        for c in nbformat.read(str(path), 4).cells:
            if first is None and c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution"):
                first = c
    if first is not None:
        students.append(Student("crash", cells={grade_id(first): CRASH + solved(first.source)},
                                note="cell '%s' raises before defining anything" % grade_id(first)))
        students.append(Student("warns", cells={grade_id(first): WARN + solved(first.source)},
                                note="a right answer whose cell '%s' warns" % grade_id(first)))
    return students


def demo_class(assignment: Assignment, root: Path | None = None) -> list[Student]:
    """About twenty students: the special ones, and every known mistake spread two per student."""
    return special_students(assignment, root) + mistake_students(assignment, per_student=2, prefix="student")


def test_class(assignment: Assignment, root: Path | None = None) -> list[Student]:
    """Few notebooks that still cover every known mistake once and every special case."""
    return special_students(assignment, root) + mistake_students(assignment)


def smoke_class(assignment: Assignment, root: Path | None = None) -> list[Student]:
    """The special students and one who makes the first known mistake of each question: what the end-to-end
    tests grade in real kernels (every known mistake is judged in process by the spec tests)."""
    return special_students(assignment, root) + mistake_students(assignment)[:1]


def spec_of(root: Path, name: str) -> Assignment:
    """The spec of an assignment of the course at ``root``, or an empty one if it has none."""
    from .assignments import layout

    return layout(root, name).as_spec()


def build_class(root: Path, assignment_name: str, students: list[Student]) -> list[Student]:
    assignment = spec_of(root, assignment_name)
    for s in students:
        write_submission(root, assignment, s)
    return students
