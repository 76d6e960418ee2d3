"""Feedback pages: nbgrader's own ``generate_feedback``, with the judge's verdicts first.

The autograded notebooks already hold only what students may see (docs/design.md, rule 6): each grade cell's
hidden checks are replaced by a note and its output by the verdict. ``FeedbackSummary`` (wired
into ``GenerateFeedback.preprocessors``, after nbgrader's ``GetGrades``) adds a table at the top:
per question the points, the verdict and the hint, then the hand-graded answers with the grader's
score and comment, so the page reads well before a student scrolls.
"""
from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

from nbformat.v4 import new_markdown_cell
from nbconvert.preprocessors import Preprocessor
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import grading
from ..pipeline.judge_cells import STATE_KEY, recorded
from . import pages
from ..faults import Fault
from ..judging.judge import STATUS_COLOR, STATUS_MARK, builds_on_text

STATUS_BACKGROUND = {"correct": "#dafbe1", "partial": "#fff8c5", "incorrect": "#ffebe9", "no answer": "#ffebe9"}
CELL = "padding:6px 10px;border-bottom:1px solid #d0d7de;vertical-align:top;text-align:left"
HEAD = "padding:6px 10px;border-bottom:2px solid #8c959f;text-align:left;white-space:nowrap"


class FeedbackSummary(NbGraderPreprocessor):
    """Insert a summary of the verdicts as the first cell of the feedback page.

    A hand-graded answer no one has graded yet (no manual score in the gradebook, and nbgrader gave it none
    because the student changed it) is *awaiting grading*: nbgrader counts it as 0, the page leaves it out
    of the points so far and says how many points still await a grader. Its cell is marked for the page's
    template (``autograder.pending``), which shows "awaiting grading" instead of a score.
    """

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {}) if isinstance(resources, dict) else {}
        items = pages.graded_cells(nb)
        if not any(i["verdict"] for i in items):
            return nb, resources
        pending = awaiting_grading(info, [i["grade_id"] for i in items if i["verdict"] is None])
        for i in items:
            if i["grade_id"] in pending:
                i["cell"].metadata.setdefault(STATE_KEY, {})["pending"] = True
        rows, faults = summary_rows(nb, items, pending)
        nb.cells.insert(0, new_markdown_cell(summary_markdown(
            rows, faults, late_penalty=info.get("late_penalty") or 0.0,
            total=info.get("score"), max_total=info.get("max_score"))))
        return nb, resources


class FormgraderSummary(Preprocessor):
    """The formgrader's submission view opens with the same table, for the TA: each hand-graded answer's row
    links to its score box (which may sit thousands of pixels down the page). An HTML exporter's step
    (nbgrader_config.py); it acts only on the formgrader's pages (their resources name the submission)."""

    def preprocess(self, nb, resources):
        items = pages.graded_cells(nb)
        if "submission_id" not in resources or not any(i["verdict"] for i in items):
            return nb, resources
        rows, faults = summary_rows(nb, items, set())
        for r in rows:
            if r.get("manual"):
                r["score"], r["staff"] = None, True
        nb.cells.insert(0, new_markdown_cell(summary_markdown(rows, faults, staff=True)))
        return nb, resources


def summary_rows(nb, items: list[dict], pending: set[str]) -> tuple[list[dict], list[str]]:
    """The summary's rows (see :func:`summary_markdown`) and the faults of the run, cells named as on the page."""
    names, where = pages.cell_names(nb), pages.questions_of_cells(nb)
    rows = []
    for i in items:
        nbg = i["cell"].metadata.get("nbgrader", {})
        if i["verdict"] is not None:
            rows.append(dict(i["verdict"], number=i["number"], anchor=i["grade_id"],
                             message=pages.readable(i["verdict"]["message"], names),
                             ended_before=pages.ended_before(i, where)))
        else:
            rows.append({"manual": True, "number": i["number"], "anchor": i["grade_id"], "title": i["title"],
                         "score": None if i["grade_id"] in pending else nbg.get("score"),
                         "points": nbg.get("points") or 0, "comment": nbg.get("comment")})
    return rows, [pages.fault_text(nb, f.message, f.cell) for f in recorded(nb)]


def awaiting_grading(info: dict, grade_ids: list[str]) -> set[str]:
    """The hand-graded cells of this submission that have neither a manual nor an automatic score yet."""
    if not grade_ids or not info.get("db_url"):
        return set()
    from nbgrader.api import Gradebook

    with Gradebook(info["db_url"]) as gb:
        grades = [gb.find_grade(g, info["notebook"], info["assignment"], info["student"]) for g in grade_ids]
        return {g.name for g in grades if g.manual_score is None and g.auto_score is None}


def _badge(status: str) -> str:
    return ('<span style="background:%s;color:%s;border-radius:10px;padding:1px 8px;white-space:nowrap;'
            'font-weight:600">%s %s</span>' % (STATUS_BACKGROUND[status], STATUS_COLOR[status],
                                               STATUS_MARK[status], html.escape(status)))


