"""nbgrader preprocessors: restore the cells' grading metadata, inject fresh probes before execution, judge
after it.

Wired into ``Autograde.sanitize_preprocessors`` and ``Autograde.autograde_preprocessors`` by
``nbgrader_config.py``::

    ClearOutput, RestoreCells, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata
    InjectProbes, Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
    JudgeCells, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata

``RestoreCells`` sets every cell's nbgrader metadata from the gradebook before nbgrader reads it, and puts
back deleted grade cells: a student's notebook decides nothing about which cells are graded or for how many
points.

``InjectProbes`` prepends to every auto-graded cell the probe (as text) and the plan of
this run: the inputs the judge picked for its question, from a generator seeded by the
course secret, the student and the question. It hands the judge, through nbconvert's
``resources``, the nonce and the reference answers; the kernel never sees those.
``JudgeCells`` replaces each auto-graded cell's outputs by the verdict and the points,
and its source by the public part (hidden checks removed).
"""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from . import course, judge, specs

PROBE_SOURCE = (Path(__file__).parent / "probe.py").read_text()
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


class RestoreCells(NbGraderPreprocessor):
    """Set each cell's nbgrader metadata from the gradebook, and put back the grade cells a student deleted.

    nbgrader trusts the submitted metadata in places: a solution cell marked as a grade cell, a ``grade``
    key removed, metadata that is not a mapping, a schema version from the future each make one of its
    sanitizing steps raise, and the submission is not graded at all; so do a copied grade cell and a
    deleted grade cell whose neighbour above is a read-only cell (in ``add_missing_cells``). Here, before
    nbgrader's steps:

    * a cell whose grade id is one of the notebook's gets exactly the flags, points and schema of that cell
      in the gradebook; nbgrader metadata naming no cell of the notebook is removed (nbgrader would ignore
      such a cell anyway);
    * of cells sharing a grade id (a cell copied), the last keeps it, as nbgrader's ``DeduplicateIds``
      decides, and the others lose their nbgrader metadata (that step would empty it, and its
      ``CheckCellMetadata`` would then stop the submission as "an old version of the metadata format");
    * a grade or task cell missing from the notebook is put back, as the gradebook holds it, after the
      nearest cell above it in the released notebook that is still there (first, if none is).

    nbgrader's ``OverwriteCells`` then restores the cell types and the locked cells' sources as before.
    """

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources.get("nbgrader", {})
        try:
            with Gradebook(info["db_url"]) as gb:
                source = gb.find_notebook(info["notebook"], info["assignment"])
                order = [c.name for c in source.source_cells]
                sources = {c.name: (c.cell_type, c.source, c.checksum) for c in source.source_cells}
                meta = {c.name: {"cell_type": c.cell_type, "locked": bool(c.locked), "grade_id": c.name,
                                 "grade": False, "solution": False, "schema_version": 3}
                        for c in source.source_cells}
                for c in source.solution_cells:
                    meta[c.name]["solution"] = True
                for c in source.grade_cells:
                    meta[c.name].update(grade=True, points=_points(c.max_score))
                for c in source.task_cells:
                    meta[c.name].update(task=True, points=_points(c.max_score))
        except (KeyError, MissingEntry):  # not a notebook of the gradebook: nbgrader says so itself
            return nb, resources
        for index, cell in enumerate(nb.cells):
            if "nbgrader" in cell.metadata:
                self._restore(cell, index, meta)
        last = {grade_id: index for index, grade_id in enumerate(_grade_ids(nb))}
        for index, (cell, grade_id) in enumerate(zip(nb.cells, _grade_ids(nb))):
            if grade_id is not None and last[grade_id] != index:
                self.log.warning("cell %d repeats the grade id '%s'; only its last copy is graded", index, grade_id)
                del cell.metadata["nbgrader"]
        for name in order:
            if (meta[name]["grade"] or meta[name].get("task")) and name not in _grade_ids(nb):
                self._put_back(nb, name, order, sources[name], meta[name])
        return nb, resources

    def _restore(self, cell, index, meta):
        given = cell.metadata["nbgrader"]
        grade_id = given.get("grade_id") if isinstance(given, dict) else None
        if not isinstance(grade_id, str) or grade_id not in meta:
            self.log.warning("cell %d has nbgrader metadata naming no cell of this notebook; removed", index)
            del cell.metadata["nbgrader"]
            return
        restored = dict(meta[grade_id])
        if isinstance(given.get("checksum"), str):
            restored["checksum"] = given["checksum"]  # nbgrader's OverwriteCells compares and resets it
        if _flags(given) != _flags(restored):
            self.log.warning("the nbgrader metadata of cell '%s' differed from the gradebook's; restored", grade_id)
        cell.metadata["nbgrader"] = restored

    def _put_back(self, nb, name, order, source, meta):
        from nbformat.v4 import new_code_cell, new_markdown_cell

        cell_type, text, checksum = source
        make = new_code_cell if cell_type == "code" else new_markdown_cell
        cell = make(text, metadata={"deletable": False, "editable": False,
                                    "nbgrader": dict(meta, checksum=checksum)})
        present = {grade_id: index for index, grade_id in enumerate(_grade_ids(nb)) if grade_id is not None}
        above = [present[n] for n in order[:order.index(name)] if n in present]
        nb.cells.insert(max(above) + 1 if above else 0, cell)
        self.log.warning("grade cell '%s' was missing from the submission; put back from the gradebook", name)


