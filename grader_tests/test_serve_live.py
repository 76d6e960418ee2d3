"""Live feedback end to end: a real nbgrader exchange in a temporary folder, three real OS users as students
(live_exchange.py, on a course copy made by e2e.copy_course), ``python -m autograder serve`` as its own
process, killed with SIGKILL mid-grading and started again. The same service then meets every policy
(``c.LiveFeedback.*``, nbgrader's due date and late penalty): a second submission within the cool-down, one over
the attempts allowed, a graded attempt before the due date (verdicts, no points) and a late one (the full page,
nbgrader's late penalty). Graded on 02_losses (numpy only, the cheapest): five notebooks in all."""
from __future__ import annotations

import datetime
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import live_exchange as lx
from autograder import specs, synth
from autograder.serve.exchange import parse
from autograder.serve.policy import when
from e2e import gradebook_scores

pytestmark = [pytest.mark.slow, pytest.mark.skipif(lx.missing() is not None, reason=str(lx.missing()))]

A = "02_losses"
NB = "losses.ipynb"
COOLDOWN = 30  # s: more than a student takes to submit twice in a row, less than the first batch takes
CONFIG = ("c.LiveFeedback.cooldown_s = %d\nc.LiveFeedback.max_attempts = 2\n"
          "c.LiveFeedback.feedback_before_deadline = 'verdicts'\nc.LateSubmissionPlugin.penalty_method = 'zero'\n"
          "c.LiveFeedback.gather_s = 1.0\nc.LiveFeedback.jobs = 2\n" % COOLDOWN)
RESULTS = re.compile(r"Your results: ([\d.]+) (?:/|of) ([\d.]+) points")  # "of ... so far" while answers await a TA


def gradebook(root):
    from nbgrader.api import Gradebook

    from autograder.gradebook import course_db

    return Gradebook(*course_db(root))


def cell_scores(root, students):
    with gradebook(root) as gb:
        subs = {s.student.id: s for s in gb.assignment_submissions(A)}
        return {s: {g.name: g.score for nb in subs[s].notebooks for g in nb.grades} for s in students}, len(subs)


def set_due(root, due: datetime.datetime) -> None:
    """The instructor sets the assignment's due date (as `nbgrader db assignment add A --duedate=...` does)."""
    with gradebook(root) as gb:
        gb.update_or_create_assignment(A, duedate=due.astimezone(datetime.timezone.utc).replace(tzinfo=None))


def each(users, action):
    """``action(user)`` for every student at once (they are separate people); the results in their order."""
    with ThreadPoolExecutor(len(users)) as pool:
        return list(pool.map(action, users))


def keys_of(root, event: str) -> list[str]:
    return [e["key"] for e in lx.journal_events(root) if e["event"] == event]


def wait_count(root, event: str, n: int, timeout: float = 300) -> list[str]:
    """The journal's keys of ``event`` once there are ``n`` of them."""
    return lx.wait_for(lambda: len(keys_of(root, event)) >= n and keys_of(root, event), timeout,
                       "%d %s submissions" % (n, event))


