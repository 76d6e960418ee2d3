"""Step 4 of grading, after execution: ``JudgeCells`` replaces each auto-graded cell's outputs by the verdict
and the points, and its source by the public part (hidden checks removed); the notebook's own faults are
recorded as data (:mod:`autograder.faults`).
"""
from __future__ import annotations

import html
import json

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from .. import course
from ..faults import Fault, FaultRecord
from ..judging import judge
from .execute import METADATA_KEY
from .inject import STATE_KEY, is_autograded_cell
from .plain import plain_verdict, title_of


class JudgeCells(NbGraderPreprocessor):
    """Replace each auto-graded cell's output by the judge's verdict and points (rules 1, 4, 5, 6); a plain
    grade cell's by nbgrader's points for it and a verdict that quotes no hidden test (:mod:`.plain`)."""

    show_hidden_messages = Bool(False, help=(
        "Show the message of a failing assert (or other exception) raised in a plain grade cell that holds hidden "
        "tests. Off: the verdict names the exception only, since an assert's message may state the expected "
        "value.")).tag(config=True)

    def preprocess(self, nb, resources):
        state = resources.get(STATE_KEY)
        if state is None:
            return nb, resources
        assignment = state["assignment"]
        timeout = self._timeout()
        faults = notebook_faults(nb, timeout)
        answers = answer_cells(nb)
        run_fault = FaultRecord.from_json(nb.metadata.get(METADATA_KEY, {}).get("fault"))
        summary = []
        for cell in nb.cells:
            if not is_autograded_cell(cell):
                continue
            grade_id = cell.metadata.nbgrader["grade_id"]
            if grade_id in state.get("plain", {}):
                source = state["plain"][grade_id]
                v = plain_verdict(cell, "%s.%s" % (assignment.key, grade_id), title_of(source, grade_id), source,
                                  self.show_hidden_messages, timeout)
            elif grade_id in state["contexts"]:
                source = state["sources"][grade_id]
                v = self._judged(assignment, grade_id, state["contexts"][grade_id], cell, state["nonce"], timeout)
            else:  # a grade cell that appeared after injection: not ours to trust
                continue
            if v["status"] == "no answer":  # what happened to its answer comes first, and is its cause
                own_faults(v, cell, [f for f in faults if f.cell in answers.get(grade_id, ())], run_fault)
            cell.outputs = judge.verdict_outputs(v)
            cell.source = judge.public_source(source)
            cell.metadata[STATE_KEY] = {"verdict": v}
            summary.append(v)
        add_dependency_hints(nb, assignment)  # may change a verdict's points (Question.charge_dependent)
        summary = [{k: v[k] for k in ("question", "points", "max_points", "status")} for v in summary]
        scrub_grading_internals(nb, state["nonce"])
        nb.metadata[STATE_KEY] = {"verdicts": summary, "faults": [f.to_json() for f in faults]}
        return nb, resources

    def _judged(self, assignment, grade_id, ctx, cell, nonce, timeout) -> dict:
        question = assignment.question(grade_id)
        qid = assignment.qid(question)
        try:
            return judge.judge_question(question, qid, ctx, cell.get("outputs", []), nonce, timeout)
        except Exception:
            self.log.exception("the judge failed on %s", qid)
            return judge.verdict(question, qid, [], status="no answer",
                                 message="the grader could not check this question (internal error, "
                                         "reported to the course staff)")

    def _timeout(self):
        try:
            return int(self.config.Execute.timeout)
        except (AttributeError, TypeError, ValueError):
            return 30


