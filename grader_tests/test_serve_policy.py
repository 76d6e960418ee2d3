"""The live-feedback service's decisions, in process: the journal's replay, the policy's refusals, fair batches,
the exchange's folders and names. (The service end to end, with OS users and kernels: test_serve_live.py.)"""
from __future__ import annotations

import datetime
import os
import stat
from pathlib import Path

import pytest
from nbgrader.utils import notebook_hash
from traitlets.config import Config

from autograder.serve import policy as rules
from autograder.serve.exchange import Exchange, parse
from autograder.serve.journal import GRADING, QUEUED, REFUSED, RELEASED, SUPERSEDED, Journal, Record
from autograder.serve.service import Service, status_lines

T0 = 1_800_000_000.0


def rec(key: str, student: str, submitted: float, assignment: str = "02_losses") -> Record:
    return Record(key, student, assignment, submitted, submitted + 1)


def policy(**kw) -> rules.LiveFeedback:
    c = Config()
    for k, v in kw.items():
        setattr(c.LiveFeedback, k, v)
    return rules.LiveFeedback(config=c)


def test_journal_replays_every_step_and_skips_a_line_cut_short(tmp_path):
    j = Journal(tmp_path)
    j.add(rec("a+02_losses+t1+x", "a", T0))
    j.append("started", "a+02_losses+t1+x")
    j.append("graded", "a+02_losses+t1+x", points=7.0, max_points=10.0)
    j.append(RELEASED, "a+02_losses+t1+x", at=T0 + 12)
    j.add(rec("b+02_losses+t2+x", "b", T0 + 1))
    j.append("started", "b+02_losses+t2+x")
    with open(j.path, "a") as f:
        f.write('{"event": "released", "key": "b+02_los')  # what a SIGKILL mid-write leaves
    again = Journal(tmp_path)
    a, b = again.records["a+02_losses+t1+x"], again.records["b+02_losses+t2+x"]
    assert (a.state, a.attempts, a.points, a.max_points, a.latency) == (RELEASED, 1, 7.0, 10.0, 12.0)
    assert (b.state, b.attempts) == (GRADING, 1)
    assert [r.key for r in again.in_order()] == ["a+02_losses+t1+x", "b+02_losses+t2+x"]


def course(tmp_path: Path, extra: str = "") -> Path:
    root = tmp_path / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'dl-course'\n"
                                             "c.Exchange.root = %r\n%s" % (str(tmp_path / "exchange"), extra))
    return root


def test_a_restart_requeues_what_was_being_graded_without_counting_the_attempt(tmp_path):
    root = course(tmp_path)
    service = Service(root, log=lambda line: None)
    service.journal.add(rec("a+02_losses+t1+x", "a", T0))
    service.journal.append("started", "a+02_losses+t1+x")
    restarted = Service(root, log=lambda line: None)
    with restarted.running():
        r = restarted.journal.records["a+02_losses+t1+x"]
        assert (r.state, r.attempts) == (QUEUED, 0)
        from autograder.serve.service import ServiceRunning
        with pytest.raises(ServiceRunning, match="already runs"):
            with Service(root, log=lambda line: None).running():
                pass
        assert status_lines(root)[0] == "service: running"
    assert status_lines(root)[:2] == ["service: not running", "queue: 1 waiting, 0 being graded (none)"]


def test_the_policy_is_read_from_the_course_config(tmp_path):
    root = course(tmp_path, "c.LiveFeedback.max_attempts = 3\nc.LiveFeedback.cooldown_s = 600\n")
    p, exchange, course_id, _ = rules.load(root)
    assert (p.max_attempts, p.cooldown_s, exchange, course_id) == (3, 600, tmp_path / "exchange", "dl-course")
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    with pytest.raises(ValueError, match="course_id"):
        rules.load(root)


def test_cooldown_refuses_an_early_attempt_and_says_when_to_submit_again():
    p = policy(cooldown_s=600.0)
    first = rec("a+1", "a", T0)
    first.state = RELEASED
    early, later = rec("a+2", "a", T0 + 100), rec("a+3", "a", T0 + 601)
    why = rules.refusal(p, early, [first, early], "a")
    assert "100 s after your previous one" in why and rules.when(T0 + 600) in why
    assert rules.refusal(p, later, [first, later], "a") is None
    refused = rec("a+4", "a", T0 + 700)
    refused.state = REFUSED  # refused attempts neither count nor start a cool-down
    assert rules.refusal(p, rec("a+5", "a", T0 + 650), [first, refused], "a") is None


