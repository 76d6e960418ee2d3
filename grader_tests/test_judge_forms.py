"""The judge accepts a right answer in every form the questions allow, and names a mistake only when it fits.

In-process and fast: each answer goes through the probe's own encoding (``encode`` then ``decode``), as it
would arrive from a student's kernel, and then through ``judge.run_checks`` (``spec_checks``). Covered here:
answers computed in float32 or float16 (precision), nan and infinities on the wire and in the judge,
symbolic answers in any equivalent form, diagnoses that fit, hints that keep a value question's answer to
themselves, odd answers that still get a verdict, and every known mistake of assignment 01 (which has no
spec test module of its own).
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy

import spec_checks
from autograder.judging import judge
from autograder import specs
from autograder.judging.probe import Reported, decode, encode
from autograder.judging.spec import FUNCTION, KERAS, VALUE, Wrong
from autograder.specs import forward_pass, gradient_descent, losses
from autograder.judging.srepr import parse_srepr
from autograder.judging.symbolic import line_of
from spec_checks import assert_full_points, assert_recognised, reported

ROOT = Path(__file__).resolve().parents[1]
A1, A2, A3 = (specs.get(n) for n in ("01_forward_pass", "02_losses", "03_gradient_descent"))
F = np.float32


def judged(A, name, obj, seed=0):
    """The verdict on ``obj`` (a function, or a value) as the answer to question ``name``."""
    q = A.question(name)
    ctx = q.context(np.random.default_rng(seed))
    with np.errstate(all="ignore"):
        answer = reported(q, ctx, obj)
    return judge.run_checks(q, A.qid(q), ctx, answer)


def full(v):
    assert v["status"] == "correct" and v["mistake"] is None, v["message"]


# --------------------------------------------------------------------------------------
# precision: right answers computed in float32 (or float16) get full points


def _sig(z):
    z = np.asarray(z, dtype=F)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(F)


def _log_softmax(s):
    s = s - s.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def _svm_naive(scores, y, margin=1.0):
    scores = scores.astype(F)
    losses_ = np.zeros(len(y), dtype=F)
    for i in range(len(y)):
        for j in range(scores.shape[1]):
            if j != y[i]:
                losses_[i] += max(F(0), scores[i, j] - scores[i, y[i]] + F(margin))
    return losses_


def _svm_vectorized(scores, y, margin=1.0):
    scores, n = scores.astype(F), len(y)
    m = np.maximum(F(0), scores - scores[np.arange(n), y][:, None] + F(margin))
    m[np.arange(n), y] = 0
    total = F(0)
    for v in m.ravel():  # a float32 running sum: the least accurate way
        total += v
    return total / F(n)


def _loss_and_grads(X, y, params, reg=0.0):
    W1, b1, W2, b2 = (params[k].astype(F) for k in ("W1", "b1", "W2", "b2"))
    X, reg, n = X.astype(F), F(reg), len(y)
    A1 = _sig(X @ W1 + b1)
    log_p = _log_softmax(A1 @ W2 + b2)
    loss = -np.mean(log_p[np.arange(n), y]) + reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dZ2 = np.exp(log_p)
    dZ2[np.arange(n), y] -= 1
    dZ2 /= n
    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)
    return loss, {"dW1": X.T @ dZ1 + 2 * reg * W1, "db1": dZ1.sum(0), "dW2": A1.T @ dZ2 + 2 * reg * W2,
                  "db2": dZ2.sum(0)}


def _train(X, y, params, lr, num_iters):
    params, history = {k: v.astype(F) for k, v in params.items()}, []
    for _ in range(num_iters):
        loss, grads = _loss_and_grads(X, y, params)
        history.append(loss)
        params = {k: v - F(lr) * grads["d" + k] for k, v in params.items()}
    return params, np.array(history)


def _gd(a, c, x0, lr, n):
    x = np.asarray(x0, dtype=F)
    xs = [x]
    for _ in range(n):
        x = (x - F(lr) * F(2 * a) * (x - F(c))).astype(F)
        xs.append(x)
    return [v.tolist() for v in xs]  # Python floats that carry float32's accuracy only


def _regularized(W, X, y, reg):
    W, X, n = W.astype(F), X.astype(F), len(y)
    log_p = _log_softmax(X @ W)
    dS = np.exp(log_p)
    dS[np.arange(n), y] -= 1
    return -np.mean(log_p[np.arange(n), y]) + F(reg) * np.sum(W * W), X.T @ (dS / n) + 2 * F(reg) * W


def _step(X, y, w, b, lr):
    X, y, w = X.astype(F), y.astype(F), w.astype(F)
    e = (_sig(X @ w + F(b)) - y) / len(y)
    return w - F(lr) * (X.T @ e), float(F(b) - F(lr) * e.sum())


def _forward(X, p):
    p = {k: v.astype(F) for k, v in p.items()}
    z = _sig(X.astype(F) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    return np.exp(_log_softmax(z))


FLOAT32 = [  # (assignment, question, a right float32 implementation)
    (A1, "sigmoid", _sig),
    (A1, "neuron_forward", lambda X, w, b: _sig(X.astype(F) @ w.astype(F) + F(b))),
    (A1, "forward_one_hidden", lambda X, W1, b1, W2, b2: _sig(_sig(X.astype(F) @ W1.astype(F) + b1.astype(F))
                                                               @ W2.astype(F) + b2.astype(F))),
    (A1, "binary_cross_entropy", lambda p, y: -np.mean(y.astype(F) * np.log(np.clip(p.astype(F), 1e-7, 1 - 1e-7))
                                                        + (1 - y.astype(F)) * np.log(1 - np.clip(p.astype(F), 1e-7,
                                                                                                 1 - 1e-7)))),
    (A2, "svm_loss_naive", _svm_naive),
    (A2, "svm_loss_vectorized", _svm_vectorized),
    (A2, "softmax", lambda s: np.exp(_log_softmax(s.astype(F)))),  # scores of 1e4 rounded to float32 first
    (A2, "cross_entropy_per_example", lambda s, y: -_log_softmax(s.astype(F))[np.arange(len(y)), y]),
    (A2, "cross_entropy_loss", lambda s, y: float(-np.mean(_log_softmax(s.astype(F))[np.arange(len(y)), y]))),
    (A2, "l1_penalty", lambda W: np.abs(W.astype(F)).sum()),
    (A2, "l2_penalty", lambda W: [(W.astype(F) ** 2).sum()][0]),
    (A2, "regularized_loss", _regularized),
    (A3, "gradient_descent", lambda a, c, x0, lr, n: _gd(a, c, x0, lr, n)),
    (A3, "logistic_step", _step),
    (A3, "forward", _forward),
    (A3, "loss_and_grads", _loss_and_grads),
    (A3, "train", _train),
]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("A, name, fn", FLOAT32, ids=[x[1] for x in FLOAT32])
def test_a_right_answer_computed_in_float32_gets_full_points(A, name, fn, seed):
    full(judged(A, name, fn, seed))


def test_every_function_question_has_a_float32_answer_here():
    asked = {(A.name, n) for A, n, _ in FLOAT32}
    assert asked == {(A.name, q.name) for A in (A1, A2, A3) for q in A.questions if q.kind == FUNCTION}


def test_float16_is_below_float32_and_the_message_says_so():
    v = judged(A1, "sigmoid", lambda z: _sig(z).astype(np.float16))
    assert v["points"] < 2 and "your result is float16" in v["message"] and "close, but only to" in v["message"]
    v = judged(A2, "l2_penalty", lambda W: np.float16(np.sum(W * W)))
    assert v["points"] == 0 and "float16" in v["message"]
    full(judged(A2, "l2_penalty", lambda W: np.float32(np.sum(W * W))))


def test_value_questions_accept_float32_and_hide_the_value_when_close():
    full(judged(A1, "p_fake", F(1) / (1 + np.exp(-F(1.52)))))
    full(judged(A1, "p_fake", float(F(1) / (1 + np.exp(-F(1.52))))))
    full(judged(A1, "matmul", np.array([[14, 4, 18], [24, 6, 12]], dtype=np.int16)))
    full(judged(A1, "n_params", np.int64(42)))
    v = judged(A1, "p_fake", 0.8205)
    assert v["points"] == 0 and "close to the expected value" in v["message"] and "4 digits" in v["message"]
    assert "0.82053" not in json.dumps(v), "a value question's verdict must not reveal the answer"


def test_a_difference_in_a_late_digit_is_shown_with_enough_digits():
    v = judged(A2, "l2_penalty", lambda W: np.sum(W * W) * (1 + 3e-4))
    assert v["points"] == 0 and "close, but only to 3 digits" in v["message"], v["message"]
    got, want = re.search(r"got (\S+), expected (\S+)", v["message"]).groups()
    assert got != want and float(got) != float(want)


# --------------------------------------------------------------------------------------
# nan and infinities travel, and are judged like any value


NONFINITE = [float("inf"), float("-inf"), float("nan"), np.float64("inf"), np.float64("nan"), -np.float64("inf"),
             np.float32("inf"), np.float32("nan"), np.float16("-inf"), np.longdouble("inf"), np.array(np.inf),
             np.array([1.0, np.nan, -np.inf], dtype=np.float16), np.array([np.inf, 2.0], dtype=np.float32),
             [np.float64("inf"), np.float32("nan"), 1], 10**400, -10**400, complex(1, float("nan"))]


@pytest.mark.parametrize("value", NONFINITE, ids=repr)
def test_nonfinite_numbers_cross_jupyter_and_the_notebook_file(value):
    """JSON has no literal for nan and inf, and Jupyter's packer refuses them (allow_nan=False)."""
    from jupyter_client.session import json_packer

    packed = json_packer({"answer": encode(value)})
    out = nbformat.v4.new_output("display_data", data={"application/json": json.loads(packed)})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[out])])
    back = nbformat.reads(nbformat.writes(nb), 4).cells[0].outputs[0]["data"]["application/json"]["answer"]
    got, want = decode(back), value
    if isinstance(want, int):
        want = math.inf if want > 0 else -math.inf
    if isinstance(want, complex):
        assert isinstance(got, complex) and got.real == 1 and math.isnan(got.imag)
        return
    np.testing.assert_array_equal(np.asarray(got, dtype=float), np.asarray(want, dtype=float))
    if isinstance(want, (np.ndarray, np.generic)):
        assert np.asarray(got).dtype == np.asarray(want).dtype


