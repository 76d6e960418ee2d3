"""What a rendered page calls each graded cell, and what it leaves out (feedback pages and the formgrader alike).

One numbering: the graded cells of a notebook, judged and hand-graded together, in notebook order, are
"Question 1" to "Question n". The feedback summary, each cell's banner and the class report use it, so a
student who reads "Question 7" in the table finds the same words above the cell. A question's title is the
judge's (its verdict); a hand-graded answer's is the heading above it.

:class:`PageView` is an nbconvert preprocessor of the HTML exporter (nbgrader_config.py lists it): it writes each
graded cell's label into ``cell.metadata.autograder.label`` for the templates, and drops a judged cell's
``execute_result`` (the points nbgrader read when it graded, "Out[5]: 0.5"), which the verdict above it states
already; a verdict that names a cell by its id ("timed out in cell 'solution_c11'") names it as the page does
("in your answer to Question 5"). Only the page's copy changes: the autograded notebook on disk keeps its outputs.
"""
from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor

from ..faults import Fault
from ..judging.judge import error_message, verdict_outputs
from ..pipeline.judge_cells import STATE_KEY
from ..pipeline.plain import heading_title


def graded_cells(nb) -> list[dict]:
    """The graded cells in notebook order: number, grade id, title, ``verdict`` (judged cells) or None, cell."""
    out, heading = [], None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = heading_title(cell.source) or heading
        meta = cell.get("metadata", {})
        nbg = meta.get("nbgrader", {})
        if not isinstance(nbg, dict) or not nbg.get("grade"):
            continue
        verdict = meta.get(STATE_KEY, {}).get("verdict")
        if verdict is None and not nbg.get("solution"):
            continue  # a grade cell without a verdict and without an answer: not one the pages show as a question
        title = verdict["title"] if verdict else heading or "your answer"
        out.append({"number": len(out) + 1, "grade_id": nbg.get("grade_id"), "title": title, "verdict": verdict,
                    "cell": cell})
    return out


def questions_of_cells(nb) -> dict[str, tuple[dict, bool]]:
    """{cell id: (graded item, whether the cell is a solution cell answering it)}: a solution cell answers the
    question graded next after it in the notebook."""
    found, waiting = {}, []
    graded = {id(i["cell"]): i for i in graded_cells(nb)}
    for cell in nb.cells:
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        gid = nbg.get("grade_id") if isinstance(nbg, dict) else None
        item = graded.get(id(cell))
        if item is not None:
            found.update({answer: (item, True) for answer in waiting})
            waiting = []
            found[gid] = (item, False)
        elif gid and nbg.get("solution"):
            waiting.append(gid)
    return found


def cell_names(nb) -> dict[str, str]:
    """{cell id: what a student calls it}: a graded cell is "Question n", a solution cell "your answer to Question
    n" (the question graded next after it in the notebook)."""
    return {gid: ("your answer to Question %d" if answer else "Question %d") % item["number"]
            for gid, (item, answer) in questions_of_cells(nb).items()}


def fault_text(nb, message: str, cell: str | None, terse: bool = False) -> str:
    """A fault of the notebook as the pages state it, once: led by the question (number and title) whose answer it
    happened in, the cell then called "your answer" ("Question 5: A title — timed out after 20 s in your answer
    (an endless loop?)"); a fault in no question's cells names its cells as :func:`readable` does. ``terse``, for
    the grader's terminal: "Q5: timed out after 20 s in the answer (an endless loop?)"."""
    message = error_message(message)  # a trace a fault recorded by an older engine may still hold: its message
    where = questions_of_cells(nb).get(cell) if cell else None
    if where is None:
        return readable(message, cell_names(nb))
    own = re.compile(r"cell (?:'|&#x27;|&#39;)%s(?:'|&#x27;|&#39;)" % re.escape(cell))
    text = own.sub(("the answer" if terse else "your answer") if where[1] else "its grading cell", message)
    lead = "Q%d:" % where[0]["number"] if terse else label(where[0]) + " —"
    return "%s %s" % (lead, readable(text, cell_names(nb)))


def readable(text: str, names: dict[str, str]) -> str:
    """A message with each ``cell '<id>'`` a student would not know replaced by the name the page gives it."""
    return _CELL.sub(lambda m: names.get(m.group(1), m.group(0)), text) if names else text


_CELL = re.compile(r"cell (?:'|&#x27;|&#39;)([^'&<]+)(?:'|&#x27;|&#39;)")  # as text, or quoted in HTML


