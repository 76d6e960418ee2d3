"""Grading on a Dask worker: the other side of :mod:`autograder.runner.cluster`.

A task sent by the grading process (through :mod:`.cluster_boot`, which puts the course root on the import path)
ends here: :func:`grade_here` grades one submission with a local grading worker
(:class:`autograder.runner.handle.Worker`, the process the local runner starts) kept idle in this Dask worker
process from one task to the next, one per Dask worker thread (:func:`prestart_here` starts them ahead).
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from pathlib import Path

from .env import worker_env
from .handle import MAX_TASKS_PER_WORKER, Worker, WorkerDied, log_tail

_IDLE: list[tuple] = []  # this Dask worker's idle grading workers, (argv, worker, its folder)
_IDLE_LOCK = threading.Lock()
# The submissions graded at once on this host, by every Dask worker on it (the grading process's
# ``slots_by_host``, sent with the prestart and each task); 0 until known. Like the local runner's jobs, it sets
# how many threads each kernel's math libraries get (:func:`autograder.runner.env.worker_env`): two single-threaded
# Dask workers on two cores must not each start kernels sized for both cores.
_HOST_SLOTS = [0]


def grade_here(task: dict, argv: list[str], timeout: float) -> dict:
    """Grade one submission on this Dask worker, in the course root (the working directory), with an idle grading
    worker of this process (started ahead by :func:`prestart_here`, or now; replaced as the local runner replaces
    one): the local runner's reply, plus the host's name; ``{"died": why, "log": ...}`` when the grading worker
    died or hung."""
    import socket

    root, host = Path.cwd(), socket.gethostname()
    _note_slots(task.pop("host_slots", None))
    if not (root / "submitted" / task["student"] / task["assignment"]).is_dir():
        return {"student": task["student"], "died": "the Dask worker on %s finds no submitted/%s/%s under %s: the "
                "course must be at the same path, on shared storage, on every host"
                % (host, task["student"], task["assignment"], root)}
    worker, folder = _idle_worker(root, argv)
    try:
        reply = worker.grade(dict(task, fault_log=str(folder / "faults.jsonl")), timeout, threading.Event())
    except WorkerDied as exc:
        worker.kill()
        log = log_tail(folder / "worker.log")
        shutil.rmtree(folder, ignore_errors=True)
        return {"student": task["student"], "died": "%s, on %s" % (exc, host), "log": log}
    with _IDLE_LOCK:
        _IDLE.append((list(argv), worker, folder))
    return dict(reply, host=host)


def prestart_here(argv: list[str], dask_worker=None, slots: dict | None = None) -> int:
    """Start this Dask worker's grading workers ahead (one per thread), while the grading process still reads
    the class, as the local runner's template imports meanwhile; the number started."""
    _note_slots(slots, dask_worker)
    threads = max(1, dask_worker.state.nthreads) if dask_worker is not None else _threads_here()
    with _IDLE_LOCK:
        missing = threads - sum(1 for kept in _IDLE if kept[0] == list(argv))
    for _ in range(missing):
        kept = _start_worker(Path.cwd(), argv)
        with _IDLE_LOCK:
            _IDLE.append(kept)
    return max(0, missing)


def _idle_worker(root: Path, argv: list[str]):
    """(an idle grading worker of this process for ``argv``, its folder), started now if there is none."""
    while True:
        with _IDLE_LOCK:
            if not _IDLE:
                break
            kept = _IDLE.pop()
        if kept[0] == list(argv) and kept[1].alive() and kept[1].tasks < MAX_TASKS_PER_WORKER:
            return kept[1], kept[2]
        _discard(kept)
    _, worker, folder = _start_worker(root, argv)
    return worker, folder


def _discard(kept: tuple) -> None:
    """Close a kept grading worker and remove its folder (its log and fault log)."""
    kept[1].close()
    shutil.rmtree(kept[2], ignore_errors=True)


@atexit.register
def _discard_idle() -> None:
    """When the Dask worker ends: its idle grading workers and their folders go with it."""
    with _IDLE_LOCK:
        while _IDLE:
            _discard(_IDLE.pop())


def _start_worker(root: Path, argv: list[str]) -> tuple:
    folder = Path(tempfile.mkdtemp(prefix="autograder-dask-%d-" % os.getpid()))
    env = worker_env(root, _HOST_SLOTS[0] or _threads_here())
    return list(argv), Worker(root, argv, env, folder / "worker.log"), folder


def host_of(address: str) -> str:
    """The host of a Dask address: ``tcp://10.0.0.5:40331`` -> ``10.0.0.5``."""
    return address.split("://")[-1].rsplit(":", 1)[0]


def _note_slots(slots: dict | None, dask_worker=None) -> None:
    """Keep this host's entry of the grading process's ``slots_by_host``, if it names this host."""
    try:
        if dask_worker is None:
            from distributed import get_worker

            dask_worker = get_worker()
        here = host_of(dask_worker.address)
    except (ImportError, ValueError, AttributeError):
        return
    if (slots or {}).get(here):
        _HOST_SLOTS[0] = int(slots[here])


def _threads_here() -> int:
    """The threads of the Dask worker this runs on (its kernels share the host's cores among them)."""
    try:
        from distributed import get_worker

        return max(1, get_worker().state.nthreads)
    except (ImportError, ValueError, AttributeError):
        return 1
