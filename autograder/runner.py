"""Grade a whole class in parallel: ``python -m autograder grade ASSIGNMENT --jobs N``.

Design
------
* **Workers.** Long-lived worker processes (:func:`worker_main`), each an
  initialized ``nbgrader autograde`` application (the course's ``nbgrader_config.py``, hence the course's
  pipeline, sandbox and kernel manager). A worker grades one submission at a time, exactly as
  ``nbgrader autograde A --student S --force`` would, with a fresh kernel per notebook (started by the
  pipeline's execute step, never reused across students). Workers are forked from a template process
  (:mod:`autograder.template`) that imported nbgrader, the engine and the answer key once, while the run
  read the class. With ``jobs`` > 1 the pool holds ``EXTRA_WORKERS`` workers more than ``jobs``, which keep
  the cores busy while a worker waits for its kernel, and each kernel's thread pools get ``cores // jobs``
  threads (``THREAD_ENV``).
* **A private gradebook per submission.** A worker never writes the course's gradebook: nbgrader runs
  against a fresh copy (``CourseDirectory.db_url`` pointed at ``.autograder/runner/.../slot-<k>.db``,
  copied anew for every submission from a snapshot of the gradebook made when the run starts). nbgrader
  writes autograded/<student>/<A>/ per student, so no two workers touch the same folder either.
* **One writer.** The parent process alone writes the course gradebook: when a worker is done, it reads
  the submission's rows back from its copy (the student, the submission's timestamp, each notebook's late
  penalty, each grade's ``auto_score`` and ``needs_manual_grade``, each comment's ``auto_comment``) and
  sends them with its reply; the parent merges them in one transaction (:func:`merge_submission`). The
  merge is idempotent, never duplicates a row, and touches nothing a grader entered by hand. No two
  processes ever write the SQLite file at once, so "database is locked" cannot come from the runner at
  any ``jobs``.
* **Faults.** A submission whose nbgrader run fails is reported and leaves the gradebook as it was; a
  worker that dies or hangs is killed with its kernels, replaced, and its submission retried once. So is a
  submission the grader could not grade for its own reasons (``sandbox.GraderTrouble``: no kernel would
  start, or a cell ran out of time because the machine was too busy to run it; on the last attempt such a
  time-out counts as the notebook's). Other students' grades are never touched by any of these.
* **Resumable.** A submission is *already graded* (:func:`graded_state`) when its autograded notebooks
  hold the judge's verdicts, are not older than any file of the submission, and the gradebook holds the
  submission's timestamp and, for every grade cell, the very score the autograded notebook shows. Those
  are skipped unless ``force``.
* **GPU.** Workers (and so their kernels) get ``TF_FORCE_GPU_ALLOW_GROWTH=true`` and
  ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` (unless already set), so that kernels sharing one GPU take memory
  as they need it instead of all of it each; PyTorch allocates on demand already and gets nothing.
* **Server databases.** With a PostgreSQL (or any non-SQLite) ``db_url`` the workers write the gradebook
  themselves and there is nothing to merge (see docs/grading-a-class.md).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import re
import secrets
import select
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import grading, template

GPU_ENV = {"TF_FORCE_GPU_ALLOW_GROWTH": "true", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
# With jobs > 1, each kernel's thread pools get cores // jobs threads (unless these are set already): a kernel
# sized for the whole machine, next to others sized the same, spins and switches threads instead of working.
# TensorFlow reads the TF_ ones, PyTorch and OpenMP builds OMP_NUM_THREADS, numpy's BLAS the last two.
# 16 submissions on 2 cores, 3 workers, CPU-seconds per submission (3 runs each): 6.87 without, 6.69 with.
THREAD_ENV = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
              "MKL_NUM_THREADS")
# Workers beyond --jobs (when jobs > 1): while one worker starts a kernel, waits on a kernel that idles for want
# of a free core (tf.data's per-epoch wait in a Keras fit, docs/grading-a-class.md), or reads and writes its
# files, the others keep the cores busy. On 2 cores, 16 submissions,
# kernels' threads shared out, 4 runs each: 1 extra 57.9-63.4 s (8-12 core-seconds idle), 2 extra 54.5-61.3 s
# (3.4-4.3 idle). With kernels killed after their last cell: 0 / 1 / 2 extra 58.8 / 58.5 / 57.1 s (0 extra
# leaves the cores idle a fifth of the time). Each worker with its kernel holds about 850 MB
# (docs/grading-a-class.md).
EXTRA_WORKERS = 2
WORKER_NAME = template.WORKER_NAME  # the name a worker process shows (ps, top, psutil)
TASK_TIMEOUT = 1800  # seconds a worker may take for one submission before it is killed (hung, not slow)
MAX_TASKS_PER_WORKER = 200  # a worker is replaced after this many submissions (bounds slow leaks)
RETRIES = 1  # extra attempts for a submission whose worker died or hung, whose kernel would not start, or
# one of whose cells ran out of time while the machine was too busy to run it
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Entry|Interrupt)\b")


def cores() -> int:
    """The cores this process may run on (all of them, by default)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def worker_env(root: Path, jobs: int = 1) -> dict[str, str]:
    """The grading environment (:func:`grading.grading_env`) plus the GPU memory settings and, when ``jobs``
    kernels run at once, a share of the cores for each kernel's math libraries (``THREAD_ENV``)."""
    env = grading.grading_env(root)
    for name, value in GPU_ENV.items():
        env.setdefault(name, value)
    if jobs > 1:
        share = str(max(1, cores() // jobs))
        for name in THREAD_ENV:
            env.setdefault(name, share)
    return env


# --------------------------------------------------------------------------------------------------
# the course's gradebook


def course_config(root: Path):
    """The course's ``nbgrader_config.py`` as a traitlets Config."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def course_db(root: Path) -> tuple[str, str]:
    """(db_url, course_id) of the course's gradebook, as nbgrader_config.py sets them."""
    cfg = course_config(root).get("CourseDirectory", {})
    url = cfg.get("db_url") or "sqlite:///" + str(root / "gradebook.db")
    return str(url), str(cfg.get("course_id") or "default_course")


def sandbox_preflight(root: Path, override: str | None = None) -> tuple[str, str, str | None]:
    """(mode, the summary's line, a warning or None) of the sandbox a run will grade in, decided before
    anything is graded: the course's ``SafeExecute.sandbox`` (default "bwrap"), or ``override`` ("none" for
    ``--no-sandbox``, "auto" for the demo). Raises :class:`sandbox.SandboxUnavailable` when the sandbox is
    required and bubblewrap does not work here, so that a refused run writes no grade."""
    from . import sandbox

    cfg = course_config(root).get("SafeExecute", {})
    configured = override or str(cfg.get("sandbox", sandbox.SafeExecute.sandbox.default_value))
    as_uid = sandbox._sandbox_uid(int(cfg.get("sandbox_uid", -1))) is not None
    mode, warning = sandbox.resolve_mode(configured, as_uid)
    return mode, sandbox.describe_mode(mode, as_uid), warning


def sqlite_path(db_url: str) -> Path | None:
    """The file of an SQLite URL, None for a server database."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


@contextlib.contextmanager
def open_gradebook(db_url: str, course_id: str):
    from nbgrader.api import Gradebook

    if sqlite_path(db_url) is not None and "?" not in db_url:
        db_url += "?timeout=60"  # wait for a formgrader's short write instead of failing
    gb = Gradebook(db_url, course_id=course_id)
    try:
        yield gb
    finally:
        gb.close()


def ensure_generated(root: Path, assignment: str, db_url: str, course_id: str) -> None:
    """``nbgrader generate_assignment`` unless the gradebook (wherever db_url points) knows the assignment."""
    from nbgrader.api import MissingEntry

    path = sqlite_path(db_url)
    if path is None or path.exists():  # (a new SQLite file is left to nbgrader: it needs alembic on PATH)
        with open_gradebook(db_url, course_id) as gb:
            try:
                if gb.find_assignment(assignment).notebooks:
                    return
            except MissingEntry:
                pass
    grading.nbgrader(root, "generate_assignment", assignment, "--force")


def snapshot(db_url: str, dest: Path) -> None:
    """A consistent copy of an SQLite gradebook (SQLite's online backup)."""
    src = sqlite3.connect("file:%s?mode=ro" % sqlite_path(db_url), uri=True, timeout=60)
    dst = sqlite3.connect(str(dest))
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def submission_rows(gb, assignment: str, student: str) -> dict:
    """What autograde writes for one submission, as plain data (see :func:`merge_submission`)."""
    sub = gb.find_submission(assignment, student)
    return {"timestamp": sub.timestamp, "notebooks": {
        nb.name: {"late_submission_penalty": nb.late_submission_penalty,
                  "grades": {g.name: {"auto_score": g.auto_score, "manual_score": g.manual_score,
                                      "needs_manual_grade": g.needs_manual_grade} for g in nb.grades},
                  "comments": {c.name: c.auto_comment for c in nb.comments}}
        for nb in sub.notebooks}}


def rows_to_json(rows: dict) -> dict:
    """:func:`submission_rows` as JSON data (the worker sends them to the parent); :func:`rows_from_json`
    gives back an equal dict."""
    stamp = rows["timestamp"]
    return dict(rows, timestamp=None if stamp is None else stamp.isoformat())


def rows_from_json(data: dict) -> dict:
    import datetime

    stamp = data["timestamp"]
    return dict(data, timestamp=None if stamp is None else datetime.datetime.fromisoformat(stamp))


def merge_submission(gb, assignment: str, student: str, rows: dict) -> None:
    """Write one graded submission into ``gb`` in a single transaction; idempotent.

    ``rows`` is :func:`submission_rows` of the worker's private gradebook. Missing rows (a new student,
    a first submission, a notebook added since) are created the way ``Gradebook.add_submission`` does;
    existing ones are updated in place, so nothing is ever duplicated. A manual score is never touched;
    where a grader entered one while the run went on, ``needs_manual_grade`` is decided the way
    nbgrader's ``SaveAutoGrades`` does (a manual score or no automatic score: review it).
    """
    db = gb.db
    try:
        with db.no_autoflush:
            sub = _submission_skeleton(gb, assignment, student)
            have = {nb.name: nb for nb in sub.notebooks}
            for name, data in rows["notebooks"].items():
                nb = have.get(name)
                if nb is None:
                    raise ValueError("notebook %r of %s/%s is not in the gradebook" % (name, student, assignment))
                nb.late_submission_penalty = data["late_submission_penalty"]
                grades = {g.name: g for g in nb.grades}
                for cell, new in data["grades"].items():
                    g = grades[cell]
                    g.auto_score = new["auto_score"]
                    if g.manual_score == new["manual_score"]:
                        g.needs_manual_grade = new["needs_manual_grade"]
                    else:  # a grader scored this cell while the run went on
                        g.needs_manual_grade = g.manual_score is not None or g.auto_score is None
                comments = {c.name: c for c in nb.comments}
                for cell, text in data["comments"].items():
                    comments[cell].auto_comment = text
            if rows["timestamp"] is not None:
                sub.timestamp = rows["timestamp"]
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _submission_skeleton(gb, assignment: str, student: str):
    """The student's submission in ``gb`` with a row for every notebook, grade and comment, made where
    missing (as ``Gradebook.add_submission`` would) and added to the session, not committed."""
    from nbgrader import api

    db = gb.db
    person = db.get(api.Student, student)
    if person is None:
        person = api.Student(id=student)
        db.add(person)
    try:
        sub = gb.find_submission(assignment, student)
    except api.MissingEntry:
        sub = api.SubmittedAssignment(assignment=gb.find_assignment(assignment), student=person)
        db.add(sub)
    have = {nb.notebook_id: nb for nb in sub.notebooks}
    for notebook in sub.assignment.notebooks:
        nb = have.get(notebook.id)
        if nb is None:
            nb = api.SubmittedNotebook(notebook=notebook, assignment=sub)
            db.add(nb)
        grades = {g.cell_id for g in nb.grades}
        comments = {c.cell_id for c in nb.comments}
        for cell in list(notebook.grade_cells) + list(notebook.task_cells):
            if cell.id not in grades:
                db.add(api.Grade(cell=cell, notebook=nb))
        for cell in list(notebook.solution_cells) + list(notebook.task_cells):
            if cell.id not in comments:
                db.add(api.Comment(cell=cell, notebook=nb))
    return sub


def gradebook_dump(root: Path, assignment: str) -> dict:
    """{student: rows} of every submission of the assignment in the course's gradebook (for comparisons)."""
    from nbgrader import api

    url, course_id = course_db(root)
    with open_gradebook(url, course_id) as gb:
        try:
            subs = gb.find_assignment(assignment).submissions
        except api.MissingEntry:
            return {}
        return {s.student.id: submission_rows(gb, assignment, s.student.id) for s in subs}


# --------------------------------------------------------------------------------------------------
# already graded?


def graded_state(root: Path, assignment: str, student: str, gb) -> str | None:
    """None when the submission is graded and recorded, else why it is not (a short phrase)."""
    import nbformat
    from nbgrader import api, utils

    sub_dir = root / "submitted" / student / assignment
    out_dir = root / "autograded" / student / assignment
    if not out_dir.is_dir():
        return "not graded yet"
    try:
        sub = gb.find_submission(assignment, student)
    except api.MissingEntry:
        return "not in the gradebook"
    files = [p for p in sub_dir.rglob("*") if p.is_file()]
    newest = max((p.stat().st_mtime for p in files), default=0.0)
    stamp = sub_dir / "timestamp.txt"
    if stamp.is_file() and stamp.read_text().strip():
        try:
            if utils.parse_utc(stamp.read_text().strip()) != sub.timestamp:
                return "the gradebook holds another submission time"
        except ValueError:
            pass  # nbgrader itself will complain
    notebooks = {nb.name: nb for nb in sub.notebooks}
    for notebook in sub.assignment.notebooks:
        got = notebooks.get(notebook.name)
        if got is None or len(got.grades) != len(notebook.grade_cells) + len(notebook.task_cells):
            return "grades missing from the gradebook"
        scores = {g.name: g.auto_score for g in got.grades}
        submitted = sub_dir / (notebook.name + ".ipynb")
        if not submitted.is_file():
            if any(s != 0 for s in scores.values()):
                return "grades of a missing notebook are not 0"
            continue
        graded = out_dir / (notebook.name + ".ipynb")
        if not graded.is_file():
            return "no autograded notebook %s" % graded.name
        if graded.stat().st_mtime < newest:
            return "submitted again since it was graded"
        try:
            nb = nbformat.read(str(graded), as_version=4)
        except Exception:
            return "autograded notebook unreadable"
        if "autograder" not in nb.metadata:
            return "autograded notebook has no verdicts"
        for cell in nb.cells:
            if not utils.is_grade(cell):
                continue
            name = cell.metadata.nbgrader["grade_id"]
            if name not in scores:
                return "grade %s missing from the gradebook" % name
            want, _ = utils.determine_grade(cell)
            have = scores[name]
            if (want is None) != (have is None) or (want is not None and abs(want - have) > 1e-9):
                return "gradebook and autograded notebook disagree on %s" % name
    return None


# --------------------------------------------------------------------------------------------------
# the worker process


def _scratch_sqlite() -> dict:
    """Skip fsync on the worker's private gradebook copies (``{"on": True}``): nbgrader commits once per
    cell, and a copy lost to a crash is simply made again; the course's gradebook is written by the parent."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    state = {"on": False}

    @event.listens_for(Engine, "connect")
    def _connect(dbapi_connection, _record):
        if state["on"] and isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    return state


def _metadata_check_once() -> None:
    """Check nbgrader's cell-metadata schema once per worker, not once per cell.

    nbgrader's sanitize step checks each cell's ``nbgrader`` metadata with ``jsonschema.validate``, which
    first checks the schema itself and builds a new validator: at every one of the ~55 calls per notebook,
    twice per submission (0.04-0.05 CPU-seconds per submission, a tenth of a worker's own work). Here the
    worker's nbgrader gets the same function with the checked schema's validator kept for reuse: the same
    validator class, the same schema (compared by value at every call), the same ``best_match`` error, so
    a verdict or a message can never differ from nbgrader's own. Only the worker gets it.
    """
    import copy
    import types

    import jsonschema
    from jsonschema import exceptions, validators
    from nbgrader.nbgraderformat import common

    last: dict = {}

    def validate(instance, schema, cls=None, *args, **kwargs):
        if cls is not None or args or kwargs:
            return jsonschema.validate(instance, schema, cls, *args, **kwargs)
        if last.get("schema") != schema:  # a new schema: checked and compiled as jsonschema.validate does
            kind = validators.validator_for(schema)
            kind.check_schema(schema)
            last.clear()
            kept = copy.deepcopy(schema)  # the caller's dict may change; this copy never does
            last.update(schema=kept, validator=kind(kept))
        error = exceptions.best_match(last["validator"].iter_errors(instance))
        if error is not None:
            raise error

    shim = types.ModuleType("jsonschema")
    shim.__dict__.update({k: v for k, v in vars(jsonschema).items() if not k.startswith("__")})
    shim.validate = validate
    common.jsonschema = shim


def _engines_kept(limit: int = 4) -> None:
    """Let the worker's nbgrader reuse its database engines instead of making a new one at every opening.

    nbgrader opens its gradebook (``nbgrader.api.Gradebook``) about ten times per submission, and each
    opening makes a new SQLAlchemy engine, whose cache of compiled SQL starts empty: compiling the same
    ~30 statements again for every submission was most of the worker's time in SQLAlchemy. Here
    ``create_engine`` in nbgrader's module hands back the engine it made before for the same URL and
    arguments (the ``limit`` most recent ones are kept). ``Gradebook.close`` still disposes of the engine's
    connections, so no connection outlives a gradebook opening and a copy of the database replaced between
    submissions is opened afresh; what is kept is the compiled SQL and the dialect's set-up. Only the
    worker gets it.
    """
    import collections

    from nbgrader import api
    from sqlalchemy import create_engine

    kept: collections.OrderedDict = collections.OrderedDict()

    def engine_for(url, **kwargs):
        key = (str(url), repr(sorted(kwargs.items())))
        engine = kept.get(key)
        if engine is None:
            engine = kept[key] = create_engine(url, **kwargs)
            while len(kept) > limit:
                kept.popitem(last=False)[1].dispose()
        kept.move_to_end(key)
        return engine

    api.create_engine = engine_for


def _log_level(app) -> int:
    """The level nbgrader was asked to log at (``--log-level``; INFO by default) as a number."""
    import logging

    level = app.log_level
    return level if isinstance(level, int) else logging.getLevelName(str(level).upper())


def worker_main(requests, replies, argv: list[str]) -> int:
    """Serve grading requests, one JSON line each from ``requests``, one JSON line each in reply to
    ``replies`` (text files), until the end of ``requests``."""
    import io
    import logging
    import traceback

    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.converters import Autograde

    from . import sandbox

    app = AutogradeApp.instance()
    app.initialize(argv)  # loads nbgrader_config.py from the course root (cwd), as the command line does
    # traitlets leaves the app's logger at DEBUG and filters in its console handler; at the asked level
    # here, nbclient's per-message debug lines (each cell's source among them) are neither made nor kept
    level = _log_level(app)
    app.log.setLevel(level)
    scratch = _scratch_sqlite()
    _metadata_check_once()
    _engines_kept()
    for line in requests:
        task = json.loads(line)
        scratch["on"] = bool(task.get("scratch"))
        buf = io.StringIO()
        handler = logging.StreamHandler(buf)
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
        loggers = [app.log, logging.getLogger()]
        for lg in loggers:
            lg.addHandler(handler)
        reply = {"student": task["student"], "ok": True, "error": None}
        troubles, busy = sandbox.grader_troubles, sandbox.busy_timeouts_counted
        # a cell that timed out on a busy machine: the grader's trouble (tried again), but on a submission's
        # last attempt the notebook's time-out, as on an idle machine
        sandbox.busy_is_graders_fault = not task.get("last_attempt")
        try:
            app.coursedir.assignment_id = task["assignment"]
            app.coursedir.student_id = task["student"]
            app.coursedir.db_url = task["db_url"]
            converter = Autograde(coursedir=app.coursedir, parent=app)
            converter.force = True
            converter.start()
        except (Exception, SystemExit) as exc:  # NbGraderException: its log says why; else the traceback
            reply["ok"] = False
            reply["error"] = (_last_error(buf.getvalue()) if type(exc).__name__ == "NbGraderException"
                              else traceback.format_exc(limit=5))
        else:
            if task.get("scratch"):  # the parent merges these into the course's gradebook
                try:
                    with open_gradebook(task["db_url"], app.coursedir.course_id) as gb:
                        reply["rows"] = rows_to_json(submission_rows(gb, task["assignment"], task["student"]))
                except Exception:
                    reply["ok"] = False
                    reply["error"] = ("graded, but its grades could not be read back from the worker's copy "
                                      "of the gradebook: %s" % traceback.format_exc(limit=5))
        finally:
            for lg in loggers:
                lg.removeHandler(handler)
        # no kernel could be started, or the machine was too busy to run a cell in time
        # (autograder.sandbox.GraderTrouble): not the student's doing; nothing was graded, so the runner
        # tries the submission again
        reply["grader_trouble"] = not reply["ok"] and sandbox.grader_troubles > troubles
        reply["busy_timeouts"] = sandbox.busy_timeouts_counted - busy
        reply["log"] = buf.getvalue()[-20000:]
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0


def worker_stdio(argv: list[str]) -> int:
    """A worker started directly (no template): requests on stdin, replies on stdout, the log on stderr."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else written to stdout goes to the worker's log
    template.name_process(template.WORKER_NAME)
    return worker_main(sys.stdin, replies, argv)


# The worker runs this engine (the one the parent imported), whatever the course root holds.
WORKER_BOOT = ("import sys; sys.path.insert(0, %r); from autograder.runner import worker_stdio; "
               "sys.exit(worker_stdio(sys.argv[1:]))" % template.ENGINE)


def tree_rss(pids: list[int]) -> dict[int, int]:
    """{pid: resident bytes of that process and all its descendants}, from one pass over the process table."""
    import psutil

    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for p in psutil.process_iter(["ppid", "memory_info"]):
        parent[p.pid] = p.info["ppid"]
        rss[p.pid] = p.info["memory_info"].rss if p.info["memory_info"] else 0
    totals = dict.fromkeys(pids, 0)
    for pid, own in rss.items():
        seen, q = set(), pid
        while q is not None and q not in seen:  # up the tree to a root we count for, if any
            if q in totals:
                totals[q] += own
                break
            seen.add(q)
            q = parent.get(q)
    return totals


class WorkerDied(Exception):
    pass


class Worker:
    """The parent's handle on one worker process: a fork of the run's template, or (without one, or when
    it is gone) a process of its own."""

    def __init__(self, root: Path, argv: list[str], env: dict, log_path: Path,
                 tpl: template.Template | None = None):
        self.log_path = log_path
        # Every process the worker starts inherits this mark, so that kill() finds its kernels even once they
        # are orphans (a worker killed while its kernel's sandbox was still starting up leaves one behind).
        self.mark = secrets.token_hex(8)
        self.tasks = 0
        self._buf = b""
        self.proc = None
        self.template = None
        with open(log_path, "ab") as log:
            if tpl is not None:
                req_r, req_w = os.pipe()
                rep_r, rep_w = os.pipe()
                try:
                    self.pid = tpl.fork([req_r, rep_w, log.fileno()], self.mark, list(argv))
                    self.template = tpl
                except template.TemplateGone as exc:
                    log.write(("%s: starting this worker directly\n" % exc).encode())
                    os.close(req_w)
                    os.close(rep_r)
                else:
                    self._requests = os.fdopen(req_w, "wb")
                    self._replies = os.fdopen(rep_r, "rb")
                finally:
                    os.close(req_r)
                    os.close(rep_w)
            if self.template is None:
                self.proc = subprocess.Popen(
                    [sys.executable, "-c", WORKER_BOOT, *argv], cwd=root, env=dict(env, AUTOGRADER_WORKER=self.mark),
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, preexec_fn=template.die_with_parent)
                self.pid = self.proc.pid
                self._requests, self._replies = self.proc.stdin, self.proc.stdout

    def alive(self) -> bool:
        return self.proc.poll() is None if self.proc is not None else not self.template.ended(self.pid)

    def exit_code(self, timeout: float) -> int | None:
        if self.proc is not None:
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return None
        return self.template.exit_code(self.pid, timeout)

    def grade(self, task: dict, timeout: float, stop: threading.Event) -> dict:
        self.tasks += 1
        try:
            self._requests.write((json.dumps(task) + "\n").encode())
            self._requests.flush()
        except (BrokenPipeError, OSError):
            raise WorkerDied(self.why_dead())
        deadline = time.monotonic() + timeout
        fd = self._replies.fileno()
        while b"\n" not in self._buf:
            if stop.is_set():
                raise WorkerDied("the run was stopped")
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerDied("the worker took more than %d s on this submission and was stopped" % timeout)
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise WorkerDied(self.why_dead())
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def why_dead(self) -> str:
        from .sandbox import describe_exit

        return "the grading worker died (%s)" % describe_exit(self.exit_code(5))

    def kill(self) -> None:
        """Stop the worker and every process it started (its kernels, orphaned or not)."""
        import psutil

        try:
            p = psutil.Process(self.pid)
            procs = [p] + p.children(recursive=True)
        except psutil.Error:
            procs = []
        for q in psutil.process_iter(["environ"]):
            if (q.info.get("environ") or {}).get("AUTOGRADER_WORKER") == self.mark:
                procs.append(q)
        for q in procs:
            with contextlib.suppress(psutil.Error):
                q.kill()
        self.exit_code(10)
        self._close()

    def close(self, timeout: float = 30) -> None:
        """Let the worker finish (end of its input), or kill it."""
        with contextlib.suppress(OSError):
            self._requests.close()
        if self.exit_code(timeout) is None:
            self.kill()
        self._close()

    def _close(self):
        for f in (self._requests, self._replies):
            with contextlib.suppress(Exception):
                f.close()


# --------------------------------------------------------------------------------------------------
# the run


@dataclass
class Outcome:
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
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    jobs: int = 1
    workers: int = 1
    seconds: float = 0.0
    peak_rss: int = 0  # bytes: the largest worker + kernels seen
    sandbox: str = ""  # which sandbox graded the notebooks (the summary's line)

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
    from . import course

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
        sandbox: str | None = None) -> RunResult:
    """Autograde the submissions of ``students`` (all when None), ``jobs`` at a time (default: all cores).

    With ``jobs`` > 1 the pool holds ``EXTRA_WORKERS`` more workers than ``jobs`` (``extra_workers``
    overrides); ``jobs=1`` grades strictly one submission after another.

    Returns a :class:`RunResult`; the gradebook and autograded/ hold the grades. ``timeout``: seconds per
    cell (``Execute.timeout``; default: the course's). ``verbose``: print each submission's nbgrader log.
    ``direct``: workers write the gradebook themselves (default: only for a server database, never SQLite).
    ``use_template``: fork workers from a template process that has imported nbgrader and the engine once
    (:mod:`autograder.template`); False starts each worker as a process of its own. ``sandbox``: "none" or
    "auto" instead of the course's ``SafeExecute.sandbox`` (:func:`sandbox_preflight`).
    """
    from . import course

    root = Path(root).resolve()
    t0 = time.monotonic()
    jobs = max(1, jobs or cores())
    mode, line, _ = sandbox_preflight(root, sandbox)
    students = list(students) if students is not None else grading.submissions(root, assignment)
    result = RunResult(assignment, students, jobs=jobs, sandbox=line)
    if not students:
        return result
    with course_lock(root):
        work = course.state_dir(root) / "runner" / ("run-%d-%d" % (os.getpid(), time.time_ns()))
        work.mkdir(parents=True)
        tpl = None
        try:
            if use_template:  # it imports while this process reads the class
                tpl = template.Template(root, worker_env(root, jobs), work / "template.log")
            course.font_cache(root)  # once per course, here, rather than by every worker's first kernel at once
            db_url, course_id = course_db(root)
            ensure_generated(root, assignment, db_url, course_id)
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
                        result.outcomes[s] = Outcome(s, "failed", error=why)
                    elif not force and graded_state(root, assignment, s, gb) is None:
                        result.outcomes[s] = Outcome(s, "skipped")
                    else:
                        todo.append(s)
            if todo:
                _grade_all(root, assignment, todo, result, db_url=db_url, course_id=course_id, direct=direct,
                           work=work, timeout=timeout, progress=progress, verbose=verbose, tpl=tpl, mode=mode,
                           extra=(EXTRA_WORKERS if jobs > 1 else 0) if extra_workers is None else extra_workers)
        finally:
            if tpl is not None:
                tpl.close()
            shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.monotonic() - t0
    return result


def _grade_all(root, assignment, todo, result, *, db_url, course_id, direct, work, timeout, progress, verbose,
               extra, tpl, mode):
    from tqdm import tqdm

    template = work / "template.db"
    if not direct:
        snapshot(db_url, template)
    argv = ["--Execute.timeout=%d" % timeout] if timeout is not None else []
    argv.append("--SafeExecute.sandbox=%s" % mode)  # as decided once for the run (sandbox_preflight)
    env = worker_env(root, result.jobs)
    nworkers = min(result.jobs + extra, len(todo))
    result.workers = nworkers
    pending: queue.Queue = queue.Queue()
    for s in todo:
        pending.put(s)
    done: queue.Queue = queue.Queue()
    stop = threading.Event()
    live: dict[int, Worker] = {}
    live_lock = threading.Lock()

    def private_db(k: int) -> Path:
        """Slot k's copy of the gradebook: one path for all its submissions, so that its worker's nbgrader
        keeps its compiled SQL (:func:`_engines_kept`)."""
        return work / ("slot-%d.db" % k)

    def fresh_copy(k: int) -> None:
        """The snapshot, copied anew for slot k's next submission, with no journal left behind by a worker
        that died while writing."""
        dest = private_db(k)
        for name in (dest.name, dest.name + "-journal", dest.name + "-wal", dest.name + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                (work / name).unlink()
        shutil.copyfile(template, dest)

    def record(gb, outcome: Outcome) -> None:
        """Merge the submission's rows into the course's gradebook (the only writer), then check it."""
        try:
            if not direct:
                if outcome.rows is None:
                    raise ValueError("its worker sent no grades")
                merge_submission(gb, assignment, outcome.student, rows_from_json(outcome.rows))
                outcome.rows = None
            gb.db.expire_all()
            why = graded_state(root, assignment, outcome.student, gb)
            if why is not None:
                outcome.status, outcome.error = "failed", "graded, but %s" % why
        except Exception as exc:
            outcome.status, outcome.error = "failed", "could not record the grades: %s" % exc

    def grade_one(k: int, student: str, worker: Worker | None) -> tuple[Outcome, Worker | None]:
        outcome = Outcome(student, "failed")
        t_start = time.monotonic()
        try:
            while outcome.attempts <= RETRIES and not stop.is_set():
                outcome.attempts += 1
                if worker is None or worker.tasks >= MAX_TASKS_PER_WORKER or not worker.alive():
                    if worker is not None:
                        worker.close()
                    worker = Worker(root, argv, env, work / ("worker-%d.log" % k), tpl)
                    with live_lock:
                        live[k] = worker
                if not direct:
                    fresh_copy(k)
                task = {"assignment": assignment, "student": student, "scratch": not direct,
                        "db_url": db_url if direct else "sqlite:///" + str(private_db(k)),
                        "last_attempt": outcome.attempts > RETRIES}
                try:
                    reply = worker.grade(task, TASK_TIMEOUT, stop)
                except WorkerDied as exc:
                    outcome.error, outcome.log = str(exc), _tail(worker.log_path)
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
        outcome.span = (t_start - t_run, t_start - t_run + outcome.seconds)
        return outcome, worker

    def slot(k: int) -> None:
        worker = None
        while not stop.is_set():
            try:
                student = pending.get_nowait()
            except queue.Empty:
                break
            outcome, worker = grade_one(k, student, worker)
            done.put(outcome)
        if worker is not None:
            worker.close()
        with live_lock:
            live.pop(k, None)

    def sample() -> None:
        while not stop.wait(1.0):  # a kernel's memory stays up for seconds: once a second is enough
            with live_lock:
                pids = [w.pid for w in live.values()]
            if pids:
                result.peak_rss = max([result.peak_rss] + list(tree_rss(pids).values()))

    threads = [threading.Thread(target=slot, args=(k,), daemon=True) for k in range(nworkers)]
    sampler = threading.Thread(target=sample, daemon=True)
    bar = tqdm(total=len(todo), desc="grading %s" % assignment, unit="submission", disable=not progress,
               mininterval=0.5 if sys.stderr.isatty() else 5, dynamic_ncols=True)
    failed = 0
    t_run = time.monotonic()
    try:
        for t in threads + [sampler]:
            t.start()
        with open_gradebook(db_url, course_id) as gb:
            received = 0
            while received < len(todo):
                try:
                    outcome = done.get(timeout=1)
                except queue.Empty:
                    if not any(t.is_alive() for t in threads) and done.empty():
                        break
                    continue
                received += 1
                if outcome.status == "graded":
                    record(gb, outcome)
                result.outcomes[outcome.student] = outcome
                if verbose and outcome.log:
                    bar.write(outcome.log.rstrip())
                if outcome.status == "failed":
                    failed += 1
                    bar.write("failed: %s: %s" % (outcome.student, _last_line(outcome.error)))
                bar.set_postfix(failed=failed, refresh=False)
                bar.update(1)
    finally:
        stop.set()
        bar.close()
        for t in threads:
            t.join(timeout=60)
        with live_lock:
            leftovers = list(live.values())
        for w in leftovers:
            w.kill()
        sampler.join(timeout=5)
        for student in todo:
            result.outcomes.setdefault(student, Outcome(student, "failed", error="not graded: the run stopped"))


def _last_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[-1] if lines else "unknown error"


def _last_error(log: str) -> str:
    """Why nbgrader failed on a submission: the exception its log shows, else its first error line."""
    raised = [line for line in log.splitlines() if EXCEPTION_LINE.match(line)]
    if raised:
        return "nbgrader autograde failed: %s" % raised[0][:300]  # the first: the cause
    errors = [line for line in log.splitlines() if "| ERROR]" in line]
    return errors[0][:300] if errors else "nbgrader autograde failed"


def _tail(path: Path, n: int = 4000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - n))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


# --------------------------------------------------------------------------------------------------
# reporting


def devices_seen(root: Path, assignment: str, students: list[str]) -> dict[str, int]:
    """{device: number of verdicts} as the Keras verdicts recorded them (e.g. {"CPU": 60})."""
    seen: dict[str, int] = {}
    for s in students:
        for v in grading.verdicts(root, assignment, s).values():
            device = (v.get("environment") or {}).get("device")
            if device:
                seen[device] = seen.get(device, 0) + 1
    return seen


def describe(result: RunResult, root: Path) -> list[str]:
    """The lines the command prints after the per-student table."""
    graded, skipped, failed = result.of("graded"), result.of("skipped"), result.of("failed")
    lines = ["graded %d, skipped %d (already graded; --force regrades), failed %d, in %.1f s with %d worker(s)"
             % (len(graded), len(skipped), len(failed), result.seconds, result.workers)]
    for s in failed:
        lines.append("  failed: %s: %s" % (s, _last_line(result.outcomes[s].error)))
    busy = [s for s in graded if result.outcomes[s].busy_timeouts]
    if busy:
        lines.append("  graded on a machine too busy for its time limits (a cell ran out of time while its kernel "
                     "mostly waited for a CPU, twice): %s; grade again when the machine is quiet: "
                     "--force %s" % (", ".join(busy), " ".join("--student " + s for s in busy)))
    if result.sandbox:
        lines.append(result.sandbox)
    devices = devices_seen(root, result.assignment, graded + skipped)
    if devices:
        lines.append("devices: " + ", ".join("%s (%d verdicts)" % kv for kv in sorted(devices.items())))
    return lines


