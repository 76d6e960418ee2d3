"""The instructor's rules for live feedback (``c.LiveFeedback.*`` in ``nbgrader_config.py``), and the two
decisions made from them without grading anything: may this submission be graded, and which submissions are
graded next (first come, first served; one submission per student at a time)."""
from __future__ import annotations

import datetime
from pathlib import Path

from traitlets import Bool, Enum, Float, Int
from traitlets.config import Configurable

from .journal import FAILED, GRADING, QUEUED, RELEASED, SUPERSEDED, Journal, Record

SHOWS = ("full", "verdicts", "received")


class LiveFeedback(Configurable):
    """What ``python -m autograder serve`` does with each submission (docs/live-feedback.md)."""

    max_attempts = Int(0, help="Graded attempts per student and assignment; a later submission is refused with a "
                               "message. 0: no limit.").tag(config=True)
    cooldown_s = Float(0.0, help="Seconds a student waits after a graded attempt's submission before the next one "
                                 "is graded; one submitted sooner is refused with a message.").tag(config=True)
    feedback_before_deadline = Enum(SHOWS, default_value="full", help=(
        "What a student's page shows before the assignment's due date (nbgrader's duedate): 'full' the feedback "
        "page with points, 'verdicts' each question's verdict and hint without points, 'received' only that the "
        "submission was graded. After the due date, or without one, the full page.")).tag(config=True)
    check_owner = Bool(True, help="Refuse a submission whose folder in the exchange belongs to another OS user "
                                  "than the student it names.").tag(config=True)
    poll_s = Float(1.0, help="Seconds between two looks at the exchange's inbound folder.").tag(config=True)
    gather_s = Float(5.0, help="Seconds at most to wait, once a new submission is seen, for others arriving with "
                               "it (graded side by side); the wait ends as soon as half a second passes without "
                               "one.").tag(config=True)
    jobs = Int(0, help="Submissions graded at once; 0: one per core.").tag(config=True)
    warm_kernel = Bool(True, help="Keep a kernel started ahead, in the sandbox, with the assignment's libraries "
                                  "imported, for the next submission (autograder/pipeline/warm.py).").tag(config=True)
    retries = Int(2, help="More attempts for a submission the grader could not grade for its own reasons.").tag(
        config=True)
    retry_wait_s = Float(30.0, help="Seconds before such a submission is tried again.").tag(config=True)


# --------------------------------------------------------------------------------------------------
# may it be graded?

ACCEPTED = (QUEUED, GRADING, RELEASED, FAILED)  # the attempts that count (refused and superseded ones do not)


