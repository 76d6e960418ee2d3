"""The service's loop: look at the exchange, journal what is new, refuse what the policy refuses, grade the
next batch with the runner, and release each student's page (see :mod:`autograder.serve`)."""
from __future__ import annotations

import contextlib
import datetime
import fcntl
import shutil
import signal
import sys
import time
from pathlib import Path

from .. import course, grading, runner
from ..runner.env import cores, worker_env
from ..runner import template
from ..gradebook import opened
from .policy import epoch, in_force, load, next_batch, refusal, shows, supersede, when
from .exchange import Exchange, Inbound, notice_page
from .pages import FeedbackWriter
from .journal import FAILED, GRADING, QUEUED, REFUSED, RELEASED, SUPERSEDED, Journal, Record

RUNNER_BUSY_WAIT = 5.0  # seconds before trying again when a `grade` run holds the course
GATHER_QUIET = 0.5  # seconds without a new submission that end the gathering of a batch


class ServiceRunning(RuntimeError):
    pass


def state_folder(root: Path) -> Path:
    return course.state_dir(root) / "serve"


def submitted_at(timestamp: str) -> float:
    """Seconds since the epoch of an nbgrader timestamp (UTC unless it says otherwise)."""
    from nbgrader.utils import parse_utc

    return parse_utc(timestamp).replace(tzinfo=datetime.timezone.utc).timestamp()


