"""``make bench-cluster`` (``python -m autograder.bench_cluster``): grading on a Dask cluster against the local runner
on the same cores, as one JSON line.

The same synthetic class of ``--n`` submissions (``bench.bench_class``: the demo class of 02_losses, numpy only,
again and again), graded with one grading secret in each mode below, the modes one after another, round after
round (``--rounds``), each round starting with the next mode. Each ``_s`` figure is the median of a mode's wall
times, all of which are in its ``_runs``: this machine's speed drifts by tens of percent from one minute to the
next, and a single run of each mode measured that drift more than the modes:

* ``local``: the local runner as ``grade`` runs it (``--jobs`` = the cores, two extra workers), SQLite gradebook;
* ``local_same_workers``: the local runner with one worker per core (no extra ones), SQLite gradebook;
* ``local_postgres``: the same, with the gradebook on a throw-away PostgreSQL server (:mod:`autograder.throwaway`);
* ``cluster``: ``grade --cluster`` on a scheduler and one single-threaded worker per core, each a process of its
  own on 127.0.0.1, into the same PostgreSQL gradebook (regraded with ``force``);
* ``cluster_2_threads``: the same workers with two threads each: as many grading workers as ``local`` holds.

Each cluster is started once, before the rounds, and stays up for all of them, as a course's cluster stays up
from one ``grade`` to the next; its first run, when its Dask workers load the engine and start their grading
workers, is timed apart (``_first_run_s``) and left out of the medians. Its Dask processes read the settings
that ``make`` puts in the environment (``tools/dask-grading.yaml``).

Every mode must give the grades of ``local``, cell by cell. ``overhead`` is the cluster's wall time over the local
runner's, less one; ``overhead_same_workers`` over ``local_postgres`` (as many grading workers, the same database),
which leaves Dask's own cost. ``worker_s_per_submission`` is what one submission costs a cluster worker (its wall
time, times the workers, over the submissions): the figure to plan a larger cluster with
(docs/grading-a-class.md); ``resume_check_s_per_submission`` is what the grading process spends per submission to
decide that it is graded and recorded (a second run, which skips them all), which it also spends on every graded
one.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from . import course, grading, synth, throwaway
from .bench import bench_class, compare, course_copy, load
from .runner import run, template
from .runner.env import cores

A = "02_losses"
# The modes, each with its Dask workers' threads (0: the local runner), timed in turn, round after round
MODES = [("local", 0), ("local_same_workers", 0), ("local_postgres", 0), ("cluster", 1), ("cluster_2_threads", 2)]
ROUNDS = 3


def bench(n: int, workers: int, timeout: int | None = None, rounds: int = ROUNDS) -> dict:
    base = Path(tempfile.mkdtemp(prefix="autograder-bench-cluster-"))
    try:
        src = course.course_root()
        roots = {k: course_copy(src, base / k) for k in ("local", "same", "server")}
        students = bench_class(A, n, src)
        names = [s.name for s in students]
        synth.build_class(roots["local"], A, students)
        course.secret(roots["local"])
        for k in ("same", "server"):
            shutil.copy2(course.state_dir(roots["local"]) / "secret", course.state_dir(roots[k]) / "secret")
            shutil.copytree(roots["local"] / "submitted", roots[k] / "submitted")
        figures: dict = {"submissions": n, "cores": cores(), "workers": workers, "rounds": rounds,
                         "load_before": load()}
        runs: dict[str, list[float]] = {label: [] for label, _ in MODES}
        diffs: list[str] = []

        def timed(label: str, root: Path, **kw) -> None:
            template.close_reusable()  # each local run timed as the command runs it: with a template of its own
            res = run(root, A, timeout=timeout, progress=False, force=True, **kw)
            runs[label].append(round(res.seconds, 1))
            if res.failed:
                figures[label + "_failed"] = figures.get(label + "_failed", 0) + len(res.failed)
            if label != "local":
                diffs.extend("%s: %s" % (label, d) for d in compare(roots["local"], root, A, names))

        def one(label: str, threads: int) -> None:
            if threads:
                timed(label, roots["server"], cluster=clusters[threads].address)
            else:
                where = {"local": "local", "local_same_workers": "same", "local_postgres": "server"}[label]
                timed(label, roots[where], jobs=workers, **({} if label == "local" else {"extra_workers": 0}))

        grading.ensure_generated(roots["local"], A)
        grading.ensure_generated(roots["same"], A)
        with contextlib.ExitStack() as stack:
            db_url = stack.enter_context(throwaway.postgres_server())
            with open(roots["server"] / "nbgrader_config.py", "a") as f:
                f.write("\nc.CourseDirectory.db_url = %r\n" % db_url)
            grading.ensure_generated(roots["server"], A)
            # Each cluster is started once, as a course's would be, and graded on once before the rounds: its Dask
            # workers load the engine and start their grading workers, which they keep from run to run
            clusters = {}
            for label, threads in MODES:
                if threads:
                    t0 = time.monotonic()
                    clusters[threads] = stack.enter_context(
                        throwaway.dask_cluster(roots["server"], workers=workers, threads=threads))
                    figures[label + "_start_s"] = round(time.monotonic() - t0, 1)
                    res = run(roots["server"], A, timeout=timeout, progress=False, force=True,
                              cluster=clusters[threads].address)
                    figures[label + "_first_run_s"] = round(res.seconds, 1)
                    if res.failed:
                        figures[label + "_failed"] = len(res.failed)
            again = run(roots["server"], A, cluster=clusters[1].address, progress=False)  # all skipped
            figures["resume_check_s_per_submission"] = round(again.seconds / n, 3)
            for r in range(rounds):  # each mode first in turn; the first round starts with the grades compared with
                for label, threads in MODES[r % len(MODES):] + MODES[:r % len(MODES)]:
                    one(label, threads)
        for label, times in runs.items():
            figures[label + "_s"] = statistics.median(times)
            figures[label + "_runs"] = times
        figures["identical"], figures["differences"] = not diffs, diffs[:5]
        figures["overhead"] = round(figures["cluster_s"] / figures["local_s"] - 1, 3)
        figures["overhead_same_workers"] = round(figures["cluster_s"] / figures["local_postgres_s"] - 1, 3)
        figures["overhead_2_threads"] = round(figures["cluster_2_threads_s"] / figures["local_s"] - 1, 3)
        figures["worker_s_per_submission"] = round(figures["cluster_s"] * workers / n, 2)
        figures["load_after"] = load()
        return figures
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.bench_cluster", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=24, help="submissions (default 24)")
    p.add_argument("--workers", type=int, default=None, help="cluster workers and local jobs (default: the cores)")
    p.add_argument("--rounds", type=int, default=ROUNDS, help="times each mode is timed (default %d)" % ROUNDS)
    p.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: nbgrader_config.py)")
    args = p.parse_args(argv)
    figures = bench(args.n, args.workers or cores(), args.timeout, max(1, args.rounds))
    print(json.dumps(figures))
    return 0 if figures["identical"] and not any(k.endswith("_failed") for k in figures) else 1


if __name__ == "__main__":
    import sys

    from .runner.template import without_iri_grammars

    without_iri_grammars()
    sys.exit(main())
