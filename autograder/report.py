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

import base64
import csv
import html
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from . import specs
from .judge import STATUS_COLOR

STATUSES = ("correct", "partial", "incorrect", "no answer")
MARKS = {"correct": "+", "partial": "~", "incorrect": "x", "no answer": "-"}
FAULT_KINDS = ("time-out", "kernel died", "damaged file", "error in a cell", "stub left in", "not graded", "other")
QUESTION_COLUMNS = ["question", "title", "kind", "max_points", "submissions", "mean_points", "mean_percent",
                    "pass_rate", "correct", "partial", "incorrect", "no_answer", "top_mistakes"]
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


def classify_fault(message: str) -> str:
    """The kind of a recorded fault, from its message (see autograder.sandbox and preprocessors)."""
    low = message.lower()
    if "timed out" in low or "time limit" in low:
        return "time-out"
    if "kernel died" in low or "did not respond" in low or "could not run" in low or "kernel could not" in low:
        return "kernel died"
    if any(w in low for w in ("not valid json", "could not be read", "not a jupyter notebook", "file is empty",
                              "notebook format", "damaged")):
        return "damaged file"
    if " raised notimplementederror" in low:
        return "stub left in"
    if " raised " in low:
        return "error in a cell"
    return "other"


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
            sub.faults.append(("damaged file", "the autograded notebook %s could not be read (%s)"
                               % (path.name, str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__)))
            continue
        for cell in nb.cells:
            v = cell.get("metadata", {}).get("autograder", {}).get("verdict")
            if isinstance(v, dict) and "question" in v:
                sub.verdicts[v["question"]] = v
        state = nb.metadata.get("autograder", {})
        sandbox = nb.metadata.get("autograder_sandbox", {})
        messages = list(state.get("faults", []))
        if sandbox.get("fault") and sandbox["fault"] not in messages:
            messages.append(sandbox["fault"])
        sub.faults += [(classify_fault(m), m) for m in messages]
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
        sub.faults.append(("not graded", "submitted, but there is no autograded notebook with verdicts: "
                                         "see the log of nbgrader autograde"))
    return sub


def read_gradebook(root: Path, assignment: str, subs: dict[str, Submission], manual_cells: list[str]) -> float | None:
    """Add the gradebook's scores to ``subs`` (and roster students without a submission); the maximum score."""
    db = root / "gradebook.db"
    if not db.is_file():
        return None
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook("sqlite:///%s" % db, course_id="dl-course") as gb:
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


def collect(root: Path, assignment: str) -> tuple[list[Submission], float]:
    """Every student with a submission, an autograded notebook or a gradebook entry; the assignment's maximum."""
    spec = specs.get(assignment)
    names = set()
    for folder in ("submitted", "autograded"):
        base = root / folder
        if base.is_dir():
            names |= {p.name for p in base.iterdir() if (p / assignment).is_dir()}
    subs = {n: read_submission(root, assignment, n) for n in sorted(names)}
    manual_cells = list(spec.manual) if spec else []
    max_score = read_gradebook(root, assignment, subs, manual_cells)
    if max_score is None:
        max_score = spec.points if spec else max((s.auto_points for s in subs.values()), default=0.0)
    for s in subs.values():  # no gradebook entry: the verdicts are all there is
        if s.score is None and s.submitted:
            s.score = s.auto_points
    return [subs[n] for n in sorted(subs)], float(max_score)


# --------------------------------------------------------------------------------------
# tables