class Service:
    """One course's live-feedback service. ``log``: where its lines go (one per submission)."""

    def __init__(self, root: Path, log=None, jobs: int | None = None, cluster: str | None = None):
        self.root = Path(root).resolve()
        self.cluster = cluster  # a Dask scheduler's address: each submission graded there (runner.run(cluster=...))
        if cluster:  # refused at the start (an SQLite gradebook), not batch after batch
            from ..gradebook import course_db
            from ..runner.cluster import require_server_db

            require_server_db(course_db(self.root)[0], cluster)
        self.policy, exchange_root, self.course_id, config = load(self.root)
        self.exchange = Exchange(exchange_root, self.course_id)
        self.ignore = list(config.CourseDirectory.get("ignore", [".ipynb_checkpoints", "*.pyc", "__pycache__"]))
        self.jobs = jobs or self.policy.jobs or None
        self.journal = Journal(state_folder(self.root))
        self.log = log or (lambda line: print(line, flush=True))
        self.writer = FeedbackWriter(self.root)

    # ----------------------------------------------------------------------------------------------
    # the loop

    @contextlib.contextmanager
    def running(self):
        """Hold the course's service lock (one service per course) and put back what a killed one left."""
        path = state_folder(self.root) / "serve.lock"
        with open(path, "w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ServiceRunning("a service already runs for this course (it holds %s)" % path)
            for rec in self.journal.in_order(GRADING):
                self.journal.append("requeued", rec.key)
                self.log("requeued %s: the service stopped while grading it" % rec.key)
            yield

    def serve(self, once: bool = False) -> None:
        """Watch the exchange until stopped (``once``: until nothing is left to do)."""
        problem = self.exchange.problem()
        if problem:
            raise ValueError(problem)
        with self.running():
            self.log("watching %s (course %s) for submissions of: %s" % (
                self.exchange.inbound, self.course_id, ", ".join(sorted(self.exchange.released())) or "nothing yet"))
            try:
                if not self.cluster:  # the runner's worker template, kept from batch to batch (template.reusable)
                    template.reusable(worker_env(self.root, self.batch_jobs()))
                course.font_cache(self.root)  # built once per course: here, rather than in the first batch
                self.keep_warm()
                while True:
                    busy = self.step()
                    waiting = self.journal.in_order(QUEUED)
                    if once and not busy and not waiting:
                        return
                    if not busy:
                        delay = min([r.retry_at - time.time() for r in waiting] + [self.policy.poll_s])
                        time.sleep(max(0.05, delay))
            finally:
                template.close_reusable()

    def keep_warm(self) -> None:
        """A kernel warm for the assignment released last, before its first submission (each batch leaves one
        for its own assignment: ``runner.run(warm=True)``)."""
        released = self.exchange.released()
        if self.cluster or not released or not self.policy.warm_kernel:
            return
        newest = max(released, key=lambda a: (self.exchange.outbound / a).stat().st_mtime)
        try:
            runner.keep_warm(self.root, newest, self.batch_jobs())
        except Exception as exc:  # the first batch starts its kernels as usual, and says why if it cannot
            self.log("no warm kernel for %s: %s" % (newest, exc))

    def batch_jobs(self) -> int:
        return max(1, self.jobs or cores())

    def step(self) -> bool:
        """One look and at most one batch; True when it graded or journaled something."""
        new = self.scan()
        if new:  # others may be arriving with it: gather them while they keep coming, gather_s at most
            t_end = time.monotonic() + self.policy.gather_s
            while time.monotonic() < t_end:
                time.sleep(min(GATHER_QUIET, max(0.0, t_end - time.monotonic())))
                more = self.scan()
                if not more:
                    break
                new += more
        for rec in supersede(self.journal):
            self.notify(rec, "Not graded: a newer submission replaced it", rec.why)
        batch = next_batch(self.journal, time.time())
        if batch:
            try:
                self.grade(batch)
            except Exception as exc:  # the service's own trouble (a full disk, say): the batch is tried again
                error = "the service failed: %s: %s" % (type(exc).__name__, exc)
                for rec in batch:
                    sub = self.exchange.find(rec.key)
                    if self.journal.records[rec.key].state in (QUEUED, GRADING) and sub is not None:
                        if self.journal.records[rec.key].state == QUEUED:
                            self.journal.append("started", rec.key)  # so that it counts as an attempt
                        self.failed(rec, sub, error)
        return bool(new or batch)

    def scan(self) -> list[Record]:
        """Journal every finished submission not seen before, and refuse those the policy refuses."""
        new = []
        for sub in self.exchange.complete():
            if sub.key in self.journal:
                continue
            rec = self.journal.add(Record(sub.key, sub.student, sub.assignment, submitted_at(sub.timestamp),
                                          time.time()))
            new.append(rec)
            why = refusal(self.policy, rec, self.journal.history(rec.student, rec.assignment), sub.owner())
            if why:
                self.release(sub, rec, {nb: notice_page("Not graded", why) for nb in sub.notebooks()}, REFUSED, why)
                self.log("refused %s %s: %s" % (rec.student, rec.assignment, why))
        return new

    # ----------------------------------------------------------------------------------------------
    # one batch

    def grade(self, batch: list[Record]) -> None:
        assignment = batch[0].assignment
        todo = []
        for rec in batch:
            sub = self.exchange.find(rec.key)
            if sub is None:
                self.journal.append(FAILED, rec.key, why="its folder is gone from the exchange", error="gone")
                continue
            self.exchange.collect(sub, self.root, self.ignore)
            self.journal.append("started", rec.key)
            todo.append((rec, sub))
        if not todo:
            return
        by_student = {rec.student: (rec, sub) for rec, sub in todo}
        handled = set()

        def one(outcome) -> None:  # each submission's page as soon as it is graded, not at the batch's end
            handled.add(outcome.student)
            rec, sub = by_student[outcome.student]
            if outcome.status == "graded":
                self.feedback(assignment, [(rec, sub)], {rec.student: outcome.seconds})
            else:
                self.failed(rec, sub, outcome.error or "not graded")

        try:
            result = runner.run(self.root, assignment, list(by_student), jobs=self.batch_jobs(), force=True,
                                progress=False, on_result=one, cluster=self.cluster, warm=self.policy.warm_kernel)
        except runner.RunnerBusy as exc:
            for rec, _ in todo:
                self.journal.append("requeued", rec.key)
            self.log("waiting: %s" % exc)
            time.sleep(RUNNER_BUSY_WAIT)
            return
        except grading.GradingError as exc:
            for rec, sub in todo:
                self.failed(rec, sub, str(exc))
            return
        for student, (rec, sub) in by_student.items():  # those the run never reported (it stopped)
            if student not in handled:
                outcome = result.outcomes.get(student)
                self.failed(rec, sub, (outcome.error if outcome else None) or "not graded")

    def feedback(self, assignment: str, graded: list[tuple[Record, Inbound]], seconds: dict[str, float]) -> None:
        """Write the graded students' feedback pages (nbgrader's generate_feedback) and release them (called
        by the runner's one writer as each submission is recorded)."""
        for rec, _ in graded:
            shutil.rmtree(self.root / "feedback" / rec.student / assignment, ignore_errors=True)
        with opened(self.root) as gb:
            due = gb.find_assignment(assignment).duedate
            totals = {}
            for rec, _ in graded:
                sub = gb.find_submission(assignment, rec.student)
                totals[rec.student] = (sub.score, sub.max_score)
                self.journal.append("graded", rec.key, points=sub.score, max_points=sub.max_score)
        for student in self.writer.write(assignment, [rec.student for rec, _ in graded]):
            self.log("feedback of %s written by the nbgrader command (in process it failed)" % student)
        show = shows(self.policy, due, time.time())
        for rec, sub in graded:
            points, most = totals[rec.student]
            pages = self.pages(rec, sub, show, due)
            if pages is None:
                self.failed(rec, sub, "nbgrader wrote no feedback page")
                continue
            self.release(sub, rec, pages, RELEASED, "")
            done = self.journal.records[rec.key]
            self.log("released %s %s: %g/%g points, %.1f s after submission (graded in %.1f s, %s page)" % (
                rec.student, assignment, points, most, done.latency, seconds[rec.student], show))

    def pages(self, rec: Record, sub: Inbound, show: str, due) -> dict[str, bytes] | None:
        """{notebook: page} for a graded submission, as the policy shows it; None when a page is missing."""
        folder = self.root / "feedback" / rec.student / rec.assignment
        released = {p.stem for p in (self.root / "release" / rec.assignment).glob("*.ipynb")}
        pages = {}
        for nb in sub.notebooks():
            path = folder / (nb + ".html")
            if nb not in released:  # nbgrader grades the assignment's notebooks only
                pages[nb] = notice_page("Not graded", "%s.ipynb is not a notebook of %s; only the assignment's "
                                        "notebooks are graded." % (nb, rec.assignment))
            elif not path.is_file():
                return None
            elif show == "full":
                pages[nb] = path.read_bytes()
            elif show == "verdicts":
                rows = verdict_rows(self.root / "autograded" / rec.student / rec.assignment / (nb + ".ipynb"))
                pages[nb] = notice_page("Graded: your verdicts", "Points are shown after the due date (%s)."
                                        % when(epoch(due)), rows)
            else:
                pages[nb] = notice_page("Graded", "Your submission was graded; your results are shown after the "
                                        "due date (%s)." % when(epoch(due)))
        return pages

    def failed(self, rec: Record, sub: Inbound, error: str) -> None:
        """A submission the grader could not grade: tried again later while retries are left, then given up
        with a page that says so; either way its page tells the student."""
        last = error.strip().splitlines()[-1] if error.strip() else "unknown"
        if self.journal.records[rec.key].attempts <= self.policy.retries:
            self.journal.append("retry", rec.key, error=last, retry_at=time.time() + self.policy.retry_wait_s)
            self.notify(rec, "Not graded yet", "The grader could not grade this submission (its own trouble, not "
                        "yours); it is tried again automatically. Fetch your feedback again in a few minutes.", sub)
            self.log("retry %s %s later: %s" % (rec.student, rec.assignment, last))
            return
        why = ("The grader could not grade this submission after %d attempts; the course staff sees it in the "
               "service's status and will grade it." % self.journal.records[rec.key].attempts)
        self.release(sub, rec, {nb: notice_page("Not graded", why) for nb in sub.notebooks()}, FAILED, why,
                     error=last)
        self.log("failed %s %s: %s" % (rec.student, rec.assignment, last))

    def notify(self, rec: Record, title: str, message: str, sub: Inbound | None = None) -> None:
        """Put a notice page for ``rec`` in the exchange without changing its state."""
        sub = sub or self.exchange.find(rec.key)
        if sub is not None:
            self.exchange.release(sub, {nb: notice_page(title, message) for nb in sub.notebooks()})

    def release(self, sub: Inbound, rec: Record, pages: dict[str, bytes], state: str, why: str, **extra) -> None:
        self.exchange.release(sub, pages)
        if state == RELEASED:
            self.journal.append(RELEASED, rec.key)
        else:
            self.journal.append(state, rec.key, why=why, released=True, **extra)


def verdict_rows(path: Path) -> list[tuple[str, str]]:
    """(question, verdict and hint) for each judged cell of an autograded notebook, without points."""
    import nbformat

    from ..judging.judge import STATUS_MARK

    rows = []
    for cell in nbformat.read(str(path), as_version=4).cells:
        v = cell.get("metadata", {}).get("autograder", {}).get("verdict")
        if v:
            hint = ("%s: %s" % (v["mistake"]["title"], v["mistake"]["hint"])) if v.get("mistake") else ""
            rows.append((v["title"], "%s %s%s" % (STATUS_MARK[v["status"]], v["status"], ". " + hint if hint else "")))
    return rows


def status_lines(root: Path, errors: int = 5) -> list[str]:
    """``serve --status``: whether a service runs, the queue, what is being graded, the last errors."""
    folder = state_folder(root)
    journal = Journal(folder)
    running = False
    with open(folder / "serve.lock", "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            running = True
    recs = journal.in_order()
    by = {s: [r for r in recs if r.state == s] for s in (QUEUED, GRADING, RELEASED, REFUSED, SUPERSEDED, FAILED)}
    lat = sorted(r.latency for r in by[RELEASED] if r.latency is not None)
    lines = ["service: %s" % ("running" if running else "not running"),
             "queue: %d waiting, %d being graded (%s)" % (len(by[QUEUED]), len(by[GRADING]), ", ".join(
                 "%s/%s" % (r.student, r.assignment) for r in by[GRADING]) or "none"),
             "done: %d released, %d refused, %d superseded, %d failed" % (
                 len(by[RELEASED]), len(by[REFUSED]), len(by[SUPERSEDED]), len(by[FAILED]))]
    if lat:
        lines.append("submit-to-feedback: median %.1f s, max %.1f s over %d" % (lat[len(lat) // 2], lat[-1], len(lat)))
    errs = [(r, e) for r in recs for e in r.errors][-errors:]
    lines += ["last errors:"] + ["  %s/%s: %s" % (r.student, r.assignment, e) for r, e in errs] if errs else []
    try:
        policy, exchange_root, course_id, _ = load(root)
    except ValueError as exc:  # no course id: the service would not start either
        return lines + ["policy: unknown (%s)" % exc]
    assignments = Exchange(exchange_root, course_id).released() | {r.assignment for r in recs}
    return lines + in_force(policy, journal, due_dates(root, assignments), time.time())


def due_dates(root: Path, assignments: set[str]) -> dict[str, datetime.datetime | None]:
    """{assignment: its due date in the gradebook, or None}; a course with no gradebook yet is left without one."""
    from nbgrader.api import MissingEntry

    from ..gradebook import exists

    dues: dict[str, datetime.datetime | None] = dict.fromkeys(assignments)
    if assignments and exists(root):
        with opened(root) as gb:
            for assignment in assignments:
                with contextlib.suppress(MissingEntry):
                    dues[assignment] = gb.find_assignment(assignment).duedate
    return dues


def _stop(signum, frame):
    raise KeyboardInterrupt


def main(root: Path, status: bool, once: bool, jobs: int | None, cluster: str | None = None) -> int:
    if status:
        print("\n".join(status_lines(root)))
        return 0
    signal.signal(signal.SIGTERM, _stop)  # systemd's and JupyterHub's stop: end as Ctrl-C does
    try:
        Service(root, jobs=jobs, cluster=cluster).serve(once=once)
    except (ServiceRunning, ValueError, grading.GradingError) as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped: what was being graded is graded again on the next start")
        return 130
    return 0
