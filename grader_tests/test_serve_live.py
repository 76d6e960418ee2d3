"""Live feedback end to end: a real nbgrader exchange in a temporary folder, three real OS users as students
(live_exchange.py, on a course copy made by e2e.copy_course), ``python -m autograder serve`` as its own
process, killed with SIGKILL mid-grading and started again. Graded on 02_losses (numpy only, the cheapest)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import live_exchange as lx
from autograder import specs, synth
from e2e import gradebook_scores

pytestmark = [pytest.mark.slow, pytest.mark.skipif(lx.missing() is not None, reason=str(lx.missing()))]

A = "02_losses"
NB = "losses.ipynb"
CONFIG = "c.LiveFeedback.cooldown_s = 3600\nc.LiveFeedback.gather_s = 1.0\nc.LiveFeedback.jobs = 2\n"
RESULTS = re.compile(r"Your results: ([\d.]+) (?:/|of) ([\d.]+) points")  # "of ... so far" while answers await a TA


def cell_scores(root, students):
    from nbgrader.api import Gradebook

    from autograder.gradebook import course_db

    with Gradebook(*course_db(root)) as gb:
        subs = {s.student.id: s for s in gb.assignment_submissions(A)}
        return {s: {g.name: g.score for nb in subs[s].notebooks for g in nb.grades} for s in students}, len(subs)


def each(users, action):
    """``action(user)`` for every student at once (they are separate people); the results in their order."""
    with ThreadPoolExecutor(len(users)) as pool:
        return list(pool.map(action, users))


def test_students_submit_and_fetch_their_graded_page_through_a_service_killed_mid_grading(graded_course):
    spec = specs.get(A)
    kinds = {s.name: s for s in synth.smoke_class(spec)}
    kinds = [kinds["correct"], kinds["blank"], kinds["mistakes-1"]]
    with lx.live_course(3, CONFIG) as (root, exchange, users):
        service = None
        log = root.parent / "serve.log"
        try:
            lx.release(root, A)
            nbs = {u.name: synth.notebook_for(root, spec, kind) for u, kind in zip(users, kinds)}
            each(users, lambda u: (u.nbgrader(exchange, "fetch_assignment", A),
                                   u.hand_in(exchange, A, {NB: nbs[u.name]})))

            # submitted while the service was down: graded when it starts; killed as soon as grading began
            service = lx.start_service(root, log)
            lx.wait_for(lambda: any(e["event"] == "started" for e in lx.journal_events(root)), 120, "grading to start")
            os.kill(service.pid, signal.SIGKILL)
            service.wait(timeout=30)
            assert not any(e["event"] == "released" for e in lx.journal_events(root)), "killed too late to prove it"
            lx.stop_everything(root, service)  # what a killed service's cgroup would lose with it

            service = lx.start_service(root, log)
            keys = lx.wait_for(lambda: [e["key"] for e in lx.journal_events(root) if e["event"] == "released"]
                               if sum(e["event"] == "released" for e in lx.journal_events(root)) == 3 else None,
                               300, "three released pages")
            events = lx.journal_events(root)
            assert sorted(keys) == sorted({e["key"] for e in events if e["event"] == "seen"})  # once each
            assert any(e["event"] == "requeued" for e in events)
            text = log.read_text()
            assert len(re.findall(r"^released .* s after submission", text, re.M)) == 3, text

            pages = {}
            for user, got in zip(users, each(users, lambda u: u.feedback(exchange, A))):
                assert len(got) == 1, got  # one page per submission, in the student's own home
                pages[user.name] = next(iter(got.values()))
            served, n_subs = cell_scores(root, [u.name for u in users])
            assert n_subs == 3
            for user in users:
                shown = RESULTS.search(pages[user.name])
                assert shown, pages[user.name][:2000]
                assert float(shown.group(1)) == pytest.approx(sum(v or 0 for v in served[user.name].values()))
            full = float(RESULTS.search(pages[users[0].name]).group(2))
            assert float(RESULTS.search(pages[users[1].name]).group(1)) == 0

            # a second submission within the cool-down: refused, with a message on the student's page
            user = users[0]
            user.hand_in(exchange, A, {NB: synth.notebook_for(root, spec, kinds[1])})
            lx.wait_for(lambda: any(e["event"] == "refused" for e in lx.journal_events(root)), 60, "the refusal")
            later = user.feedback(exchange, A)
            assert len(later) == 2
            refusal = [page for page in later.values() if "Not graded" in page]
            assert len(refusal) == 1 and "the course waits 3600 s between graded attempts" in refusal[0]
            assert cell_scores(root, [user.name])[0] == {user.name: served[user.name]}  # not graded
        finally:
            lx.stop_everything(root, service)

        status = subprocess.run([sys.executable, "-m", "autograder", "--root", str(root), "serve", "--status"],
                                capture_output=True, text=True, env=dict(os.environ, AUTOGRADER_COURSE_ROOT=str(root)))
        assert "done: 3 released, 1 refused, 0 superseded, 0 failed" in status.stdout, status.stdout
    # the grades equal what `python -m autograder grade` (the runner) gave the same notebooks in the session's
    # graded 02_losses class (other students' names, so other inputs: the same points, rule 8)
    batch = graded_course(A)
    for user, kind in zip(users, kinds):
        assert served[user.name] == gradebook_scores(batch, A, kind.name), kind.name
    assert full > 0 and served[users[0].name] != served[users[2].name]
