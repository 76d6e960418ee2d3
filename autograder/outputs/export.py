"""Grades out of the gradebook, for this course and for learning platforms.

Formats (``python -m autograder export --format F``; columns in docs/ta-guide.md):

``csv``      one row per student and assignment, a column per question (grade cell): :func:`rows`.
``nbgrader`` nbgrader's own ``nbgrader export`` CSV (one row per student and assignment).
``moodle``   Moodle's grade import (Grades > Import > CSV file): an identifier column, one column per assignment.
``canvas``   Canvas' gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, one column per
             assignment, and the "Points Possible" row.

Every format gives each student of the gradebook a grade for each assignment: 0 where nothing was
submitted, and the late penalty (nbgrader's ``AssignLatePenalties``, stored per notebook) already
subtracted, as nbgrader's own export does: ``score = max(0, raw_score - late_penalty)``.
``SubmittedAssignment.score`` in the gradebook is the raw score, before the penalty.
"""
from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .. import gradebook, specs

FORMATS = ("csv", "nbgrader", "moodle", "canvas")
BASE_COLUMNS = ["student", "first_name", "last_name", "email", "lms_user_id", "assignment", "submitted",
                "timestamp", "raw_score", "late_penalty", "score", "max_score", "needs_manual_grade"]
MOODLE_IDENTITY = ["Username", "Email address", "First name", "Last name"]
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def default_path(root: Path, fmt: str) -> Path:
    """Where ``export --format FMT`` writes when no ``-o`` is given."""
    if fmt == "csv":
        return root / "grades.csv"
    return root / "reports" / ("grades-%s.csv" % fmt)


def _assignment_names(gb: Gradebook, assignments: list[str] | None) -> list[str]:
    """The assignments asked for, or every assignment of the gradebook with at least one submission.

    An assignment nobody has handed in yet is left out by default, so that an export never gives the
    whole class 0 for an assignment that is still open.
    """
    if assignments:
        return list(assignments)
    return [a.name for a in gb.assignments if a.num_submissions > 0]


def key_of(root: Path, name: str) -> str:
    """The prefix of an assignment's question columns: its spec's key, else its name (a spec that no longer
    loads does not stop an export of grades already given)."""
    try:
        spec = specs.get(name)
    except specs.SpecError:
        spec = None
    return spec.key if spec else name


