"""The question specs of assignment 03 (gradient descent), judged in-process: right answers, every mistake.

No nbgrader and no kernel: each answer goes through the probe's own encoding, as it would arrive from a
student's kernel, and then through the judge's checks (``spec_checks``).
The Keras question builds real (tiny) Keras models, so it imports Keras once.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy

import spec_checks
from autograder.judging import judge
from autograder import specs
from autograder.judging.probe import Reported, decode, encode
from autograder.judging.spec import FUNCTION, KERAS
from autograder.specs import gradient_descent as spec
from spec_checks import assert_full_points, assert_recognised, assert_stub_gets_nothing, function_answer, reported

ROOT = Path(__file__).resolve().parents[1]
A = specs.get("03_gradient_descent")
SEEDS = (0, 1)
z = sympy.Symbol("z")
CORRECT_VALUES = {  # what a right notebook reports for the value questions
    "too_large_lr": {"diverges": np.bool_(True), "iterates": spec.diverging_run()},
    "sigmoid_derivative": sympy.exp(-z) / (1 + sympy.exp(-z)) ** 2,  # an equivalent form, not the key's
}


@pytest.fixture(scope="module")
def keras():
    keras = pytest.importorskip("keras")
    return keras


def reference_answer(q, ctx, keras=None):
    if q.kind == FUNCTION:
        return function_answer(ctx)
    if q.kind == KERAS:
        return reported(q, ctx, solved_namespace("solution_keras_net", keras)["model"])
    return decode(encode(CORRECT_VALUES[q.name]))


def solved_namespace(grade_id, keras, given=("init_params", "keras_start")):
    """The source notebook's own solution of a cell, run in a fresh namespace after the given cells it needs."""
    ns = {"np": np, "sympy": sympy, "keras": keras}
    cells = _cells(ROOT / "source" / A.name / (A.notebook + ".ipynb"))
    for name in (*given, grade_id):
        exec(compile(cells[name].source, name, "exec"), ns)
    return ns


def example_answer(q, ctx, mistake, keras=None):
    return spec_checks.example_answer(spec, q, ctx, mistake, keras)


def _cells(path):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nbformat.read(str(path), 4).cells}


NUMPY_QUESTIONS = [q for q in A.questions if q.kind != KERAS]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("q", NUMPY_QUESTIONS, ids=lambda q: q.name)
def test_reference_gets_full_points(q, seed):
    """The answer key's own outputs pass every check."""
    ctx = q.context(np.random.default_rng(seed))
    assert_full_points(A, q, ctx, reference_answer(q, ctx))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("q, mistake", [(q, m) for q in NUMPY_QUESTIONS for m in q.mistakes],
                         ids=lambda x: getattr(x, "id", getattr(x, "name", None)))
def test_mistake_is_recognised(q, mistake, seed):
    """Each example cell fails exactly the checks its mistake names, and the verdict names the mistake."""
    ctx = q.context(np.random.default_rng(seed))
    assert_recognised(A, q, ctx, mistake, example_answer(q, ctx, mistake))


def test_keras_question(keras):
    """The notebook's Keras model gets full points; each Keras mistake fails exactly its checks."""
    q = spec.KERAS_NET
    ctx = q.context(np.random.default_rng(0))
    v = assert_full_points(A, q, ctx, reference_answer(q, ctx, keras))
    assert v["environment"]["keras_backend"] == keras.backend.backend()
    for mistake in q.mistakes:
        assert mistake.fails  # a Keras mistake names its checks
        assert_recognised(A, q, ctx, mistake, example_answer(q, ctx, mistake, keras))


@pytest.mark.parametrize("q", [q for q in NUMPY_QUESTIONS if q.kind == FUNCTION], ids=lambda q: q.name)
def test_the_released_stub_gets_no_point(q):
    """A function that still raises NotImplementedError earns nothing, not even for leaving its inputs alone."""
    assert_stub_gets_nothing(A, q, q.context(np.random.default_rng(0)))


