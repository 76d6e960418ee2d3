"""Live feedback: ``python -m autograder serve`` grades each submission the moment it reaches nbgrader's exchange.

* **Watch** (:mod:`.exchange`). The service looks at the exchange's ``inbound/`` every ``poll_s`` seconds (no
  inotify: it works the same on a network file system) for finished uploads of released assignments. It reads
  the exchange only, never a student's home.
* **Journal** (:mod:`.journal`). What happens to each submission is appended to ``.autograder/serve/journal.jsonl``
  and synced to disk before the next step: a submission that arrived while the service was down is found on
  start; one being graded when the service was killed is graded again; one whose page was released is never
  touched again.
* **Policy** (:mod:`.policy`, ``c.LiveFeedback.*`` in ``nbgrader_config.py``): attempts per student, the
  cool-down between them, what a page shows before the due date, whose folder a submission may be. A refused
  submission gets a page that says why.
* **Fair batches** (:func:`.policy.next_batch`). The next batch is the assignment of the oldest waiting
  submission and each student's oldest waiting submission of it, in order of arrival, one per student; a burst of
  submissions from one student is graded once, the latest (the earlier stay in the exchange, as nbgrader keeps them).
* **Grading** (:mod:`.service`). Each submission is copied to ``submitted/`` as ``nbgrader collect`` would, the
  batch is graded by the runner (:func:`autograder.runner.run`, so the grades equal ``python -m autograder grade``),
  nbgrader's ``generate_feedback`` writes the pages, and each is put in the exchange's ``feedback/`` under the
  name the submitting student's ``nbgrader fetch_feedback`` looks for. A submission the grader cannot grade gets a
  page that says so and is tried again (``retries``); one line per submission is logged with its latency.
"""
from .journal import Journal, Record
from .policy import LiveFeedback
from .service import Service, status_lines

__all__ = ["Journal", "LiveFeedback", "Record", "Service", "status_lines"]
