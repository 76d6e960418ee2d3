"""Fuzzing the judge: whatever a report holds, every question gets a verdict, never a crash.

Hypothesis builds reports of the forms the probe's ``encode`` produces (from arbitrary Python, numpy and
sympy values: every numeric dtype and shape, 0-d and empty arrays, non-finite and extreme numbers,
nested containers, errors, unsupported objects) and of forms it never produces (malformed tags, bad
arrays, hostile sympy ``srepr`` text), in the answer shapes of every question kind (a value, one output
per input of a function, a Keras model's description), and hands them to ``judge.judge_question`` as
the display data a kernel sends, and to ``judge.run_checks``. The verdict must always be plain JSON,
renderable, with points between 0 and the question's points. Derandomized, so CI is stable.
"""
from __future__ import annotations

import functools
import json
import math
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.judging import judge
from autograder import specs
from autograder.judging.probe import REPORT_MIME, DecodeError, decode, encode
from autograder.judging.spec import FUNCTION, KERAS

NONCE = "fuzz-nonce"
QUESTIONS = [(a, q) for a in specs.ASSIGNMENTS.values() for q in a.questions]
FUZZ = settings(max_examples=20, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])

# --------------------------------------------------------------------------------------
# values a student's object can be (the probe encodes them)

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
          np.float16, np.float32, np.float64, np.complex64, np.complex128]
arrays = st.sampled_from(DTYPES).flatmap(lambda dt: hnp.arrays(
    dt, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)))
numpy_scalars = arrays.filter(lambda a: a.ndim == 0).map(lambda a: a[()])
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [5e-324, -0.0, 1e308, -1e308, 2.0 ** 53 + 1, 1e-300])
z, x1, x2 = sympy.symbols("z x1 x2")
SYMPY = [z, x1, sympy.Symbol("z", real=True), sympy.Symbol("x1", positive=True), 1 / (1 + sympy.exp(-z)),
         sympy.cosh(z / 2) ** -2 / 4, sympy.tanh(z), sympy.Eq(x2, -4 * x1 - 2), sympy.Eq(x1, x2 ** 2),
         sympy.oo, -sympy.oo, sympy.zoo, sympy.nan, sympy.Float("nan"), sympy.Rational(10 ** 40, 3),
         sympy.Integer(10) ** 40, sympy.Matrix([[1, 2], [3, 4]]), sympy.sin(x1) + x2, sympy.I * z, sympy.pi,
         sympy.Piecewise((z, z > 0), (0, True)), sympy.Function("f")(z), sympy.Integral(z, z),
         sympy.Sum(z, (z, 1, 3)), sympy.true, sympy.Tuple(1, 2), sympy.FiniteSet(1, 2),
         sympy.Pow(2, 20000, evaluate=False), sympy.exp(10 ** 6, evaluate=False)]
sympy_values = st.sampled_from(SYMPY) | st.tuples(st.sampled_from(SYMPY[:7]), st.sampled_from(SYMPY[:7]),
                                                 st.sampled_from([sympy.Add, sympy.Mul])).map(
    lambda t: t[2](t[0], t[1]))


class Odd:
    """An object whose conversions raise, as a half-built tensor's may."""

    def numpy(self):
        raise RuntimeError("not now")

    def __array__(self, *args, **kwargs):
        raise RuntimeError("not now")

    def __repr__(self):
        return "Odd()"


leaves = (st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | floats | st.complex_numbers()
          | st.text(max_size=20) | arrays | numpy_scalars | sympy_values
          | st.sampled_from([Odd(), print, object(), range(3), b"bytes", {1, 2}]))
values = st.recursive(leaves, lambda inner: (
    st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=8) | st.sampled_from(["svm_min", "diverges", "iterates", "dW1", "out"]),
                      inner, max_size=4)), max_leaves=10)

# --------------------------------------------------------------------------------------
# data the probe never produces