def question_rows(assignment: str, subs: list[Submission]) -> list[dict]:
    """Per question: mean points, pass rate (share of fully correct answers), statuses, top mistakes."""
    spec = specs.get(assignment)
    graded = [s for s in subs if s.graded]
    order = [spec.qid(q) for q in spec.questions] if spec else sorted({q for s in graded for q in s.verdicts})
    out = []
    for qid in order:
        vs = [s.verdicts[qid] for s in graded if qid in s.verdicts]
        counts = Counter(v["status"] for v in vs)
        mistakes = Counter((v["mistake"]["id"], v["mistake"]["title"]) for v in vs if v.get("mistake"))
        max_points = vs[0]["max_points"] if vs else (spec.question(qid.split(".", 1)[1]).points if spec else 0.0)
        mean = statistics.fmean(v["points"] for v in vs) if vs else 0.0
        out.append({
            "question": qid, "title": vs[0]["title"] if vs else qid, "kind": "auto", "max_points": max_points,
            "submissions": len(vs), "mean_points": round(mean, 3),
            "mean_percent": round(100 * mean / max_points, 1) if max_points else 0.0,
            "pass_rate": round(counts["correct"] / len(vs), 3) if vs else 0.0,
            "correct": counts["correct"], "partial": counts["partial"], "incorrect": counts["incorrect"],
            "no_answer": counts["no answer"],
            "mistakes": [(mid, title, n) for (mid, title), n in mistakes.most_common()],
            "top_mistakes": "; ".join("%s (%d)" % (mid, n) for (mid, _), n in mistakes.most_common(3)),
        })
    for cell, points in (spec.manual.items() if spec else []):
        scores = [s.manual.get(cell) for s in subs if s.submitted and cell in s.manual]
        done = [x for x in scores if x is not None]
        mean = statistics.fmean(done) if done else 0.0
        out.append({"question": "%s.%s" % (spec.key, cell), "title": "%s (graded by hand)" % cell, "kind": "manual",
                    "max_points": float(points), "submissions": len(done), "mean_points": round(mean, 3),
                    "mean_percent": round(100 * mean / points, 1) if points and done else 0.0, "pass_rate": "",
                    "correct": "", "partial": "", "incorrect": "", "no_answer": "", "mistakes": [],
                    "top_mistakes": ""})
    return out


def student_rows(assignment: str, subs: list[Submission], max_score: float) -> list[dict]:
    spec = specs.get(assignment)
    order = [spec.qid(q) for q in spec.questions] if spec else sorted({q for s in subs for q in s.verdicts})
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
        })
    return out


