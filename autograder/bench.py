"""``python -m autograder bench``: how fast a class is graded, three ways, on the same submissions.

For each class size S it builds a synthetic class of ``01_forward_pass`` (``synth.demo_class`` without
the endless-loop student, repeated under new names until there are S: right answers, every known
mistake, blank, crashing, tampering and warning notebooks) in three temporary copies of the course that
share one grading secret, and times:

(a) ``nbgrader autograde A --force``: nbgrader's own serial loop with the course's configuration;
(b) the runner (``python -m autograder grade A --force``) with all cores, once before (a) and once after it,
    then with one job (between two runs of (c));
(c) bare execution: the same notebooks as nbgrader executes them (sanitized the way nbgrader's sanitize
    step does it, hidden cells restored from the gradebook, the probes injected), run one after another
    with nbclient alone: no sandbox, no judge, no gradebook; each kernel stopped the way the course's
    configuration stops it (``SafeExecute.shutdown_kernel``). The floor.
(d) the same bare execution with as many kernels at once as the runner's pool holds (their thread pools
    shared out as the runner shares them), right after the second run of (c): how much faster all cores make
    these kernels on this machine with nothing around them. The runner's own gain from all cores, (b1)/(b),
    is read against that, (c)/(d).

It checks that (a) and (b) recorded identical grades (per student, notebook and cell, read from the two
gradebooks, after each run of (b)) and prints the times, the throughput ratio (a)/(b), the runner's overhead
over bare execution ((b) with one job against (c)) and the peak memory of a worker with its kernel; then the
same figures as one JSON line per class size, and whether the machine held still while it ran (see
:func:`unsteady`). The endless-loop student is left out: its one cell would cost a full cell time-out in
every mode and tell nothing about throughput. Each run of (b) starts its own template, as the command does.

Why (b) runs twice, around (a): a machine's speed drifts (a shared host, its clock, its caches), and the
ratio divides two timings taken minutes apart. With (b) timed just before and just after (a), and the
ratio taken over the mean of the two, a drift that is steady over those minutes slows or speeds (a) as much
as it does the mean of (b), and cancels out. Both runs of (b) are printed; their spread shows how much the
machine moved. The overhead is a ratio of two timings too, so (c) is timed likewise before and after (b) with
one job.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from . import course, gradebook, grading, runner, synth
from .pipeline.execute import SafeExecute
from .runner import env as runner_env, template

COURSE_PARTS = ("autograder", "reference_impl", "source", "release", "nbgrader_config.py")
LEFT_OUT = ("loop",)


def add_arguments(p) -> None:
    p.add_argument("--assignment", default="01_forward_pass", help="any assignment of the course (default: %(default)s)")
    p.add_argument("--submissions", type=int, nargs="+", default=[40], metavar="S",
                   help="class size(s) to time (default: 40); two sizes show whether time grows linearly")
    p.add_argument("--jobs", type=int, help="the runner's jobs for (b) (default: all cores)")
    p.add_argument("--extra-workers", type=int, default=None,
                   help="workers beyond --jobs for (b) (default: autograder.runner.pool.EXTRA_WORKERS)")
    p.add_argument("--timeout", type=int, help="seconds per cell in every mode (default: the course's)")
    p.add_argument("--keep", metavar="DIR", help="build the course copies under DIR and keep them")


def cmd(args) -> int:
    root = course.root_of(args)
    synth.spec_of(root, args.assignment)  # an unknown assignment or a broken spec stops here, with the reason
    figures = [bench(root, args.assignment, n, jobs=args.jobs, timeout=args.timeout, keep=args.keep,
                     extra_workers=args.extra_workers) for n in args.submissions]
    if len(figures) > 1:
        a, b = figures[0], figures[-1]
        scale = b["submissions"] / a["submissions"]
        print("size x%.2f: nbgrader x%.2f, runner x%.2f, bare x%.2f (linear: x%.2f)" % (
            scale, b["nbgrader_s"] / a["nbgrader_s"], b["runner_s"] / a["runner_s"], b["bare_s"] / a["bare_s"],
            scale))
    for f in figures:
        print(json.dumps(f))
    return 0 if all(f["identical"] for f in figures) else 1


def bench_class(assignment: str, n: int, root: Path | None = None) -> list[synth.Student]:
    """``n`` students: the demo class (less ``LEFT_OUT``) again and again under new names."""
    root = root or course.course_root()
    base = [s for s in synth.demo_class(synth.spec_of(root, assignment), root) if s.name not in LEFT_OUT]
    out = []
    for k in range((n + len(base) - 1) // len(base)):
        out += [dataclasses.replace(s, name="r%d-%s" % (k + 1, s.name), cells=dict(s.cells),
                                    mistakes=list(s.mistakes)) for s in base]
    return out[:n]


def course_copy(src: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for part in COURSE_PARTS:
        if (src / part).is_dir():
            shutil.copytree(src / part, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(src / part, dest / part)
    return dest


SPREAD = 0.08  # two timings of the same mode further apart than this: the machine moved under the run


def unsteady(runner_runs: list[float], bare_runs: list[float], speedup_bare: float, cores: int,
             busy: float | None = None) -> list[str]:
    """Why this run's figures measure the machine's swings rather than the grader (empty: they do not).

    The same work timed twice minutes apart should take about as long: on a quiet machine the two runs of
    (b) and of (c) have been 0-7.5 % apart. And bare kernels side by side cannot run more than ``cores /
    busy`` times as fast as one at a time, ``busy`` being the cores one kernel at a time kept busy in (c)
    (its CPU time over its wall time): when (d) says they did, (c) was slowed by something else. A kernel
    that idles part of the time (waiting on its own threads, say) leaves room for more than ``cores``; one
    that keeps more than a core busy is held to ``cores`` all the same (its threads may spin, not work).
    """
    why = []
    for mode, runs in (("(b)", runner_runs), ("(c)", bare_runs)):
        spread = (max(runs) - min(runs)) / (sum(runs) / len(runs))
        if spread > SPREAD:
            why.append("the two runs of %s %.0f %% apart (%s s)" % (mode, 100 * spread,
                                                                  " and ".join("%.1f" % t for t in runs)))
    room = cores / min(busy, 1.0) if busy else cores
    if speedup_bare > room:
        why.append("bare kernels x%.2f faster side by side on %d cores%s" % (
            speedup_bare, cores, "" if room == cores else
            ", more than the x%.2f one at a time leaves room for (it kept %.2f cores busy)" % (room, busy)))
    return why


def cold_run(root: Path, assignment: str, **kw) -> runner.RunResult:
    """The class graded again as the command grades it: with a template of its own, not this process's kept one."""
    template.close_reusable()
    return runner.run(root, assignment, force=True, progress=False, **kw)


