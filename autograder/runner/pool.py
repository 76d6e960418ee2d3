"""The run: which submissions need grading, the pool of workers that grades them, and the one process that
writes their grades into the course's gradebook (see :mod:`autograder.runner`)."""
from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import grading
from .cluster import MAX_IN_FLIGHT, cluster_pool, connect, prestart, require_server_db, threads as cluster_threads
from .template import reusable
from .env import cores, sandbox_preflight, worker_env
from ..gradebook import course_db, merge_submission, sqlite_url, open_gradebook, rows_from_json, snapshot, sqlite_path
from .resume import graded_state
from .worker import _last_line, tree_rss
from .handle import MAX_TASKS_PER_WORKER, Worker, WorkerDied, log_tail


# Workers beyond --jobs (when jobs > 1): while one worker starts a kernel, waits on a kernel that idles for want
# of a free core (tf.data's per-epoch wait in a Keras fit, docs/grading-a-class.md), or reads and writes its
# files, the others keep the cores busy. On 2 cores, 16 submissions,
# kernels' threads shared out, 4 runs each: 1 extra 57.9-63.4 s (8-12 core-seconds idle), 2 extra 54.5-61.3 s
# (3.4-4.3 idle). With kernels killed after their last cell: 0 / 1 / 2 extra 58.8 / 58.5 / 57.1 s (0 extra
# leaves the cores idle a fifth of the time). Each worker with its kernel holds about 850 MB
# (docs/grading-a-class.md).
EXTRA_WORKERS = 2
TASK_TIMEOUT = 1800  # seconds a worker may take for one submission before it is killed (hung, not slow)
RETRIES = 1  # extra attempts for a submission whose worker died or hung, whose kernel would not start, or
# one of whose cells ran out of time while the machine was too busy to run it


# --------------------------------------------------------------------------------------------------
# the run


@dataclass
class SubmissionResult:
    student: str
    status: str  # "graded", "skipped" (already graded), "failed"
    seconds: float = 0.0
    attempts: int = 0
    error: str | None = None
    log: str = ""
    busy_timeouts: int = 0  # cells that ran out of time on its last attempt while the machine was too busy
    span: tuple[float, float] = (0.0, 0.0)  # (start, end) of its grading, seconds since the workers started
    rows: dict | None = field(default=None, repr=False)  # what the worker graded, until it is merged


@dataclass
class RunResult:
    assignment: str
    students: list[str]
    outcomes: dict[str, SubmissionResult] = field(default_factory=dict)
    jobs: int = 1
    workers: int = 1
    seconds: float = 0.0
    peak_rss: int = 0  # bytes: the largest worker + kernels seen
    sandbox: str = ""  # which sandbox graded the notebooks (the summary's line)
    cluster: str = ""  # the Dask scheduler that graded them, if any

    def of(self, status: str) -> list[str]:
        return [s for s in self.students if self.outcomes[s].status == status]

    @property
    def failed(self) -> list[str]:
        return self.of("failed")


class RunnerBusy(grading.GradingError):
    pass