@pytest.mark.parametrize("infinity", [np.inf, np.float64("inf"), np.float32("inf"), np.float16("inf"), math.inf,
                                      float("infinity"), 1e309, 10**400, np.array(np.inf), sympy.oo])
def test_an_infinite_bound_is_read_in_any_form(infinity):
    full(judged(A2, "loss_ranges", {"svm_min": 0, "svm_max": infinity, "ce_min": np.float32(0), "ce_max": infinity}))


def test_minus_infinity_is_not_infinity():
    v = judged(A2, "loss_ranges", {"svm_min": 0, "svm_max": np.inf, "ce_min": -np.float64("inf"), "ce_max": 0})
    assert v["mistake"]["id"] == "ranges.ce_negative" and v["points"] == 1


def test_nan_where_a_number_is_expected_is_explained():
    v = judged(A2, "cross_entropy_loss", lambda s, y: np.float64("nan"))
    assert v["points"] == 0 and "holds nan" in v["message"] and "not a number" in v["message"]
    v = judged(A2, "cross_entropy_per_example", lambda s, y: np.full(len(y), -np.inf))
    assert "holds -inf at index (0,)" in v["message"] and "log of 0" in v["message"]


# --------------------------------------------------------------------------------------
# diagnoses only where they fit


def _softmax_global_max(s):
    e = np.exp(s - s.max())
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", range(6))
def test_a_softmax_shifted_by_the_global_maximum_is_not_told_no_max_was_subtracted(seed):
    v = judged(A2, "softmax", _softmax_global_max, seed)
    assert v["mistake"]["id"] == "softmax.global_max", v["message"]
    naive = judged(A2, "softmax", lambda s: np.exp(s) / np.exp(s).sum(axis=1, keepdims=True), seed)
    assert naive["mistake"]["id"] == "softmax.no_shift"


