"""Whether a cell that ran out of time ran out because the machine was too busy: the CPU time its kernel's
threads ran and waited (``/proc/*/task/*/schedstat``)."""
from __future__ import annotations

import os



# A time-out is the machine's when the kernel's processes waited for a CPU longer than they ran, and for at
# least this share of the cell's time.
BUSY_WAIT_SHARE = 0.5


def process_tree(pid: int) -> list[int] | None:
    """Process ``pid`` and all its descendants; None if it is gone."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return [pid] + [child.pid for child in proc.children(recursive=True)]
    except psutil.Error:
        return None


def sched_times(pids: list[int] | None) -> dict[str, tuple[float, float]] | None:
    """{thread: (seconds run on a CPU, seconds spent runnable but waiting for one)} for every thread of these
    processes, from ``/proc/<pid>/task/<tid>/schedstat``; None where none can be read. (Threads that have
    ended are not listed: the kernel keeps no such count for them.)"""
    times = {}
    for pid in pids or ():
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    on_cpu, on_queue = f.read().split()[:2]
            except (OSError, ValueError):
                continue
            times[tid] = (int(on_cpu) / 1e9, int(on_queue) / 1e9)
    return times or None


def sched_delta(before: dict, after: dict) -> tuple[float, float]:
    """(seconds run, seconds waited) between two :func:`sched_times`, by the threads alive at the second."""
    ran = waited = 0.0
    for tid, (r, w) in after.items():
        r0, w0 = before.get(tid, (0.0, 0.0))
        ran, waited = ran + max(r - r0, 0.0), waited + max(w - w0, 0.0)
    return ran, waited