def test_students_submit_and_fetch_their_graded_page_through_a_service_killed_mid_grading(graded_course):
    spec = specs.get(A)
    kinds = {s.name: s for s in synth.smoke_class(spec)}
    kinds = [kinds["correct"], kinds["blank"], kinds["mistakes-1"]]
    with lx.live_course(3, CONFIG) as (root, exchange, users):
        service = None
        log = root.parent / "serve.log"
        try:
            lx.release(root, A)
            nbs = [synth.notebook_for(root, spec, kind) for kind in kinds]
            handed = {u.name: [nb] for u, nb in zip(users, nbs)}
            handed[users[0].name].append(nbs[1])  # the first student submits again at once: within the cool-down

            def first(u):
                u.nbgrader(exchange, "fetch_assignment", A)
                for nb in handed[u.name]:
                    u.hand_in(exchange, A, {NB: nb})
            each(users, first)
            t_first = time.time()

            # submitted while the service was down: graded when it starts; killed as soon as grading began
            service = lx.start_service(root, log)
            lx.wait_for(lambda: keys_of(root, "started"), 120, "grading to start")
            os.kill(service.pid, signal.SIGKILL)
            service.wait(timeout=30)
            assert not keys_of(root, "released"), "killed too late to prove it"
            lx.stop_everything(root, service)  # what a killed service's cgroup would lose with it

            service = lx.start_service(root, log)
            keys = wait_count(root, "released", 3)
            assert sorted(keys) == sorted(set(keys_of(root, "seen")) - set(keys_of(root, "refused")))  # once each
            assert keys_of(root, "requeued")
            assert len(keys_of(root, "refused")) == 1, "the second submission was not refused: %s" % [
                (e["key"], e.get("why")) for e in lx.journal_events(root) if e["event"] in ("seen", "refused")]
            text = log.read_text()
            assert len(re.findall(r"^released .* s after submission", text, re.M)) == 3, text
            served, n_subs = cell_scores(root, [u.name for u in users])
            assert n_subs == 3

            due, second = later_attempts(root, exchange, users, nbs, t_first)
            pages = dict(zip([u.name for u in users], each(users, lambda u: u.feedback(exchange, A))))
        finally:
            lx.stop_everything(root, service)
        # one page per submission, in the student's own home, in the order of their submissions
        pages = {name: [got[k] for k in sorted(got)] for name, got in pages.items()}
        assert [len(pages[u.name]) for u in users] == [2, 3, 2], {k: len(v) for k, v in pages.items()}
        assert "the course waits %d s between graded attempts" % COOLDOWN in pages[users[0].name][1]
        for user in users:  # the first graded page of each shows the points the gradebook holds
            shown = RESULTS.search(pages[user.name][0])
            assert shown, pages[user.name][0][:2000]
            assert float(shown.group(1)) == pytest.approx(sum(v or 0 for v in served[user.name].values()))
            full = float(shown.group(2))
        assert float(RESULTS.search(pages[users[1].name][0]).group(1)) == 0
        later_pages(root, pages, users, due, second)

        status = subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), "serve", "--status"],
                                capture_output=True, text=True, env=dict(os.environ, AUTOGRADER_COURSE_ROOT=str(root)))
        assert "done: 5 released, 2 refused, 0 superseded, 0 failed" in status.stdout, status.stdout
        assert ("pages now: full; attempts left: %s 1, %s 0, %s 0 (others 2)" % tuple(u.name for u in users)
                in status.stdout), status.stdout  # the refused submissions used none
        again = cell_scores(root, [u.name for u in users])[0]
    # the grades equal what `python -m autograder grade` (the runner) gave the same notebooks in the session's
    # graded 02_losses class (other students' names, so other inputs: the same points, rule 8)
    batch = graded_course(A)
    for user, kind in zip(users, kinds):
        assert served[user.name] == gradebook_scores(batch, A, kind.name), kind.name
    assert full > 0 and served[users[0].name] != served[users[2].name]
    correct = gradebook_scores(batch, A, kinds[0].name)
    assert again[users[1].name] == correct and again[users[2].name] == correct  # their second attempts
    assert again[users[0].name] == served[users[0].name]  # the refused one left the graded one as it was


def later_attempts(root, exchange, users, nbs, t_first):
    """After the first batch, on the same service: the second student submits a second attempt before the due
    date and a third at once (one more than allowed); the third a late one after it. Returns (the due date
    before, the second attempt's key)."""
    correct, blank = nbs[0], nbs[1]
    student, late = users[1], users[2]
    due = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(days=1)
    set_due(root, due)
    lx.wait_for(lambda: time.time() > t_first + COOLDOWN + 1, COOLDOWN + 5, "the cool-down to pass")
    student.hand_in(exchange, A, {NB: correct})  # the second attempt: graded
    student.hand_in(exchange, A, {NB: blank})  # the third: over max_attempts
    second = [k for k in wait_count(root, "released", 4) if parse(k)[0] == student.name][-1]
    assert len(wait_count(root, "refused", 2, 60)) == 2

    set_due(root, datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1))
    late.hand_in(exchange, A, {NB: correct})
    wait_count(root, "released", 5)
    return due, second


def later_pages(root, pages, users, due, second) -> None:
    """Before the due date a graded attempt's page shows verdicts without points, and one more attempt than
    allowed is refused while the graded one stays; after it, a late submission gets the full page with
    nbgrader's late penalty, in the gradebook and on the page."""
    student, late = users[1], users[2]
    verdicts, refused = pages[student.name][1:]
    assert "Graded: your verdicts" in verdicts
    assert "Points are shown after the due date (%s)" % when(due.timestamp()) in verdicts
    assert RESULTS.search(verdicts) is None and "✘" not in verdicts
    assert verdicts.count("✔ correct") == verdicts.count("<tr>") - 1 > 0  # one row per judged question
    assert "Not graded" in refused and "you have used your 2 graded attempt(s) of %s" % A in refused
    # the graded attempt is the one kept in submitted/ (the refused third stays in the exchange only)
    kept = (root / "submitted" / student.name / A / "timestamp.txt").read_text().strip()
    assert kept == parse(second)[2]

    with gradebook(root) as gb:
        sub = gb.find_submission(A, late.name)
        penalty, raw, seconds_late = sub.late_submission_penalty, sub.score, sub.total_seconds_late
    assert seconds_late > 3000 and penalty == raw > 0  # nbgrader's 'zero' method: the whole score
    page = pages[late.name][1]
    shown = RESULTS.search(page)  # after the due date: the full page, the score after the penalty
    assert shown, page[:2000]
    head = page[shown.start():shown.start() + 600]
    assert float(shown.group(1)) == pytest.approx(raw - penalty), head
    assert re.search(r"late penalty (?:&minus;|\u2212)%g\b" % penalty, head), head
