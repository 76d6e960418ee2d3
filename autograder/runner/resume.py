"""Already graded? A submission is when its autograded notebooks hold the judge's verdicts, are not older than
any file of the submission, and the gradebook holds the submission's timestamp and, for every grade cell, the
very score the autograded notebook shows. Those are skipped unless the run is forced."""
from __future__ import annotations

from pathlib import Path



# --------------------------------------------------------------------------------------------------
# already graded?


def graded_state(root: Path, assignment: str, student: str, gb) -> str | None:
    """None when the submission is graded and recorded, else why it is not (a short phrase)."""
    import nbformat
    from nbgrader import api, utils

    sub_dir = root / "submitted" / student / assignment
    out_dir = root / "autograded" / student / assignment
    if not out_dir.is_dir():
        return "not graded yet"
    try:
        sub = gb.find_submission(assignment, student)
    except api.MissingEntry:
        return "not in the gradebook"
    files = [p for p in sub_dir.rglob("*") if p.is_file()]
    newest = max((p.stat().st_mtime for p in files), default=0.0)
    stamp = sub_dir / "timestamp.txt"
    if stamp.is_file() and stamp.read_text().strip():
        try:
            if utils.parse_utc(stamp.read_text().strip()) != sub.timestamp:
                return "the gradebook holds another submission time"
        except ValueError:
            pass  # nbgrader itself will complain
    notebooks = {nb.name: nb for nb in sub.notebooks}
    for notebook in sub.assignment.notebooks:
        got = notebooks.get(notebook.name)
        if got is None or len(got.grades) != len(notebook.grade_cells) + len(notebook.task_cells):
            return "grades missing from the gradebook"
        scores = {g.name: g.auto_score for g in got.grades}
        submitted = sub_dir / (notebook.name + ".ipynb")
        if not submitted.is_file():
            if any(s != 0 for s in scores.values()):
                return "grades of a missing notebook are not 0"
            continue
        graded = out_dir / (notebook.name + ".ipynb")
        if not graded.is_file():
            return "no autograded notebook %s" % graded.name
        if graded.stat().st_mtime < newest:
            return "submitted again since it was graded"
        try:
            nb = nbformat.read(str(graded), as_version=4)
        except Exception:
            return "autograded notebook unreadable"
        if "autograder" not in nb.metadata:
            return "autograded notebook has no verdicts"
        for cell in nb.cells:
            if not utils.is_grade(cell):
                continue
            name = cell.metadata.nbgrader["grade_id"]
            if name not in scores:
                return "grade %s missing from the gradebook" % name
            want, _ = utils.determine_grade(cell)
            have = scores[name]
            if (want is None) != (have is None) or (want is not None and abs(want - have) > 1e-9):
                return "gradebook and autograded notebook disagree on %s" % name
    return None