def load() -> str:
    return "%.1f %.1f %.1f" % os.getloadavg()


def bench(root: Path, assignment: str, n: int, *, jobs: int | None = None, timeout: int | None = None,
          keep: str | None = None, extra_workers: int | None = None) -> dict:
    """Time (a), (b) and (c) on a class of ``n``; print them; return the figures."""
    cores = runner_env.cores()
    jobs = jobs or cores
    base = Path(keep).resolve() / ("S%d" % n) if keep else Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        students = bench_class(assignment, n, root)
        roots = three_courses(root, base, assignment, students)
        names = [s.name for s in students]
        mode, line, warning = runner.sandbox_preflight(roots["b"], "auto")  # synthetic students, as the demo's
        if warning:
            print("bench: %s" % warning, flush=True)
        print("bench: %s, %d submissions (the demo class without %s, repeated), %d cores, runner --jobs %d; "
              "load average %s" % (assignment, n, "/".join(LEFT_OUT), cores, jobs, load()), flush=True)
        inputs = bare_inputs(roots["c"], assignment, names)
        bare_execute(inputs[:1], roots["c"], timeout)  # warm-up (file caches), not timed

        def parallel(label: str) -> runner.RunResult:
            res = cold_run(roots["b"], assignment, jobs=jobs, timeout=timeout, extra_workers=extra_workers,
                           sandbox=mode)
            print("  (b) runner --jobs %-2d (%d workers), %-6s %7.1f s  %5.2f s/submission   load %s"
                  % (jobs, res.workers, label, res.seconds, res.seconds / n, load()), flush=True)
            return res

        res_b = [parallel("before")]
        t0 = time.perf_counter()
        extra = ["--Execute.timeout=%d" % timeout] if timeout is not None else []
        extra.append("--SafeExecute.sandbox=%s" % mode)
        grading.nbgrader(roots["a"], "autograde", assignment, "--force", *extra, check=False)
        t_a = time.perf_counter() - t0
        print("  (a) nbgrader autograde --force, serial  %8.1f s  %5.2f s/submission   load %s"
              % (t_a, t_a / n, load()), flush=True)
        def differences(label: str, res: runner.RunResult) -> list[str]:
            return keep_evidence(roots, assignment, compare(roots["a"], roots["b"], assignment, names), label, res)

        same_b = differences("b-before", res_b[0])
        res_b.append(parallel("after"))
        same_b += differences("b-after", res_b[1])
        t_b = sum(r.seconds for r in res_b) / len(res_b)

        busy: list[float] = []  # cores each run of (c) kept busy

        def bare(label: str) -> float:
            usage: dict = {}
            t = bare_execute(inputs, roots["c"], timeout, usage=usage)
            busy.append(usage["cpu_s"] / t)
            print("  (c) bare nbclient execution, %-6s     %8.1f s  %5.2f s/submission   load %s   %.2f cores busy"
                  % (label, t, t / n, load(), busy[-1]), flush=True)
            return t

        t_cs = [bare("before")]
        res_1 = cold_run(roots["b"], assignment, jobs=1, timeout=timeout, extra_workers=0, sandbox=mode)
        t_1 = res_1.seconds
        same_1 = differences("b1", res_1)
        t_x = executing(roots["b"], assignment, names)
        print("  (b1) runner --jobs 1                    %8.1f s  %5.2f s/submission   load %s\n"
              "       of which in the sandboxed execute step (kernel start to last cell): %.1f s"
              % (t_1, t_1 / n, load(), t_x), flush=True)
        t_cs.append(bare("after"))
        t_c = sum(t_cs) / len(t_cs)
        streams = res_b[0].workers
        t_d = bare_execute(inputs, roots["c"], timeout, streams=streams, jobs=jobs)
        print("  (d) bare nbclient execution, %d at once  %7.1f s  %5.2f s/submission   load %s"
              % (streams, t_d, t_d / n, load()), flush=True)

        failed = sorted(set().union(res_1.failed, *(r.failed for r in res_b)))
        identical = not same_b and not same_1 and not failed
        problems = (same_b + same_1)[:10] + (["failed in (b): %s" % ", ".join(failed)] if failed else [])
        print("  grades (a) = (b): %s" % ("identical for all %d students, every cell" % n if identical else
                                         "DIFFERENT: %s" % "; ".join(problems)))
        figures = figures_of(n, cores, jobs, t_a, res_b, t_cs, res_1, t_d, t_x, busy, identical)
        print_figures(figures, res_b, t_cs)
        return figures
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def three_courses(root: Path, base: Path, assignment: str, students: list) -> dict[str, Path]:
    """The course copies (a), (b) and (c), sharing one grading secret and the same submissions."""
    roots = {k: course_copy(root, base / k) for k in ("a", "b", "c")}
    course.secret(roots["a"])
    for k in ("b", "c"):
        course.state_dir(roots[k])
        shutil.copy2(roots["a"] / ".autograder" / "secret", roots[k] / ".autograder" / "secret")
    synth.build_class(roots["a"], assignment, students)
    for k in ("b", "c"):
        shutil.copytree(roots["a"] / "submitted", roots[k] / "submitted")
    for r in roots.values():
        grading.ensure_generated(r, assignment)
    return roots