HOSTILE_SREPR = [
    "__import__('os').system('echo pwned')", "Symbol('z').__class__.__mro__", "lambda: 1", "exp(Symbol('z'))[0]",
    "Symbol('z', **{'real': True})", "Function('f')(Symbol('z'))", "Add(" * 400 + ")" * 400, "exp()", "Pow()",
    "Integer('12')", "Symbol(1)", "Symbol('" + "z" * 500 + "')", "Rational(1, 0)", "Float('1e100000')",
    "Mul(Integer(0), Pow(Integer(0), Integer(-1)))", "Pow(Integer(2), Integer(20000))", "Integer(" + "9" * 40 + ")",
    "Eq(Symbol('x2'))", "Float('nan')", "Symbol('z', commutative=False)", "cosh(Symbol('z'), Symbol('z'))",
    "log(Integer(0))", "[Symbol('z')]", "{'a': 1}", "Symbol('z') + Symbol('z')", "Add(Symbol('z'), *[1])", "",
    "Pow(Integer(10), Integer(10000000))", "Pow(Symbol('z'), Integer(10000000))", "exp(Integer(1000000))",
    "Integer(10) ** Integer(10) ** Integer(10)", "Symbol('z', real=True, **{'__class__': 1})",
]
json_leaves = st.none() | st.booleans() | st.integers(-(2 ** 80), 2 ** 80) | floats | st.text(max_size=12)
TAGS = ["__ndarray__", "__float__", "__complex__", "__tuple__", "__dict__", "__sympy__", "__unsupported__",
        "__error__", "__pickle__"]
bad_arrays = st.builds(lambda dt, shape, payload: {"__ndarray__": [dt, shape, payload]},
                       st.sampled_from(["<f8", "<f4", "<f2", ">f8", "|b1", "<i8", "<u8", "<c16", "|O", "<M8[s]",
                                        "V8", "|S3", "<U2", "f8", "nonsense"]) | st.text(max_size=5),
                       st.lists(st.integers(-3, 5), max_size=9) | json_leaves,
                       st.sampled_from(["", "AA==", "AAAAAAAAAAA=", "AAAAAAAA8D8=", "////////", "not base64!"])
                       | st.text(max_size=12))
raw = st.recursive(
    json_leaves | bad_arrays | st.sampled_from(HOSTILE_SREPR).map(lambda s: {"__sympy__": s})
    | st.sampled_from(["nan", "inf", "-inf", "1e999", "np.float64(inf)", "0x10", "", "1" * 60]).map(
        lambda s: {"__float__": s}),
    lambda inner: (st.lists(inner, max_size=4)
                   | st.builds(lambda tag, v: {tag: v}, st.sampled_from(TAGS), inner)
                   | st.dictionaries(st.text(max_size=6), inner, max_size=3)
                   | st.lists(st.lists(inner, max_size=3), max_size=3).map(lambda kv: {"__dict__": kv})),
    max_leaves=10)


def encoded(v):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return encode(v)


# --------------------------------------------------------------------------------------
# answer shapes for each kind of question

def model_like(data, loose):
    """A Keras model's description as the probe gives it: layers (class, units, activation, weights, ...),
    compile settings, traces of training, predictions. ``loose``: any value in any field."""
    names = st.sampled_from(["sigmoid", "relu", "softmax", "linear", "tanh", "binary_crossentropy", "mse",
                             "sparse_categorical_crossentropy", "SGD", "Adam", "accuracy"]) | st.text(max_size=8)
    spelling = names | st.fixed_dictionaries({"form": st.sampled_from(["string", "class", "instance", "function",
                                                                        "other"])},
                                             optional={"name": names, "class": names, "function": names,
                                                       "from_logits": st.booleans()})
    weight = arrays | hnp.arrays(np.float64, st.sampled_from([(2, 1), (1,), (2, 8), (8,), (8, 2), (2,)]))
    layer = st.fixed_dictionaries({
        "class": st.sampled_from(["Dense", "InputLayer", "Activation", "ReLU", "Dropout", "Softmax"]) | names,
        "weights": st.lists(weight, max_size=3) | st.just({"__error__": "ValueError: not built"}),
    }, optional={"type": names, "units": st.none() | st.integers(-1, 10), "use_bias": st.none() | st.booleans(),
                 "rate": floats, "activation": st.none() | spelling,
                 "activation_values": st.none() | arrays | hnp.arrays(np.float64, (11,))})
    chained = st.integers(1, 9).flatmap(lambda h: st.just([
        {"class": "Dense", "units": h, "activation": "sigmoid", "use_bias": True,
         "weights": [np.ones((2, h)), np.zeros(h)]},
        {"class": "Dense", "units": 2, "activation": "softmax", "use_bias": True,
         "weights": [np.ones((h, 2)), np.zeros(2)]}]))
    compiled = st.fixed_dictionaries({}, optional={
        "optimizer": names, "loss": st.none() | spelling, "learning_rate": st.none() | floats,
        "learning_rate_schedule": names, "metrics": st.lists(spelling, max_size=3)})
    training = st.fixed_dictionaries({"optimizer_steps": st.none() | st.integers(0, 10 ** 6),
                                      "history_epochs": st.none() | st.integers(0, 100)})
    predictions = (hnp.arrays(np.float64, st.sampled_from([(16, 1), (16, 2), (16,), (0, 2), (16, 8)]))
                   | arrays | st.just({"__error__": "ValueError: cannot call"}))
    maybe = (lambda s: s | data) if loose else (lambda s: s)
    return st.fixed_dictionaries({
        "backend": maybe(st.sampled_from(["tensorflow", "torch", "jax"]) | st.text(max_size=5)),
        "layers": maybe(st.lists(maybe(layer), max_size=4) | chained),
        "compiled": maybe(compiled),
        "predictions": maybe(predictions),
    }, optional={"device": maybe(st.text(max_size=8)), "keras_version": maybe(st.text(max_size=8)),
                 "input_shape": maybe(st.none() | st.lists(st.none() | st.integers(0, 9), max_size=3)),
                 "training": maybe(training)})


