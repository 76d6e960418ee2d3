"""Live feedback from the student's side, in a real browser: a student fetches an assignment in JupyterLab, answers
it, submits it, and reads the page the service graded, without any command line.

A course copy (live_exchange.live_course, on a course copy made by e2e.copy_course) releases 02_losses to a real
nbgrader exchange; ``python -m autograder serve`` runs as its own process. One student, an OS user made for the
test, runs `jupyter lab` as themselves in their home (127.0.0.1, a free port, a token), with the course id and the
exchange in their own nbgrader_config.py, as a course's JupyterHub gives every student. In headless Chromium
(Debian's, driven by Playwright) the student opens Nbgrader > Assignment List, clicks Fetch, opens losses.ipynb
from the panel, puts the right answers in (written into the notebook on disk, as their editor would, and reloaded
from disk in JupyterLab), and clicks Submit. Once the service has released the feedback, the student clicks Fetch
Feedback, follows the panel's "view feedback" link and opens the page in JupyterLab: it shows the points the
gradebook holds for their submission, all of them, and the browser asked nothing of any other machine.
Screenshots go to artifacts/.
"""
from __future__ import annotations

import os
import re

import nbformat
import pytest

import live_exchange as lx
from autograder import specs, synth
from browser import chromium_page, require_browser, shot
from e2e import gradebook_scores
from jupyter_app import jupyter_app

pytestmark = [pytest.mark.slow, pytest.mark.skipif(lx.missing() is not None, reason=str(lx.missing()))]

A = "02_losses"  # numpy only: graded in seconds
NB = "losses.ipynb"
CONFIG = "c.LiveFeedback.gather_s = 0.5\nc.LiveFeedback.poll_s = 0.5\nc.LiveFeedback.jobs = 1\n"
RESULTS = re.compile(r"Your results: ([\d.]+) (?:/|of) ([\d.]+) points")  # as in test_serve_live


def student_lab(student: lx.Student, exchange):
    """`jupyter lab` as the student, serving their home; its Jupyter folders in ~/.jupyter-lab (theirs), its
    nbgrader_config.py naming the course and the exchange; no news and no update checks."""
    folders = student.home / ".jupyter-lab"
    (folders / "config").mkdir(parents=True)
    (folders / "config" / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = %r\nc.Exchange.root = %r\n"
        % (lx.COURSE_ID, str(exchange)))
    settings = folders / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    lab = ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    return jupyter_app("lab", student.home, folders, lab, user=student)


def open_assignments(page, lab):
    """JupyterLab, then Nbgrader > Assignment List: the panel, once it lists the course. (Not /lab?reset: the panel's
    links change the URL's fragment, and JupyterLab would reset its layout again, closing the panel.)"""
    page.goto("%s/lab?token=%s" % (lab["base"], lab["token"]))
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click(timeout=90_000)
    page.locator(".lm-Menu-itemLabel").get_by_text("Assignment List", exact=True).click()
    panel = page.locator("#nbgrader-assignment-list")
    panel.locator("#course_list_default", has_text=lx.COURSE_ID).wait_for()
    return panel


def answered_line(fetched, answer) -> str:
    """A line of the answer that the fetched notebook does not hold: what the student sees once it is in."""
    for old, new in zip(fetched.cells, answer.cells):
        if old.source != new.source:
            for line in new.source.splitlines():
                if line.strip() and line not in old.source:
                    return line.strip()
    raise AssertionError("the right answers are the released notebook")


def test_student_fetches_submits_and_reads_the_graded_page_in_jupyterlab():
    require_browser()
    spec = specs.get(A)
    correct = next(s for s in synth.smoke_class(spec) if s.name == "correct")
    with lx.live_course(1, CONFIG) as (root, exchange, [student]):
        service = None
        try:
            lx.release(root, A)
            service = lx.start_service(root, root.parent / "serve.log")
            with student_lab(student, exchange) as lab, chromium_page() as page:
                page.set_default_timeout(60_000)
                panel = open_assignments(page, lab)

                # Released assignments: Fetch; the assignment moves to the downloaded ones, in the student's home
                released = panel.locator("#released_assignments_list > .list_item", has_text=A)
                released.get_by_role("button", name="Fetch", exact=True).click()
                fetched = panel.locator("#fetched_assignments_list > .list_item", has_text=A)
                fetched.get_by_role("button", name="Submit", exact=True).wait_for()
                path = student.home / A / NB
                assert path.stat().st_uid == student.ids()[0]
                shot(page, "serve-browser-1-fetched.png")

                # the notebook, opened from the panel; the right answers put in and reloaded from disk
                fetched.locator(".assignment-notebooks-link").click()
                fetched.get_by_role("link", name=os.path.splitext(NB)[0], exact=True).click()
                notebook = page.locator(".jp-NotebookPanel", has=page.locator(".jp-Notebook"))
                notebook.locator(".jp-Cell").first.wait_for()
                answer = synth.notebook_for(root, spec, correct)
                line = answered_line(nbformat.read(str(path), 4), answer)
                nbformat.write(answer, str(path))
                os.chown(path, *student.ids())
                page.locator(".lm-MenuBar-itemLabel", has_text="File").click()
                page.locator(".lm-Menu-itemLabel").get_by_text("Reload Notebook from Disk", exact=True).click()
                # JupyterLab asks first where the open notebook has changes (its kernel's metadata, say)
                confirm = page.locator(".jp-Dialog").get_by_role("button", name="Reload")
                shown = notebook.locator(".jp-Cell", has_text=line)
                confirm.or_(shown).first.wait_for()
                if confirm.is_visible():
                    confirm.click()
                shown.first.scroll_into_view_if_needed()
                shot(page, "serve-browser-2-answered.png")

                # Submit from the panel: the submission appears among the submitted ones
                page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Assignments").click()
                fetched.get_by_role("button", name="Submit", exact=True).click()
                submitted = panel.locator("#submitted_assignments_list > .list_item", has_text=A)
                submitted.get_by_role("button", name="Fetch Feedback", exact=True).wait_for()
                assert list((exchange / lx.COURSE_ID / "inbound").glob("%s+%s+*" % (student.name, A)))

                lx.wait_for(lambda: [e for e in lx.journal_events(root) if e["event"] == "released"], 80,
                            "the service to release the feedback")
                submitted.get_by_role("button", name="Fetch Feedback", exact=True).click()
                view = submitted.get_by_text("(view feedback)")
                view.wait_for()
                shot(page, "serve-browser-3-feedback-fetched.png")

                # the panel's link shows the feedback folder in the file browser; the page opens in JupyterLab
                view.click()
                page.locator(".jp-DirListing-item", has_text="losses.html").dblclick()
                frame = page.frame_locator(".jp-HTMLViewer iframe")
                headline = frame.locator("h2", has_text="Your results")
                headline.wait_for()
                text = headline.inner_text()
                shot(page, "serve-browser-4-feedback-page.png")
                assert page.blocked == []
        finally:
            lx.stop_everything(root, service)
        pages = sorted((student.home / A / "feedback").glob("*/losses.html"))
        assert len(pages) == 1, pages
        points = sum(v or 0 for v in gradebook_scores(root, A, student.name).values())
    shown = RESULTS.search(text)
    assert shown, text
    assert float(shown.group(1)) == pytest.approx(points) and points > 0, (text, points)
    assert float(shown.group(1)) == float(shown.group(2)), text  # the right answers: every point the page counts
