"""`python -m autograder bench` on a tiny class: it grades the same class every way, finds the grades equal,
prints the figures the JSON line promises, and its comparison does catch a grade that differs.

No timing is asserted: only that the figures are there and add up (the ratio is nbgrader's time over the
mean of the runner's two runs, the overhead is the one-job run over the mean of bare execution's two runs,
the speed-ups are the one-stream timings over the all-cores ones).
"""
from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from autograder import bench, cli

from e2e import REPO_ROOT, TIMEOUT
from autograder.gradebook import course_db, gradebook_dump, open_gradebook
from autograder.runner.env import cores

SIZE = 2
A = "02_losses"  # no Keras: the bench's mechanics cost seconds per notebook here, not tens of seconds
KEYS = {"submissions", "cores", "nbgrader_s", "runner_s", "bare_s", "ratio", "overhead", "peak_rss_mb"}


def quotient_of_rounded(q, num, den, places=0.05):
    """Whether ``q`` (rounded to 3 decimals or fewer) is num / den for some num and den that round, to 0.1 s, to
    the printed ones: on a class of seconds, the timings' rounding moves a quotient by a percent or two."""
    low, high = (num - places) / (den + places), (num + places) / max(den - places, 1e-9)
    return low - 0.005 <= q <= high + 0.005


@pytest.fixture(scope="module")
def benched(tmp_path_factory):
    """(exit code, printed lines, kept folder) of one bench run on SIZE submissions, courses kept."""
    keep = tmp_path_factory.mktemp("bench")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["--root", str(REPO_ROOT), "bench", "--assignment", A, "--submissions", str(SIZE),
                         "--timeout", str(TIMEOUT), "--keep", str(keep)])
    return code, out.getvalue().splitlines(), keep / ("S%d" % SIZE)


@pytest.mark.slow
def test_bench_grades_the_class_every_way_and_reports_the_figures(benched):
    code, lines, kept = benched
    assert code == 0, "\n".join(lines)
    figures = json.loads(lines[-1])
    assert KEYS <= set(figures)
    assert figures["submissions"] == SIZE and figures["cores"] == cores()
    assert figures["identical"] is True
    assert any("identical for all %d students" % SIZE in line for line in lines)
    runs = figures["runner_runs_s"]
    assert len(runs) == 2 and all(r > 0 for r in runs)
    assert figures["runner_s"] == pytest.approx(sum(runs) / 2, abs=0.11)
    assert quotient_of_rounded(figures["ratio"], figures["nbgrader_s"], figures["runner_s"])
    bare = figures["bare_runs_s"]
    assert len(bare) == 2 and all(t > 0 for t in bare)
    assert figures["bare_s"] == pytest.approx(sum(bare) / 2, abs=0.11)
    assert quotient_of_rounded(figures["overhead"] + 1, figures["runner_1job_s"], figures["bare_s"])
    # (d): the bare kernels with all cores, and the two speed-ups it is read against
    assert figures["bare_parallel_s"] > 0
    assert quotient_of_rounded(figures["speedup_runner"], figures["runner_1job_s"], figures["runner_s"])
    assert quotient_of_rounded(figures["speedup_bare"], bare[-1], figures["bare_parallel_s"])
    assert any(line.startswith("  (d) bare nbclient execution, %d at once" % figures["workers"]) for line in lines)
    assert figures["steady"] is (not figures["unsteady_because"])
    assert any(line.startswith("  machine " + ("steady" if figures["steady"] else "UNSTEADY")) for line in lines)
    assert figures["peak_rss_mb"] > 100  # a worker that imported nbgrader, with its kernel
    # every student is in both gradebooks, with every grade cell
    a, b = gradebook_dump(kept / "a", A), gradebook_dump(kept / "b", A)
    assert len(a) == len(b) == SIZE and a == b


@pytest.mark.slow
def test_bench_comparison_names_a_grade_that_differs(benched):
    _, _, kept = benched
    names = sorted(gradebook_dump(kept / "a", A))
    assert bench.compare(kept / "a", kept / "b", A, names) == []
    url, course_id = course_db(kept / "b")
    with open_gradebook(url, course_id) as gb:
        nb = gb.find_submission(A, names[0]).notebooks[0]
        grade = sorted(nb.grades, key=lambda g: g.name)[0]
        grade.auto_score = (grade.auto_score or 0) + 1
        gb.db.commit()
        cell, notebook = grade.name, nb.name
    diffs = bench.compare(kept / "a", kept / "b", A, names)
    assert len(diffs) == 1 and diffs[0].startswith("%s/%s/%s:" % (names[0], notebook, cell))
    # what the bench keeps of a difference, for whoever looks into it
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert bench.keep_evidence({"a": kept / "a", "b": kept / "b"}, A, diffs, "b1", None) == diffs
    [line] = [line for line in out.getvalue().splitlines() if "differ for" in line]
    evidence = Path(line.rsplit(" kept in ", 1)[1])
    assert line.startswith("  grades of (a) and (b1) differ for %s;" % names[0])
    assert {p.relative_to(evidence).parts[:2] for p in evidence.rglob("*.ipynb")} == {("a", names[0]), ("b", names[0])}
    shutil.rmtree(evidence)
    # and a student missing from one gradebook is named as such
    diffs = bench.compare(kept / "a", kept / "b", A, names + ["nobody"])
    assert "nobody: missing from (a)" in diffs


def test_bench_names_what_made_a_run_unsteady():
    """Figures from a machine that moved under the run are flagged, with the timings that show it."""
    assert bench.unsteady([150.0, 153.0], [270.0, 262.0], 1.9, 2) == []
    why = bench.unsteady([202.9, 150.9], [256.3, 316.4], 2.25, 2)  # bench run 18
    assert len(why) == 3
    assert why[0].startswith("the two runs of (b) 29 % apart (202.9 and 150.9 s)")
    assert why[1].startswith("the two runs of (c) 21 % apart")
    assert why[2] == "bare kernels x2.25 faster side by side on 2 cores"
    assert bench.unsteady([164.7, 151.4], [300.0, 300.0], 1.5, 2) == [
        "the two runs of (b) 8 % apart (164.7 and 151.4 s)"]  # run 12
    # a kernel that idled part of the time leaves room for more than x2 on 2 cores, and no more
    assert bench.unsteady([150.0, 153.0], [270.0, 262.0], 2.11, 2, busy=0.8) == []
    assert bench.unsteady([150.0, 153.0], [270.0, 262.0], 2.11, 2, busy=0.96) == [
        "bare kernels x2.11 faster side by side on 2 cores, more than the x2.08 one at a time leaves room for "
        "(it kept 0.96 cores busy)"]
    # one that kept more than a core busy is held to the cores
    assert bench.unsteady([150.0, 153.0], [270.0, 262.0], 2.2, 2, busy=1.3) == [
        "bare kernels x2.20 faster side by side on 2 cores"]