def label(item: dict) -> str:
    return "Question %d: %s" % (item["number"], item["title"])


RUN_ENDED = "the notebook's run ended before this %s"  # a question or a cell; the feedback summary says it too
SEE_ABOVE = " (see the problem above)"


def run_fault(kind_name) -> Fault | None:
    """The fault an error output or a verdict's cause names, if it ended the notebook's run (not a damaged file,
    which the pages state apart)."""
    kind = Fault.of_error(kind_name) if isinstance(kind_name, str) else None
    return kind if kind is not None and kind.ends_notebook and kind != Fault.DAMAGED else None


def ended_before(item: dict, where: dict[str, tuple[dict, bool]]) -> bool:
    """Whether a graded item went ungraded because the run ended before its own cells (``where``:
    :func:`questions_of_cells`), not in them."""
    cause = item["verdict"].get("cause") if item["verdict"] else None
    if not isinstance(cause, dict) or not run_fault(cause.get("kind")):
        return False
    at = where.get(cause.get("cell"))
    return at is None or at[0]["number"] != item["number"]


def state_run_end_once(nb, names: dict[str, str]) -> None:
    """A run that ended (the kernel died, hung or ran out of time) is stated once, where it happened, with the
    cell named as the page names it; every later cell and question says only that the run ended before it."""
    from nbformat.v4 import new_output

    where = questions_of_cells(nb)
    for item in graded_cells(nb):
        if ended_before(item, where):
            item["cell"].outputs = verdict_outputs(dict(item["verdict"],
                                                        message="not graded: " + RUN_ENDED % "question" + SEE_ABOVE))
    for cell in nb.cells:
        for i, out in enumerate(cell.get("outputs", [])):
            kind = run_fault(out.get("ename")) if out.get("output_type") == "error" else None
            if kind is None:
                continue
            if kind == Fault.NOT_RUN:
                text = RUN_ENDED % "cell" + SEE_ABOVE
            else:
                text = readable(str(out.get("evalue", "")), names)
            cell.outputs[i] = new_output("error", ename=out["ename"], evalue=text, traceback=[
                "%s: %s" % ("Not run" if kind == Fault.NOT_RUN else out["ename"], text)])


def state_timeouts(nb) -> None:
    """A cell that ran out of time shows what happened, not how: "Timed out: ..." instead of the interrupt's trace
    (the grader's ``KeyboardInterrupt``) and nbclient's "CellTimeoutError: No reply from kernel"."""
    from nbformat.v4 import new_output

    for cell in nb.cells:
        outs = cell.get("outputs", [])
        if not any(o.get("output_type") == "error" and o.get("ename") == Fault.CELL_TIMEOUT.value for o in outs):
            continue
        text = "this cell ran past its time limit, so the grader stopped it (an endless loop, or very slow code?)"
        kept = [o for o in outs if o.get("output_type") != "error" or o.get("ename") not in
                (Fault.CELL_TIMEOUT.value, "KeyboardInterrupt")]
        cell.outputs = kept + [new_output("error", ename=Fault.CELL_TIMEOUT.value, evalue=text,
                                          traceback=["Timed out: " + text])]


class PageView(Preprocessor):
    """Label the graded cells with their question number and title (``label``), and each solution cell with the
    question it answers (``answer_to``); drop the points printed under a verdict; state the end of a run once
    (:func:`state_run_end_once`) and a time-out as what happened (:func:`state_timeouts`)."""

    def preprocess(self, nb, resources):
        names = cell_names(nb)
        state_run_end_once(nb, names)
        state_timeouts(nb)
        by_id = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c for c in nb.cells
                 if isinstance(c.get("metadata", {}).get("nbgrader"), dict)}
        for gid, (item, answer) in questions_of_cells(nb).items():
            if answer and gid in by_id:  # the formgrader's panel of an answer names the question it answers
                by_id[gid].metadata.setdefault(STATE_KEY, {})["answer_to"] = label(item)
        for item in graded_cells(nb):
            cell = item["cell"]
            cell.metadata.setdefault(STATE_KEY, {})["label"] = label(item)
            if item["verdict"] is not None and cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if o.get("output_type") != "execute_result"]
                for out in cell.outputs:
                    for mime in ("text/html", "text/plain"):
                        if mime in out.get("data", {}):
                            out.data[mime] = readable(out.data[mime], names)
        return nb, resources