# --------------------------------------------------------------------------------------
# plots (matplotlib's Agg canvas through Figure: no pyplot state, no display)


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def plot_scores(subs: list[Submission], max_score: float) -> str:
    fig, ax = _figure(7, 3.2)
    scores = [s.score for s in subs if s.submitted and s.score is not None]
    top = max(max_score, max(scores, default=0.0), 1.0)
    step = 1.0 if top <= 30 else top / 25
    edges = [i * step for i in range(int(top // step) + 2)]
    ax.hist(scores, bins=edges, color="#0969da", edgecolor="white")
    if scores:
        mean = statistics.fmean(scores)
        ax.axvline(mean, color="#cf222e", linestyle="--", linewidth=1.5, label="mean %.1f" % mean)
        ax.legend(frameon=False)
    ax.set_xlim(0, top + step)
    ax.set_xlabel("score (points out of %g, after late penalties)" % max_score)
    ax.set_ylabel("submissions")
    ax.set_title("Score distribution (%d submissions)" % len(scores))
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def plot_questions(questions: list[dict]) -> str:
    auto = [q for q in questions if q["kind"] == "auto"]
    fig, ax = _figure(8, 0.45 * len(auto) + 1.4)
    labels = [q["question"].split(".", 1)[1] for q in auto]
    y = list(range(len(auto)))[::-1]
    left = [0.0] * len(auto)
    for status in STATUSES:
        key = "no_answer" if status == "no answer" else status
        share = [q[key] / q["submissions"] if q["submissions"] else 0.0 for q in auto]
        ax.barh(y, share, left=left, color=STATUS_COLOR[status] if status != "no answer" else "#8c959f",
                label=status, height=0.7)
        left = [a + b for a, b in zip(left, share)]
    for yi, q in zip(y, auto):
        ax.text(1.01, yi, "mean %.0f%%" % q["mean_percent"], va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1.18)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25%", "50%", "75%", "100%"])
    ax.set_xlabel("share of graded submissions")
    ax.set_title("Per question: verdicts (pass rate = correct) and mean score")
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.45, -0.18 if len(auto) > 6 else -0.3), frameon=False)
    return _png(fig)


def plot_times(subs: list[Submission]) -> str:
    timed = sorted(((s.seconds, s.student) for s in subs if s.seconds is not None), reverse=True)
    if len(timed) <= 40:
        fig, ax = _figure(7, 0.3 * len(timed) + 1.2)
        ax.barh([n for _, n in timed][::-1], [t for t, _ in timed][::-1], color="#8250df")
        ax.set_xlabel("seconds")
        ax.set_title("Grading time per submission")
    else:
        fig, ax = _figure(7, 3)
        ax.hist([t for t, _ in timed], bins=25, color="#8250df", edgecolor="white")
        ax.set_xlabel("seconds")
        ax.set_ylabel("submissions")
        ax.set_title("Grading time per submission (%d submissions)" % len(timed))
    return _png(fig)


def plot_mistakes(questions: list[dict], top: int = 12) -> str | None:
    items = sorted(((n, "%s: %s" % (q["question"].split(".", 1)[1], title)) for q in questions
                    for _, title, n in q["mistakes"]), reverse=True)[:top]
    if not items:
        return None
    fig, ax = _figure(8, 0.35 * len(items) + 1.2)
    ax.barh([label[:70] for _, label in items][::-1], [n for n, _ in items][::-1], color="#bf8700")
    ax.set_xlabel("submissions")
    ax.set_title("Most frequent diagnosed mistakes")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


# --------------------------------------------------------------------------------------
# the page


CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#1f2328;
padding:0 1em;line-height:1.45}
h1{margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;font-size:14px;margin:.5em 0}
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{border-bottom:2px solid #8c959f;white-space:nowrap} td.num{text-align:right;white-space:nowrap}
.muted{color:#57606a} .stats span{display:inline-block;margin-right:2em}
.marks{font-family:ui-monospace,Menlo,monospace;white-space:pre}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #d0d7de}
.kind{border-radius:10px;padding:0 7px;background:#ffebe9;color:#cf222e;white-space:nowrap;font-size:13px}
"""


def _img(data: str | None, alt: str) -> str:
    if data is None:
        return '<p class="muted">(%s: nothing to plot)</p>' % html.escape(alt)
    return '<figure><img alt="%s" src="data:image/png;base64,%s"></figure>' % (html.escape(alt), data)


class _Num(str):
    """A table cell that holds a number (right-aligned)."""


def _head(*titles: str) -> str:
    return "<table><thead><tr>%s</tr></thead><tbody>" % "".join("<th>%s</th>" % t for t in titles)


def _row(*cells) -> str:
    """A table row of HTML cells (already escaped); :class:`_Num` cells are right-aligned."""
    return "<tr>%s</tr>" % "".join(("<td class=num>%s</td>" if isinstance(c, _Num) else "<td>%s</td>") % c
                                   for c in cells)


def _num(x, digits: int = 2) -> str:
    if x == "" or x is None:
        return ""
    return ("%.*f" % (digits, float(x))).rstrip("0").rstrip(".")


def render(assignment: str, subs: list[Submission], max_score: float, questions: list[dict],
           students: list[dict]) -> str:
    e = html.escape
    submitted = [s for s in subs if s.submitted]
    scores = [s.score for s in submitted if s.score is not None]
    times = [s.seconds for s in subs if s.seconds is not None]
    sources = sorted({s.timing for s in subs if s.timing})
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>%s: class report</title><style>%s</style></head><body>" % (e(assignment), CSS),
           "<h1>%s: class report</h1>" % e(assignment),
           '<p class="muted">generated %s from the autograded notebooks and the gradebook</p>'
           % datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")]
    stats = ["<span><b>%d</b> submissions</span>" % len(submitted),
             "<span><b>%d</b> graded</span>" % sum(s.graded for s in subs)]
    if len(subs) > len(submitted):
        stats.append("<span><b>%d</b> on the roster without a submission</span>" % (len(subs) - len(submitted)))
    if scores:
        stats.append("<span>score mean <b>%s</b>, median <b>%s</b>, min %s, max %s (of %g)</span>" % (
            _num(statistics.fmean(scores)), _num(statistics.median(scores)), _num(min(scores)), _num(max(scores)),
            max_score))
    if times:
        stats.append("<span>grading time median <b>%ss</b>, max %ss</span>" % (
            _num(statistics.median(times), 1), _num(max(times), 1)))
    out.append('<p class="stats">%s</p>' % "".join(stats))

    out.append("<h2>Score distribution</h2>")
    out.append(_img(plot_scores(subs, max_score), "score distribution"))

    out.append("<h2>Questions</h2>")
    out.append(_img(plot_questions(questions), "verdicts per question"))
    out.append(_head("question", "title", "points", "mean", "pass rate", "correct", "partial", "incorrect",
                     "no answer", "most frequent mistakes"))
    for q in questions:
        mistakes = "<br>".join("%s &times;%d" % (e(title), n) for _, title, n in q["mistakes"][:3])
        out.append(_row(e(q["question"]), e(q["title"]), _Num("%g" % q["max_points"]),
                        _Num("%s (%s%%)" % (_num(q["mean_points"]), _num(q["mean_percent"], 1))),
                        _Num("" if q["pass_rate"] == "" else "%.0f%%" % (100 * q["pass_rate"])),
                        *(_Num(q[k]) for k in ("correct", "partial", "incorrect", "no_answer")),
                        mistakes or '<span class="muted">&ndash;</span>'))
    out.append("</tbody></table>")

    out.append("<h2>Most frequent diagnosed mistakes</h2>")
    out.append(_img(plot_mistakes(questions), "most frequent mistakes"))
    rows = sorted(((n, q["question"], mid, title) for q in questions for mid, title, n in q["mistakes"]),
                  key=lambda r: (-r[0], r[1]))
    if rows:
        out.append(_head("submissions", "question", "mistake", "id"))
        out += [_row(_Num(n), e(q), e(t), '<span class="muted">%s</span>' % e(m)) for n, q, m, t in rows]
        out.append("</tbody></table>")

    out.append("<h2>Failures</h2>")
    kinds = Counter(kind for s in subs for kind, _ in s.faults)
    no_answer = sum(1 for s in subs for v in s.verdicts.values() if v["status"] == "no answer")
    out.append('<p>%s; <b>%d</b> unanswered questions (verdict "no answer") in all.</p>' % (
        ", ".join("<b>%d</b> %s" % (kinds[k], k) for k in FAULT_KINDS if kinds[k]) or "no faults recorded", no_answer))
    failing = [s for s in subs if s.faults or any(v["status"] == "no answer" for v in s.verdicts.values())]
    if failing:
        out.append(_head("student", "what happened", "unanswered questions"))
        for s in failing:
            faults = "<br>".join('<span class="kind">%s</span> %s' % (e(k), e(m)) for k, m in s.faults)
            missing = [q.split(".", 1)[1] for q, v in s.verdicts.items() if v["status"] == "no answer"]
            out.append("<tr><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                e(s.student), faults or '<span class="muted">&ndash;</span>', e(", ".join(missing))))
        out.append("</tbody></table>")

    out.append("<h2>Grading time per submission</h2>")
    out.append(_img(plot_times(subs) if times else None, "grading time per submission"))
    out.append('<p class="muted">Seconds the sandboxed kernel ran each notebook, from kernel start to the last cell '
               "(the grading pipeline's <code>autograder_sandbox.seconds</code>); where that is missing, the span of "
               "the cells' execution timestamps that nbclient records (<code>cell.metadata.execution</code>), which "
               "leaves out the kernel start. Used here: %s.</p>" % e(", ".join(sources) or "none"))

    out.append("<h2>Students</h2>")
    spec = specs.get(assignment)
    legend = ""
    if spec:
        legend = " Columns of <i>marks</i>: %s." % e(", ".join(
            "%d=%s" % (i + 1, q.name) for i, q in enumerate(spec.questions)))
    out.append('<p class="muted"><i>marks</i>: + full points, ~ partial, x wrong, - no answer.%s</p>' % legend)
    out.append(_head("student", "score", "auto", "by hand", "late", "marks", "time (s)", "notes"))
    for r in students:
        notes = [n for n in (r["mistakes"], r["faults"]) if n]
        if r["needs_manual_grade"]:
            notes.append("needs a manual grade")
        out.append(_row(e(r["student"]), _Num("%s / %g" % (_num(r["score"]) or "&ndash;", r["max_score"])),
                        _Num(_num(r["auto_points"])), _Num(_num(r["manual_points"])),
                        _Num(_num(-r["late_penalty"]) if r["late_penalty"] else ""),
                        '<span class="marks">%s</span>' % e(r["marks"]), _Num(_num(r["seconds"], 1)),
                        e("; ".join(notes))))
    out.append("</tbody></table></body></html>")
    return "\n".join(out)


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
    questions = question_rows(assignment, subs)
    students = student_rows(assignment, subs, max_score)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(out_dir / "questions.csv", QUESTION_COLUMNS, questions)
    _write_csv(out_dir / "students.csv", STUDENT_COLUMNS, students)
    index = out_dir / "index.html"
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(render(assignment, subs, max_score, questions, students), encoding="utf-8")
    tmp.replace(index)
    return index
