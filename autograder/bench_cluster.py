"""``make bench-cluster`` (``python -m autograder.bench_cluster``): grading on a Dask cluster against the local runner
on the same cores, as one JSON line.

The same synthetic class of ``--n`` submissions (``bench.bench_class``: the demo class of 02_losses, numpy only,
again and again), graded with one grading secret in three course copies:

* ``local``: the local runner as ``grade`` runs it (``--jobs`` = the cores, two extra workers), SQLite gradebook;
* ``local_no_extra``: the local runner with as many workers as the cluster (no extra ones), SQLite gradebook;
* ``cluster``: ``grade --cluster`` on a scheduler and one single-threaded worker per core, each a process of its own
  on 127.0.0.1, with a throw-away PostgreSQL gradebook (:mod:`autograder.throwaway`).

The three must give the same grades, cell by cell. ``overhead`` is the cluster's wall time over the local runner's,
less one; ``worker_s_per_submission`` is what one submission costs a cluster worker (its wall time, times the
workers, over the submissions): the figure to plan a larger cluster with (docs/grading-a-class.md);
``resume_check_s_per_submission`` is what the grading process spends per submission to decide that it is graded
and recorded (a second run, which skips them all), which it also spends on every graded one.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from . import course, grading, synth, throwaway
from .bench import bench_class, compare, course_copy, load
from .runner import run
from .runner.env import cores

A = "02_losses"


def bench(n: int, workers: int, timeout: int | None = None) -> dict:
    base = Path(tempfile.mkdtemp(prefix="autograder-bench-cluster-"))
    try:
        src = course.course_root()
        roots = {k: course_copy(src, base / k) for k in ("local", "local_no_extra", "cluster")}
        students = bench_class(A, n, src)
        synth.build_class(roots["local"], A, students)
        secret = course.state_dir(roots["local"]) / "secret"
        course.secret(roots["local"])
        for k in ("local_no_extra", "cluster"):
            shutil.copy2(secret, course.state_dir(roots[k]) / "secret")
            shutil.copytree(roots["local"] / "submitted", roots[k] / "submitted")
        names = [s.name for s in students]
        figures: dict = {"submissions": n, "cores": cores(), "workers": workers, "load_before": load()}
        for k, extra in (("local", None), ("local_no_extra", 0)):
            grading.ensure_generated(roots[k], A)
            res = run(roots[k], A, jobs=workers, extra_workers=extra, timeout=timeout, progress=False)
            figures[k + "_s"], figures[k + "_failed"] = round(res.seconds, 1), len(res.failed)
        with throwaway.postgres_server() as db_url:
            with open(roots["cluster"] / "nbgrader_config.py", "a") as f:
                f.write("\nc.CourseDirectory.db_url = %r\n" % db_url)
            grading.ensure_generated(roots["cluster"], A)
            t0 = time.monotonic()
            with throwaway.dask_cluster(roots["cluster"], workers=workers) as dask:
                figures["cluster_start_s"] = round(time.monotonic() - t0, 1)
                res = run(roots["cluster"], A, cluster=dask.address, timeout=timeout, progress=False)
                again = run(roots["cluster"], A, cluster=dask.address, progress=False)  # every one is skipped
            figures["resume_check_s_per_submission"] = round(again.seconds / n, 3)
            figures["cluster_s"], figures["cluster_failed"] = round(res.seconds, 1), len(res.failed)
            diffs = compare(roots["local"], roots["cluster"], A, names)
            diffs += compare(roots["local"], roots["local_no_extra"], A, names)
        figures["identical"] = not diffs
        figures["differences"] = diffs[:5]
        figures["overhead"] = round(figures["cluster_s"] / figures["local_s"] - 1, 3)
        figures["overhead_same_workers"] = round(figures["cluster_s"] / figures["local_no_extra_s"] - 1, 3)
        figures["worker_s_per_submission"] = round(figures["cluster_s"] * workers / n, 2)
        figures["load_after"] = load()
        return figures
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.bench_cluster", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=24, help="submissions (default 24)")
    p.add_argument("--workers", type=int, default=None, help="cluster workers and local jobs (default: the cores)")
    p.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: nbgrader_config.py)")
    args = p.parse_args(argv)
    figures = bench(args.n, args.workers or cores(), args.timeout)
    print(json.dumps(figures))
    return 0 if figures["identical"] and not (figures["local_failed"] or figures["cluster_failed"]) else 1


if __name__ == "__main__":
    import sys

    from .runner.template import without_iri_grammars

    without_iri_grammars()
    sys.exit(main())
