"""A synthetic submission run in the test process, its questions asked as the hidden cells ask them.

Grading a class with real kernels takes minutes; a test that only needs the judge's verdicts on many
sets of inputs can run each notebook's code cells once, in a plain namespace of the test process, and
then ask every question as often as it likes. What this keeps of real grading:

* the cells run in notebook order, as nbgrader's sanitizing leaves them: solution cells as the student
  wrote them, every other cell of the assignment (setup, visible checks, hidden grade cells) as the
  source notebook holds it; a cell that raises leaves the names it did not define undefined, and the
  next cell runs (nbgrader executes with errors allowed);
* a grade cell runs when its turn comes, so it asks about the object its name holds at that point of
  the notebook, through the hidden cell's own expression (``_autograder.ask(qid, <expression>)``);
* each ask goes through the real probe, injected as the grader injects it
  (:func:`autograder.pipeline.inject.run_in_process` runs the bootstrap text), with a plan built from
  ``course.question_rng(secret, assignment, student, qid)`` exactly as ``InjectProbes`` builds it; its
  report leaves as display data, crosses a JSON round trip (the kernel's wire), and the judge reads it
  with :func:`autograder.judging.judge.judge_question`, as ``JudgeCells`` does.

What it leaves out is the kernel: its sandbox, time limits and output handling. Notebooks whose point
is to loop forever or to tamper with the process running them (patching numpy, registering IPython
hooks) must not be run here.
"""
from __future__ import annotations

import io
import json
import random
from pathlib import Path
from unittest import mock

import nbformat
import numpy as np

from autograder import course, synth
from autograder.check import quiet
from autograder.judging import judge
from autograder.pipeline.inject import is_autograded_cell, run_in_process
from autograder.judging.spec import Assignment

REPO_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 30  # seconds per cell, as the grader's verdicts quote it (nothing here is timed)


def source_cells(assignment: Assignment) -> dict[str, str]:
    """{grade id: source} of the instructor notebook's cells that are not solution cells."""
    nb = nbformat.read(str(REPO_ROOT / "source" / assignment.name / (assignment.notebook + ".ipynb")), 4)
    out = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") and not meta.get("solution"):
            out[meta["grade_id"]] = cell.source
    return out


def cells_as_graded(assignment: Assignment, student: synth.Student) -> list[tuple[str, str, bool]]:
    """(name, source, is a hidden grade cell) of each code cell of the submission, as it is executed."""
    nb = synth.notebook_for(REPO_ROOT, assignment, student)
    locked = source_cells(assignment)
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        gid = synth.grade_id(cell)
        solution = cell.get("metadata", {}).get("nbgrader", {}).get("solution")
        text = cell.source if solution or gid not in locked else locked[gid]
        cells.append((gid or "cell %d" % (index + 1), text, is_autograded_cell(cell)))
    return cells


def run_cell(source: str, ns: dict, name: str) -> tuple[str, str] | None:
    """Run one cell's code in ``ns``; (exception name, message) if it raised, as a kernel reports it."""
    try:
        with quiet():
            exec(compile(source, "<cell %s>" % name, "exec"), ns)
    except (Exception, SystemExit) as exc:
        return type(exc).__name__, str(exc)[:500]
    return None


def error_output(ename: str, evalue: str) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": []}


class Asker:
    """Stands where the grader's ``_autograder`` stands: asks each question once per secret, judges it.

    ``verdicts[qid]`` lists the judge's verdict under each secret, in the order of ``keys``. Questions
    in ``skip`` are not asked (their cells still run).
    """

    def __init__(self, assignment: Assignment, student: str, keys: list[bytes], skip=frozenset()):
        self.assignment = assignment
        self.student = student
        self.keys = list(keys)
        self.skip = set(skip)
        self.questions = {assignment.qid(q): q for q in assignment.questions}
        self.verdicts: dict[str, list[dict]] = {}

    def contexts(self, qid):
        q = self.questions[qid]
        return [q.context(course.question_rng(key, self.assignment.name, self.student, qid)) for key in self.keys]

    def ask(self, qid, obj):
        if qid in self.skip:
            return
        q = self.questions[qid]
        state = np.random.get_state(), random.getstate()  # each secret's ask starts from the same kernel
        found = []
        for index, ctx in enumerate(self.contexts(qid)):
            np.random.set_state(state[0])
            random.setstate(state[1])
            nonce = "%032x" % (index + 1)
            outputs = self._asked(nonce, {qid: q.plan(ctx)}, qid, obj)
            found.append(judge.judge_question(q, qid, ctx, outputs, nonce, TIMEOUT))
        self.verdicts[qid] = found

    def failed(self, qid, ename, evalue):
        """The grade cell raised before it asked (a name left undefined): the judge sees only the error."""
        if qid in self.skip or qid in self.verdicts:
            return
        q = self.questions[qid]
        self.verdicts[qid] = [judge.judge_question(q, qid, ctx, [error_output(ename, evalue)], "0" * 32, TIMEOUT)
                              for ctx in self.contexts(qid)]

    @staticmethod
    def _asked(nonce, plan, qid, obj) -> list[dict]:
        """The outputs of one grade cell: the probe's report as display data, or the error it raised."""
        outputs = []

        def display(data, raw=False, **kwargs):
            outputs.append({"output_type": "display_data", "data": data, "metadata": {}})

        scratch = run_in_process(nonce, plan)
        try:
            with quiet(), mock.patch("IPython.display.display", display):
                scratch["_autograder"].ask(qid, obj)
        except Exception as exc:
            outputs.append(error_output(type(exc).__name__, str(exc)[:500]))
        return json.loads(json.dumps(outputs))  # what crosses the kernel's wire is JSON


def grade_in_process(assignment: Assignment, student: synth.Student, keys: list[bytes],
                     skip=frozenset(), skip_cells=frozenset()) -> dict[str, list[dict]]:
    """{question id: [verdict under each key]} for one synthetic submission, its cells run once.

    Questions in ``skip`` (ids) are not asked; cells in ``skip_cells`` (names) are not run, as if the
    student had emptied them.
    """
    asker = Asker(assignment, student.name, keys, skip)
    ns: dict = {"__name__": "__main__"}
    by_cell = {q.name: assignment.qid(q) for q in assignment.questions}
    state = np.random.get_state(), random.getstate()
    try:
        for name, source, graded in cells_as_graded(assignment, student):
            if name in skip_cells:
                continue
            ns["_autograder"] = asker
            err = run_cell(source, ns, name)
            if graded and name in by_cell and err is not None:
                asker.failed(by_cell[name], *err)
    finally:
        np.random.set_state(state[0])  # the notebook's seeding stays out of the tests that follow
        random.setstate(state[1])
        _close_figures()
    return asker.verdicts


def _close_figures():
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