def answers_for(q, ctx, data, loose=False):
    """Plain data in the answer shape of question ``q``, with ``data`` where a value goes; ``loose``:
    also shapes the probe never sends (a function's outputs of the wrong number, a model with any fields)."""
    if q.kind == FUNCTION:
        raised = st.text(max_size=30).map(lambda t: {"__error__": "ValueError: " + t})  # the call raised
        call = st.builds(lambda out, mutated: {"__dict__": [["out", out], ["mutated", mutated]]},
                         data | raised, st.booleans() | (data if loose else st.booleans()))
        calls = st.lists(call, min_size=len(ctx.cases), max_size=len(ctx.cases))
        not_callable = st.just({"__unsupported__": "not callable but int"})
        return calls | st.lists(call, max_size=len(ctx.cases) + 1) | data if loose else calls | not_callable
    if q.kind == KERAS:
        not_a_model = st.sampled_from([{"__unsupported__": "not a keras.Model but int"},
                                       {"__error__": "RuntimeError: cannot describe"}])
        return model_like(st.deferred(lambda: values), loose).map(encoded) | (data if loose else not_a_model)
    return data


def outputs_around(qid, answer, kind):
    """The outputs of a graded cell as the kernel makes them: the report, maybe with other outputs."""
    report = {"output_type": "display_data", "metadata": {},
              "data": {REPORT_MIME: {"nonce": NONCE, "question": qid, "kind": kind, "answer": answer},
                       "text/plain": "(answer to %s reported)" % qid}}
    other = st.sampled_from([
        {"output_type": "stream", "name": "stdout", "text": "hello\n"},
        {"output_type": "error", "ename": "ValueError", "evalue": "boom", "traceback": []},
        {"output_type": "error", "ename": "KernelDied", "evalue": "the kernel died", "traceback": []},
        {"output_type": "display_data", "metadata": {}, "data": {REPORT_MIME: {"nonce": "other", "question": qid}}},
        {"output_type": "execute_result", "data": {REPORT_MIME: "not a dict"}, "metadata": {}},
    ])
    return st.tuples(st.lists(other, max_size=2), st.integers(0, 9)).map(
        lambda t: [report] * (2 if t[1] == 0 else 1) + t[0])  # two reports now and then: tampering


# --------------------------------------------------------------------------------------
# the contexts of every question (the Keras training question needs the banknote data)


@functools.lru_cache(maxsize=None)
def context(assignment, name):
    return specs.get(assignment).question(name).context(np.random.default_rng(0))


@pytest.fixture(scope="module", autouse=True)
def banknote_data():
    from pathlib import Path

    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "banknote"
    with pytest.MonkeyPatch.context() as mp:
        if (shared / "data_banknote_authentication.txt").is_file():
            mp.setenv("BANKNOTE_DATA_DIR", str(shared))  # as the Makefile sets it
        for a, q in QUESTIONS:
            try:
                context(a.name, q.name)
            except OSError:
                pass  # no banknote data here: that question is skipped below
        yield