def test_max_attempts_and_the_owner_check():
    p = policy(max_attempts=2)
    done = [rec("a+1", "a", T0), rec("a+2", "a", T0 + 10)]
    for r in done:
        r.state = RELEASED
    assert "used your 2 graded attempt(s)" in rules.refusal(p, rec("a+3", "a", T0 + 20), done, "a")
    assert rules.refusal(p, rec("a+3", "a", T0 + 20), done[:1], "a") is None
    assert "handed in by the user 'mallory'" in rules.refusal(p, rec("a+3", "a", T0), [], "mallory")
    assert rules.refusal(policy(check_owner=False), rec("a+3", "a", T0), [], "mallory") is None


def test_batches_are_first_come_first_served_one_submission_per_student(tmp_path):
    j = Journal(tmp_path)
    for key, student, t, a in [("c1", "c", 1, "02_losses"), ("a1", "a", 2, "02_losses"), ("x1", "x", 3, "01_fp"),
                               ("a2", "a", 4, "01_fp"), ("b1", "b", 5, "02_losses"), ("d1", "d", 6, "02_losses")]:
        j.add(rec(key, student, T0 + t, a))
    j.append("started", "d1")  # d is being graded
    batch = rules.next_batch(j, T0 + 10)
    assert [r.key for r in batch] == ["c1", "a1", "b1"]
    assert [r.key for r in rules.next_batch(j, T0 + 10, limit=2)] == ["c1", "a1"]
    for key in ("c1", "a1", "b1"):
        j.append(RELEASED, key)
    assert [r.key for r in rules.next_batch(j, T0 + 10)] == ["x1", "a2"]
    j.append("retry", "x1", error="no kernel", retry_at=T0 + 100)  # waits out its retry
    assert [r.key for r in rules.next_batch(j, T0 + 10)] == ["a2"]
    assert j.records["x1"].errors == ["no kernel"]


def test_a_burst_from_one_student_is_graded_once_the_latest(tmp_path):
    j = Journal(tmp_path)
    j.add(rec("a+old", "a", T0))
    j.add(rec("b+1", "b", T0 + 1))
    j.add(rec("a+new", "a", T0 + 2))
    marked = rules.supersede(j)
    assert [r.key for r in marked] == ["a+old"] and j.records["a+old"].state == SUPERSEDED
    assert [r.key for r in rules.next_batch(j, T0 + 5)] == ["b+1", "a+new"]
    assert rules.supersede(j) == []


def test_what_a_page_shows_before_and_after_the_due_date():
    p = policy(feedback_before_deadline="verdicts")
    due = datetime.datetime(2027, 1, 15, 12, 0)  # nbgrader keeps due dates as naive UTC
    before, after = due.replace(tzinfo=datetime.timezone.utc).timestamp() - 1, due.timestamp() + 1e5
    assert rules.shows(p, due, before) == "verdicts"
    assert rules.shows(p, due, after) == "full"
    assert rules.shows(p, None, before) == "full"


def test_inbound_names_split_as_nbgrader_collect_splits_them():
    assert parse("al+ice+02_losses+2026-12-03 09:49:22.780480 UTC+abc") == (
        "al+ice", "02_losses", "2026-12-03 09:49:22.780480 UTC")
    assert parse("bob+02_losses+2026-12-03 09:49:22 UTC") == ("bob", "02_losses", "2026-12-03 09:49:22 UTC")
    assert parse("nothing") is None


def test_only_finished_uploads_of_released_assignments_are_seen_and_pages_go_where_fetch_feedback_looks(tmp_path):
    ex = Exchange(tmp_path, "dl-course")
    (ex.outbound / "02_losses").mkdir(parents=True)
    ex.inbound.mkdir()
    done = ex.inbound / "a+02_losses+2026-12-03 09:00:00 UTC+r1"
    half = ex.inbound / "b+02_losses+2026-12-03 09:00:01 UTC+r2"
    other = ex.inbound / "c+03_gradient_descent+2026-12-03 09:00:02 UTC+r3"
    for folder in (done, half, other):
        folder.mkdir()
        (folder / "losses.ipynb").write_text("{}")
        (folder / "submission_secret.txt").write_text("f" * 128)
    (half / "submission_secret.txt").write_text("f" * 40)  # nbgrader submit is still writing it
    found = ex.complete()
    assert [s.key for s in found] == [done.name]
    ex.release(found[0], {"losses": b"<html>page</html>"})
    page = ex.feedback / (notebook_hash(secret="f" * 128, notebook_id="losses") + ".html")
    assert page.read_bytes() == b"<html>page</html>"
    assert stat.S_IMODE(os.stat(page).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(ex.feedback).st_mode) == 0o711  # students enter it, cannot list it
    assert [p.name for p in ex.feedback.iterdir()] == [page.name]


