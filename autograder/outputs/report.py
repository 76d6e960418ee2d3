"""The class picture of one assignment: ``python -m autograder report ASSIGNMENT``.

Reads what grading left behind (the judge's verdicts in each autograded notebook, the faults and
run times the grading pipeline recorded there, and the scores in nbgrader's gradebook) and writes

* ``reports/<assignment>/index.html``: one self-contained page (plots embedded as PNG, no scripts,
  nothing fetched) with the score distribution, per question the mean score and pass rate and the
  most frequent diagnosed mistakes, the failures (time-outs, crashes, damaged files, unanswered
  questions), the grading time per submission, and a table of students;
* ``reports/<assignment>/questions.csv``: the per-question table;
* ``reports/<assignment>/students.csv``: the per-student table.

Grading time per submission is the wall-clock time the sandboxed kernel ran the notebook
(``autograder_sandbox.seconds``, measured by ``SafeExecute`` from kernel start to the last cell);
where that is missing, the span of the cells' own execution timestamps (nbclient's
``cell.metadata.execution``, recorded with ``record_timing``), which leaves out the kernel start.
Each row says which it is.
"""
from __future__ import annotations

import csv
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from .. import assignments, gradebook, specs
from ..faults import Fault
from ..pipeline.execute import METADATA_KEY
from ..pipeline.judge_cells import recorded
from . import pages, report_page

MARKS = {"correct": "+", "partial": "~", "incorrect": "x", "no answer": "-"}
QUESTION_COLUMNS = ["number", "question", "title", "kind", "max_points", "submissions", "mean_points",
                    "mean_percent", "pass_rate", "correct", "partial", "incorrect", "no_answer", "pending",
                    "top_mistakes"]
STUDENT_COLUMNS = ["student", "submitted", "graded", "score", "max_score", "auto_points", "manual_points",
                   "late_penalty", "needs_manual_grade", "seconds", "timing", "marks", "mistakes", "faults"]


@dataclass
class Submission:
    """What grading recorded for one student's submission of the assignment."""

    student: str
    submitted: bool = True
    graded: bool = False  # an autograded notebook with verdicts exists
    verdicts: dict[str, dict] = field(default_factory=dict)  # question id -> verdict
    faults: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    seconds: float | None = None
    timing: str = ""  # "kernel run" (sandbox), "cell timestamps" (nbclient), or ""
    score: float | None = None  # gradebook, after the late penalty
    raw_score: float | None = None
    late_penalty: float = 0.0
    manual: dict[str, float | None] = field(default_factory=dict)  # hand-graded cell -> score (None: not yet)
    needs_manual_grade: bool = False

    @property
    def auto_points(self) -> float:
        return round(sum(v.get("points", 0.0) for v in self.verdicts.values()), 6)


def _parse_time(text) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def cell_time_span(nb) -> float | None:
    """Seconds from the first cell's start to the last cell's reply, from nbclient's timing metadata."""
    starts, ends = [], []
    for cell in nb.cells:
        ex = cell.get("metadata", {}).get("execution")
        if not isinstance(ex, dict):
            continue
        start = _parse_time(ex.get("iopub.status.busy") or ex.get("iopub.execute_input") or "")
        end = _parse_time(ex.get("shell.execute_reply") or ex.get("iopub.status.idle") or "")
        if start:
            starts.append(start)
        if end:
            ends.append(end)
    if not starts or not ends:
        return None
    return round(max(0.0, (max(ends) - min(starts)).total_seconds()), 2)


def read_submission(root: Path, assignment: str, student: str) -> Submission:
    """The verdicts, faults and timing of one student's autograded notebooks."""
    sub = Submission(student, submitted=(root / "submitted" / student / assignment).is_dir())
    folder = root / "autograded" / student / assignment
    paths = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    seconds, sources = 0.0, set()
    for path in paths:
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception as exc:  # an autograded file nbgrader left broken: report it, go on
            sub.faults.append((Fault.DAMAGED.label, "the autograded notebook %s could not be read (%s)"
                               % (path.name, str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__)))
            continue
        for cell in nb.cells:
            v = cell.get("metadata", {}).get("autograder", {}).get("verdict")
            if isinstance(v, dict) and "question" in v:
                sub.verdicts[v["question"]] = v
        sandbox = nb.metadata.get(METADATA_KEY, {})
        sub.faults += [(f.kind.label, pages.fault_text(nb, f.message, f.cell)) for f in recorded(nb)]
        if isinstance(sandbox.get("seconds"), (int, float)):
            seconds += float(sandbox["seconds"])
            sources.add("kernel run")
        else:
            span = cell_time_span(nb)
            if span is not None:
                seconds += span
                sources.add("cell timestamps")
    sub.graded = bool(sub.verdicts)
    if sources:
        sub.seconds = round(seconds, 2)
        sub.timing = " + ".join(sorted(sources))
    if sub.submitted and not sub.graded and not sub.faults:
        sub.faults.append((Fault.NOT_GRADED.label, "submitted, but there is no autograded notebook with verdicts: "
                                         "see the log of nbgrader autograde"))
    return sub


