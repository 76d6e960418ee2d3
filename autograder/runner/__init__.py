"""Grade a whole class in parallel: ``python -m autograder grade ASSIGNMENT --jobs N``.

* **Workers** (:mod:`.worker`). Long-lived processes, each an initialized ``nbgrader autograde`` application
  (the course's ``nbgrader_config.py``, hence its pipeline, sandbox and kernel manager). A worker grades one
  submission at a time, exactly as ``nbgrader autograde A --student S --force`` would, with a fresh kernel per
  notebook. Workers are forked from a template process (:mod:`.template`) that imported nbgrader, the engine
  and the answer key once; a process keeps its template for all its runs (the demo's classes, the live-feedback
  service's batches: :func:`.template.reusable`); :mod:`.handle` is the parent's side of a worker.
  With ``jobs`` > 1 the pool holds ``EXTRA_WORKERS`` more workers than ``jobs``, which keep the cores busy
  while a worker waits for its kernel, and each kernel's thread pools get ``cores // jobs`` threads (:mod:`.env`).
* **A private gradebook per submission.** A worker never writes the course's gradebook: nbgrader runs against a
  fresh copy (``.autograder/runner/.../slot-<k>.db``, copied anew for every submission from a snapshot made when
  the run starts). nbgrader writes autograded/<student>/<A>/ per student, so no two workers touch the same
  folder either.
* **One writer** (:mod:`.pool`). The parent alone writes the course's gradebook: a worker reads the submission's
  rows back from its copy and sends them with its reply; the parent merges them in one transaction
  (:func:`autograder.gradebook.merge_submission`), idempotently, never touching what a grader entered by hand.
  No two processes write the SQLite file at once, so "database is locked" cannot come from the runner.
* **Faults.** A submission whose nbgrader run fails is reported and leaves the gradebook as it was; a worker that
  dies or hangs is killed with its kernels, replaced, and its submission retried once. So is a submission the
  grader could not grade for its own reasons (a :class:`autograder.faults.GraderTrouble`, read from the
  submission's fault log: no kernel would start, or a cell ran out of time because the machine was too busy; on
  the last attempt such a time-out counts as the notebook's). Other students' grades are never touched.
* **Resumable** (:mod:`.resume`). A submission already graded and recorded is skipped unless ``force``.
* **GPU.** Workers and their kernels get ``TF_FORCE_GPU_ALLOW_GROWTH=true`` and
  ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` (unless set), so that kernels sharing a GPU take memory as they need it.
* **Server databases.** With a PostgreSQL (or any non-SQLite) ``db_url`` the workers write the gradebook
  themselves and there is nothing to merge (docs/grading-a-class.md).
* **A Dask cluster** (:mod:`.cluster`). ``run(..., cluster="tcp://HOST:PORT")`` sends each submission as a task to a
  Dask scheduler; a Dask worker, started in the course root, grades it with the same worker process as above. The
  run around the tasks is this one; the gradebook must be on a server.

What a run tells the instructor afterwards: :mod:`.summary`.
"""
from .env import sandbox_preflight
from .pool import RETRIES, RunnerBusy, RunResult, SubmissionResult, keep_warm, run
from .summary import summary_lines

__all__ = ["RETRIES", "RunResult", "RunnerBusy", "SubmissionResult", "keep_warm", "run", "sandbox_preflight", "summary_lines"]
