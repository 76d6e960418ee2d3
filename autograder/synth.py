"""Synthetic submissions: a released notebook filled in the way a student would, right or wrong.

A submission starts from ``release/`` (what students get), its solution cells filled with the
source solutions (the ``### BEGIN/END SOLUTION`` lines dropped), and then some cells replaced:
by a known mistake's ``example`` cell, or by the code of a fault (a crash, an endless loop, a
kernel that tampers with numpy). The demo, the tests and the benchmark grade such classes.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import specs
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


def notebook_for(root: Path, assignment: Assignment, student: Student):
    """The notebook a synthetic student hands in."""
    release = nbformat.read(str(root / "release" / assignment.name / (assignment.notebook + ".ipynb")), 4)
    if student.blank:
        return release
    source = nbformat.read(str(root / "source" / assignment.name / (assignment.notebook + ".ipynb")), 4)
    answers = {grade_id(c): c.source for c in source.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    nb = copy.deepcopy(release)
    unknown = set(student.cells) - set(answers)
    if unknown:
        raise ValueError("student %r replaces cells that are not solution cells: %s" % (student.name, sorted(unknown)))
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in student.cells:
            cell.source = student.cells[gid]
        elif gid in answers:
            cell.source = solved(answers[gid])
    return nb


def write_submission(root: Path, assignment: Assignment, student: Student, timestamp: str = "2026-11-20 12:00:00 UTC"):
    folder = root / "submitted" / student.name / assignment.name
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook_for(root, assignment, student), str(folder / (assignment.notebook + ".ipynb")))
    (folder / "timestamp.txt").write_text(timestamp + "\n")
    return folder


def mistake_students(assignment: Assignment, per_student: int | None = None, prefix: str = "mistakes") -> list[Student]:
    """Students who together make every known mistake of the assignment, each mistake exactly once.

    With ``per_student=None``, student k makes the k-th mistake of every question (few notebooks,
    each question judged on its own); otherwise each student makes ``per_student`` mistakes.
    """
    pending = [[m for m in q.mistakes] for q in assignment.questions]
    if per_student is None:
        rounds = max(len(p) for p in pending)
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


def special_students(assignment: Assignment) -> list[Student]:
    """The assignment's special students (its spec's ``special_students``): correct, blank, crashing, looping,
    tampering and warning ones, as the spec writes them."""
    return [Student(**fields) for fields in assignment.special_students]


def demo_class(assignment: Assignment) -> list[Student]:
    """About twenty students: the special ones, and every known mistake spread two per student."""
    return special_students(assignment) + mistake_students(assignment, per_student=2, prefix="student")


def test_class(assignment: Assignment) -> list[Student]:
    """Few notebooks that still cover every known mistake once and every special case."""
    return special_students(assignment) + mistake_students(assignment)


def smoke_class(assignment: Assignment) -> list[Student]:
    """The special students and one who makes the first known mistake of each question: what the end-to-end
    tests grade in real kernels (every known mistake is judged in process by the spec tests)."""
    return special_students(assignment) + mistake_students(assignment)[:1]


def build_class(root: Path, assignment_name: str, students: list[Student]) -> list[Student]:
    assignment = specs.get(assignment_name)
    for s in students:
        write_submission(root, assignment, s)
    return students