def _grade_ids(nb) -> list[str | None]:
    """The grade id of each cell (None for a cell without nbgrader metadata), once the metadata is restored."""
    return [cell.metadata["nbgrader"]["grade_id"] if "nbgrader" in cell.metadata else None for cell in nb.cells]


def _flags(meta: dict) -> dict:
    """nbgrader metadata as far as grading goes: no checksum (nbgrader checks that), no ``task: false``."""
    return {k: v for k, v in meta.items() if k != "checksum" and not (k == "task" and not v)}


def _points(score) -> int | float:
    return int(score) if float(score).is_integer() else float(score)


class InjectProbes(NbGraderPreprocessor):
    """Prepend the probe and this run's inputs to every auto-graded cell."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        assignment = specs.get(info.get("assignment", ""))
        if assignment is None:
            self.log.warning("no question specs for assignment %r: its cells are graded by nbgrader alone",
                             info.get("assignment"))
            return nb, resources
        key = course.secret()
        nonce = secrets.token_hex(16)
        state = {"nonce": nonce, "assignment": assignment, "contexts": {}, "sources": {}}
        for cell in nb.cells:
            if not is_autograded_cell(cell):
                continue
            grade_id = cell.metadata.nbgrader["grade_id"]
            question = assignment.question(grade_id)
            qid = assignment.qid(question)
            ctx = question.context(course.question_rng(key, assignment.name, info.get("student", ""), qid))
            state["contexts"][grade_id] = ctx
            state["sources"][grade_id] = cell.source
            cell.source = bootstrap(nonce, {qid: question.plan(ctx)}) + cell.source
        resources[STATE_KEY] = state
        return nb, resources


class JudgeCells(NbGraderPreprocessor):
    """Replace each auto-graded cell's output by the judge's verdict and points (rules 1, 4, 5, 6)."""

    def preprocess(self, nb, resources):
        state = resources.get(STATE_KEY)
        if state is None:
            return nb, resources
        assignment = state["assignment"]
        timeout = self._timeout()
        faults = notebook_faults(nb, timeout)
        summary = []
        for cell in nb.cells:
            if not is_autograded_cell(cell):
                continue
            grade_id = cell.metadata.nbgrader["grade_id"]
            ctx = state["contexts"].get(grade_id)
            if ctx is None:  # a grade cell that appeared after injection: not ours to trust
                continue
            question = assignment.question(grade_id)
            qid = assignment.qid(question)
            try:
                v = judge.judge_question(question, qid, ctx, cell.get("outputs", []), state["nonce"], timeout)
            except Exception:
                self.log.exception("the judge failed on %s", qid)
                v = judge.verdict(question, qid, [], status="no answer",
                                  message="the grader could not check this question (internal error, "
                                          "reported to the course staff)")
            if v["status"] == "no answer" and faults:
                v["message"] += " (note: %s)" % "; ".join(faults)
            cell.outputs = judge.verdict_outputs(v)
            cell.source = judge.public_source(state["sources"][grade_id])
            cell.metadata[STATE_KEY] = {"verdict": v}
            summary.append({k: v[k] for k in ("question", "points", "max_points", "status")})
        add_dependency_hints(nb, assignment)
        scrub_grading_internals(nb, state["nonce"])
        nb.metadata[STATE_KEY] = {"verdicts": summary, "faults": faults}
        return nb, resources

    def _timeout(self):
        try:
            return int(self.config.Execute.timeout)
        except (AttributeError, TypeError, ValueError):
            return 30


def notebook_faults(nb, timeout) -> list[str]:
    """Faults of the student's own cells that explain missing answers: time-outs and errors.

    A kernel that died, hung or ran out of notebook time (``autograder.sandbox``) ends the list: every
    question it left unanswered already says so ("not graded: the kernel died in cell ..."), and the
    notebook's ``autograder_sandbox`` metadata records it.
    """
    faults = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_autograded_cell(cell):
            continue
        outputs = cell.get("outputs", [])
        err = judge.cell_error(outputs)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not isinstance(meta, dict):
            meta = {}
        name = str(meta.get("grade_id") or "cell %d" % (i + 1))[:100]
        if err and err[0] in judge.SANDBOX_FAULTS:
            break  # nothing after the kernel failed ran
        if any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError" for o in outputs):
            faults.append("timed out after %s s in cell '%s'" % (timeout, name))
        elif err and meta.get("solution"):
            faults.append("cell '%s' raised %s" % (name, judge.error_text(err[0], err[1][:200])))
    return faults


def add_dependency_hints(nb, assignment) -> None:
    """Tell a student whose answer failed that a function it builds on failed too: fix that one first."""
    cells = {c.metadata.nbgrader["grade_id"]: c for c in nb.cells
             if is_autograded_cell(c) and STATE_KEY in c.metadata}
    verdicts = {gid: c.metadata[STATE_KEY]["verdict"] for gid, c in cells.items()}
    for gid, v in verdicts.items():
        if v["status"] == "correct" or v.get("mistake"):
            continue
        failed = [u for u in assignment.question(gid).uses if u in verdicts and verdicts[u]["status"] != "correct"]
        if failed:
            v["message"] += " (note: this builds on %s, which did not pass its own checks: fix that first)" % (
                ", ".join(verdicts[u]["title"].lower() for u in failed))
            cells[gid].outputs = judge.verdict_outputs(v)


SCRUB_MARKERS = ("_autograder", "### BEGIN HIDDEN TESTS", "autograder probe")


def scrub_grading_internals(nb, nonce: str) -> None:
    """Remove outputs of the student's own cells that quote grading internals (docs/design.md, rule 6).

    The hidden checks and the probe run in the student's kernel, so their source is in its
    history (``In``); code that copies it into a later cell's output must not carry it into the
    autograded notebook or the feedback page.
    """
    from nbformat.v4 import new_output

    for cell in nb.cells:
        if cell.cell_type != "code" or is_autograded_cell(cell):
            continue
        kept = []
        for out in cell.get("outputs", []):
            text = json.dumps(out)
            if nonce in text or any(m in text for m in SCRUB_MARKERS):
                out = new_output("stream", name="stdout",
                                 text="(output removed by the grader: it quoted the hidden grading code)\n")
            kept.append(out)
        cell.outputs = kept