def figures_of(n, cores, jobs, t_a, res_b, t_cs, res_1, t_d, t_x, busy, identical) -> dict:
    """The figures of one bench run (the JSON line), from its timings."""
    t_b = sum(r.seconds for r in res_b) / len(res_b)
    t_1, t_c = res_1.seconds, sum(t_cs) / len(t_cs)
    figures = {"submissions": n, "cores": cores, "nbgrader_s": round(t_a, 1), "runner_s": round(t_b, 1),
               "bare_s": round(t_c, 1), "ratio": round(t_a / t_b, 2), "overhead": round(t_1 / t_c - 1, 3),
               "peak_rss_mb": round(max([res_1.peak_rss] + [r.peak_rss for r in res_b]) / 2 ** 20),
               "runner_runs_s": [round(r.seconds, 1) for r in res_b], "bare_runs_s": [round(t, 1) for t in t_cs],
               "runner_1job_s": round(t_1, 1), "bare_parallel_s": round(t_d, 1),
               "speedup_runner": round(t_1 / t_b, 2), "speedup_bare": round(t_cs[-1] / t_d, 2),
               "bare_busy_cores": round(busy[-1], 2), "execute_step_s": round(t_x, 1), "jobs": jobs,
               "workers": res_b[0].workers, "identical": identical, "load_after": load()}
    why = unsteady(figures["runner_runs_s"], figures["bare_runs_s"], t_cs[-1] / t_d, cores, busy[-1])
    figures["steady"], figures["unsteady_because"] = not why, why
    return figures


