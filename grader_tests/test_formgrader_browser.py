"""The TA's side in a real browser: nbgrader's formgrader in JupyterLab, and the students' feedback page.

A graded class in a temporary course; `jupyter lab` serves it on 127.0.0.1 (a free port, a token);
headless Chromium (Debian's, driven by Playwright) opens JupyterLab, opens the formgrader from the
Nbgrader menu, and, inside the formgrader's frame, does what a TA does: find a submission, read the
judge's verdicts, grade the hand-graded answer, comment, generate and release feedback. The
gradebook must then hold the grade and the comment, and the released feedback must show them.
Screenshots go to artifacts/.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import notebook_hash

from autograder.outputs import feedback
from autograder import specs, synth
from browser import assert_formulas_rendered, chromium_page, require_browser, shot
from e2e import JOBS, TIMEOUT, copy_course, use_shared_banknote
from autograder.runner import run
from jupyter_app import jupyter_app

A = specs.get("02_losses")  # numpy only: its kernels start in a second, where 01's import Keras (7 CPU-seconds)
[(MANUAL, MANUAL_POINTS)] = A.manual.items()  # the hand-graded answer the TA grades
STUDENTS = ["correct", "mistakes-1", "blank"]
GRADE, COMMENT = 1.5, "Right idea. Say which way the loss moves when the mouse nudges a weight."

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A graded class whose submissions carry the secret that `nbgrader submit` writes and `collect` keeps.

    nbgrader's release_feedback names each released page by a hash of that secret (the student's
    fetch_feedback finds it the same way), so feedback can be released only for such submissions.
    """
    require_browser()  # before minutes of grading
    use_shared_banknote()
    root = copy_course(tmp_path_factory.mktemp("formgrader02"))
    by = {s.name: s for s in synth.test_class(A)}
    synth.build_class(root, A.name, [by[n] for n in STUDENTS])
    for student in STUDENTS:
        (root / "submitted" / student / A.name / "submission_secret.txt").write_text(secret_of(student))
    assert not run(root, A.name, jobs=JOBS, timeout=TIMEOUT, progress=False).failed
    feedback.generate(root, A.name)
    return root


def secret_of(student: str) -> str:
    return hashlib.sha256(("secret of " + student).encode()).hexdigest() * 2