def _what_to_look_at(v: dict) -> str:
    e = html.escape
    if v.get("mistake"):
        builds_on = " <i>%s</i>" % e(builds_on_text(v)) if v.get("builds_on") else ""
        return "<b>%s.</b> %s%s" % (e(v["mistake"]["title"]), e(v["mistake"]["hint"]), builds_on)
    if v["status"] == "correct":
        return '<span style="color:#57606a">all checks passed</span>'
    if v["status"] == "no answer" and isinstance(v.get("cause"), dict):
        return "not graded: %s%s" % (e(cause_brief(v["cause"], v.get("ended_before", True))), pages.SEE_ABOVE)
    return e(v["message"])


RUN_ENDED_IN = {Fault.KERNEL_DIED: "the kernel died", Fault.KERNEL_FAILED: "the kernel failed",
                Fault.UNRESPONSIVE: "the kernel stopped answering",
                Fault.NOTEBOOK_TIMEOUT: "the notebook ran out of time", Fault.NOT_RUN: "the notebook's run ended"}


def cause_brief(cause: dict, before: bool = True) -> str:
    """What stopped a question from being graded, in a few words (the list of problems states it in full); a run
    that ended in the question's own answer (not ``before`` it) is named by what happened there."""
    kind = Fault.of_error(cause.get("kind"))
    if kind == Fault.DAMAGED:
        return "the notebook file could not be read"
    if kind is not None and kind.ends_notebook:
        return (pages.RUN_ENDED % "question" if before
                else "%s in your answer" % RUN_ENDED_IN[kind])
    return {Fault.CELL_TIMEOUT: "your answer timed out", Fault.STUB: "your answer still holds the stub",
            Fault.CELL_ERROR: "your answer raised an error"}.get(kind, "a problem while running your notebook")


def _headline(rows: list[dict], total: float | None, max_total: float | None, late_penalty: float,
              staff: bool = False) -> list[str]:
    """The points so far: graded answers only; what still awaits a grader is named, not counted."""
    auto = [r for r in rows if not r.get("manual")]
    manual = [r for r in rows if r.get("manual")]
    waiting = [r for r in manual if r["score"] is None]
    got = sum(r["points"] for r in auto)
    auto_max = sum(r["max_points"] for r in auto)
    if staff:
        return ["<h2>Auto-graded: %g / %g points</h2>" % (round(got, 2), auto_max),
                "<p>%d %s to grade by hand below (%g points): each row's link leads to its score box.</p>"
                % (len(manual), "answer" if len(manual) == 1 else "answers", sum(r["points"] for r in manual))]
    if total is None or not max_total:
        return ["<h2>Your results: %g / %g auto-graded points</h2>" % (round(got, 2), auto_max)]
    open_points = sum(r["points"] for r in waiting)
    if waiting:
        head = "<h2>Your results: %g of %g points so far, %g points awaiting grading</h2>" % (
            round(total, 2), max_total - open_points, open_points)
    else:
        head = "<h2>Your results: %g / %g points</h2>" % (round(total, 2), max_total)
    parts = ["auto-graded %g / %g" % (round(got, 2), auto_max)]
    done = [r for r in manual if r["score"] is not None]
    if done:
        parts.append("graded by hand %g / %g" % (sum(r["score"] for r in done), sum(r["points"] for r in done)))
    if waiting:
        parts.append("%d %s awaiting grading (%g points, not counted yet)" % (
            len(waiting), "answer" if len(waiting) == 1 else "answers", open_points))
    if late_penalty:
        parts.append('<span style="color:#cf222e">late penalty &minus;%g</span>' % late_penalty)
    return [head, "<p>%s</p>" % " &middot; ".join(parts)]


def _manual_row(r: dict) -> str:
    e = html.escape
    if r.get("staff"):  # the formgrader: the score box is on the page, the row leads to it
        return ('<tr data-status="manual"><td style="%s;color:#57606a">%d</td><td style="%s">%s</td>'
                '<td style="%s;white-space:nowrap">/ %g</td><td style="%s">%s</td><td style="%s">'
                '<a href="#%s">grade this answer</a></td></tr>'
                % (CELL, r["number"], CELL, _title(r), CELL, r["points"], CELL, _badge_text("✎ graded by hand"),
                   CELL, e(r["anchor"])))
    graded = r["score"] is not None
    points = "<b>%g</b> / %g" % (r["score"], r["points"]) if graded else "&ndash; / %g" % r["points"]
    badge = _badge_text("✎ graded by hand" if graded else "awaiting grading")
    if r.get("comment"):
        comment = e(r["comment"])
    else:
        comment = '<span style="color:#57606a">%s</span>' % (
            "no comment" if graded else "a member of the course staff will grade this answer")
    return ('<tr data-status="%s"><td style="%s;color:#57606a">%d</td><td style="%s">%s</td>'
            '<td style="%s;white-space:nowrap">%s</td><td style="%s">%s</td><td style="%s">%s</td></tr>'
            % ("manual" if graded else "pending", CELL, r["number"], CELL, _title(r), CELL, points, CELL, badge,
               CELL, comment))