def print_figures(figures: dict, res_b, t_cs) -> None:
    why = figures["unsteady_because"]
    print("  throughput (a)/(b) = %.2f (over the mean of (b) before and after (a): %s s); runner overhead over "
          "bare ((b1)/(c) - 1) = %.1f %% (over the mean of (c) before and after (b1): %s s); peak RSS of a "
          "worker with its kernel = %d MB"
          % (figures["ratio"], " and ".join("%.1f" % r.seconds for r in res_b), 100 * figures["overhead"],
             " and ".join("%.1f" % t for t in t_cs), figures["peak_rss_mb"]), flush=True)
    print("  all cores against one: the runner x%.2f ((b1)/(b)); bare kernels x%.2f ((c) after (b1), over (d))"
          % (figures["speedup_runner"], figures["speedup_bare"]), flush=True)
    if why:
        print("  machine UNSTEADY during this run: %s. The ratio and the overhead above measure its swings as "
              "much as the grader: run again when the machine is quiet." % "; ".join(why), flush=True)
    else:
        print("  machine steady: each mode timed twice came out within %d %% of itself" % (100 * SPREAD),
              flush=True)


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def executing(root: Path, assignment: str, students: list[str]) -> float:
    """Seconds the execute step took over the students' autograded notebooks (``autograder_sandbox``)."""
    import nbformat

    total = 0.0
    for s in students:
        for path in (root / "autograded" / s / assignment).glob("*.ipynb"):
            total += nbformat.read(str(path), as_version=4).metadata.get("autograder_sandbox", {}).get("seconds", 0)
    return total


def compare(root_a: Path, root_b: Path, assignment: str, students: list[str]) -> list[str]:
    """The differences between two gradebooks' rows of the students (empty when identical)."""
    a, b = gradebook.gradebook_dump(root_a, assignment), gradebook.gradebook_dump(root_b, assignment)
    diffs = []
    for s in students:
        ra, rb = a.get(s), b.get(s)
        if ra is None or rb is None:
            diffs.append("%s: missing from %s" % (s, "(a)" if ra is None else "(b)"))
            continue
        for nb in sorted(set(ra["notebooks"]) | set(rb["notebooks"])):
            na, nb_ = ra["notebooks"].get(nb, {}), rb["notebooks"].get(nb, {})
            for cell in sorted(set(na.get("grades", {})) | set(nb_.get("grades", {}))):
                if na.get("grades", {}).get(cell) != nb_.get("grades", {}).get(cell):
                    diffs.append("%s/%s/%s: %s vs %s" % (s, nb, cell, na.get("grades", {}).get(cell),
                                                         nb_.get("grades", {}).get(cell)))
        if ra != rb and not diffs:
            diffs.append("%s: comments, timestamp or penalty differ" % s)
    return diffs


def keep_evidence(roots: dict, assignment: str, diffs: list[str], label: str,
                  result: runner.RunResult | None) -> list[str]:
    """When (a) and a run of (b) differ: print each differing question's two verdicts, and keep both
    autograded notebooks of each student concerned with the runner's log of it in a folder that outlives
    the run (the next run of (b) overwrites them, and the bench deletes its courses). Returns ``diffs``."""
    if not diffs:
        return diffs
    dest = Path(tempfile.mkdtemp(prefix="autograder-bench-differ-%s-" % label))
    students = sorted({d.split("/")[0].split(":")[0] for d in diffs})
    for s in students:
        for k in ("a", "b"):
            folder = roots[k] / "autograded" / s / assignment
            if folder.is_dir():
                shutil.copytree(folder, dest / k / s)
        outcome = result.outcomes.get(s) if result is not None else None
        if outcome is not None:
            (dest / ("%s-runner.log" % s)).write_text("status %s, %d attempt(s), %.1f s\nerror: %s\n\n%s" % (
                outcome.status, outcome.attempts, outcome.seconds, outcome.error, outcome.log))
        va, vb = grading.verdicts(roots["a"], assignment, s), grading.verdicts(roots["b"], assignment, s)
        for q in sorted(set(va) | set(vb)):
            a, b = va.get(q, {}), vb.get(q, {})
            if a.get("points") != b.get("points"):
                print("  %s %s: (a) %s: %s | (%s) %s: %s" % (s, q, a.get("points"), str(a.get("message"))[:160],
                                                            label, b.get("points"), str(b.get("message"))[:160]))
    print("  grades of (a) and (%s) differ for %s; their autograded notebooks and the runner's logs are kept in %s"
          % (label, ", ".join(students), dest), flush=True)
    return diffs