def when(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def refusal(policy: LiveFeedback, rec: Record, earlier: list[Record], owner: str | None) -> str | None:
    """Why ``rec`` is not graded, in words for the student; None when it is. ``earlier``: the student's earlier
    submissions of the assignment; ``owner``: the OS user whose folder it is (None: not known)."""
    if policy.check_owner and owner is not None and owner != rec.student:
        return ("this submission names the student %r but was handed in by the user %r; it is not graded"
                % (rec.student, owner))
    counted = [r for r in earlier if r.state in ACCEPTED and r.key != rec.key]
    if policy.max_attempts and len(counted) >= policy.max_attempts:
        return ("you have used your %d graded attempt(s) of %s; this submission is kept but not graded"
                % (policy.max_attempts, rec.assignment))
    if policy.cooldown_s and counted:
        last = max(r.submitted for r in counted)
        if rec.submitted < last + policy.cooldown_s:
            return ("this submission came %.0f s after your previous one; the course waits %.0f s between "
                    "graded attempts, so it is not graded: submit again after %s"
                    % (rec.submitted - last, policy.cooldown_s, when(last + policy.cooldown_s)))
    return None


def shows(policy: LiveFeedback, duedate: datetime.datetime | None, now: float) -> str:
    """What the page of a submission graded ``now`` shows (one of ``SHOWS``)."""
    if duedate is None:
        return "full"
    return policy.feedback_before_deadline if now < epoch(duedate) else "full"


def in_force(policy: LiveFeedback, journal: Journal, dues: dict[str, datetime.datetime | None],
             now: float) -> list[str]:
    """``serve --status``: the rules in force and, per assignment (``dues``: its nbgrader due date), what a page
    graded now shows and how many graded attempts each student who submitted has left."""
    rules = ["at most %d graded attempt(s) per student" % policy.max_attempts if policy.max_attempts
             else "no limit on graded attempts"]
    rules.append("%g s between graded attempts" % policy.cooldown_s if policy.cooldown_s else "no cool-down")
    if policy.feedback_before_deadline != "full":
        rules.append("before the due date pages show %s" % policy.feedback_before_deadline)
    lines = ["policy: " + "; ".join(rules)]
    for assignment, due in sorted(dues.items()):
        parts = ["due %s" % when(epoch(due)) if due else "no due date", "pages now: %s" % shows(policy, due, now)]
        if policy.max_attempts:
            used: dict[str, int] = {}
            for rec in journal.in_order():
                if rec.assignment == assignment and rec.state in ACCEPTED:
                    used[rec.student] = used.get(rec.student, 0) + 1
            left = ", ".join("%s %d" % (s, max(0, policy.max_attempts - n)) for s, n in sorted(used.items()))
            parts.append("attempts left: %s (others %d)" % (left, policy.max_attempts) if left
                         else "attempts left: %d each" % policy.max_attempts)
        lines.append("  %s: %s" % (assignment, "; ".join(parts)))
    return lines


def epoch(due: datetime.datetime) -> float:
    """Seconds since the epoch of an nbgrader due date (kept as naive UTC)."""
    return (due if due.tzinfo else due.replace(tzinfo=datetime.timezone.utc)).timestamp()


# --------------------------------------------------------------------------------------------------
# which next?


def supersede(journal: Journal) -> list[Record]:
    """Mark as superseded every queued submission that has a newer queued one of the same student and
    assignment (only the latest of a burst is graded; the earlier stay in the exchange as nbgrader keeps them).
    Returns the records it marked."""
    newest: dict[tuple[str, str], Record] = {}
    for rec in journal.in_order(QUEUED):
        k = (rec.student, rec.assignment)
        if k not in newest or rec.submitted >= newest[k].submitted:
            newest[k] = rec
    marked = [r for r in journal.in_order(QUEUED) if newest[(r.student, r.assignment)] is not r]
    for rec in marked:
        journal.append(SUPERSEDED, rec.key, why="a newer submission of yours was graded instead")
    return marked


def next_batch(journal: Journal, now: float, limit: int = 0) -> list[Record]:
    """The submissions to grade together next: the assignment of the oldest waiting one, then each student's
    oldest waiting submission of it, in the order they arrived (at most ``limit``; 0: all). A student whose
    submission is being graded waits for it."""
    busy = {r.student for r in journal.in_order(GRADING)}
    ready = [r for r in journal.in_order(QUEUED) if r.retry_at <= now and r.student not in busy]
    if not ready:
        return []
    assignment = ready[0].assignment
    batch, students = [], set()
    for rec in ready:
        if rec.assignment == assignment and rec.student not in students:
            batch.append(rec)
            students.add(rec.student)
    return batch[:limit] if limit else batch


def load(root: Path):
    """(the policy, the exchange's root, the course id, the whole config) from the course's ``nbgrader_config.py``."""
    from traitlets.config.loader import Config, PyFileConfigLoader

    path = Path(root) / "nbgrader_config.py"
    config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config() if path.is_file() else Config()
    from nbgrader.exchange.default.exchange import Exchange

    exchange = config.Exchange.get("root", Exchange.root.default_value)  # nbgrader's own default where none is set
    course_id = config.CourseDirectory.get("course_id", "")
    if not course_id:
        raise ValueError("%s sets no c.CourseDirectory.course_id: the service cannot tell which course's exchange "
                         "folder to watch" % path)
    return LiveFeedback(config=config), Path(exchange), course_id, config
