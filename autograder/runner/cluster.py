"""Grading on a Dask distributed cluster: ``python -m autograder grade A --cluster tcp://HOST:PORT``.

The run is the local one (:mod:`.pool`): the same slots, progress bar, checks of what was recorded, retries and
resuming. Only the workers differ: each slot's worker is a :class:`RemoteWorker`, which sends each submission as a
task to the cluster's scheduler. A Dask worker (``dask worker tcp://HOST:PORT``, started in the course root) runs the
task with :func:`autograder.runner.cluster_worker.grade_here`: one local grading worker (:class:`autograder.runner.handle.Worker`, the very process
the local runner starts, a fresh sandboxed kernel per notebook) per Dask worker thread, kept from one task to the
next. The grading workers write the gradebook themselves, so it must be a database server (PostgreSQL): an SQLite
file is refused before anything is graded.

A Dask worker lost mid-task (its host died, it was killed) is Dask's to handle first: the scheduler gives the task
to another worker (up to ``distributed.scheduler.allowed-failures`` times); a task that still fails, or a grading
worker that died on a Dask worker, is tried once more by the run, as locally (``RETRIES``). Nothing is recorded
twice: nbgrader's autograde of a submission replaces what an earlier attempt wrote.
"""
from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from .. import grading
from ..gradebook import sqlite_path
from .cluster_worker import host_of

CONNECT_TIMEOUT = 30  # seconds to reach the scheduler and to see its first worker
# Submissions in flight by default: every one, up to this many (the scheduler queues them and hands them to workers
# as they free up or join, e.g. batch jobs that start one by one); each waits in a thread of the grading process.
MAX_IN_FLIGHT = 512


class ClusterError(grading.GradingError):
    """The cluster cannot grade this course (unreachable, no worker, or an SQLite gradebook)."""


def require_server_db(db_url: str, address: str) -> None:
    """Refuse ``--cluster`` with an SQLite gradebook: workers on several hosts cannot share one file safely."""
    path = sqlite_path(db_url)
    if path is not None:
        raise ClusterError(
            "--cluster %s needs the gradebook on a database server, and nbgrader_config.py puts it in the SQLite "
            "file %s; set c.CourseDirectory.db_url = \"postgresql+psycopg://USER@HOST/DATABASE\" there "
            "(docs/grading-a-class.md, \"Grading on a cluster\")" % (address, path))


def connect(address: str, timeout: float = CONNECT_TIMEOUT):
    """A Dask client of the scheduler at ``address`` that has at least one worker."""
    from distributed import Client

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError("cannot reach the Dask scheduler at %s: %s" % (address, exc)) from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        client.close()
        raise ClusterError("the Dask scheduler at %s has no worker after %d s: start `dask worker %s` in the "
                           "course root of each host" % (address, timeout, address)) from None
    return client


def prestart(client, argv: list[str]) -> None:
    """Have every Dask worker start its grading workers now (:func:`prestart_here`; starting a process takes
    milliseconds, its imports go on while the run reads the class). A worker that cannot starts them with its
    first task instead."""
    client.run(boot_by_value("prestart_on_worker"), list(argv), slots_by_host(client), on_error="ignore")


def threads(client) -> int:
    """The cluster's worker threads now: the submissions it grades at once."""
    return sum(client.nthreads().values())


def slots_by_host(client) -> dict[str, int]:
    """{host: the threads of all the Dask workers on it}: the submissions graded at once on that host, whose
    kernels share its cores (a host may run several Dask workers, each knowing only its own threads)."""
    slots: dict[str, int] = {}
    for address, nthreads in client.nthreads().items():
        host = host_of(address)
        slots[host] = slots.get(host, 0) + nthreads
    return slots


class RemoteWorker:
    """A slot's worker on the cluster, with the interface of :class:`autograder.runner.handle.Worker`: each
    :meth:`grade` is one task, run by :func:`grade_here` on whichever Dask worker the scheduler picks."""

    pid = None  # no local process: the run samples no memory for it

    def __init__(self, client, argv: list[str], log_path: Path):
        self.client, self.argv, self.log_path = client, list(argv), log_path
        self.tasks = 0
        self.future = None
        self.slots = slots_by_host(client)

    def alive(self) -> bool:
        return True

    def grade(self, task: dict, timeout: float, stop: threading.Event) -> dict:
        from distributed import KilledWorker

        from .handle import WorkerDied

        self.tasks += 1
        key = "grade-%s-%s-%s" % (task["assignment"], task["student"], secrets.token_hex(4))
        self.future = future = self.client.submit(boot_by_value(), dict(task, host_slots=self.slots), self.argv,
                                                  timeout, key=key, pure=False)
        done = threading.Event()
        future.add_done_callback(lambda _: done.set())
        # No deadline here: the task may wait its turn on the scheduler for long; once it runs, the Dask worker
        # stops a grading worker that takes more than ``timeout`` (a "died" reply), and the scheduler notices a
        # Dask worker that stops answering. The second is for ``stop``; the callback wakes this slot.
        while not done.wait(1.0):
            if stop.is_set():
                raise WorkerDied("the run was stopped")
        if future.status == "error":
            exc = future.exception()
            if isinstance(exc, KilledWorker):
                raise WorkerDied("the Dask workers grading it were lost mid-task, %s times (KilledWorker)"
                                 % (exc.args[-1] if exc.args else "several"))
            raise WorkerDied("the cluster could not run its task: %s: %s" % (type(exc).__name__, exc))
        if future.status != "finished":
            raise WorkerDied("its task on the cluster ended as %s" % future.status)
        reply = future.result()
        self.future = None
        if "died" in reply:
            self.log_path.write_text(reply.get("log", ""))
            raise WorkerDied(reply["died"])
        return reply

    def kill(self) -> None:
        """Cancel the task in flight, if any."""
        if self.future is not None:
            self.future.cancel()
            self.future = None

    def close(self, timeout: float = 30) -> None:
        self.kill()


def boot_by_value(name: str = "grade_on_worker"):
    """A function of :mod:`autograder.runner.cluster_boot` as a function of no module: Dask pickles such a
    function (with cloudpickle) as code, so that the scheduler and the workers need not import the engine to
    read the task (the scheduler may run anywhere; a worker finds the engine in the course root)."""
    import types

    from .cluster_boot import grade_on_worker, prestart_on_worker

    f = {"grade_on_worker": grade_on_worker, "prestart_on_worker": prestart_on_worker}[name]
    g = types.FunctionType(f.__code__, {"__builtins__": __builtins__, "__name__": "__main__"}, f.__name__,
                           f.__defaults__, f.__closure__)
    g.__module__, g.__qualname__, g.__doc__ = "__main__", "autograder_" + f.__name__, f.__doc__
    return g


def cluster_pool(client, base):
    """The run's pool class ``base`` (:class:`autograder.runner.pool._Pool`) with its slots' workers on the
    cluster."""

    class ClusterPool(base):
        def worker_for(self, k: int, worker):
            return worker if worker is not None else RemoteWorker(client, self.argv,
                                                                  self.work / ("worker-%d.log" % k))

    return ClusterPool