def notebook_faults(nb, timeout) -> list[FaultRecord]:
    """Faults of the student's own cells that explain missing answers: time-outs and errors.

    A kernel that died, hung or ran out of notebook time (:mod:`autograder.pipeline.execute`) ends the list:
    every question it left unanswered already says so ("not graded: the kernel died in cell ..."), and the
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
        if err and judge.ends_notebook(err[0]):
            break  # nothing after the kernel failed ran
        if any(o.get("output_type") == "error" and o.get("ename") == Fault.CELL_TIMEOUT.value for o in outputs):
            faults.append(FaultRecord(Fault.CELL_TIMEOUT,
                                      "timed out after %s s in cell '%s' (an endless loop?)" % (timeout, name), name))
        elif err and meta.get("solution"):
            kind = Fault.STUB if err[0] == "NotImplementedError" else Fault.CELL_ERROR
            faults.append(FaultRecord(kind, "cell '%s' raised %s" % (
                name, judge.error_text(err[0], judge.error_message(err[1], 200))), name))
    return faults


def answer_cells(nb) -> dict[str, set[str]]:
    """{auto-graded cell's id: the ids of the solution cells it grades (those since the previous graded cell) and
    its own}: where a fault of the notebook happened, the question whose answer it is."""
    found, waiting = {}, set()
    for cell in nb.cells:
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        gid = nbg.get("grade_id") if isinstance(nbg, dict) else None
        if not gid:
            continue
        if nbg.get("solution") and not nbg.get("grade"):
            waiting.add(gid)
        elif nbg.get("grade"):
            found[gid] = waiting | {gid}
            waiting = set()
    return found


def own_faults(v: dict, cell, faults: list[FaultRecord], run_fault: FaultRecord | None) -> None:
    """An unanswered question's cause, stated in its own verdict (the grading cell's) and recorded as
    ``v["cause"]`` (a fault record) for the pages, which state it once, in their list of problems: a fault of its
    own answer's cells, or the end of the run (a kernel that died or ran out of time before it)."""
    err = judge.cell_error(cell.get("outputs", []))
    run_ended = bool(err and judge.ends_notebook(err[0]))
    if faults:  # an answer they left unread: they are all there is to say, unless the run ended there too
        told = "; ".join(f.message for f in faults)
        v["message"] = told if v["status"] == "no answer" and not run_ended else "%s; %s" % (told, v["message"])
        v["cause"] = faults[0].to_json()
        return
    if run_ended:
        v["cause"] = (run_fault or FaultRecord(Fault(err[0]), err[1])).to_json()


def recorded(nb, run: bool = True) -> list[FaultRecord]:
    """The faults an autograded notebook records, each once: its cells' (this step's), then, with ``run``, its
    run's (the execution step's, in ``autograder_sandbox``)."""
    state, meta = nb.metadata.get(STATE_KEY, {}), nb.metadata.get(METADATA_KEY, {})
    found = []
    for item in list(state.get("faults", [])) + ([meta["fault"]] if run and meta.get("fault") else []):
        record = FaultRecord.from_json(item)
        if record is not None and record.message not in [f.message for f in found]:
            found.append(record)
    return found


def add_dependency_hints(nb, assignment) -> None:
    """Tell a student whose answer failed that a function it builds on failed too: fix that one first.

    The spec declares once what each question builds on (``Question.uses``); that serves three places: a verdict
    without a named mistake says it in its message; a verdict with one keeps the mistake and adds
    ``builds_on`` (the mistake may come from the earlier answer, the checks cannot tell); a visible check
    that failed before the question's grading cell gets a note under its error naming the answer to fix.
    """
    cells = {c.metadata.nbgrader["grade_id"]: c for c in nb.cells
             if is_autograded_cell(c) and STATE_KEY in c.metadata}
    verdicts = {gid: c.metadata[STATE_KEY]["verdict"] for gid, c in cells.items()}
    judged = {q.name for q in assignment.questions}

    def failed_uses(gid: str) -> list[str]:
        if gid not in judged:
            return []
        return [verdicts[u]["title"].lower() for u in assignment.question(gid).uses
                if u in verdicts and verdicts[u]["status"] != "correct"]

    for gid, v in verdicts.items():
        failed = failed_uses(gid) if v["status"] != "correct" else []
        if not failed:
            continue
        if v.get("mistake"):
            v["builds_on"] = failed
            question = assignment.question(gid)
            judge.dependent_failure(question, v, {u: verdicts[u] for u in question.uses if u in verdicts})
        else:
            v["message"] += " (note: this builds on %s, which did not pass %s own checks: fix that first)" % (
                "; ".join(failed), "its" if len(failed) == 1 else "their")
        cells[gid].outputs = judge.verdict_outputs(v)
    _visible_check_notes(nb, failed_uses)


def _visible_check_notes(nb, failed_uses) -> None:
    """Under a visible check that raised, before a question whose earlier answers failed: which answer to fix."""
    from nbformat.v4 import new_output

    raised = []
    for cell in nb.cells:
        if is_autograded_cell(cell):
            failed = failed_uses(cell.metadata.nbgrader["grade_id"])
            for check in raised if failed else []:
                text = ("This check also runs %s that did not pass %s own checks (%s): fix %s first." % (
                    "an earlier answer" if len(failed) == 1 else "earlier answers", "its" if len(failed) == 1
                    else "their", "; ".join(failed), "that one" if len(failed) == 1 else "them"))
                check.outputs.append(new_output("display_data", data={
                    "text/plain": text, "text/html": '<div class="autograder-builds-on">%s</div>' % html.escape(text)}))
            raised = []
        elif cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("solution") \
                and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            raised.append(cell)


SCRUB_MARKERS = ("_autograder", "BEGIN HIDDEN TESTS", "autograder probe")


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
