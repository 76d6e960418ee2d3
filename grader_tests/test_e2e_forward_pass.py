"""Assignment 01 end to end, the special students: tampering, warnings, an endless loop, a crash."""
from __future__ import annotations

import nbformat
import pytest

from autograder import grading, specs
from e2e import TIMEOUT, gradebook_scores

A = specs.get("01_forward_pass")
NB = A.notebook + ".ipynb"
AUTO_POINTS = sum(q.points for q in A.questions)


@pytest.fixture(scope="module")
def course(graded_course):
    return graded_course(A.name)


def verdicts(course, student):
    return grading.verdicts(course, A.name, student)


@pytest.mark.slow
def test_tampering_with_numpy_builtins_and_outputs_gains_nothing(course):
    """Patched numpy and print, fake reports, fake printed points: wrong answers still get 0."""
    scores = gradebook_scores(course, A.name, "tamper")
    for wrong in ("sigmoid", "p_fake", "neuron_forward", "matmul", "forward_one_hidden", "c11"):
        assert scores[wrong] == 0, wrong
    for right in ("binary_cross_entropy", "keras_neuron", "keras_hidden", "n_params"):
        assert scores[right] == A.question(right).points, right
    assert "ModuleNotFoundError" in " ".join(grading.faults(course, A.name, "tamper")), \
        "the answer key must not be importable from the kernel"
    vs = verdicts(course, "tamper")
    nb = nbformat.read(str(course / "autograded" / "tamper" / A.name / NB), 4)
    (copied,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "solution_n_params"]
    assert "output removed by the grader" in str(copied.outputs), "hidden cells copied from the history must go"
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            texts = [o.get("text", "") for o in cell.outputs if o["output_type"] == "stream"]
            assert not any("all hidden tests passed" in t for t in texts), "student output survived in a grade cell"
            assert cell.outputs[-1]["output_type"] == "execute_result"
            qid = A.qid(A.question(cell.metadata.nbgrader["grade_id"]))
            assert float(cell.outputs[-1]["data"]["text/plain"]) == vs[qid]["points"]


@pytest.mark.slow
def test_a_right_answer_that_warns_and_writes_to_stderr_keeps_its_points(course):
    assert sum(v["points"] for v in verdicts(course, "warns").values()) == AUTO_POINTS


@pytest.mark.slow
def test_an_endless_loop_times_out_with_a_clear_verdict(course):
    v = verdicts(course, "loop")[A.qid(A.question("c11"))]
    assert v["points"] == 0 and "timed out after %d s in cell 'solution_c11'" % TIMEOUT in v["message"]
    assert sum(v["points"] for v in verdicts(course, "loop").values()) == AUTO_POINTS - A.question("c11").points


@pytest.mark.slow
def test_a_crashing_cell_is_named_and_the_rest_is_graded(course):
    vs = verdicts(course, "crash")
    v = vs[A.qid(A.question("sigmoid"))]
    assert v["status"] == "no answer" and "cell 'solution_sigmoid' raised RuntimeError" in v["message"]
    assert vs[A.qid(A.question("keras_neuron"))]["status"] == "correct"
    builds_on = vs[A.qid(A.question("neuron_forward"))]["message"]
    assert "builds on the sigmoid function" in builds_on and "fix that first" in builds_on
