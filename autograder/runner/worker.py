"""The worker process: an initialized ``nbgrader autograde`` application that grades one submission per
request, against a private copy of the gradebook, and replies with the rows to merge."""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path

from ..faults import Fault, read_log
from ..gradebook import open_gradebook, rows_to_json, submission_rows


WORKER_NAME = "autograder-wkr"  # the workers' process name in ps and top (at most 15 characters)
ENGINE = str(Path(__file__).resolve().parents[2])  # the engine every worker runs, whatever the course root holds
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Entry|Interrupt)\b")


def die_with_parent() -> None:
    """Linux: be killed when the process that started us dies (no orphan workers)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def name_process(name: str) -> None:
    """Linux: the name ps, top and psutil show for this process."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(15, name.encode()[:15])  # PR_SET_NAME
    except Exception:
        pass


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
    arguments (the ``limit`` most recent ones are kept). For SQLite, ``Gradebook.close`` still disposes of the
    engine's connections, so a copy of the database replaced between submissions is opened afresh; what is kept
    is the compiled SQL and the dialect's set-up. A server database's connection is kept too (in the engine's
    pool, checked before each use): a new PostgreSQL connection at each of the ten openings cost the worker
    about a tenth of its CPU time per submission. Only the worker gets it.
    """
    import collections

    from nbgrader import api
    from sqlalchemy import create_engine

    kept: collections.OrderedDict = collections.OrderedDict()

    def engine_for(url, **kwargs):
        key = (str(url), repr(sorted(kwargs.items())))
        engine = kept.get(key)
        if engine is None:
            server = not str(url).startswith("sqlite")  # checked before each use: the server may have restarted
            engine = kept[key] = create_engine(url, **dict(kwargs, pool_pre_ping=True) if server else kwargs)
            while len(kept) > limit:
                kept.popitem(last=False)[1].dispose()
        kept.move_to_end(key)
        return engine

    def close(self):
        """nbgrader's ``Gradebook.close``, but a server database's connection stays in the kept engine's pool."""
        self.db.remove()
        if self.engine.dialect.name == "sqlite":
            self.engine.dispose()

    api.create_engine = engine_for
    api.Gradebook.close = close


def _log_level(app) -> int:
    """The level nbgrader was asked to log at (``--log-level``; INFO by default) as a number."""
    import logging

    level = app.log_level
    return level if isinstance(level, int) else logging.getLevelName(str(level).upper())


def prepare(argv: list[str]):
    """The worker's ``nbgrader autograde`` application, initialized with ``argv`` in the course root (cwd)."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp.instance()
    app.initialize(argv)  # loads nbgrader_config.py from the course root (cwd), as the command line does
    # traitlets leaves the app's logger at DEBUG and filters in its console handler; at the asked level
    # here, nbclient's per-message debug lines (each cell's source among them) are neither made nor kept
    app.log.setLevel(_log_level(app))
    return app


def warm_up(app, modules: list[str]) -> None:
    """A spare worker's warm kernel (:mod:`autograder.pipeline.warm`), with ``modules`` imported."""
    from ..pipeline import warm
    from ..pipeline.execute import SafeExecute

    warm.start(SafeExecute(parent=app), modules)


def worker_main(requests, replies, argv: list[str], app=None) -> int:
    """Serve grading requests, one JSON line each from ``requests``, one JSON line each in reply to
    ``replies`` (text files), until the end of ``requests``. ``app``: the application :func:`prepare` made
    already (a spare worker's)."""
    import io
    import logging
    import traceback

    from nbgrader.converters import Autograde

    app = app or prepare(argv)
    level = _log_level(app)
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
        # this submission's settings of the execution step, in the app's configuration (the converter made
        # below builds its steps from it): a cell that timed out on a busy machine is the grader's trouble
        # (tried again), but on a submission's last attempt the notebook's time-out, as on an idle machine;
        # what the step records about the grader's troubles goes to a log of the submission's own
        fault_log = Path(task["fault_log"])
        fault_log.unlink(missing_ok=True)
        app.config.SafeExecute.busy_is_graders_fault = not task.get("last_attempt")
        app.config.SafeExecute.fault_log = str(fault_log)
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
        # no kernel could be started, or the machine was too busy to run a cell in time (a GraderTrouble,
        # autograder.faults): not the student's doing; nothing was graded, so the runner tries it again
        records = read_log(fault_log)
        reply["grader_trouble"] = not reply["ok"] and any(r.kind.graders for r in records)
        reply["busy_timeouts"] = sum(r.kind is Fault.CELL_TIMEOUT for r in records)
        reply["log"] = buf.getvalue()[-20000:]
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    from ..pipeline import warm

    warm.release()  # a spare's warm kernel that no notebook took
    return 0


def worker_stdio(argv: list[str]) -> int:
    """A worker started directly (no template): requests on stdin, replies on stdout, the log on stderr."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else written to stdout goes to the worker's log
    name_process(WORKER_NAME)
    return worker_main(sys.stdin, replies, argv)


# The worker runs this engine (the one the parent imported), whatever the course root holds.
WORKER_BOOT = ("import sys; sys.path.insert(0, %r); from autograder.runner.worker import worker_stdio; "
               "sys.exit(worker_stdio(sys.argv[1:]))" % ENGINE)


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
