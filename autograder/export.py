"""Grades out of the gradebook: one CSV row per student and assignment, a column per question."""
from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from . import specs

COURSE_ID = "dl-course"


def rows(root: Path, assignments: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """(columns, rows) of the grades in the course's gradebook; missing submissions score 0."""
    db = "sqlite:///%s" % (root / "gradebook.db")
    out, qcols = [], []
    with Gradebook(db, course_id=COURSE_ID) as gb:
        names = assignments or [a.name for a in gb.assignments]
        students = sorted(s.id for s in gb.students)
        for name in names:
            spec = specs.get(name)
            key = spec.key if spec else name
            try:
                assignment = gb.find_assignment(name)
            except MissingEntry:
                continue
            cells = [(nb.name, gc.name) for nb in assignment.notebooks for gc in nb.grade_cells]
            for _, cell in cells:
                col = "%s.%s" % (key, cell)
                if col not in qcols:
                    qcols.append(col)
            for student in students:
                row = {"student": student, "assignment": name, "max_score": assignment.max_score}
                try:
                    sub = gb.find_submission(name, student)
                except MissingEntry:
                    row.update({"submitted": False, "score": 0.0, "late_penalty": 0.0, "needs_manual_grade": False})
                    row.update({"%s.%s" % (key, cell): 0.0 for _, cell in cells})
                    out.append(row)
                    continue
                row.update({"submitted": True, "score": sub.score, "late_penalty": sub.late_submission_penalty,
                            "needs_manual_grade": sub.needs_manual_grade})
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        row["%s.%s" % (key, grade.name)] = grade.score
                out.append(row)
    columns = ["student", "assignment", "submitted", "score", "max_score", "late_penalty", "needs_manual_grade"] + qcols
    return columns, out


def write_csv(root: Path, path: Path, assignments: list[str] | None = None) -> int:
    columns, data = rows(root, assignments)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, restval="")
        w.writeheader()
        w.writerows(data)
    return len(data)
