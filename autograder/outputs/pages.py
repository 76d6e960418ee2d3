"""What a rendered page calls each graded cell, and what it leaves out (feedback pages and the formgrader alike).

One numbering: the graded cells of a notebook, judged and hand-graded together, in notebook order, are
"Question 1" to "Question n". The feedback summary, each cell's banner and the class report use it, so a
student who reads "Question 7" in the table finds the same words above the cell. A question's title is the
judge's (its verdict); a hand-graded answer's is the heading above it.

:class:`PageView` is an nbconvert preprocessor of the HTML exporter (nbgrader_config.py lists it): it writes each
graded cell's label into ``cell.metadata.autograder.label`` for the templates, and drops a judged cell's
``execute_result`` (the points nbgrader read when it graded, "Out[5]: 0.5"), which the verdict above it states
already. Only the page's copy changes: the autograded notebook on disk keeps its outputs.
"""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor

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


def label(item: dict) -> str:
    return "Question %d: %s" % (item["number"], item["title"])


class PageView(Preprocessor):
    """Label the graded cells with their question number and title; drop the points printed under a verdict."""

    def preprocess(self, nb, resources):
        for item in graded_cells(nb):
            cell = item["cell"]
            cell.metadata.setdefault(STATE_KEY, {})["label"] = label(item)
            if item["verdict"] is not None and cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if o.get("output_type") != "execute_result"]
        return nb, resources
