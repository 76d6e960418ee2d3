"""``make bench-serve``: how long students wait for their feedback page under live feedback.

For each class size N it makes a course copy with a fresh nbgrader exchange and N real OS users
(grader_tests/live_exchange.py), releases the assignment, has every student fetch it, starts
``python -m autograder serve``, and then has all N students submit at the same moment, each with nbgrader's
submit as that OS user, from a process that has already imported nbgrader (as the student's running Jupyter
server has: 40 fresh ``nbgrader`` commands would spend over a minute of 2 cores just importing). Their
notebooks are the benchmark class of ``python -m autograder bench`` (right answers, known mistakes, blank,
crashing, tampering). The students submit once the service has run for ``--settle`` seconds (20: a service
started before the students came, whose kernel is warm, autograder/pipeline/warm.py; ``--cold``: without warm
kernels). It waits until every page is in the exchange and prints one JSON line per N (the service's log goes
to stderr): the submit-to-feedback latency (nbgrader's submission timestamp to the moment
the page could be fetched, read from the service's journal) at p50, p95 and max, the throughput, the median
time of each stage, and how far apart the submissions were. The machine's load average before and after is
printed too: other work on the cores lengthens every figure.

    python bench/bench_serve.py [--assignment 01_forward_pass] [--students 1 40] [--settle 20] [--cold]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "grader_tests")]

import nbformat  # noqa: E402

import live_exchange as lx  # noqa: E402
from autograder import bench as batch_bench, synth  # noqa: E402
from autograder.serve.journal import Journal, RELEASED  # noqa: E402
from autograder.serve.service import state_folder  # noqa: E402

COLD = "c.LiveFeedback.warm_kernel = False\n"  # --cold: every kernel started for its submission
SETTLE_S = 20  # seconds the service runs before the students submit: time to start its warm kernel
WAIT_LIMIT = 1800  # seconds: a run that has not released every page by then is reported as incomplete


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))]


def stage_medians(events: list[dict], recs) -> dict:
    """Median seconds of each stage of a released submission, from the journal's event times: submitted to seen
    (upload and poll), seen to started (the gathering of its batch, and waiting for an earlier batch), started to
    graded (the runner), graded to released (its page written and put in the exchange)."""
    at: dict[tuple[str, str], float] = {}
    for e in events:
        at.setdefault((e["key"], e["event"]), e["at"])  # the first of each (a restart's second start is later)
    out = {}
    for name, (a, b) in {"to_seen": ("submitted", "seen"), "to_started": ("seen", "started"),
                         "grading": ("started", "graded"), "to_released": ("graded", "released")}.items():
        spans = []
        for r in recs:
            t_a = r.submitted if a == "submitted" else at.get((r.key, a))
            t_b = at.get((r.key, b))
            if t_a is not None and t_b is not None:
                spans.append(t_b - t_a)
        if spans:
            out[name] = round(percentile(spans, 50), 1)
    return out


def run(assignment: str, n: int, settle: float = 0, cold: bool = False) -> dict:
    load_before = os.getloadavg()[0]
    with lx.live_course(n, COLD if cold else "") as (root, exchange, users):  # else the course's policy
        lx.release(root, assignment)
        spec = synth.spec_of(root, assignment)
        notebooks = {}
        for user, student in zip(users, batch_bench.bench_class(assignment, n, root)):
            notebooks[user.name] = {p.name: synth.notebook_for(root, spec, student, p.stem)
                                    for p in sorted((root / "release" / assignment).glob("*.ipynb"))}
        with ThreadPoolExecutor(min(n, 8)) as pool:
            list(pool.map(lambda u: u.nbgrader(exchange, "fetch_assignment", assignment), users))
        log = root.parent / "serve.log"
        service = lx.start_service(root, log)
        try:
            lx.wait_for(lambda: log.exists() and "watching" in log.read_text(), 120, "the service to start")
            time.sleep(settle)  # a service that was up before the students came: its spare kernel is warm
            for user in users:  # their notebooks, written as in JupyterLab before they press Submit
                for name, nb in notebooks[user.name].items():
                    nbformat.write(nb, str(user.home / assignment / name))
                    os.chown(user.home / assignment / name, *user.ids())
            t_go = lx.submit_together(users, exchange, assignment, root.parent / "go")
            t_submitted = time.time()

            def finished():
                recs = Journal(state_folder(root)).in_order()
                done = [r for r in recs if r.state not in ("queued", "grading")]
                return recs if len(recs) == n and len(done) == n else None

            recs = lx.wait_for(finished, WAIT_LIMIT, "every page", poll=1.0)
            events = lx.journal_events(root)
        finally:
            lx.stop_everything(root, service)
            if log.exists():  # the service's own lines (one per submission, with its grading time), for the record
                sys.stderr.write(log.read_text())
        lat = [r.latency for r in recs if r.state == RELEASED]
        stages = stage_medians(events, recs)
        first = min(r.submitted for r in recs)
        last = max(r.released for r in recs if r.released)
        return {"bench": "serve", "assignment": assignment, "students": n, "cores": os.cpu_count(),
                "released": len(lat), "not_released": [r.state for r in recs if r.state != RELEASED],
                "p50_s": round(percentile(lat, 50), 1), "p95_s": round(percentile(lat, 95), 1),
                "max_s": round(max(lat), 1), "throughput_per_min": round(60 * len(lat) / (last - first), 2),
                "median_stage_s": stages, "submissions_spread_s": round(max(r.submitted for r in recs) - first, 1),
                "submit_commands_s": round(t_submitted - t_go, 1), "settle_s": settle,
                "warm_kernel": not cold,
                "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--assignment", default="01_forward_pass")
    p.add_argument("--students", type=int, nargs="+", default=[1, 40])
    p.add_argument("--settle", type=float, default=SETTLE_S,
                   help="seconds from the service's start to the submissions (default: %(default)s)")
    p.add_argument("--cold", action="store_true", help="no warm kernel (c.LiveFeedback.warm_kernel = False)")
    args = p.parse_args(argv)
    problem = lx.missing()
    if problem:
        print("bench-serve cannot run here: %s" % problem, file=sys.stderr)
        return 2
    for n in args.students:
        print(json.dumps(run(args.assignment, n, args.settle, args.cold)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
