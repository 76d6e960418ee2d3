"""The pages a student and a TA read, in a real browser with the network cut off: the feedback pages and the class
report of 02's graded smoke class (conftest.graded_course; no class is graded for these tests).

Debian's Chromium (browser.py) may reach only this machine: each test asserts that the page asked for nothing
else, that its formulas are MathML the browser laid out (no raw ``$...$``), that a hand-graded answer no one has
graded yet is shown as awaiting grading and not counted, and that no internal name reaches the page. Screenshots of
each kind of page go to artifacts/pages/. The formgrader's submission view is read the same way in
test_formgrader_browser.py, which runs the formgrader.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder import specs
from autograder.outputs import report
from autograder.outputs.report_page import _num
from browser import RAW_LATEX, assert_formulas_rendered, chromium_page, require_browser, shot

A = specs.get("02_losses")
[(MANUAL, MANUAL_POINTS)] = A.manual.items()
INTERNAL = ("question id:", "Grade cell:", "solution_", "Out[")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(graded_course) -> Path:
    require_browser()  # before the class is graded, where no browser can read it
    return graded_course(A.name)


def manual_grades(course: Path) -> dict[str, tuple[float | None, float | None]]:
    """{student: (manual score, automatic score)} of the hand-graded answer, as the gradebook holds them."""
    with Gradebook("sqlite:///%s" % (course / "gradebook.db"), course_id="dl-course") as gb:
        return {s.student.id: next((g.manual_score, g.auto_score) for g in s.notebooks[0].grades if g.name == MANUAL)
                for s in gb.assignment_submissions(A.name)}


def awaiting(course: Path) -> list[str]:
    return sorted(s for s, (manual, auto) in manual_grades(course).items() if manual is None and auto is None)


def test_feedback_page_renders_formulas_offline_and_leaves_pending_hand_grades_out(course):
    """A student whose written answer awaits a grader: MathML formulas with no network, "awaiting grading" in the
    summary and above the answer, the points so far (the gradebook's, which counts it as 0) out of the points
    graded so far, one numbering of the questions, and no cell ids, question ids or Out[n] counters."""
    pending = awaiting(course)
    assert "correct" in pending  # the correct student wrote an answer (the blank one did not: 0 by nbgrader)
    with Gradebook("sqlite:///%s" % (course / "gradebook.db"), course_id="dl-course") as gb:
        score, max_score = gb.find_submission(A.name, "correct").score, gb.find_assignment(A.name).max_score
    with chromium_page(width=1200) as page:
        page.goto((course / "feedback" / "correct" / A.name / (A.notebook + ".html")).as_uri())
        summary = page.locator(".autograder-summary")
        summary.wait_for()
        assert_formulas_rendered(page)
        assert page.blocked == [] and page.errors == []

        headline = summary.locator("h2").inner_text()
        assert headline == "Your results: %g of %g points so far, %g points awaiting grading" % (
            score, max_score - MANUAL_POINTS, MANUAL_POINTS)
        row = summary.locator("tr[data-status=pending]")
        assert row.count() == 1
        assert "awaiting grading" in row.inner_text() and "– / %g" % MANUAL_POINTS in row.inner_text()
        assert summary.locator("tr[data-status=manual]").count() == 0

        # one numbering: the summary's rows and the cells' banners say "Question n" with the same n and title
        numbers = [int(n) for n in summary.locator("tbody tr td:first-child").all_inner_texts()]
        assert numbers == list(range(1, len(A.questions) + len(A.manual) + 1))
        banners = page.locator(".nbgrader_cell .nbgrader-label").all_inner_texts()
        labelled = [b for b in banners if b.startswith("Question ")]
        assert [int(re.match(r"Question (\d+):", b).group(1)) for b in labelled] == numbers
        answer = page.locator(".nbgrader_cell", has=page.locator(".autograder-pending"))
        assert answer.count() == 1 and "Score:" not in answer.inner_text()

        text = page.locator("body").inner_text()
        assert not [name for name in INTERNAL if name in text]
        shot(page, "pages/feedback-summary.png")
        page.locator("mfrac").first.scroll_into_view_if_needed()
        shot(page, "pages/feedback-formula.png")
        answer.scroll_into_view_if_needed()
        shot(page, "pages/feedback-awaiting-grading.png")


def test_a_crash_is_stated_once_and_the_rows_it_left_ungraded_point_to_it(course):
    """The crashing student's page: each problem once, led by its question's number and title; every unanswered row
    says "not graded: ..." and points to it, without the error again; no cell id anywhere."""
    with chromium_page(width=1200) as page:
        page.goto((course / "feedback" / "crash" / A.name / (A.notebook + ".html")).as_uri())
        summary = page.locator(".autograder-summary")
        summary.wait_for()
        assert page.blocked == [] and page.errors == []
        problems = summary.locator(".autograder-problems li").all_inner_texts()
        assert problems and all(re.match(r"Question \d+: .+ — ", p) for p in problems), problems
        text = summary.inner_text()
        assert all(text.count(p) == 1 for p in problems)
        rows = summary.locator("tr[data-status='no answer']").all_inner_texts()
        assert rows and all("not graded: " in r and "(see the problem above)" in r for r in rows), rows
        assert not any(p.split(" — ", 1)[1] in r for p in problems for r in rows)
        assert not [name for name in INTERNAL if name in page.locator("body").inner_text()]
        shot(page, "pages/feedback-problems.png", summary)


def test_class_report_counts_answers_awaiting_grading(course, tmp_path):
    """The report's hand-graded row: its heading's title, its number as on the feedback pages, how many answers await
    a grader, and a mean of the grades given so far only, saying of how many (none yet: no mean, not 0); the page
    fetches nothing."""
    index = report.write(course, A.name, out_dir=tmp_path)
    grades = manual_grades(course)
    given = [m if m is not None else a for m, a in grades.values() if m is not None or a is not None]
    waiting = len(grades) - len(given)
    assert waiting == len(awaiting(course)) > 0
    with chromium_page(width=1300) as page:
        page.goto(index.as_uri())
        page.wait_for_load_state("load")
        assert page.blocked == [] and page.errors == []
        row = page.locator("tr", has=page.locator("td", has_text="losses.%s" % MANUAL))
        cells = row.locator("td").all_inner_texts()
        header = page.locator("table", has=row).locator("th").all_inner_texts()
        got = dict(zip(header, cells))
        assert got["title"] == "Check your understanding (graded by hand)"
        assert int(got["awaiting grading"]) == waiting
        mean = sum(given) / len(given) if given else None
        assert got["mean"] == ("none graded yet" if mean is None else
                               "%s (%s%%)" % (_num(mean), _num(100 * mean / MANUAL_POINTS, 1))
                               + ("\nof %d graded" % len(given) if waiting else ""))
        assert int(got["#"]) == [i.grade_id for i in report.layout_of(course, A.name).items].index(MANUAL) + 1
        assert not RAW_LATEX.search(page.locator("body").inner_text())
        row.scroll_into_view_if_needed()
        shot(page, "pages/report-questions.png")