def read_gradebook(root: Path, assignment: str, subs: dict[str, Submission], manual_cells: list[str]) -> float | None:
    """Add the gradebook's scores to ``subs`` (and roster students without a submission); the maximum score."""
    if not gradebook.exists(root):
        return None
    from nbgrader.api import MissingEntry

    with gradebook.opened(root) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            return None
        max_score = a.max_score
        for student in gb.students:
            try:
                s = gb.find_submission(assignment, student.id)
            except MissingEntry:
                if student.id not in subs:
                    subs[student.id] = Submission(student.id, submitted=False, score=0.0, raw_score=0.0)
                continue
            sub = subs.setdefault(student.id, Submission(student.id))
            sub.raw_score = s.score
            sub.late_penalty = s.late_submission_penalty or 0.0
            sub.score = max(0.0, s.score - sub.late_penalty)
            sub.needs_manual_grade = bool(s.needs_manual_grade)
            for nb in s.notebooks:
                for g in nb.grades:
                    if g.name in manual_cells:
                        sub.manual[g.name] = g.manual_score if g.manual_score is not None else (
                            g.auto_score if g.auto_score is not None else None)
    return max_score


def layout_of(root: Path, assignment: str) -> assignments.Layout | None:
    """The assignment's graded cells from its source notebooks; where the course folder holds none, from its spec;
    else None (a report from the gradebook and the autograded notebooks alone)."""
    try:
        return assignments.layout(root, assignment)
    except assignments.UnknownAssignment:
        spec = specs.get(assignment)
        return assignments.from_spec(spec) if spec else None


def collect(root: Path, assignment: str) -> tuple[list[Submission], float]:
    """Every student with a submission, an autograded notebook or a gradebook entry; the assignment's maximum."""
    layout = layout_of(root, assignment)
    names = set()
    for folder in ("submitted", "autograded"):
        base = root / folder
        if base.is_dir():
            names |= {p.name for p in base.iterdir() if (p / assignment).is_dir()}
    subs = {n: read_submission(root, assignment, n) for n in sorted(names)}
    manual_cells = [i.grade_id for i in layout.items if i.kind == assignments.MANUAL] if layout else []
    max_score = read_gradebook(root, assignment, subs, manual_cells)
    if max_score is None:
        max_score = layout.points if layout else max((s.auto_points for s in subs.values()), default=0.0)
    for s in subs.values():  # no gradebook entry: the verdicts are all there is
        if s.score is None and s.submitted:
            s.score = s.auto_points
    return [subs[n] for n in sorted(subs)], float(max_score)


# --------------------------------------------------------------------------------------
# tables


