"""The question specs of assignment 02 (losses), judged in-process: right answers, every known mistake.

No nbgrader and no kernel: each answer goes through the probe's own encoding, as it would arrive from a
student's kernel, and then through the judge's checks (``spec_checks``).
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

import spec_checks
from autograder.judging import judge
from autograder import specs
from autograder.judging.probe import decode, encode
from autograder.judging.spec import FUNCTION
from autograder.specs import losses as spec
from spec_checks import assert_full_points, assert_recognised, assert_stub_gets_nothing, function_answer, reported

ROOT = Path(__file__).resolve().parents[1]
A = specs.get("02_losses")
SEEDS = (0, 1, 2)
CORRECT_VALUES = {  # what a right notebook reports for the value questions
    "loss_ranges": {"svm_min": 0, "svm_max": np.inf, "ce_min": 0.0, "ce_max": float("inf")},
    "mouse_change": {"svm_mouse": "a", "ce_mouse": " (B) "},
}


def reference_answer(q, ctx):
    return function_answer(ctx) if q.kind == FUNCTION else decode(encode(CORRECT_VALUES[q.name]))


def example_answer(q, ctx, mistake):
    return spec_checks.example_answer(spec, q, ctx, mistake)


def cases():
    return [(q, m) for q in A.questions for m in q.mistakes]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("q", A.questions, ids=lambda q: q.name)
def test_reference_gets_full_points(q, seed):
    """The answer key's own outputs pass every check."""
    ctx = q.context(np.random.default_rng(seed))
    assert_full_points(A, q, ctx, reference_answer(q, ctx))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("q, mistake", cases(), ids=lambda x: getattr(x, "id", getattr(x, "name", None)))
def test_mistake_is_recognised(q, mistake, seed):
    """Each example cell fails exactly the checks its mistake names, and the verdict names the mistake."""
    ctx = q.context(np.random.default_rng(seed))
    assert_recognised(A, q, ctx, mistake, example_answer(q, ctx, mistake))


@pytest.mark.parametrize("q", [q for q in A.questions if q.kind == FUNCTION], ids=lambda q: q.name)
def test_the_released_stub_gets_no_point(q):
    """A function that still raises NotImplementedError earns nothing, not even for leaving its inputs alone."""
    assert_stub_gets_nothing(A, q, q.context(np.random.default_rng(0)))


def test_mistakes_are_many_and_distinct():
    ids = [m.id for q in A.questions for m in q.mistakes]
    assert len(ids) == len(set(ids)) >= 18


@pytest.mark.parametrize("q", A.questions, ids=lambda q: q.name)
def test_an_unknown_wrong_answer_names_no_mistake(q):
    """A wrong answer that matches no known mistake gets the failing checks' messages and no diagnosis."""
    ctx = q.context(np.random.default_rng(5))
    if q.kind == FUNCTION:
        answer = [{"out": np.full(np.shape(out[0] if isinstance(out, tuple) else out), 123.0), "mutated": False}
                  for out in ctx.expected]
    else:
        answer = {k: 7 for k in CORRECT_VALUES[q.name]}
    v = judge.run_checks(q, A.qid(q), ctx, decode(encode(answer)))
    assert v["points"] < q.points and v["mistake"] is None
    assert v["message"] != "all checks passed"


def test_a_crash_is_reported_with_the_stub_hint():
    q = spec.SOFTMAX
    ctx = q.context(np.random.default_rng(0))

    def stub(scores):
        raise NotImplementedError()

    v = judge.run_checks(q, A.qid(q), ctx, reported(q, ctx, stub))
    assert v["points"] == 0 and "NotImplementedError" in v["message"]


def test_slide_numbers_come_out_of_the_answer_key():
    """The worked examples the notebook shows (rows = images) are the answer key's numbers."""
    np.testing.assert_allclose(spec.ref.svm_loss_per_example(spec.SLIDE_SCORES, spec.SLIDE_Y), [2.9, 0.0, 12.9],
                               atol=1e-12)
    assert spec.svm_mean(spec.SLIDE_SCORES, spec.SLIDE_Y) == pytest.approx(5.266667, abs=1e-6)
    np.testing.assert_allclose(spec.ref.softmax(spec.SLIDE_SCORES, axis=1)[0], [0.129983, 0.869050, 0.000968],
                               atol=1e-6)
    np.testing.assert_allclose(spec.ref.cross_entropy_per_example(spec.SLIDE_SCORES, spec.SLIDE_Y),
                               [2.040355, 0.079132, 6.156477], atol=1e-6)
    assert spec.ce_mean(spec.SLIDE_SCORES, spec.SLIDE_Y) == pytest.approx(2.758655, abs=1e-6)
    thetas = np.array([[4, 0], [2, 2], [1, 3], [-1, 5]], dtype=float)
    assert [spec.ref.l1_penalty(t) for t in thetas] == [4, 4, 4, 6]
    assert [spec.ref.l2_penalty(t) for t in thetas] == [16, 8, 10, 26]


def test_the_mouse_image_really_keeps_its_svm_loss():
    """The 'check your understanding' key: small changes of the mouse image's scores keep its SVM loss at 0
    and move its cross-entropy."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        nudged = spec.SLIDE_SCORES.copy()
        nudged[spec.MOUSE] += rng.uniform(-0.5, 0.5, size=3)
        assert spec.ref.svm_loss_per_example(nudged, spec.SLIDE_Y)[spec.MOUSE] == 0.0
        assert spec.ref.cross_entropy_per_example(nudged, spec.SLIDE_Y)[spec.MOUSE] != pytest.approx(
            spec.ref.cross_entropy_per_example(spec.SLIDE_SCORES, spec.SLIDE_Y)[spec.MOUSE], abs=1e-6)


def _cells(path):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nbformat.read(str(path), 4).cells}


def test_notebook_grade_cells_match_the_spec():
    """One hidden grade cell per question, worth the question's points, asking what ASKED says."""
    cells = _cells(ROOT / "source" / A.name / (A.notebook + ".ipynb"))
    for q in A.questions:
        meta = cells[q.name].metadata["nbgrader"]
        assert meta["grade"] and not meta["solution"] and meta["points"] == q.points
        assert "_autograder.ask(%r, %s)" % (A.qid(q), spec.ASKED[q.name]) in cells[q.name].source
        assert cells["solution_" + q.name].metadata["nbgrader"]["solution"]
    for name, points in A.manual.items():
        assert cells[name].metadata["nbgrader"]["points"] == points and cells[name].cell_type == "markdown"


def test_release_holds_no_solution_and_no_hidden_check():
    release = (ROOT / "release" / A.name / (A.notebook + ".ipynb")).read_text()
    assert "BEGIN SOLUTION" not in release and "_autograder.ask" not in release
    assert "raise NotImplementedError()" in release
