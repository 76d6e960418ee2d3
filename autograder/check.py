"""``python -m autograder check A``: the instructor's check before releasing an assignment, in seconds.

What it checks: the spec loads; every judged question has its hidden grade cell, which asks that question, and
the cell's points are the spec's; the hand-graded cells' points are the spec's; the solution (the source
notebook with its solution markers dropped) gets every auto-graded point; the release (the solution cells
cleared as ``nbgrader generate_assignment`` clears them) gets none; each known mistake's example cell is judged
as that mistake, failing exactly the checks it names.

How it stays fast: no kernel. The instructor's own notebook runs once, cell by cell, in this process (a kernel
adds nothing: the code is the instructor's, and isolation is about students); each hidden cell's
``_autograder.ask`` goes through the real probe and the real judge, as in grading. A known mistake is judged by
running its example cell on the names the solution had just before the question's grade cell, then that grade
cell: no notebook is run again. Plain grade cells are scored by nbgrader's own rule
(:func:`nbgrader.utils.determine_grade`) on the outcome of running them here.
"""
from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import random
import re
import time
import warnings
from pathlib import Path
from unittest import mock

import nbformat
import numpy as np

from . import assignments, course, specs, synth
from .judging import judge
from .pipeline.inject import run_in_process

ASK = re.compile(r"_autograder\s*\.\s*ask\(\s*(['\"])(.+?)\1")
KEY = b"autograder check"  # inputs drawn for the check are the same on every run, not the course's secret
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


class Asker:
    """Stands where the grader's ``_autograder`` stands: each ask goes through the probe and the judge."""

    def __init__(self, spec):
        self.spec = spec
        self.verdicts: dict[str, dict] = {}

    def ask(self, question, obj):
        name = question.partition(".")[2] if question.startswith(self.spec.key + ".") else question
        q = self.spec.question(name)
        qid = self.spec.qid(q)
        ctx = q.context(course.question_rng(KEY, self.spec.name, "check", qid))
        outputs = []

        def display(data, raw=False, **kwargs):
            outputs.append({"output_type": "display_data", "data": data, "metadata": {}})

        scratch = run_in_process("0" * 32, {qid: q.plan(ctx), q.name: q.plan(ctx)})
        with mock.patch("IPython.display.display", display):
            scratch["_autograder"].ask(question, obj)
        outputs = json.loads(json.dumps(outputs))
        self.verdicts[qid] = judge.judge_question(q, qid, ctx, outputs, "0" * 32, 30)


@contextlib.contextmanager
def quiet():
    """A cell's prints and warnings go nowhere (a kernel shows them; they change no value)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def run_code(source: str, ns: dict, name: str):
    """Run a cell's code in ``ns``; (error, its last expression's value): nbgrader's reading of a cell."""
    try:
        tree = ast.parse(source)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        with quiet():
            exec(compile(tree, "<cell %s>" % name, "exec"), ns)
            value = eval(compile(last, "<cell %s>" % name, "eval"), ns) if last is not None else None
    except (Exception, SystemExit) as exc:
        return "%s: %s" % (type(exc).__name__, str(exc)[:300]), None
    return None, value


def plain_points(item, error, value) -> float:
    """nbgrader's points for a plain grade cell whose run raised ``error`` or gave ``value``."""
    from nbformat.v4 import new_code_cell, new_output
    from nbgrader.utils import determine_grade

    outputs = []
    if error:
        outputs.append(new_output("error", ename=error.split(":")[0], evalue=error, traceback=[]))
    elif value is not None:
        outputs.append(new_output("execute_result", data={"text/plain": repr(value)}, execution_count=1))
    cell = new_code_cell("", metadata={"nbgrader": {"grade": True, "solution": False, "points": item.points,
                                                    "grade_id": item.grade_id}}, outputs=outputs)
    return float(determine_grade(cell)[0] or 0.0)


def cells(root: Path, name: str, released: bool) -> list[tuple[str, object, str]]:
    """(notebook, cell, code to run) of every code cell of the assignment, as solved or as released."""
    out = []
    for path in sorted((root / "source" / name).glob("*.ipynb")):
        for cell in nbformat.read(str(path), 4).cells:
            if cell.cell_type != "code":
                continue
            meta = assignments.nbgrader_meta(cell)
            code = synth.solved(cell.source)
            if released and meta.get("solution"):
                code = solution_cleared(cell.source)
            out.append((path.stem, cell, code))
    return out


SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION.*?^[ \t]*### END SOLUTION[^\n]*(?:\n|\Z)", re.S | re.M)