@contextlib.contextmanager
def course_lock(root: Path):
    """One grading run per course at a time (a second one would race on the same folders)."""
    from .. import course

    path = course.state_dir(root) / "runner.lock"
    with open(path, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunnerBusy("another grading run holds %s; wait for it to finish" % path)
        yield


def run(root: Path, assignment: str, students: list[str] | None = None, *, jobs: int | None = None,
        force: bool = False, timeout: int | None = None, progress: bool = True, verbose: bool = False,
        extra_workers: int | None = None, direct: bool | None = None, use_template: bool = True,
        sandbox: str | None = None, cluster: str | None = None, on_result=None, warm: bool = False) -> RunResult:
    """Autograde the submissions of ``students`` (all when None), ``jobs`` at a time (default: all cores).

    With ``jobs`` > 1 the pool holds ``EXTRA_WORKERS`` more workers than ``jobs`` (``extra_workers``
    overrides); ``jobs=1`` grades strictly one submission after another.

    Returns a :class:`RunResult`; the gradebook and autograded/ hold the grades. ``timeout``: seconds per
    cell (``Execute.timeout``; default: the course's). ``verbose``: print each submission's nbgrader log.
    ``direct``: workers write the gradebook themselves (default: only for a server database, never SQLite).
    ``use_template``: fork workers from a template process that has imported nbgrader and the engine once
    (:mod:`autograder.runner.template`), kept for this process's later runs (:func:`.template.reusable`); False
    starts each worker as a process of its own. ``sandbox``: "none" or
    "auto" instead of the course's ``SafeExecute.sandbox`` (:func:`sandbox_preflight`). ``cluster``: the address of a
    Dask scheduler (``tcp://HOST:PORT``) whose workers grade the submissions (:mod:`autograder.runner.cluster`;
    ``jobs``, the submissions in flight, then defaults to all of them); the gradebook must be on a database server.
    ``on_result``: called with each :class:`SubmissionResult` as soon as it is recorded in the gradebook, in the
    run's one writer (the caller's thread), so that the caller can act on a submission before the whole run ends;
    what it raises is its own trouble and stops the run. ``warm``: the template keeps a spare worker whose
    kernel is started ahead, with the modules the assignment's released notebooks import (the live-feedback
    service: a lone submission then finds its kernel ready; :mod:`autograder.pipeline.warm`).
    """
    from .. import course

    root = Path(root).resolve()
    t0 = time.monotonic()
    mode, line, _ = sandbox_preflight(root, sandbox)
    students = list(students) if students is not None else grading.submissions(root, assignment)
    result = RunResult(assignment, students, jobs=max(1, jobs or cores()), sandbox=line)
    if not students:
        return result
    with course_lock(root), _cluster_client(root, cluster) as client:
        if client is not None:
            result.jobs = max(1, jobs or min(len(students), MAX_IN_FLIGHT))
            result.cluster = "%s (%d worker threads at the start)" % (cluster, cluster_threads(client))
            direct, use_template, extra_workers = True, False, 0
            prestart(client, worker_argv(timeout, mode))  # while this process reads the class
        jobs = result.jobs
        work = course.state_dir(root) / "runner" / ("run-%d-%d" % (os.getpid(), time.time_ns()))
        work.mkdir(parents=True)
        try:
            # this process's template, or one that imports while this process reads the class
            tpl = reusable(worker_env(root, jobs)) if use_template else None
            course.font_cache(root)  # once per course, here, rather than by every worker's first kernel at once
            db_url, course_id = course_db(root)
            grading.ensure_generated(root, assignment)
            if direct is None:
                direct = sqlite_path(db_url) is None
            if direct:  # nbgrader's steps open the gradebook without a course id: make that row before workers race
                with open_gradebook(db_url, "default_course"):
                    pass
            todo = []
            with open_gradebook(db_url, course_id) as gb:
                for s in students:
                    if not (root / "submitted" / s / assignment).is_dir():
                        why = "no submission in submitted/%s/%s" % (s, assignment)
                        result.outcomes[s] = SubmissionResult(s, "failed", error=why)
                    elif not force and graded_state(root, assignment, s, gb) is None:
                        result.outcomes[s] = SubmissionResult(s, "skipped")
                    else:
                        todo.append(s)
            if todo:
                pool = (_Pool if client is None else cluster_pool(client, _Pool))(
                    root, assignment, todo, result, db_url=db_url, course_id=course_id, direct=direct, work=work,
                    timeout=timeout, tpl=tpl, mode=mode, warm=warm_modules(root, assignment) if warm and tpl else None,
                    extra=(EXTRA_WORKERS if jobs > 1 else 0) if extra_workers is None else extra_workers)
                pool.on_result = on_result
                pool.run(progress, verbose)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.monotonic() - t0
    return result


def keep_warm(root: Path, assignment: str, jobs: int | None = None) -> None:
    """Have this process's template keep a spare worker, its kernel warm, for the next ``run(root, assignment,
    jobs=jobs, warm=True)`` (the live-feedback service, before its first submission arrives)."""
    root = Path(root).resolve()
    mode, _, _ = sandbox_preflight(root)
    env = worker_env(root, max(1, jobs or cores()))
    reusable(env).prime(worker_argv(None, mode), root, env, warm_modules(root, assignment))


def warm_modules(root: Path, assignment: str) -> list[str]:
    """The modules that the assignment's released notebooks import, for a warm kernel to import ahead."""
    from nbgrader.coursedir import CourseDirectory

    from ..gradebook import converter_config
    from ..pipeline.warm import preload_modules

    cd = CourseDirectory(config=converter_config(root))
    return preload_modules(Path(cd.format_path(cd.release_directory, ".", assignment)))


def worker_argv(timeout: int | None, mode: str) -> list[str]:
    """The command-line settings of every worker of a run: the cell time limit asked for, and the sandbox as
    decided once for the run (:func:`sandbox_preflight`)."""
    return (["--Execute.timeout=%d" % timeout] if timeout is not None else []) + ["--SafeExecute.sandbox=%s" % mode]


@contextlib.contextmanager
def _cluster_client(root: Path, address: str | None):
    """A client of the Dask scheduler at ``address`` (None without one), once the gradebook is known to be on a
    server; closed at the end of the run."""
    if not address:
        yield None
        return
    require_server_db(course_db(root)[0], address)
    client = connect(address)
    try:
        yield client
    finally:
        client.close()


class _Pool:
    """One run's workers: a thread per slot takes the next submission, grades it in its worker and hands the
    result to the run's one writer (:meth:`collect`), which merges it into the course's gradebook."""

    def __init__(self, root, assignment, todo, result, *, db_url, course_id, direct, work, timeout, extra, tpl,
                 mode, warm=None):
        self.root, self.assignment, self.todo, self.result = root, assignment, todo, result
        self.db_url, self.course_id, self.direct, self.work, self.tpl = db_url, course_id, direct, work, tpl
        self.snapshot = work / "template.db"
        if not direct:
            snapshot(db_url, self.snapshot)
        self.argv = worker_argv(timeout, mode)
        self.env = worker_env(root, result.jobs)
        result.workers = self.nworkers = min(result.jobs + extra, len(todo))
        self.pending: queue.Queue = queue.Queue()
        for s in todo:
            self.pending.put(s)
        self.done: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.live: dict[int, Worker] = {}
        self.live_lock = threading.Lock()
        self.t_run = time.monotonic()
        self.on_result = None  # the caller's hook for each recorded submission (run(on_result=...))
        self.warm = warm  # the modules a spare worker's kernel imports (run(warm=True)), or None

    def private_db(self, k: int) -> Path:
        """Slot k's copy of the gradebook: one path for all its submissions, so that its worker's nbgrader
        keeps its compiled SQL (:func:`autograder.runner.worker._engines_kept`)."""
        return self.work / ("slot-%d.db" % k)

    def fresh_copy(self, k: int) -> None:
        """The snapshot, copied anew for slot k's next submission, with no journal left behind by a worker
        that died while writing."""
        dest = self.private_db(k)
        for name in (dest.name, dest.name + "-journal", dest.name + "-wal", dest.name + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                (self.work / name).unlink()
        shutil.copyfile(self.snapshot, dest)

    def record(self, gb, outcome: SubmissionResult) -> None:
        """Merge the submission's rows into the course's gradebook (the only writer), then check it."""
        try:
            if not self.direct:
                if outcome.rows is None:
                    raise ValueError("its worker sent no grades")
                merge_submission(gb, self.assignment, outcome.student, rows_from_json(outcome.rows))
                outcome.rows = None
            gb.db.expire_all()
            why = graded_state(self.root, self.assignment, outcome.student, gb)
            if why is not None:
                outcome.status, outcome.error = "failed", "graded, but %s" % why
        except Exception as exc:
            outcome.status, outcome.error = "failed", "could not record the grades: %s" % exc

    def worker_for(self, k: int, worker: Worker | None) -> Worker:
        """Slot k's worker, replaced when it is gone, dead or has graded its share."""
        if worker is None or worker.tasks >= MAX_TASKS_PER_WORKER or not worker.alive():
            if worker is not None:
                worker.close()
            worker = Worker(self.root, self.argv, self.env, self.work / ("worker-%d.log" % k), self.tpl, self.warm)
            with self.live_lock:
                self.live[k] = worker
        return worker

    def grade_one(self, k: int, student: str, worker: Worker | None) -> tuple[SubmissionResult, Worker | None]:
        outcome = SubmissionResult(student, "failed")
        t_start = time.monotonic()
        try:
            while outcome.attempts <= RETRIES and not self.stop.is_set():
                outcome.attempts += 1
                worker = self.worker_for(k, worker)
                if not self.direct:
                    self.fresh_copy(k)
                task = {"assignment": self.assignment, "student": student, "scratch": not self.direct,
                        "db_url": self.db_url if self.direct else sqlite_url(self.private_db(k)),
                        "last_attempt": outcome.attempts > RETRIES,
                        "fault_log": str(self.work / ("faults-%d.jsonl" % k))}
                try:
                    reply = worker.grade(task, TASK_TIMEOUT, self.stop)
                except WorkerDied as exc:
                    outcome.error, outcome.log = str(exc), log_tail(worker.log_path)
                    worker.kill()
                    worker = None
                    continue
                outcome.error, outcome.log, outcome.rows = reply["error"], reply["log"], reply.get("rows")
                outcome.busy_timeouts = reply.get("busy_timeouts", 0)
                outcome.status = "graded" if reply["ok"] else "failed"
                if reply.get("grader_trouble"):
                    continue  # nothing was graded: again, while attempts are left
                break
        except Exception as exc:  # the runner's own trouble (a full disk, say): this submission only
            outcome.status, outcome.error = "failed", "the runner failed on this submission: %s" % exc
        outcome.seconds = time.monotonic() - t_start
        outcome.span = (t_start - self.t_run, t_start - self.t_run + outcome.seconds)
        return outcome, worker

    def slot(self, k: int) -> None:
        worker = None
        while not self.stop.is_set():
            try:
                student = self.pending.get_nowait()
            except queue.Empty:
                break
            outcome, worker = self.grade_one(k, student, worker)
            self.done.put(outcome)
        if worker is not None:
            worker.close()
        with self.live_lock:
            self.live.pop(k, None)

    def sample(self) -> None:
        while not self.stop.wait(1.0):  # a kernel's memory stays up for seconds: once a second is enough
            with self.live_lock:
                pids = [w.pid for w in self.live.values() if w.pid is not None]
            if pids:
                self.result.peak_rss = max([self.result.peak_rss] + list(tree_rss(pids).values()))

    def collect(self, threads, bar, verbose: bool) -> None:
        """The run's one writer: each graded submission merged into the course's gradebook as it comes."""
        failed = received = 0
        with open_gradebook(self.db_url, self.course_id) as gb:
            while received < len(self.todo):
                try:
                    outcome = self.done.get(timeout=1)
                except queue.Empty:
                    if not any(t.is_alive() for t in threads) and self.done.empty():
                        break
                    continue
                received += 1
                if outcome.status == "graded":
                    self.record(gb, outcome)
                self.result.outcomes[outcome.student] = outcome
                if verbose and outcome.log:
                    bar.write(outcome.log.rstrip())
                if outcome.status == "failed":
                    failed += 1
                    bar.write("failed: %s: %s" % (outcome.student, _last_line(outcome.error)))
                bar.set_postfix(failed=failed, refresh=False)
                bar.update(1)
                if self.on_result is not None:
                    self.on_result(outcome)

    def run(self, progress: bool, verbose: bool) -> None:
        from tqdm import tqdm

        threads = [threading.Thread(target=self.slot, args=(k,), daemon=True) for k in range(self.nworkers)]
        sampler = threading.Thread(target=self.sample, daemon=True)
        bar = tqdm(total=len(self.todo), desc="grading %s" % self.assignment, unit="submission",
                   disable=not progress, mininterval=0.5 if sys.stderr.isatty() else 5, dynamic_ncols=True)
        self.t_run = time.monotonic()
        try:
            for t in threads + [sampler]:
                t.start()
            self.collect(threads, bar, verbose)
        finally:
            self.stop.set()
            bar.close()
            for t in threads:
                t.join(timeout=60)
            with self.live_lock:
                leftovers = list(self.live.values())
            for w in leftovers:
                w.kill()
            sampler.join(timeout=5)
            for student in self.todo:
                self.result.outcomes.setdefault(student, SubmissionResult(student, "failed",
                                                                          error="not graded: the run stopped"))
