"""An answer that failed only because of an earlier wrong answer: the spec decides whether it is charged again.

In process, no kernel: 03's spec declares that a right training loop run with a ``loss_and_grads`` that applies 1/N
twice (mistake ``backprop.double_n``) behaves as the loop's own mistake ``train.double_n``
(``Mistake.caused_by``); ``Question.charge_dependent`` says whether such an answer loses its points again (the
default) or keeps them. The verdicts are handed to the judging step's dependency pass as grading leaves them.
"""
from __future__ import annotations

import dataclasses

import nbformat
import pytest

from autograder import specs
from autograder.judging import judge
from autograder.judging.spec import Assignment, Question
from autograder.pipeline.judge_cells import STATE_KEY, add_dependency_hints
from e2e import REPO_ROOT

A = specs.get("03_gradient_descent")
TRAIN, BACKPROP = A.question("train"), A.question("loss_and_grads")


def mistake(q: Question, mid: str) -> dict:
    m = next(m for m in q.mistakes if m.id == mid)
    return {"id": m.id, "title": m.title, "hint": m.hint}


def graded(assignment: Assignment, backprop_mistake: str, train_mistake: str | None) -> dict[str, dict]:
    """03's notebook with a verdict in each judged cell: loss_and_grads wrong (``backprop_mistake``), train with
    ``train_mistake`` (its two value checks failed, 2 of 2.5 points lost), the rest right; after the dependency
    pass, the verdicts and the points nbgrader reads, by grade id."""
    nb = nbformat.read(str(REPO_ROOT / "release" / A.name / (A.notebook + ".ipynb")), as_version=4)
    cells = {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid not in {q.name for q in A.questions} or cell.metadata["nbgrader"].get("solution"):
            continue
        q = assignment.question(gid)
        checks = [{"name": c.name, "max_points": c.points, "points": c.points, "passed": True, "message": "ok"}
                  for c in q.checks]
        m = None
        if gid == "loss_and_grads":
            m = mistake(q, backprop_mistake)
        elif gid == "train" and train_mistake:
            m = mistake(q, train_mistake)
        if m:
            for c in checks[:2]:
                c.update(points=0.0, passed=False, message="wrong")
        v = judge.verdict(q, assignment.qid(q), checks, mistake=m)
        cell.metadata[STATE_KEY] = {"verdict": v}
        cell.outputs = judge.verdict_outputs(v)
        cells[gid] = cell
    add_dependency_hints(nb, assignment)
    return {gid: dict(c.metadata[STATE_KEY]["verdict"], nbgrader_points=float(
        next(o for o in c.outputs if o.output_type == "execute_result").data["text/plain"])) for gid, c in cells.items()}


def with_rule(charge: bool) -> Assignment:
    questions = [dataclasses.replace(q, charge_dependent=charge) if q.name == "train" else q for q in A.questions]
    return dataclasses.replace(A, questions=questions)


def test_by_default_an_answer_failing_only_because_of_an_earlier_one_is_charged_again_and_says_so():
    assert TRAIN.charge_dependent is True
    v = graded(A, "backprop.double_n", "train.double_n")["train"]
    assert v["dependent"] == {"on": [{"question": "loss_and_grads", "title": BACKPROP.title.lower(),
                                      "mistake": "1/N applied twice"}], "charged": True}
    assert (v["points"], v["nbgrader_points"], v["status"]) == (0.5, 0.5, "partial")
    text = judge.render_text(v)
    assert "behaves as a right one does when it runs your %s (1/N applied twice)" % BACKPROP.title.lower() in text
    assert "Charged again: this course's rule for this question" in text


def test_a_spec_that_keeps_the_points_gives_them_back_and_says_so():
    v = graded(with_rule(False), "backprop.double_n", "train.double_n")["train"]
    assert v["dependent"]["charged"] is False
    assert (v["points"], v["nbgrader_points"], v["status"]) == (2.5, 2.5, "correct")
    assert v["mistake"]["id"] == "train.double_n", "the mistake is still named"
    assert "Not charged again" in judge.render_html(v) and "keeps its points (2.5)" in judge.render_html(v)


@pytest.mark.parametrize("backprop_mistake, train_mistake", [("backprop.sign", "train.double_n"),
                                                             ("backprop.double_n", "train.ascent")])
def test_only_the_declared_cause_counts(backprop_mistake, train_mistake):
    """An earlier mistake that does not cause this one, or a mistake of this answer no earlier one causes: the
    answer's own failure, charged whatever the rule; the verdict says only that the earlier answer may be the cause."""
    v = graded(with_rule(False), backprop_mistake, train_mistake)["train"]
    assert "dependent" not in v and v["points"] == v["nbgrader_points"] == 0.5
    assert "may come from there" in judge.render_text(v)


def test_a_cause_must_be_a_mistake_of_a_question_it_uses():
    bad = dataclasses.replace(TRAIN, mistakes=[dataclasses.replace(TRAIN.mistakes[0], caused_by=("softmax.no_shift",))])
    with pytest.raises(ValueError, match=r"caused_by names \['softmax.no_shift'\], which are not mistakes"):
        dataclasses.replace(A, questions=[bad if q.name == "train" else q for q in A.questions])