def one_submission(root: Path, secret: str):
    """(service, exchange, inbound folder): student ``a`` has handed in 02 once, and 02 is released."""
    service = Service(root, log=lambda line: None)
    ex = service.exchange
    (ex.outbound / "02_losses").mkdir(parents=True)
    folder = ex.inbound / "a+02_losses+2026-12-03 09:00:00 UTC+r1"
    folder.mkdir(parents=True)
    (folder / "losses.ipynb").write_text("{}")
    (folder / "submission_secret.txt").write_text(secret)
    return service, ex, folder


def test_a_submission_the_grader_cannot_grade_gets_a_page_saying_so_and_is_tried_again(tmp_path):
    root = course(tmp_path, "c.LiveFeedback.retries = 1\nc.LiveFeedback.retry_wait_s = 60\n")
    service, ex, folder = one_submission(root, "e" * 128)
    service.policy.check_owner = False
    [r] = service.scan()
    page = ex.feedback / (notebook_hash(secret="e" * 128, notebook_id="losses") + ".html")
    sub = ex.find(r.key)
    service.journal.append("started", r.key)
    service.failed(r, sub, "Traceback ...\nno kernel would start")
    assert (r.state, r.errors) == (QUEUED, ["no kernel would start"]) and r.retry_at > r.seen + 50
    assert "tried again automatically" in page.read_text()
    service.journal.append("started", r.key)
    service.failed(r, sub, "no kernel would start")
    assert r.state == "failed" and "after 2 attempts" in page.read_text()
    assert "  a/02_losses: no kernel would start" in status_lines(root)


def test_pages_show_what_the_policy_says_and_extra_notebooks_are_named(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    root = course(tmp_path)
    service = Service(root, log=lambda line: None)
    (root / "release" / "02_losses").mkdir(parents=True)
    (root / "release" / "02_losses" / "losses.ipynb").write_text("{}")
    (root / "feedback" / "a" / "02_losses").mkdir(parents=True)
    (root / "feedback" / "a" / "02_losses" / "losses.html").write_text("<p>the full page: 7 / 10</p>")
    (root / "autograded" / "a" / "02_losses").mkdir(parents=True)
    verdict = {"question": "losses.softmax", "title": "A stable softmax", "status": "partial", "points": 1,
               "max_points": 2, "message": "", "mistake": {"title": "No max subtracted", "hint": "exp overflows"}}
    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"autograder": {"verdict": verdict}})])
    nbformat.write(nb, str(root / "autograded" / "a" / "02_losses" / "losses.ipynb"))
    sub = type("Sub", (), {"notebooks": lambda self: ["losses", "scratch"]})()
    r = rec("a+1", "a", T0)
    due = datetime.datetime(2027, 1, 15, 12, 0)
    full = service.pages(r, sub, "full", due)
    assert full["losses"] == b"<p>the full page: 7 / 10</p>" and b"scratch.ipynb is not a notebook" in full["scratch"]
    verdicts = service.pages(r, sub, "verdicts", due)["losses"].decode()
    assert "A stable softmax" in verdicts and "No max subtracted: exp overflows" in verdicts
    assert "7 / 10" not in verdicts and "2027-01-15 12:00:00 UTC" in verdicts
    received = service.pages(r, sub, "received", due)["losses"].decode()
    assert "softmax" not in received and "after the due date" in received
    (root / "feedback" / "a" / "02_losses" / "losses.html").unlink()
    assert service.pages(r, sub, "full", due) is None  # a page nbgrader did not write: the grader's trouble


def test_the_services_own_failure_in_a_batch_is_retried_not_lost(tmp_path, monkeypatch):
    root = course(tmp_path, "c.LiveFeedback.gather_s = 0\nc.LiveFeedback.check_owner = False\n")
    service, ex, folder = one_submission(root, "d" * 128)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ex, "collect", full_disk)
    assert service.step()
    r = service.journal.records[folder.name]
    assert (r.state, r.attempts) == (QUEUED, 1) and "No space left on device" in r.errors[0]
    assert service.step() is False  # it waits out retry_wait_s instead of failing again at once