def test_mistakes_are_many_and_distinct():
    ids = [m.id for a in (A, specs.get("02_losses")) for q in a.questions for m in q.mistakes]
    assert len(ids) == len(set(ids)) >= 18


@pytest.mark.parametrize("expr", [
    "1 / (1 + sympy.exp(-z)) - 1 / (1 + sympy.exp(-z)) ** 2",
    "sympy.exp(z) / (1 + sympy.exp(z)) ** 2",
    "1 / (2 + sympy.exp(z) + sympy.exp(-z))",
    "sympy.diff(1 / (1 + sympy.exp(-z)), z)",
])
def test_any_equivalent_form_of_the_derivative_is_accepted(expr):
    q = spec.SIGMOID_DERIVATIVE
    ctx = q.context(np.random.default_rng(0))
    answer = reported(q, ctx, eval(expr, {"sympy": sympy, "z": sympy.Symbol("z", real=True)}))
    assert isinstance(answer, Reported) and answer.kind == "sympy"
    v = judge.run_checks(q, A.qid(q), ctx, answer)
    assert v["points"] == q.points, v["message"]


@pytest.mark.parametrize("answer", [0.25, "sigma*(1-sigma)", sympy.Integer(0), sympy.exp(-z)])
def test_wrong_or_unreadable_derivatives_get_no_points(answer):
    q = spec.SIGMOID_DERIVATIVE
    ctx = q.context(np.random.default_rng(0))
    v = judge.run_checks(q, A.qid(q), ctx, reported(q, ctx, answer))
    assert v["points"] < q.points and not any(c["name"] == "equivalent" and c["passed"] for c in v["checks"])


def test_numerical_gradient_check_is_independent_of_the_answer_key():
    """The judge's numerical oracle agrees with the answer key's analytic gradients."""
    ctx = spec.BACKPROP.context(np.random.default_rng(3))
    for (_, grads), num in zip(ctx.expected, ctx.extra["numerical"]):
        for k in spec.GRAD_KEYS:
            assert spec.ref.relative_error(grads[k], num[k]) < 1e-7


def test_divergence_and_the_banknote_step_come_out_of_the_answer_key():
    xs = spec.diverging_run()
    assert xs.shape == (21,) and spec.moves_away(xs) and not spec.moves_away(spec.diverging_run(spec.SMALL_LR))
    w, b = spec.ref.logistic_gd_step(np.array([[1.0, 2.2]]), np.array([1.0]), np.array([0.3, 0.1]), 1.0, 0.1)
    np.testing.assert_allclose([*w, b], [0.317946, 0.139482, 1.017946], atol=1e-6)


def test_notebook_initial_weights_are_the_judges():
    """The notebook's init_params(2, 8, 2, seed=0) gives the weights the Keras question checks."""
    ns = {"np": np}
    exec(_cells(ROOT / "source" / A.name / (A.notebook + ".ipynb"))["init_params"].source, ns)
    mine, judges = ns["init_params"](2, spec.HIDDEN, 2, seed=spec.INIT_SEED), spec.initial_params()
    for k in spec.PARAM_KEYS:
        np.testing.assert_array_equal(mine[k], judges[k])


def test_notebook_grade_cells_match_the_spec():
    """One hidden grade cell per question, worth the question's points, asking what ASKED says."""
    cells = _cells(ROOT / "source" / A.name / (A.notebook + ".ipynb"))
    for q in A.questions:
        meta = cells[q.name].metadata["nbgrader"]
        assert meta["grade"] and not meta["solution"] and meta["points"] == q.points
        assert "_autograder.ask(%r, %s)" % (A.qid(q), spec.ASKED[q.name]) in cells[q.name].source
        assert cells["solution_" + q.name].metadata["nbgrader"]["solution"]


def test_release_holds_no_solution_and_no_hidden_check():
    release = (ROOT / "release" / A.name / (A.notebook + ".ipynb")).read_text()
    assert "BEGIN SOLUTION" not in release and "_autograder.ask" not in release
    assert "raise NotImplementedError()" in release
