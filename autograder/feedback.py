"""Feedback pages: nbgrader's own ``generate_feedback``, with the judge's verdicts first.

The autograded notebooks already hold only what students may see (rule 6): each grade cell's
hidden checks are replaced by a note and its output by the verdict. ``FeedbackSummary`` (wired
into ``GenerateFeedback.preprocessors``) adds a table at the top: per question the points, the
verdict and the hint, so the page reads well before a student scrolls.
"""
from __future__ import annotations

import html
from pathlib import Path

from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor

from . import grading
from .judge import STATUS_MARK


class FeedbackSummary(NbGraderPreprocessor):
    """Insert a summary of the verdicts as the first cell of the feedback page."""

    def preprocess(self, nb, resources):
        rows = []
        for cell in nb.cells:
            v = cell.get("metadata", {}).get("autograder", {}).get("verdict")
            if v:
                rows.append(v)
        if not rows:
            return nb, resources
        nb.cells.insert(0, new_markdown_cell(summary_markdown(rows, nb.metadata.get("autograder", {}).get("faults", []))))
        return nb, resources


def summary_markdown(verdicts: list[dict], faults: list[str]) -> str:
    e = html.escape
    got = sum(v["points"] for v in verdicts)
    total = sum(v["max_points"] for v in verdicts)
    lines = ['<div class="autograder-summary">', "<h2>Your results: %g / %g auto-graded points</h2>" % (got, total)]
    if faults:
        lines.append("<p><b>Problems while running your notebook:</b> %s</p>" % e("; ".join(faults)))
    lines.append("<table><thead><tr><th>Question</th><th>Points</th><th>Verdict</th><th>What to look at</th></tr>"
                 "</thead><tbody>")
    for v in verdicts:
        hint = ""
        if v.get("mistake"):
            hint = "<b>%s.</b> %s" % (e(v["mistake"]["title"]), e(v["mistake"]["hint"]))
        elif v["status"] != "correct":
            hint = e(v["message"])
        lines.append("<tr><td>%s</td><td>%g / %g</td><td>%s %s</td><td>%s</td></tr>" % (
            e(v["title"]), v["points"], v["max_points"], STATUS_MARK[v["status"]], e(v["status"]), hint))
    lines.append("</tbody></table>")
    lines.append("<p>Hand-graded answers are added by the course staff. Each question's full verdict is shown "
                 "under its grading cell below.</p></div>")
    return "\n".join(lines)


def generate(root: Path, assignment: str, student: str | None = None, quiet: bool = True):
    args = ["generate_feedback", assignment, "--force"]
    if student:
        args.append("--student=" + student)
    return grading.nbgrader(root, *args, quiet=quiet, check=False)