@pytest.mark.parametrize("seed", range(6))
def test_cross_entropy_breakdowns_are_told_apart(seed):
    def lse(shift):
        def ce(s, y):
            t = s - shift(s)
            return -(t[np.arange(len(y)), y] - np.log(np.exp(t).sum(axis=1)))
        return ce

    def from_p(shift):
        def ce(s, y):
            e = np.exp(s - shift(s))
            return -np.log((e / e.sum(axis=1, keepdims=True))[np.arange(len(y)), y])
        return ce

    row, whole, none = (lambda s: s.max(axis=1, keepdims=True)), (lambda s: s.max()), (lambda s: 0.0)
    full(judged(A2, "cross_entropy_per_example", lse(row), seed))
    assert judged(A2, "cross_entropy_per_example", lse(whole), seed)["mistake"]["id"] == "ce.global_max"
    assert judged(A2, "cross_entropy_per_example", lse(none), seed)["mistake"]["id"] == "ce.no_shift"
    assert judged(A2, "cross_entropy_per_example", from_p(none), seed)["mistake"]["id"] == "ce.no_shift"
    assert judged(A2, "cross_entropy_per_example", from_p(row), seed)["mistake"]["id"] == "ce.log_of_zero"


def test_an_answer_broken_for_another_reason_gets_no_diagnosis():
    def nan_in_row_0(s):
        e = np.exp(s - s.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        if np.abs(s).max() > 1000:
            p[0] = np.nan
        return p

    v = judged(A2, "softmax", nan_in_row_0)
    assert v["points"] == 1.5 and v["mistake"] is None, v


def test_the_probability_answered_as_a_percentage_is_named_without_the_value():
    v = judged(A1, "p_fake", 82.05380)
    assert v["mistake"]["id"] == "p_fake.percent" and "0.82" not in json.dumps(v)


def _value_words(q):
    """Words that would state the right answer of a value question."""
    truth = q.truth()
    if q.name == "loss_ranges":
        return ["inf", "without bound", "unbounded", "nothing bounds", "[0,", "(-inf, 0]"]
    if q.name == "mouse_change":
        return ["stays", "changes a little", "= 0.", "moves -ln p"]
    if q.name == "too_large_lr":
        return ["diverges", "further away", "moves away", "converges"]
    if q.name == "sigmoid_derivative":
        return ["1 - σ(z)", "(1 + e^{-z})²", "σ(z)(1 - σ(z))"]
    if q.name == "decision_boundary":
        return ["-4", "-2 -", "= -2"]
    values = np.atleast_1d(np.asarray(truth, dtype=float)).ravel()
    return sorted({"%.2f" % v for v in values} | {"%.3g" % v for v in values} | {"%g" % v for v in values})


@pytest.mark.parametrize("q", [q for A in (A1, A2, A3) for q in A.questions if q.kind == VALUE], ids=lambda q: q.name)
def test_hints_of_value_questions_keep_the_answer_to_themselves(q):
    for m in q.mistakes:
        text = (m.title + " " + m.hint).lower()
        for word in _value_words(q):
            assert word.lower() not in text, (m.id, word)


# --------------------------------------------------------------------------------------
# symbolic answers in any equivalent form

z, zr = sympy.Symbol("z"), sympy.Symbol("z", real=True)
SIGMA = 1 / (1 + sympy.exp(-z))
DSIGMA_FORMS = [
    sympy.simplify(sympy.diff(SIGMA, z)),  # the cosh form sympy itself produces
    sympy.diff(SIGMA, z),
    sympy.exp(-z) / (1 + sympy.exp(-z)) ** 2,
    SIGMA * (1 - SIGMA),
    SIGMA - SIGMA ** 2,
    (1 - sympy.tanh(z / 2) ** 2) / 4,
    sympy.sech(z / 2) ** 2 / 4,
    1 / (4 * sympy.cosh(z / 2) ** 2),
    sympy.Rational(1, 2) / (1 + sympy.cosh(z)),
    sympy.exp(z) / (1 + sympy.exp(z)) ** 2,
    (1 + sympy.tanh(z / 2)) / 2 * (1 - (1 + sympy.tanh(z / 2)) / 2),
    sympy.Piecewise((sympy.exp(-z) / (1 + sympy.exp(-z)) ** 2, z >= 0), (sympy.exp(z) / (1 + sympy.exp(z)) ** 2, True)),
    0.25 / sympy.cosh(0.5 * z) ** 2,  # floats
    sympy.exp(-zr) / (1 + sympy.exp(-zr)) ** 2,  # a real symbol named z
    sympy.Lambda(z, SIGMA * (1 - SIGMA)),
    [sympy.exp(-z) / (1 + sympy.exp(-z)) ** 2],  # a list of one expression
    sympy.sqrt(SIGMA ** 2) * (1 - SIGMA),
    sympy.exp(-z - 2 * sympy.log(1 + sympy.exp(-z))),
]


@pytest.mark.parametrize("form", DSIGMA_FORMS, ids=str)
def test_every_equivalent_form_of_the_sigmoid_derivative_gets_full_points(form):
    full(judged(A3, "sigmoid_derivative", form))


@pytest.mark.parametrize("form, mistake", [(SIGMA * (1 + SIGMA), "dsigma.plus"),
                                           (sympy.exp(-z) / (1 + sympy.exp(-z)), "dsigma.no_square"),
                                           (1 / (2 * sympy.cosh(z / 2) ** 2), None), (sympy.cosh(z), None)])
def test_a_wrong_derivative_in_an_unusual_form_still_fails(form, mistake):
    v = judged(A3, "sigmoid_derivative", form)
    assert v["points"] == 0.5 and (v["mistake"] or {}).get("id") == mistake, v["message"]


x1, x2 = sympy.symbols("x1 x2")
x1r, x2r = sympy.symbols("x1 x2", real=True)
BOUNDARY_FORMS = [
    -2 - 4 * x1, sympy.solve(sympy.Eq(1 + 2 * x1 + x2 / 2, 0), x2), sympy.solve(1 + 2 * x1 + x2 / 2, x2, dict=True),
    sympy.solveset(sympy.Eq(1 + 2 * x1 + x2 / 2, 0), x2), sympy.Eq(0, 1 + 2 * x1 + x2 / 2), sympy.Eq(x2r, -4 * x1r - 2),
    -2.0 - 4.0 * x1, sympy.log(sympy.exp(-4 * x1r - 2)), (-1 - 2 * x1) / sympy.Rational(1, 2), sympy.Lambda(x1, -4 * x1 - 2),
    (-4, -2), [-4.0, -2.0], np.array([-4.0, -2.0], dtype=np.float32), (F(-4.0000005), F(-2)), sympy.Tuple(-4, -2),
    (sympy.Integer(-4), sympy.Rational(-4, 2)),
]


@pytest.mark.parametrize("form", BOUNDARY_FORMS, ids=str)
def test_every_form_of_the_decision_boundary_the_text_allows_gets_full_points(form):
    full(judged(A1, "decision_boundary", form))


@pytest.mark.parametrize("text", [
    "Pow(Integer(2), Integer(100000000000000000000000000000))",
    "Pow(Integer(10), Rational(100000000000000000000000000000, 7))",
    "Float('1e400000', precision=53)",
    "Function('f')(Symbol('x'))",
    "Symbol('x').evalf()",
    "getattr(Symbol('x'), 'evalf')",
    "exp(Symbol('x'), __import__('os'))",
    "Add(" * 300 + "Integer(1)" + ")" * 300,
    "Max(exp(exp(exp(Integer(100)))), Integer(1))",  # sympy would evaluate this without end
    "Abs(Add(exp(exp(Integer(100))), Integer(-5)))",
    "Add(Symbol('x'), 100000000000000000000000000000000000000000000)",
])
def test_the_parser_refuses_code_and_numbers_too_large_to_build(text):
    with pytest.raises(Wrong):
        parse_srepr(text)


def test_a_tower_of_exponentials_in_z_gets_a_verdict_quickly():
    import time

    start = time.monotonic()
    v = judged(A3, "sigmoid_derivative", sympy.Abs(sympy.exp(sympy.exp(sympy.exp(z))) - 5))
    assert v["points"] == 0.5 and time.monotonic() - start < 20
    v = judged(A1, "decision_boundary", sympy.Eq(x2 ** 2 + sympy.exp(x2), x1))
    assert v["points"] == 0 and "one function of x1" in v["message"]


def test_the_parser_reads_sympys_elementary_functions_and_constants():
    expr = sympy.Abs(sympy.atan(x1)) + sympy.asinh(x1) * sympy.pi - sympy.E ** sympy.sin(x1) + sympy.Max(x1, 0) \
        + sympy.Piecewise((x1, x1 > 0), (0, True)) + sympy.sqrt(2) * sympy.log(x1, 2) + sympy.oo * sympy.I
    assert parse_srepr(sympy.srepr(expr)) == expr
    assert line_of(Reported("sympy", sympy.srepr(sympy.Eq(x2, -4 * x1 - 2)))) == (-4.0, -2.0)


# --------------------------------------------------------------------------------------
# every known mistake of assignment 01, in-process (02 and 03 have their own spec test modules)


def _asked_01():
    source = (ROOT / "source" / A1.name / (A1.notebook + ".ipynb")).read_text()
    return dict(re.findall(r"_autograder\.ask\('forward_pass\.(\w+)', (\w+)\)", source))


def _example_01(q, ctx, mistake):
    (source,) = mistake.example.values()
    ns = {"np": np, "sympy": sympy, "A": forward_pass.A.astype(int), "B": forward_pass.B.astype(int)}
    exec(compile(source, "<example %s>" % mistake.id, "exec"), ns)
    with np.errstate(all="ignore"):
        return reported(q, ctx, eval(_asked_01()[q.name], ns))


NUMPY_01 = [q for q in A1.questions if q.kind != KERAS]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("q, mistake", [(q, m) for q in NUMPY_01 for m in q.mistakes],
                         ids=lambda x: getattr(x, "id", getattr(x, "name", None)))
def test_every_known_mistake_of_01_is_recognised(q, mistake, seed):
    ctx = q.context(np.random.default_rng(seed))
    assert_recognised(A1, q, ctx, mistake, _example_01(q, ctx, mistake))


@pytest.mark.parametrize("q", NUMPY_01, ids=lambda q: q.name)
def test_the_answer_key_of_01_gets_full_points(q):
    ctx = q.context(np.random.default_rng(4))
    answer = spec_checks.function_answer(ctx) if q.kind == FUNCTION else decode(encode(q.truth()))
    assert_full_points(A1, q, ctx, answer)


# --------------------------------------------------------------------------------------
# any answer gets a verdict

ODD = [None, True, "text", "", {}, {"a": 1}, [], [[1, 2], [3]], [1, None], 1 + 2j, np.array(0.5), (1, 2), (1,),
       np.full((3, 3), np.nan), np.array([np.inf, -np.inf]), np.zeros((0,)), np.zeros((2, 0, 3)), np.float16(0.5),
       np.array(True), 10**400, np.array([1, "a"], dtype=object), np.array([[1, 2], [3]], dtype=object),
       sympy.Integer(3), sympy.oo, sympy.zoo, sympy.nan, z, sympy.Matrix([[1, 2], [3, 4]]), sympy.Tuple(1, z),
       [sympy.Integer(1), 2.0], {"svm_min": None, "svm_max": "inf", "ce_min": [0], "ce_max": {}},
       {"diverges": np.array([True, False]), "iterates": [[1, 2], [3]]}, (np.ones(3), {"dW1": None}),
       ({"W1": "x", "b1": [1], "W2": np.ones(2), "b2": 1j}, [1, 2]), lambda: 0, object()]


@pytest.mark.parametrize("q", [(A, q) for A in (A1, A2, A3) for q in A.questions if q.kind != KERAS],
                         ids=lambda x: x[1].name)
def test_odd_answers_get_a_verdict_never_an_internal_error(q, caplog):
    A, q = q
    ctx = q.context(np.random.default_rng(0))
    for odd in ODD:
        answer = decode(json.loads(json.dumps(encode(odd))))
        if q.kind == FUNCTION:
            answer = [{"out": answer, "mutated": False} for _ in ctx.cases]
        v = judge.run_checks(q, A.qid(q), ctx, answer)
        assert v["points"] < q.points and "internal error" not in v["message"], (odd, v["message"])
        foreign = [w for other, words in OWN_WORDS.items() if other != A.name for w in words
                   if w in v["message"] and w not in repr(odd)]
        assert not foreign, (odd, v["message"])  # a message written for one assignment stays there
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


OWN_WORDS = {"01_forward_pass": ["x1", "single neuron"], "02_losses": ["np.inf", "svm", "mouse"],
             "03_gradient_descent": ["dsigma", "xs_big", "lr = 1.1"]}