def solution_cleared(source: str) -> str:
    """A solution cell as students get it: each solution region replaced by the stub, or all of it."""
    if SOLUTION.search(source):
        return SOLUTION.sub(lambda m: "".join(m.group(1) + line + "\n" for line in STUB.splitlines()), source)
    return STUB


@contextlib.contextmanager
def keras_cache(root: Path):
    """Keras' download cache, while the notebook runs here, is the one grading kernels get (it holds the verified
    data files: grading has no network, and neither may the check)."""
    import sys

    try:
        home = str(course.keras_home(root))
    except Exception:  # no verified copy of the data here: the notebook's own download decides
        yield
        return
    old = os.environ.get("KERAS_HOME")
    os.environ["KERAS_HOME"] = home  # read when Keras is first imported
    config = sys.modules.get("keras.src.backend.config")
    try:
        if config is not None and hasattr(config, "_KERAS_DIR"):
            with mock.patch.object(config, "_KERAS_DIR", home):
                yield
        else:
            yield
    finally:
        if old is None:
            os.environ.pop("KERAS_HOME", None)
        else:
            os.environ["KERAS_HOME"] = old


class Run:
    """One run of an assignment in this process: points per graded cell, the judge's verdicts, and the names the
    notebook held just before each graded cell (where a known mistake's example is tried)."""

    def __init__(self):
        self.points: dict[str, float] = {}
        self.verdicts: dict[str, dict] = {}
        self.before: dict[str, dict] = {}


@contextlib.contextmanager
def in_notebook(root: Path, name: str):
    """While the instructor's code runs here: the notebook's folder as the working folder, the grading kernels'
    Keras cache, and afterwards this process's random state and figures as they were."""
    cwd, state = os.getcwd(), (np.random.get_state(), random.getstate())
    try:
        os.chdir(root / "source" / name)  # a notebook reads its files from its own folder
        with keras_cache(root):
            yield
    finally:
        os.chdir(cwd)
        np.random.set_state(state[0])
        random.setstate(state[1])
        _close_figures()


def run_notebooks(root: Path, layout, released: bool) -> Run:
    """Run the assignment's code cells once, in order, in this process (solved, or as released)."""
    root = Path(root).resolve()
    with in_notebook(root, layout.name):
        return _run_cells(root, layout, released)


def _run_cells(root: Path, layout, released: bool) -> Run:
    asker, run = Asker(layout.as_spec()), Run()
    items = {i.grade_id: i for i in layout.auto()}
    ns: dict = {"__name__": "__main__"}
    for _, cell, code in cells(root, layout.name, released):
        item = items.get(assignments.nbgrader_meta(cell).get("grade_id"))
        if item is not None:
            run.before[item.grade_id] = dict(ns)
        ns["_autograder"] = asker
        error, value = run_code(code, ns, item.grade_id if item else "code")
        if item is not None and item.kind == assignments.PLAIN:
            run.points[item.qid] = plain_points(item, error, value)
        elif item is not None:
            v = asker.verdicts.pop(item.qid, None)
            run.points[item.qid] = v["points"] if v else 0.0
            if v:
                run.verdicts[item.qid] = v
    return run


def _close_figures():
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


def static_problems(root: Path, layout) -> list[str]:
    """Cells and points against the spec, read from the source notebooks."""
    spec, problems = layout.spec, []
    found = {i.grade_id: i for i in layout.items}
    where = "source/%s" % layout.name
    if spec is None:
        return []
    for q in spec.questions:
        item = found.get(q.name)
        if item is None or item.kind != assignments.JUDGED:
            problems.append("question %r of %s has no grade cell (a code cell with grade_id %r, graded, not a "
                            "solution) in %s" % (q.name, specs.shown_path(layout.name), q.name, where))
        elif abs(item.points - q.points) > 1e-9:
            problems.append("question %r: its cell in %s/%s.ipynb gives %g points, the spec %g" % (
                q.name, where, item.notebook, item.points, q.points))
    for gid, pts in spec.manual.items():
        item = found.get(gid)
        if item is None or item.kind != assignments.MANUAL:
            problems.append("hand-graded answer %r of the spec has no graded solution cell in %s" % (gid, where))
        elif abs(item.points - pts) > 1e-9:
            problems.append("hand-graded answer %r: its cell gives %g points, the spec %g" % (gid, item.points, pts))
    for notebook, cell, _ in cells(root, layout.name, False):
        gid = assignments.nbgrader_meta(cell).get("grade_id")
        asked = [m.group(2) for m in ASK.finditer(cell.source)]
        mine = {spec.qid(spec.question(gid)), gid} if gid in {q.name for q in spec.questions} else set()
        for a in asked:
            if a not in mine:
                problems.append("cell %r of %s/%s.ipynb asks %r: a hidden cell asks its own question, %r" % (
                    gid, where, notebook, a, "%s.%s" % (spec.key, gid)))
        if mine and not asked:
            problems.append("cell %r of %s/%s.ipynb never calls _autograder.ask(%r, <the object to check>)" % (
                gid, where, notebook, "%s.%s" % (spec.key, gid)))
    return problems