# --------------------------------------------------------------------------------------------------
# (c): bare execution


@contextlib.contextmanager
def _environ(env: dict):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def bare_inputs(root: Path, assignment: str, students: list[str]) -> list[tuple]:
    """(notebook, working folder) for each submitted notebook, as nbgrader's execute step receives it:
    the configured sanitize preprocessors (outputs cleared, locked and hidden cells restored from the
    gradebook, kernelspec set), then the autograde preprocessors before the execute step (the probes)."""
    import nbformat
    from nbconvert.exporters import NotebookExporter
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import Execute
    from traitlets.utils.importstring import import_item

    cfg = gradebook.course_config(root)
    cfg.Exporter.default_preprocessors = []
    url, _ = gradebook.course_db(root)
    autograde = Autograde(coursedir=CourseDirectory(config=cfg), config=cfg)
    steps = list(autograde.sanitize_preprocessors)
    for p in autograde.autograde_preprocessors:
        if issubclass(import_item(p) if isinstance(p, str) else p, Execute):
            break
        steps.append(p)
    exporter = NotebookExporter(config=cfg)
    for p in steps:
        exporter.register_preprocessor(p, enabled=True)
    out = []
    with _environ(runner_env.worker_env(root)):
        for s in students:
            src = root / "submitted" / s / assignment
            workdir = root / "bare" / s / assignment
            shutil.copytree(src, workdir, ignore=shutil.ignore_patterns("*.ipynb"))
            for path in sorted(src.glob("*.ipynb")):
                resources = {"unique_key": path.stem, "metadata": {"path": str(workdir)},
                             "nbgrader": {"student": s, "assignment": assignment, "notebook": path.stem,
                                          "db_url": url}}
                text, _ = exporter.from_filename(str(path), resources=resources)
                out.append((nbformat.reads(text, as_version=4), workdir))
    return out


def bare_execute(inputs: list[tuple], root: Path, timeout: int | None, *, streams: int = 1, jobs: int = 1,
                 usage: dict | None = None) -> float:
    """Seconds to execute ``inputs`` with nbclient (a fresh kernel each), ``streams`` at once (each thread
    takes the next notebook when its last is done), the kernels' thread pools shared out over ``jobs``.
    With ``usage``, its ``cpu_s`` is set to the CPU seconds the kernels used (they are this process's
    children, each waited for once stopped)."""
    import asyncio
    import copy
    import queue
    import threading

    from nbclient import NotebookClient

    cfg = gradebook.course_config(root)
    cell_timeout = timeout or cfg.get("Execute", {}).get("timeout", 30)
    # the kernel is stopped as the course's execute step stops it, so that (c) stays the floor of (a) and (b)
    shutdown = cfg.get("SafeExecute", {}).get("shutdown_kernel", SafeExecute.shutdown_kernel.default_value)
    env = runner_env.worker_env(root, jobs)
    for name in ("AUTOGRADER_COURSE_ROOT", "PYTHONPATH", "JPY_PARENT_PID"):  # as the sandbox does
        env.pop(name, None)
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in inputs:
        todo.put(item)
    errors: list[BaseException] = []

    def stream(threaded: bool) -> None:
        while not errors:
            try:
                nb, workdir = todo.get_nowait()
            except queue.Empty:
                return
            client = NotebookClient(copy.deepcopy(nb), timeout=cell_timeout, startup_timeout=120, allow_errors=True,
                                    interrupt_on_timeout=True, shutdown_kernel=shutdown,
                                    resources={"metadata": {"path": str(workdir)}})
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}  # as quiet as (a) and (b)
            try:
                if threaded:  # a loop of the thread's own, closed when the notebook is done
                    asyncio.run(client.async_execute(**quiet))
                else:
                    client.execute(**quiet)
            except Exception as exc:
                if not threaded:
                    raise
                errors.append(exc)  # raised below, in the calling thread; the other threads stop after theirs

    with _environ(env):
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        if streams <= 1:
            stream(False)
        else:
            threads = [threading.Thread(target=stream, args=(True,), daemon=True) for _ in range(streams)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        seconds = time.perf_counter() - t0
        if usage is not None:
            usage["cpu_s"] = _children_cpu() - cpu0
    if errors:
        raise RuntimeError("bare execution failed: %r" % errors[0]) from errors[0]
    return seconds