def rows(root: Path, assignments: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """(columns, rows) of the grades in the course's gradebook: a row per student and assignment.

    Missing submissions score 0; ``score`` is after the late penalty, ``raw_score`` before it.
    Question columns are named ``<assignment key>.<grade cell id>`` and hold the cell's final score
    (a TA's manual grade where one was given, else the autograder's).
    """
    out, qcols = [], []
    with gradebook.opened(root) as gb:
        students = sorted(gb.students, key=lambda s: s.id)
        for name in _assignment_names(gb, assignments):
            key = key_of(root, name)
            try:
                assignment = gb.find_assignment(name)
            except MissingEntry:
                continue
            cells = ["%s.%s" % (key, gc.name) for nb in assignment.notebooks for gc in nb.grade_cells]
            qcols += [c for c in cells if c not in qcols]
            for student in students:
                row = {"student": student.id, "first_name": student.first_name or "",
                       "last_name": student.last_name or "", "email": student.email or "",
                       "lms_user_id": student.lms_user_id or "", "assignment": name,
                       "max_score": assignment.max_score}
                try:
                    sub = gb.find_submission(name, student.id)
                except MissingEntry:
                    row.update({"submitted": False, "timestamp": "", "raw_score": 0.0, "late_penalty": 0.0,
                                "score": 0.0, "needs_manual_grade": False})
                    row.update({c: 0.0 for c in cells})
                    out.append(row)
                    continue
                penalty = sub.late_submission_penalty or 0.0
                row.update({"submitted": True, "timestamp": sub.timestamp or "", "raw_score": sub.score,
                            "late_penalty": penalty, "score": max(0.0, sub.score - penalty),
                            "needs_manual_grade": sub.needs_manual_grade})
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        row["%s.%s" % (key, grade.name)] = grade.score
                out.append(row)
    return BASE_COLUMNS + qcols, out


def number(x) -> str:
    """A score as LMS imports read it: a plain decimal with at most two places (``17.5``, ``3``)."""
    text = "%.2f" % round(float(x), 2)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _by_student(data: list[dict]) -> tuple[list[str], dict[str, dict]]:
    """The assignments in order of appearance and {student: {identity..., assignment: score}}."""
    names, students = [], {}
    for row in data:
        if row["assignment"] not in names:
            names.append(row["assignment"])
        entry = students.setdefault(row["student"], {k: row[k] for k in
                                                    ("student", "first_name", "last_name", "email", "lms_user_id")})
        entry[row["assignment"]] = row["score"]
        entry.setdefault("max", {})[row["assignment"]] = row["max_score"]
    return names, students


def moodle_table(data: list[dict]) -> list[list[str]]:
    """Moodle's grade import: Username, Email address, First name, Last name, then one column per assignment.

    On import, map "Username" (or "Email address") to the Moodle user field of the same name, and
    each assignment column to its grade item (or to "new grade item").
    """
    names, students = _by_student(data)
    table = [MOODLE_IDENTITY + names]
    for sid in sorted(students):
        s = students[sid]
        table.append([s["student"], s["email"], s["first_name"], s["last_name"]]
                     + [number(s.get(n, 0.0)) for n in names])
    return table


def canvas_table(data: list[dict], canvas_ids: dict[str, str] | None = None) -> list[list[str]]:
    """Canvas' gradebook import: identity columns, one column per assignment, then "Points Possible".

    An assignment column reads ``Name (id)`` where Canvas' assignment id is known (``canvas_ids``),
    else ``Name`` (Canvas then offers to create the assignment). Students are matched on ``ID`` (the
    gradebook's ``lms_user_id``, Canvas' user id) or on the SIS columns (nbgrader's student id).
    """
    canvas_ids = canvas_ids or {}
    names, students = _by_student(data)
    header = CANVAS_IDENTITY + ["%s (%s)" % (n, canvas_ids[n]) if n in canvas_ids else n for n in names]
    maxima = {}
    for s in students.values():
        maxima.update(s["max"])
    table = [header, ["Points Possible", "", "", "", ""] + [number(maxima.get(n, 0.0)) for n in names]]
    for sid in sorted(students):
        s = students[sid]
        display = "%s, %s" % (s["last_name"], s["first_name"]) if s["last_name"] and s["first_name"] else s["student"]
        table.append([display, s["lms_user_id"], s["student"], s["student"], ""]
                     + [number(s.get(n, 0.0)) for n in names])
    return table


def _write_table(path: Path, table: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(table)


def write_csv(root: Path, path: Path, assignments: list[str] | None = None) -> int:
    """Write the per-question CSV (:func:`rows`); return the number of rows."""
    return write(root, path, "csv", assignments)


def write(root: Path, path: Path, fmt: str = "csv", assignments: list[str] | None = None,
          canvas_ids: dict[str, str] | None = None) -> int:
    """Write the grades in format ``fmt`` (one of :data:`FORMATS`) to ``path``; return the number of data rows."""
    if fmt not in FORMATS:
        raise ValueError("export format must be one of %s, got %r" % (", ".join(FORMATS), fmt))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "nbgrader":
        return _nbgrader_export(root, path, assignments)
    columns, data = rows(root, assignments)
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=columns, restval="", extrasaction="ignore")
            w.writeheader()
            w.writerows(data)
        return len(data)
    table = moodle_table(data) if fmt == "moodle" else canvas_table(data, canvas_ids)
    _write_table(path, table)
    return len(table) - (2 if fmt == "canvas" else 1)


def _nbgrader_export(root: Path, path: Path, assignments: list[str] | None) -> int:
    """nbgrader's own ``nbgrader export`` (its CsvExportPlugin), run on the course."""
    from .. import grading

    with gradebook.opened(root) as gb:
        names = _assignment_names(gb, assignments)
    # written next to the destination, then moved: nbgrader opens --to itself
    fd, tmp = tempfile.mkstemp(suffix=".csv", dir=path.parent)
    os.close(fd)
    try:
        grading.nbgrader(root, "export", "--to=%s" % tmp, "--assignment=%r" % names)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    with open(path, newline="", encoding="utf-8") as f:
        return max(0, sum(1 for _ in csv.reader(f)) - 1)