def ctx_or_skip(a, q):
    try:
        return context(a.name, q.name)
    except OSError as exc:
        pytest.skip("no context for %s here: %s" % (a.qid(q), exc))


def assert_is_a_verdict(v, q):
    assert isinstance(v, dict) and type(v["points"]) in (int, float) and math.isfinite(v["points"])
    assert 0.0 <= v["points"] <= q.points, v
    assert v["max_points"] == q.points and v["status"] in judge.STATUS_MARK and isinstance(v["message"], str)
    json.dumps(v, allow_nan=False)  # stored in the notebook's metadata
    judge.render_text(v)
    judge.render_html(v)


def judged(fn, *args):
    """The judge as it runs in production, where numpy's and sympy's warnings are printed, not raised."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args)


def through_json(answer):
    return json.loads(json.dumps(answer))  # as the kernel's display data travels


def internal_errors(v):
    return [c["name"] for c in v["checks"] if "internal error" in c["message"]]


@pytest.mark.parametrize("a, q", QUESTIONS, ids=[a.qid(q) for a, q in QUESTIONS])
@FUZZ
@given(data=st.data())
def test_any_answer_a_student_can_give_gets_a_verdict(a, q, data):
    """Encoded Python / numpy / sympy values, in the question's answer shape: a verdict, no internal error."""
    ctx = ctx_or_skip(a, q)
    answer = through_json(data.draw(answers_for(q, ctx, values.map(encoded)), label="answer"))
    outputs = data.draw(outputs_around(a.qid(q), answer, q.kind), label="outputs")
    v = judged(judge.judge_question, q, a.qid(q), ctx, outputs, NONCE, 30)
    assert_is_a_verdict(v, q)
    assert not internal_errors(v), (internal_errors(v), v["message"])
    try:
        decoded = decode(answer)
    except DecodeError:
        return
    if q.kind == FUNCTION and not isinstance(decoded, list):
        return  # "expected a function": no check runs
    v = judged(judge.run_checks, q, a.qid(q), ctx, decoded)
    assert_is_a_verdict(v, q)
    assert not internal_errors(v), (internal_errors(v), v["message"])


@pytest.mark.parametrize("a, q", QUESTIONS, ids=[a.qid(q) for a, q in QUESTIONS])
@FUZZ
@given(data=st.data())
def test_any_report_at_all_gets_a_verdict(a, q, data):
    """Reports of forms the probe never sends (malformed tags and arrays, hostile srepr text): still a verdict."""
    ctx = ctx_or_skip(a, q)
    answer = through_json(data.draw(answers_for(q, ctx, raw, loose=True), label="answer"))
    outputs = data.draw(outputs_around(a.qid(q), answer, q.kind), label="outputs")
    assert_is_a_verdict(judged(judge.judge_question, q, a.qid(q), ctx, outputs, NONCE, 30), q)
    try:
        decoded = decode(answer)
    except (DecodeError, ValueError, TypeError, KeyError):  # what judge_question reads as "could not be read"
        return
    assert_is_a_verdict(judged(judge.run_checks, q, a.qid(q), ctx, decoded), q)


SYMBOLIC = [(a, q) for a, q in QUESTIONS if q.kind != FUNCTION and q.kind != KERAS]


@pytest.mark.parametrize("text", HOSTILE_SREPR + ["__import__('pathlib').Path(%r).touch()"])
def test_hostile_srepr_text_gets_a_quick_verdict_and_runs_nothing(text, tmp_path):
    """Whatever a forged sympy answer says, it is read without running it, and judged within seconds."""
    import time

    marker = tmp_path / "ran"
    text = text.replace("%r", repr(str(marker))) if "%r" in text else text
    for a, q in SYMBOLIC:
        ctx = ctx_or_skip(a, q)
        outputs = [{"output_type": "display_data", "metadata": {}, "data": {REPORT_MIME: {
            "nonce": NONCE, "question": a.qid(q), "kind": q.kind, "answer": {"__sympy__": text}}}}]
        start = time.monotonic()
        v = judged(judge.judge_question, q, a.qid(q), ctx, outputs, NONCE, 30)
        assert time.monotonic() - start < 10, (a.qid(q), text[:80])
        assert_is_a_verdict(v, q)
        assert v["points"] < q.points, (a.qid(q), text[:80], v["message"])
    assert not marker.exists()