def _badge_text(text: str) -> str:
    return ('<span style="background:#ddf4ff;color:#0969da;border-radius:10px;padding:1px 8px;'
            'white-space:nowrap;font-weight:600">%s</span>' % text)


def _title(r: dict) -> str:
    title = html.escape(str(r["title"]))
    return '<a href="#%s">%s</a>' % (html.escape(r["anchor"]), title) if r.get("anchor") else title


def summary_markdown(rows: list[dict], faults: list[str], *, late_penalty: float = 0.0,
                     total: float | None = None, max_total: float | None = None, staff: bool = False) -> str:
    """The summary cell: per question (in notebook order, numbered as on the rest of the page) the points, the
    verdict and the hint, or for a hand-graded answer its grade and comment; the faults of the run.

    ``rows``: a judge's verdict with ``number`` and ``anchor`` added, or for a hand-graded answer
    ``{"manual": True, number, anchor, title, score (None: awaiting grading), points, comment}``.
    ``total``/``max_total`` are the notebook's score after the late penalty and its maximum, as nbgrader's
    ``GetGrades`` puts them in the resources; without them the auto-graded points are the headline.
    ``staff``: the formgrader's version (a TA reads it; nbgrader's own page around it is left as it is).
    """
    e = html.escape
    # nbgrader's feedback template lists every graded cell as "Test cell (Score: ...)" above the notebook and
    # heads the page with the notebook's score, answers awaiting grading counted as 0; this table says it with
    # verdicts, hints and links, so that heading is hidden and the table comes first
    lines = [] if staff else ["<style>div#toc,body>.container>.panel>.panel-heading{display:none}</style>"]
    lines.append('<div class="autograder-summary" style="font-size:15px;line-height:1.45;margin-bottom:1.5em">')
    lines += _headline(rows, total, max_total, late_penalty, staff)
    if faults:  # each cause once, led by its question; the rows it left ungraded point here
        lines.append('<div class="autograder-problems" style="background:#fff8c5;border-left:4px solid #9a6700;'
                     'padding:6px 10px"><b>Problems while running %s notebook:</b><ul style="margin:4px 0">%s'
                     "</ul></div>" % ("the" if staff else "your", "".join("<li>%s</li>" % e(f) for f in faults)))
    lines.append('<table class="autograder-summary-table" style="border-collapse:collapse;width:100%%;'
                 'table-layout:auto"><thead><tr>%s</tr></thead><tbody>' % "".join(
                     '<th style="%s">%s</th>' % (HEAD, h) for h in ("#", "Question", "Points", "Verdict",
                                                                   "What to look at")))
    for r in rows:
        if r.get("manual"):
            lines.append(_manual_row(r))
            continue
        lines.append('<tr data-status="%s"><td style="%s;color:#57606a">%d</td><td style="%s">%s</td>'
                     '<td style="%s;white-space:nowrap"><b>%g</b> / %g</td><td style="%s">%s</td>'
                     '<td style="%s">%s</td></tr>' % (
                         e(r["status"]), CELL, r["number"], CELL, _title(r), CELL, r["points"], r["max_points"],
                         CELL, _badge(r["status"]), CELL, _what_to_look_at(r)))
    lines.append("</tbody></table>")
    note = "Each question's full verdict, with every check, is shown under its grading cell below."
    if not staff and not any(r.get("manual") for r in rows):
        note = "Hand-graded answers are added by the course staff. " + note
    lines.append('<p style="color:#57606a">%s</p></div>' % note)
    return "\n".join(lines)


def generate(root: Path, assignment: str, student: str | None = None, quiet: bool = True
             ) -> subprocess.CompletedProcess:
    """What ``nbgrader generate_feedback ASSIGNMENT --force [--student=STUDENT]`` does, by nbgrader's converter in
    this process (:func:`autograder.grading.convert`): the pages of every autograded submission, or the
    student's. Returns what the command would (exit 1 where a page could not be written), with nbgrader's log."""
    import warnings

    from nbgrader.converters import GenerateFeedback

    args = ["nbgrader", "generate_feedback", assignment, "--force"] + (["--student=" + student] if student else [])
    with warnings.catch_warnings():
        # nbconvert warns, once per page, that the probes' report output has no HTML form (it is meant for the
        # judge, not the page); the command's log hides it too
        warnings.simplefilter("ignore", UserWarning)
        try:
            log, code = grading.convert(root, GenerateFeedback, assignment, student), 0
        except grading.GradingError as exc:
            log, code = str(exc), 1
    if not quiet:
        sys.stdout.write(log)
    return subprocess.CompletedProcess(args, code, stdout=log)
