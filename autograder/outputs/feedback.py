"""Feedback pages: nbgrader's own ``generate_feedback``, with the judge's verdicts first.

The autograded notebooks already hold only what students may see (docs/design.md, rule 6): each grade cell's
hidden checks are replaced by a note and its output by the verdict. ``FeedbackSummary`` (wired
into ``GenerateFeedback.preprocessors``, after nbgrader's ``GetGrades``) adds a table at the top:
per question the points, the verdict and the hint, then the hand-graded answers with the grader's
score and comment, so the page reads well before a student scrolls.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import grading
from ..pipeline.judge_cells import recorded
from ..judging.judge import STATUS_COLOR, STATUS_MARK

STATUS_BACKGROUND = {"correct": "#dafbe1", "partial": "#fff8c5", "incorrect": "#ffebe9", "no answer": "#ffebe9"}
CELL = "padding:6px 10px;border-bottom:1px solid #d0d7de;vertical-align:top;text-align:left"
HEAD = "padding:6px 10px;border-bottom:2px solid #8c959f;text-align:left;white-space:nowrap"


class FeedbackSummary(NbGraderPreprocessor):
    """Insert a summary of the verdicts as the first cell of the feedback page."""

    def preprocess(self, nb, resources):
        rows, manual = [], []
        heading = ""
        for cell in nb.cells:
            if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
                heading = re.sub(r"^\d+[.)]\s*", "", cell.source.lstrip().splitlines()[0].lstrip("#").strip())
            meta = cell.get("metadata", {})
            v = meta.get("autograder", {}).get("verdict")
            if v:
                rows.append(dict(v, anchor=meta.get("nbgrader", {}).get("grade_id")))
                continue
            nbg = meta.get("nbgrader", {})
            if isinstance(nbg, dict) and nbg.get("grade") and nbg.get("solution"):  # answered and graded by hand
                manual.append({"grade_id": nbg.get("grade_id"), "title": heading or nbg.get("grade_id"),
                               "score": nbg.get("score"), "points": nbg.get("points"),
                               "comment": nbg.get("comment")})
        if not rows:
            return nb, resources
        info = resources.get("nbgrader", {}) if isinstance(resources, dict) else {}
        faults = [f.message for f in recorded(nb, run=False)]
        nb.cells.insert(0, new_markdown_cell(summary_markdown(
            rows, faults, manual=manual, late_penalty=info.get("late_penalty") or 0.0,
            total=info.get("score"), max_total=info.get("max_score"))))
        return nb, resources


def _badge(status: str) -> str:
    return ('<span style="background:%s;color:%s;border-radius:10px;padding:1px 8px;white-space:nowrap;'
            'font-weight:600">%s %s</span>' % (STATUS_BACKGROUND[status], STATUS_COLOR[status],
                                               STATUS_MARK[status], html.escape(status)))


def _what_to_look_at(v: dict) -> str:
    e = html.escape
    if v.get("mistake"):
        return "<b>%s.</b> %s" % (e(v["mistake"]["title"]), e(v["mistake"]["hint"]))
    if v["status"] == "correct":
        return '<span style="color:#57606a">all checks passed</span>'
    return e(v["message"])


def summary_markdown(verdicts: list[dict], faults: list[str], *, manual: list[dict] | None = None,
                     late_penalty: float = 0.0, total: float | None = None,
                     max_total: float | None = None) -> str:
    """The summary cell: per question the points, the verdict and the hint; hand-graded answers; faults.

    ``total``/``max_total`` are the notebook's score after the late penalty and its maximum, as nbgrader's
    ``GetGrades`` puts them in the resources; without them the auto-graded points are the headline.
    """
    e = html.escape
    manual = manual or []
    got = sum(v["points"] for v in verdicts)
    auto_max = sum(v["max_points"] for v in verdicts)
    # nbgrader's feedback template lists every graded cell as "Test cell (Score: ...)" above the notebook; this
    # table says the same with verdicts, hints and links, so that list is hidden and the table comes first
    lines = ["<style>div#toc{display:none}</style>",
             '<div class="autograder-summary" style="font-size:15px;line-height:1.45;margin-bottom:1.5em">']
    if total is not None and max_total:
        lines.append("<h2>Your results: %g / %g points</h2>" % (round(total, 2), max_total))
        parts = ["auto-graded %g / %g" % (round(got, 2), auto_max)]
        if manual:
            done = [m for m in manual if m["score"] is not None]
            parts.append("graded by hand %g / %g" % (sum(m["score"] for m in done),
                                                     sum(m["points"] or 0 for m in manual))
                         + ("" if len(done) == len(manual) else " (not all graded yet)"))
        if late_penalty:
            parts.append('<span style="color:#cf222e">late penalty &minus;%g</span>' % late_penalty)
        lines.append("<p>%s</p>" % " &middot; ".join(parts))
    else:
        lines.append("<h2>Your results: %g / %g auto-graded points</h2>" % (round(got, 2), auto_max))
    if faults:
        lines.append('<p style="background:#fff8c5;border-left:4px solid #9a6700;padding:6px 10px">'
                     "<b>Problems while running your notebook:</b> %s</p>" % e("; ".join(faults)))
    lines.append('<table class="autograder-summary-table" style="border-collapse:collapse;width:100%%;'
                 'table-layout:auto"><thead><tr>%s</tr></thead><tbody>' % "".join(
                     '<th style="%s">%s</th>' % (HEAD, h) for h in ("#", "Question", "Points", "Verdict",
                                                                   "What to look at")))
    for i, v in enumerate(verdicts, 1):
        title = e(v["title"])
        if v.get("anchor"):
            title = '<a href="#%s">%s</a>' % (e(v["anchor"]), title)
        lines.append('<tr data-status="%s"><td style="%s;color:#57606a">%d</td><td style="%s">%s</td>'
                     '<td style="%s;white-space:nowrap"><b>%g</b> / %g</td><td style="%s">%s</td>'
                     '<td style="%s">%s</td></tr>' % (
                         e(v["status"]), CELL, i, CELL, title, CELL, v["points"], v["max_points"], CELL,
                         _badge(v["status"]), CELL, _what_to_look_at(v)))
    i = len(verdicts)
    for m in manual:
        i += 1
        graded = m["score"] is not None
        points = "<b>%g</b> / %g" % (m["score"], m["points"] or 0) if graded else "&ndash; / %g" % (m["points"] or 0)
        badge = ('<span style="background:#ddf4ff;color:#0969da;border-radius:10px;padding:1px 8px;'
                 'white-space:nowrap;font-weight:600">%s</span>'
                 % ("✎ graded by hand" if graded else "⧗ not graded yet"))
        title = e(str(m["title"]))
        if m.get("grade_id"):
            title = '<a href="#%s">%s</a>' % (e(m["grade_id"]), title)
        comment = e(m["comment"]) if m.get("comment") else '<span style="color:#57606a">no comment</span>'
        lines.append('<tr data-status="manual"><td style="%s;color:#57606a">%d</td><td style="%s">%s</td>'
                     '<td style="%s;white-space:nowrap">%s</td><td style="%s">%s</td><td style="%s">%s</td></tr>'
                     % (CELL, i, CELL, title, CELL, points, CELL, badge, CELL, comment))
    lines.append("</tbody></table>")
    note = "Each question's full verdict, with every check, is shown under its grading cell below."
    if not manual:
        note = "Hand-graded answers are added by the course staff. " + note
    lines.append('<p style="color:#57606a">%s</p></div>' % note)
    return "\n".join(lines)


def generate(root: Path, assignment: str, student: str | None = None, quiet: bool = True):
    args = ["generate_feedback", assignment, "--force"]
    if student:
        args.append("--student=" + student)
    return grading.nbgrader(root, *args, quiet=quiet, check=False)