def test_serve_on_a_cluster_refuses_an_sqlite_gradebook_at_the_start(tmp_path, capsys):
    """`serve --cluster` with the gradebook in an SQLite file stops before watching anything, saying what to set."""
    from autograder import cli

    root = course(tmp_path)
    assert cli.main(["--root", str(root), "serve", "--once", "--cluster", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "needs the gradebook on a database server" in err and "db_url" in err
    assert not (root / ".autograder" / "serve" / "journal.jsonl").exists()


def test_status_shows_the_policy_in_force_and_the_graded_attempts_each_student_has_left(tmp_path):
    p = policy(max_attempts=2, cooldown_s=600.0, feedback_before_deadline="verdicts")
    j = Journal(tmp_path)
    for key, student, state in [("a1", "a", RELEASED), ("a2", "a", REFUSED), ("a3", "a", QUEUED),
                                ("b1", "b", RELEASED), ("b2", "b", SUPERSEDED), ("c1", "c", REFUSED)]:
        j.add(rec(key, student, T0))
        if state != QUEUED:
            j.append(state, key)
    due = datetime.datetime(2027, 1, 15, 12, 0)  # T0 is four hours before it
    lines = rules.in_force(p, j, {"02_losses": due, "01_forward_pass": None}, T0)
    assert lines == [
        "policy: at most 2 graded attempt(s) per student; 600 s between graded attempts; before the due date "
        "pages show verdicts",
        "  01_forward_pass: no due date; pages now: full; attempts left: 2 each",  # nobody submitted it
        "  02_losses: due 2027-01-15 12:00:00 UTC; pages now: verdicts; attempts left: a 0, b 1 (others 2)"]
    after = rules.in_force(p, j, {"02_losses": due}, due.replace(tzinfo=datetime.timezone.utc).timestamp() + 1)
    assert after[1].startswith("  02_losses: due 2027-01-15 12:00:00 UTC; pages now: full;")
    assert rules.in_force(policy(), j, {"02_losses": None}, T0) == [
        "policy: no limit on graded attempts; no cool-down", "  02_losses: no due date; pages now: full"]


def test_status_reads_the_policy_from_the_course_and_the_due_date_from_the_gradebook(tmp_path):
    from nbgrader.api import Gradebook

    root = course(tmp_path, "c.LiveFeedback.max_attempts = 3\nc.LiveFeedback.check_owner = False\n")
    service, _, _ = one_submission(root, "e" * 128)
    service.scan()
    assert status_lines(root)[-2:] == ["policy: at most 3 graded attempt(s) per student; no cool-down",
                                       "  02_losses: no due date; pages now: full; attempts left: a 2 (others 3)"]
    with Gradebook("sqlite:///%s" % (root / "gradebook.db"), course_id="dl-course") as gb:
        gb.update_or_create_assignment("02_losses", duedate=datetime.datetime(2020, 1, 1, 9, 30))
    assert status_lines(root)[-1].startswith("  02_losses: due 2020-01-01 09:30:00 UTC; pages now: full;")


def test_a_graded_submission_s_page_as_the_policy_shows_it(tmp_path):
    """'full': nbgrader's page as written; 'received' (before the due date): a note with the due date and no
    results; a notebook that is not the assignment's: a note; a page nbgrader did not write: None (the service
    then counts the attempt as failed and tries again). The 'verdicts' page: test_serve_live.py."""
    root = course(tmp_path, "c.LiveFeedback.check_owner = False\n")
    service, ex, folder = one_submission(root, "e" * 128)
    (folder / "scratch.ipynb").write_text("{}")
    (root / "release" / "02_losses").mkdir(parents=True)
    (root / "release" / "02_losses" / "losses.ipynb").write_text("{}")
    [r] = service.scan()
    sub, due = ex.find(r.key), datetime.datetime(2027, 1, 15, 12, 0)
    assert service.pages(r, sub, "full", due) is None
    page = root / "feedback" / "a" / "02_losses" / "losses.html"
    page.parent.mkdir(parents=True)
    page.write_bytes(b"<html>Your results: 7 / 10 points</html>")
    full = service.pages(r, sub, "full", due)
    assert full["losses"] == page.read_bytes() and "scratch.ipynb is not a notebook of 02_losses" in (
        full["scratch"].decode())
    received = service.pages(r, sub, "received", due)["losses"].decode()
    assert "results are shown after the due date (2027-01-15 12:00:00 UTC)" in received and "7 / 10" not in received