@pytest.fixture(scope="module")
def server(course, tmp_path_factory):
    """`jupyter lab` on the course, as docs/ta-guide.md starts it, with a private exchange and Jupyter dirs."""
    home = tmp_path_factory.mktemp("jupyter")
    exchange = home / "exchange"
    exchange.mkdir()
    (home / "config").mkdir()
    settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no news, no update checks: the page asks nothing and fetches nothing
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    (home / "config" / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\nc.Exchange.root = %r\n" % str(exchange))
    lab = ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    with jupyter_app("lab", course, home, lab) as server:
        yield dict(server, exchange=exchange)


def gradebook(course: Path) -> Gradebook:
    return Gradebook("sqlite:///%s" % (course / "gradebook.db"), course_id="dl-course")


def open_formgrader(page, server):
    """JupyterLab, then Nbgrader > Formgrader: the formgrader opens in a panel, as an iframe."""
    page.goto("%s/lab?token=%s" % (server["base"], server["token"]))
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click(timeout=90_000)
    page.locator(".lm-Menu-itemLabel").get_by_text("Formgrader", exact=True).click()
    frame = page.frame_locator("iframe").first
    frame.get_by_role("link", name="Manual Grading").wait_for(timeout=60_000)
    return frame


def modal_text(fg, timeout: float) -> str:
    """The text of the formgrader's result dialog (success or error) once it is fully shown."""
    dialog = fg.locator("#success-modal.in, #error-modal.in")
    dialog.wait_for(timeout=timeout)
    fg.locator(".modal-backdrop.in").wait_for()
    time.sleep(0.5)  # bootstrap's fade-in
    return dialog.inner_text()


def close_modal(fg) -> None:
    fg.locator(".modal.in .modal-footer button").click()
    fg.locator(".modal").wait_for(state="detached")
    fg.locator(".modal-backdrop").wait_for(state="detached")


def test_ta_grades_comments_and_releases_feedback_in_the_formgrader(course, server):
    """A hand grade and a comment entered in the formgrader's own UI reach the gradebook and the feedback."""
    with chromium_page() as page:
        fg = open_formgrader(page, server)
        fg.get_by_role("link", name=A.name, exact=True).wait_for()  # the table is filled from the REST API
        shot(page, "formgrader-1-manage-assignments.png")

        # Manual Grading > assignment > notebook: one row per submission, names revealed
        fg.get_by_role("link", name="Manual Grading").click()
        fg.get_by_role("link", name=A.name).click()
        fg.get_by_role("link", name=A.notebook, exact=True).click()
        fg.locator("#main-table a.name-hidden").first.wait_for()
        fg.get_by_text("Show All Names").click()
        for student in STUDENTS:
            assert fg.get_by_role("link", name=student, exact=True).is_visible()
        assert fg.locator("#main-table tr").count() == len(STUDENTS)
        shot(page, "formgrader-2-submissions.png")

        # one submission: the judge's verdicts are what the TA reads under every graded cell
        fg.get_by_role("link", name="mistakes-1", exact=True).click()
        fg.locator("#" + MANUAL).wait_for()
        verdicts = fg.locator(".autograder-verdict")
        assert verdicts.count() == len(A.questions)
        text = fg.locator("body").inner_text()
        assert text.count("Known mistake:") == len([q for q in A.questions if q.mistakes])
        assert "BEGIN HIDDEN TESTS" not in text and "_autograder.ask" not in text
        verdicts.first.scroll_into_view_if_needed()
        shot(page, "formgrader-3-verdict.png")

        # the hand-graded answer: a score (MANUAL_POINTS at most) and a comment, saved when the field loses focus
        score = fg.locator("#" + MANUAL)
        score.scroll_into_view_if_needed()
        with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as put:
            score.fill(str(GRADE))
            score.press("Tab")
        assert put.value.ok and put.value.json()["manual_score"] == GRADE
        comment = fg.locator("#%s-comment" % MANUAL)
        with page.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT") as put:
            comment.fill(COMMENT)
            comment.press("Tab")
        assert put.value.ok and put.value.json()["manual_comment"] == COMMENT
        shot(page, "formgrader-4-manual-grade.png")

        with gradebook(course) as gb:
            grade = gb.find_grade(MANUAL, A.notebook, A.name, "mistakes-1")
            assert grade.manual_score == GRADE and grade.max_score == MANUAL_POINTS
            assert gb.find_comment(MANUAL, A.notebook, A.name, "mistakes-1").manual_comment == COMMENT
            assert not gb.find_submission(A.name, "mistakes-1").needs_manual_grade

        # Manage Assignments: generate feedback, then release it to the exchange
        fg.get_by_role("link", name="Manual Grading").click()  # back to the formgrader's own pages
        fg.get_by_role("link", name="Manage Assignments").click()
        row = fg.locator("tr", has=fg.get_by_role("link", name=A.name, exact=True))
        row.locator(".generate-feedback a").click()
        assert "Successfully generated feedback" in modal_text(fg, timeout=180_000)
        shot(page, "formgrader-5-feedback-generated.png")
        close_modal(fg)
        row.locator(".release-feedback a").click()
        assert "Successfully released feedback" in modal_text(fg, timeout=60_000)
        shot(page, "formgrader-6-feedback-released.png")
        close_modal(fg)

    page_html = (course / "feedback" / "mistakes-1" / A.name / (A.notebook + ".html")).read_text()
    assert COMMENT.replace(".", "") in page_html.replace(".", "")
    outbound = server["exchange"] / "dl-course" / "feedback"
    assert len(list(outbound.glob("*.html"))) == len(STUDENTS)
    released = outbound / ("%s.html" % notebook_hash(secret=secret_of("mistakes-1"), notebook_id=A.notebook))
    assert released.read_text() == page_html, "the student fetches exactly the page the TA generated"


def test_feedback_page_leads_with_points_verdict_and_hint(course):
    """A submission with many different mistakes: the summary table comes first and names each one."""
    student = next(s for s in synth.test_class(A) if s.name == "mistakes-1")
    page_path = course / "feedback" / student.name / A.name / (A.notebook + ".html")
    with chromium_page(width=1200) as page:
        page.goto(page_path.as_uri())
        summary = page.locator(".autograder-summary")
        summary.wait_for()
        rows = summary.locator("tbody tr[data-status]:not([data-status=manual]):not([data-status=pending])")
        assert rows.count() == len(A.questions)
        titles = {m.id: m.title for q in A.questions for m in q.mistakes}
        text = summary.inner_text()
        for mistake_id in student.mistakes:
            assert titles[mistake_id] in text
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td")
            assert cells.nth(2).inner_text().count("/") == 1  # points
            assert cells.nth(3).inner_text().split()[-1] in ("correct", "partial", "incorrect", "answer")
            assert cells.nth(4).inner_text().strip()  # the hint, or what was checked
        assert len({rows.nth(i).get_attribute("data-status") for i in range(rows.count())}) >= 2
        # the summary opens the page (nbgrader's list of "Test cell" links gives way to it), above the
        # notebook's own first heading, and its links lead to the cells
        box = summary.bounding_box()
        assert box["y"] < 250 and not page.locator("#toc").is_visible()
        first_heading = page.locator("h1", has_text="Assignment 02").first.bounding_box()
        assert box["y"] < first_heading["y"]
        assert page.locator("a[name=%s]" % A.questions[0].name).count() == 1
        shot(page, "feedback-mistakes-1-page.png")
        shot(page, "feedback-mistakes-1-summary.png", summary)
        assert not [e for e in page.errors if "ERR_FAILED" not in e and "ERR_NAME_NOT_RESOLVED" not in e]


def test_submission_view_opens_with_the_summary_and_renders_formulas_offline(course, server):
    """The formgrader's submission view of an answer awaiting grading, opened as a TA's bookmark (its URL with the
    token), with the network cut off: the feedback page's summary table first, its hand-graded row a link to the
    score box; MathML formulas, no script from elsewhere; a verdict under every judged cell but neither its
    question id nor the points nbgrader printed there (Out[n]); the formgrader's own scripts still fill the
    score boxes (the judge's points) once they ask the API with the login the bookmark's token gave (the
    server's cookie path, docs/ta-guide.md), and the hand-graded answer's box stays empty."""
    with gradebook(course) as gb:
        submission = gb.find_submission_notebook(A.notebook, A.name, "correct")
        sid, pending = submission.id, gb.find_grade(MANUAL, A.notebook, A.name, "correct").manual_score is None
    assert pending
    first = A.questions[0]
    with chromium_page() as page:
        page.goto("%s/formgrader/submissions/%s/?token=%s" % (server["base"], sid, server["token"]))
        # the judge's points are the placeholder of a score box (a TA's number would be its value)
        page.wait_for_function("id => document.getElementById(id) && document.getElementById(id).placeholder",
                               arg=first.name, timeout=60_000)
        assert float(page.locator("#" + first.name).get_attribute("placeholder")) == first.points
        manual = page.locator("#" + MANUAL)
        assert manual.input_value() == "" and not manual.get_attribute("placeholder")
        assert_formulas_rendered(page)
        assert page.blocked == [] and page.errors == []

        summary = page.locator(".autograder-summary")
        assert summary.bounding_box()["y"] < page.locator(".autograder-verdict").first.bounding_box()["y"]
        assert summary.locator("tbody tr").count() == len(A.questions) + len(A.manual)
        shot(page, "pages/formgrader-submission.png")
        link = summary.locator("tr[data-status=manual] a[href='#%s']" % MANUAL).last
        assert link.inner_text() == "grade this answer"
        link.click()
        page.wait_for_function("id => { const r = document.getElementById(id).getBoundingClientRect();"
                               " return r.top >= 0 && r.bottom <= window.innerHeight; }", arg=MANUAL)
        shot(page, "pages/formgrader-answer-to-grade.png")

        assert page.locator(".autograder-verdict").count() == len(A.questions)
        text = page.locator("body").inner_text()
        assert "question id:" not in text and "Out[" not in text
        # each panel named by question number and title (the course's template), none by its cell id
        labels = [x.strip() for x in page.locator(".nbgrader-label").all_inner_texts()]
        assert len(labels) == 2 * len(A.questions) + len(A.manual), labels
        assert all(x.startswith(("Question ", "Student's answer to Question ")) for x in labels), labels
        assert page.locator(".nbgrader-label code").count() == 0
        page.locator("mfrac").first.scroll_into_view_if_needed()
        shot(page, "pages/formgrader-formula.png")
