"""Step 2 of grading, before execution: ``InjectProbes`` prepends to every auto-graded cell the probe (as text)
and the plan of this run: the inputs the judge picked for its question, from a generator seeded by the course
secret, the student and the question. It hands the judge, through nbconvert's ``resources``, the nonce and the
reference answers; the kernel never sees those.
"""
from __future__ import annotations

import builtins
import functools
import json
import secrets
from pathlib import Path

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import course, specs
from ..judging.spec import Assignment


PROBE_SOURCE = (Path(__file__).resolve().parents[1] / "judging" / "probe.py").read_text()  # run as text
STATE_KEY = "autograder"


def is_autograded_cell(cell) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def bootstrap(nonce: str, plan: dict) -> str:
    """The code prepended to a grade cell: defines ``_autograder`` for the hidden checks."""
    return (
        "_autograder_ns = {'__name__': 'autograder_probe'}\n"
        f"exec(compile({PROBE_SOURCE!r}, '<autograder probe>', 'exec'), _autograder_ns)\n"
        f"_autograder = _autograder_ns['Probe']({nonce!r}, {json.dumps(plan)!r})\n"
        "del _autograder_ns\n"
    )


def run_in_process(nonce: str, plan: dict) -> dict:
    """Run the bootstrap in this process (the instructor's check, the in-process tests) and return the namespace
    it leaves, ``_autograder`` in it. The text is the one a kernel runs; only the probe is compiled once per
    process instead of once per grade cell (15 ms each time: 4,500 asks in the stability tests)."""
    scratch = {"__builtins__": _BUILTINS}
    exec(bootstrap(nonce, plan), scratch)
    return scratch


@functools.lru_cache(maxsize=8)
def _compiled(source: str, filename: str, mode: str):
    return compile(source, filename, mode)


def _compile_once(source, filename, mode, *args, **kwargs):
    if args or kwargs or not isinstance(source, str):
        return compile(source, filename, mode, *args, **kwargs)
    return _compiled(source, filename, mode)


_BUILTINS = dict(vars(builtins), compile=_compile_once)


class InjectProbes(NbGraderPreprocessor):
    """Prepend the probe and this run's inputs to every judged grade cell; note the plain ones
    (:mod:`.plain`), which run untouched."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        name = info.get("assignment", "")
        assignment = specs.get(name)  # a broken spec raises here: its own assignment stops, with the reason
        if assignment is None:
            assignment = Assignment(name=name, key=name, notebook=info.get("notebook", ""), questions=())
        judged = {q.name for q in assignment.questions}
        key = course.secret()
        nonce = secrets.token_hex(16)
        state = {"nonce": nonce, "assignment": assignment, "contexts": {}, "sources": {}, "plain": {}}
        for cell in nb.cells:
            if not is_autograded_cell(cell):
                continue
            grade_id = cell.metadata.nbgrader["grade_id"]
            if grade_id not in judged:  # a plain nbgrader test cell: it runs as the instructor wrote it
                state["plain"][grade_id] = cell.source
                continue
            question = assignment.question(grade_id)
            qid = assignment.qid(question)
            ctx = question.context(course.question_rng(key, assignment.name, info.get("student", ""), qid))
            state["contexts"][grade_id] = ctx
            state["sources"][grade_id] = cell.source
            plan = question.plan(ctx)
            cell.source = bootstrap(nonce, {qid: plan, grade_id: plan}) + cell.source
        resources[STATE_KEY] = state
        return nb, resources