def question_rows(layout: assignments.Layout | None, subs: list[Submission]) -> list[dict]:
    """Per question, in notebook order and numbered as the feedback pages number them (judged and hand-graded
    answers together): mean points, pass rate (share of fully correct answers), statuses, top mistakes; for a
    hand-graded answer, the mean of the grades given so far and how many answers await grading."""
    graded = [s for s in subs if s.graded]
    order = [i.qid for i in layout.auto()] if layout else sorted({q for s in graded for q in s.verdicts})
    points = {i.qid: i.points for i in layout.items} if layout else {}
    out = []
    for qid in order:
        vs = [s.verdicts[qid] for s in graded if qid in s.verdicts]
        counts = Counter(v["status"] for v in vs)
        mistakes = Counter((v["mistake"]["id"], v["mistake"]["title"]) for v in vs if v.get("mistake"))
        max_points = vs[0]["max_points"] if vs else points.get(qid, 0.0)
        mean = statistics.fmean(v["points"] for v in vs) if vs else 0.0
        out.append({
            "question": qid, "title": vs[0]["title"] if vs else qid, "kind": "auto", "max_points": max_points,
            "submissions": len(vs), "mean_points": round(mean, 3),
            "mean_percent": round(100 * mean / max_points, 1) if max_points else 0.0,
            "pass_rate": round(counts["correct"] / len(vs), 3) if vs else 0.0,
            "correct": counts["correct"], "partial": counts["partial"], "incorrect": counts["incorrect"],
            "no_answer": counts["no answer"], "pending": "",
            "mistakes": [(mid, title, n) for (mid, title), n in mistakes.most_common()],
            "top_mistakes": "; ".join("%s (%d)" % (mid, n) for (mid, _), n in mistakes.most_common(3)),
        })
    for item in (i for i in (layout.items if layout else []) if i.kind == assignments.MANUAL):
        cell, points = item.grade_id, item.points
        scores = [s.manual.get(cell) for s in subs if s.submitted and cell in s.manual]
        done = [x for x in scores if x is not None]
        mean = statistics.fmean(done) if done else None  # no grade given yet: no mean, not 0
        out.append({"question": item.qid, "title": "%s (graded by hand)" % item.title, "kind": "manual",
                    "max_points": float(points), "submissions": len(done),
                    "mean_points": "" if mean is None else round(mean, 3),
                    "mean_percent": round(100 * mean / points, 1) if points and mean is not None else "",
                    "pass_rate": "", "correct": "", "partial": "", "incorrect": "", "no_answer": "",
                    "pending": len(scores) - len(done), "mistakes": [], "top_mistakes": ""})
    number = {i.qid: n for n, i in enumerate(layout.items, 1)} if layout else {}
    for n, row in enumerate(out, 1):
        row["number"] = number.get(row["question"], n)
    return sorted(out, key=lambda r: r["number"])


def student_rows(layout: assignments.Layout | None, subs: list[Submission], max_score: float) -> list[dict]:
    order = [i.qid for i in layout.auto()] if layout else sorted({q for s in subs for q in s.verdicts})
    out = []
    for s in subs:
        manual_done = [x for x in s.manual.values() if x is not None]
        out.append({
            "student": s.student, "submitted": s.submitted, "graded": s.graded,
            "score": "" if s.score is None else round(s.score, 3), "max_score": max_score,
            "auto_points": s.auto_points, "manual_points": round(sum(manual_done), 3) if manual_done else "",
            "late_penalty": s.late_penalty, "needs_manual_grade": s.needs_manual_grade,
            "seconds": "" if s.seconds is None else s.seconds, "timing": s.timing,
            "marks": "".join(MARKS[s.verdicts[q]["status"]] if q in s.verdicts else "." for q in order)
            if s.graded else "",
            "mistakes": "; ".join(v["mistake"]["title"] for v in s.verdicts.values() if v.get("mistake")),
            "faults": "; ".join("%s: %s" % kind_msg for kind_msg in s.faults)
            + ("" if s.submitted else "nothing submitted"),
            # the page's notes name the kinds only: the Failures table above states each fault once
            "fault_kinds": ", ".join(dict.fromkeys(k for k, _ in s.faults)) + (" (see Failures)" if s.faults else "")
            + ("" if s.submitted else "nothing submitted"),
        })
    return out


# --------------------------------------------------------------------------------------
# plots (matplotlib's Agg canvas through Figure: no pyplot state, no display)


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def write(root: Path, assignment: str, out_dir: Path | None = None) -> Path:
    """Write the report of ``assignment``; return the path of its index.html."""
    out_dir = Path(out_dir) if out_dir else root / "reports" / assignment
    subs, max_score = collect(root, assignment)
    if not subs:
        raise ValueError("no submissions of %s under %s and none in the gradebook" % (assignment, root))
    layout = layout_of(root, assignment)
    questions = question_rows(layout, subs)
    students = student_rows(layout, subs, max_score)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(out_dir / "questions.csv", QUESTION_COLUMNS, questions)
    _write_csv(out_dir / "students.csv", STUDENT_COLUMNS, students)
    index = out_dir / "index.html"
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(report_page.render(assignment, subs, max_score, questions, students, layout), encoding="utf-8")
    tmp.replace(index)
    return index