def mistake_problems(root: Path, layout, before: dict) -> list[str]:
    """Each known mistake, its example run on the solution's names before the question's grade cell."""
    problems = []
    spec = layout.spec
    root = Path(root).resolve()
    grade_cells = {assignments.nbgrader_meta(cell).get("grade_id"): code
                   for _, cell, code in cells(root, layout.name, False)}
    for q in (spec.questions if spec else []):
        for m in (q.mistakes if q.name in before else ()):
            ns, asker = dict(before[q.name]), Asker(spec)
            ns["_autograder"] = asker
            with in_notebook(root, layout.name):
                errors = [e for e in (run_code(code, ns, gid)[0] for gid, code in m.example.items()) if e]
                run_code(grade_cells[q.name], ns, q.name)
            v = asker.verdicts.get(spec.qid(q))
            if v is None:
                problems.append("mistake %r of question %r: its example gave no answer to judge%s" % (
                    m.id, q.name, " (%s)" % errors[0] if errors else ""))
                continue
            failed = {c["name"] for c in v["checks"] if not c["passed"]}
            want = set(m.fails) if m.fails is not None else {c.name for c in q.checks}
            named = (v.get("mistake") or {}).get("id")
            if named != m.id or failed != want:
                problems.append("mistake %r of question %r: judged as %s, failing %s (expected: named %r, failing "
                                "%s); the verdict: %s" % (m.id, q.name, repr(named) if named else "no known mistake",
                                                          sorted(failed), m.id, sorted(want), v["message"][:300]))
    return problems


def check(root: Path, name: str) -> tuple[list[str], list[str]]:
    """(what passed, what is wrong) for one assignment of the course at ``root``."""
    try:
        layout = assignments.layout(root, name)
    except specs.SpecError as exc:
        return [], [str(exc)]
    ok, problems = [], static_problems(root, layout)
    auto = layout.auto()
    if not problems:
        ok.append("%d graded cell(s) (%d judged, %d plain), %s" % (
            len(auto), sum(i.kind == assignments.JUDGED for i in auto), sum(i.kind == assignments.PLAIN for i in auto),
            "points as the spec says" if layout.spec else "no spec (%s)" % specs.shown_path(name)))
    solved = run_notebooks(root, layout, released=False)
    short = [(i, solved.points.get(i.qid, 0.0)) for i in auto if solved.points.get(i.qid, 0.0) < i.points - 1e-9]
    for item, got in short:
        v = solved.verdicts.get(item.qid)
        problems.append("the solution gets %g of %g points on %s%s" % (
            got, item.points, item.qid, ": " + v["message"][:300] if v else ""))
    if not short:
        ok.append("the solution gets every auto-graded point (%g)" % sum(i.points for i in auto))
    released = run_notebooks(root, layout, released=True).points
    given = [(i, released.get(i.qid, 0.0)) for i in auto if released.get(i.qid, 0.0) > 0]
    for item, got in given:
        problems.append("the released notebook, untouched, gets %g points on %s" % (got, item.qid))
    if not given:
        ok.append("the release gets 0")
    wrong = mistake_problems(root, layout, solved.before)
    problems += wrong
    n = sum(len(q.mistakes) for q in (layout.spec.questions if layout.spec else []))
    if n and not wrong:
        ok.append("each of the %d known mistakes is diagnosed" % n)
    return ok, problems


def cmd(args) -> int:
    root = course.root_of(args)
    names = args.assignment or assignments.names(root)
    failed = 0
    for name in names:
        assignments.known(root, name)
        start = time.process_time()
        ok, problems = check(root, name)
        print("== %s (%.1f CPU-s)" % (name, time.process_time() - start))
        for line in ok:
            print("   ok    %s" % line)
        for line in problems:
            print("   FAIL  %s" % line)
        failed += bool(problems)
    return 1 if failed else 0
