"""The engine in-process: wire format, safe symbolic parsing, the judge's reading of reports, the specs."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy

from autograder.judging import judge, probe
from autograder import specs
from autograder.course import question_rng
from autograder.pipeline.inject import PROBE_SOURCE, bootstrap
from autograder.judging.probe import REPORT_MIME, DecodeError, Reported, decode, encode
from autograder.judging.spec import Wrong
from autograder.judging.srepr import parse_srepr
from autograder.judging.symbolic import line_of

A = specs.get("01_forward_pass")


# --------------------------------------------------------------------------------------
# the wire: what crosses from the kernel to the judge


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "text", [1, 2.0, None], (1, (2, 3)), {"a": 1.5},
    np.arange(6.0).reshape(2, 3), np.float32(0.25), np.array(7), np.array([True, False]),
    np.arange(4, dtype=np.int32), float("nan"), float("inf"),
])
def test_encode_then_decode_gives_the_value_back(value):
    back = decode(json.loads(json.dumps(encode(value))))
    if isinstance(value, (np.ndarray, np.generic)):
        np.testing.assert_array_equal(back, np.asarray(value))
        assert back.dtype == np.asarray(value).dtype and back.shape == np.shape(value)
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    else:
        assert back == value


def test_objects_that_are_not_plain_data_are_named_not_run():
    class Sneaky:
        def __eq__(self, other):
            return True

    back = decode(encode(Sneaky()))
    assert isinstance(back, Reported) and back.kind == "unsupported" and "Sneaky" in back.text
    assert decode(encode(np.array(["a"], dtype=object))).kind == "unsupported"


@pytest.mark.parametrize("data,why", [
    ({"__ndarray__": ["|O", [1], "AA=="]}, "dtype"),
    ({"__ndarray__": ["<f8", [4], "AAAAAAAAAAA="]}, "bytes"),
    ({"__ndarray__": ["<f8", [-1], ""]}, "shape"),
    ({"__pickle__": "gASVAAAA"}, "unknown tag"),
    ({"a": 1, "b": 2}, "unexpected"),
    ({"__float__": "__import__('os')"}, "bad float"),
])
def test_decode_refuses_anything_but_plain_data(data, why):
    with pytest.raises(DecodeError, match=why):
        decode(data)


def test_the_probe_runs_from_its_text_alone_and_reports_through_display(capsys):
    """The injected bootstrap defines `_autograder` without importing the engine."""
    plan = {"q.f": {"kind": "function", "cases": [{"args": encode((np.array([1.0, 2.0]),)), "kwargs": encode({})}]}}
    shown = []
    import IPython.display as d

    real = d.display
    d.display = lambda obj, raw=False: shown.append(obj)
    try:
        ns = {}
        exec(bootstrap("n0nce", plan), ns)
        ns["_autograder"].ask("q.f", lambda x: x * 2)
    finally:
        d.display = real
    (payload,) = [s[REPORT_MIME] for s in shown]
    assert payload["nonce"] == "n0nce" and payload["question"] == "q.f"
    (result,) = decode(payload["answer"])
    np.testing.assert_array_equal(result["out"], [2.0, 4.0])
    assert result["mutated"] is False
    assert "reference_impl" not in PROBE_SOURCE and "import autograder" not in PROBE_SOURCE


# --------------------------------------------------------------------------------------
# symbolic answers


def test_srepr_of_any_equivalent_line_is_read():
    x1, x2 = sympy.symbols("x1 x2")
    for expr in (-2 - 4 * x1, sympy.Rational(-1, 2) * (8 * x1 + 4), sympy.Eq(x2, -4 * x1 - 2),
                 sympy.Eq(1 + 2 * x1 + sympy.Rational(1, 2) * x2, 0), -2.0 - 4.0 * x1):
        slope, intercept = line_of(Reported("sympy", sympy.srepr(expr)))
        assert (slope, intercept) == (-4, -2)
    assert line_of((-4.0, -2.0)) == (-4, -2)


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo pwned')",
    "Symbol('x').__class__.__mro__",
    "Add(Integer(1), lambda: 1)",
    "Function('f')(Symbol('x'))",
    "Integer(10**100)",
])
def test_srepr_parsing_never_evaluates_code(text):
    with pytest.raises(Wrong):
        parse_srepr(text)


def test_a_curve_is_not_a_line():
    x1 = sympy.Symbol("x1")
    with pytest.raises(Wrong, match="not linear"):
        line_of(Reported("sympy", sympy.srepr(x1**2)))
    with pytest.raises(Wrong, match="only the symbol x1"):
        line_of(Reported("sympy", sympy.srepr(sympy.Symbol("y") + x1)))


# --------------------------------------------------------------------------------------
# the judge's reading of a cell's outputs


def report(nonce, qid, answer):
    return {"output_type": "display_data",
            "data": {REPORT_MIME: {"nonce": nonce, "question": qid, "kind": "value", "answer": encode(answer)}}}


def p_fake_context():
    q = A.question("p_fake")
    return q, A.qid(q), q.context(np.random.default_rng(0))


def test_a_right_value_gets_the_points_and_a_wrong_one_names_its_mistake():
    q, qid, ctx = p_fake_context()
    right = judge.judge_question(q, qid, ctx, [report("n", qid, q.truth())], "n", 30)
    assert right["points"] == q.points and right["status"] == "correct"
    wrong = judge.judge_question(q, qid, ctx, [report("n", qid, 1.52)], "n", 30)
    assert wrong["points"] == 0 and wrong["mistake"]["id"] == "p_fake.z"
    assert "0.8205" not in json.dumps(wrong), "a value question's verdict must not reveal the answer"


def _tf32(a):
    """``a`` rounded to TensorFloat-32 (10 bits of mantissa), as a GPU's matrix units read float32 by default."""
    a = np.asarray(a, dtype=np.float32).copy()
    bits = a.view(np.uint32)
    bits += 0x1000
    bits &= 0xFFFFE000
    return a


def test_keras_predictions_are_judged_at_the_precision_of_the_device():
    """A right hidden-layer model whose products ran at TF32 precision (a GPU's default) keeps its points;
    predictions from another forward pass than its weights give (an activation changed) do not."""
    from autograder.judging import keras_checks as kc
    from autograder.judging.spec import Context

    q = A.question("keras_hidden")
    check = kc.predictions_match()
    rng = np.random.default_rng(3)
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    for _ in range(20):
        X = rng.normal(0, 3, size=(16, 2))
        W1, b1, W2, b2 = rng.uniform(-3, 3, (2, 8)), rng.uniform(-1, 1, 8), rng.uniform(-3, 3, (8, 2)), rng.uniform(-1, 1, 2)
        hidden = sigmoid((_tf32(X) @ _tf32(W1)).astype(np.float32) + np.float32(b1))
        on_gpu = softmax((_tf32(hidden) @ _tf32(W2)).astype(np.float32) + np.float32(b2))
        other = softmax(np.maximum(X @ W1 + b1, 0) @ W2 + b2)  # relu where the weights' layer says sigmoid
        layers = [{"class": "Dense", "units": 8, "activation": "sigmoid", "use_bias": True, "weights": [W1, b1]},
                  {"class": "Dense", "units": 2, "activation": "softmax", "use_bias": True, "weights": [W2, b2]}]
        ctx = Context(question=q, rng=rng, inputs=X)
        assert check({"layers": layers, "predictions": on_gpu}, ctx).passed
        assert not np.allclose(on_gpu, softmax(sigmoid(X @ W1 + b1) @ W2 + b2), rtol=1e-4, atol=1e-6)
        assert not check({"layers": layers, "predictions": other}, ctx).passed


def test_reports_with_another_nonce_or_question_are_ignored():
    q, qid, ctx = p_fake_context()
    forged = [report("guess", qid, q.truth()), report("n", "forward_pass.c11", q.truth()),
              {"output_type": "execute_result", "data": {"text/plain": "1.0"}}]
    v = judge.judge_question(q, qid, ctx, forged, "n", 30)
    assert v["points"] == 0 and v["status"] == "no answer"


def test_two_reports_for_one_question_mean_tampering():
    q, qid, ctx = p_fake_context()
    v = judge.judge_question(q, qid, ctx, [report("n", qid, 0.1), report("n", qid, q.truth())], "n", 30)
    assert v["points"] == 0 and "tampered" in v["message"]


def test_no_report_explains_the_error_of_the_cell():
    q, qid, ctx = p_fake_context()
    err = {"output_type": "error", "ename": "NameError", "evalue": "name 'p_fake' is not defined", "traceback": []}
    v = judge.judge_question(q, qid, ctx, [err], "n", 30)
    assert v["status"] == "no answer" and "NameError" in v["message"] and "keep the name" in v["message"]


def test_verdict_output_escapes_student_text_and_carries_the_points():
    q, qid, ctx = p_fake_context()
    v = judge.verdict(q, qid, [], status="no answer", message="<script>alert(1)</script>")
    display, result = judge.verdict_outputs(v)
    assert "<script>" not in display["data"]["text/html"]
    assert result["output_type"] == "execute_result" and float(result["data"]["text/plain"]) == 0.0


def test_hidden_regions_are_replaced_by_a_note():
    src = "# visible\n### BEGIN HIDDEN TESTS\n_autograder.ask('a.b', f)\n### END HIDDEN TESTS\n"
    out = judge.public_source(src)
    assert "_autograder" not in out and out.startswith("# visible\n# (hidden checks ran here")


# --------------------------------------------------------------------------------------
# the specs


def test_question_inputs_are_secret_and_reproducible():
    """Same secret, student and question: same inputs; another secret or student: other inputs."""
    q = A.question("sigmoid")
    qid = A.qid(q)
    first = q.context(question_rng(b"k1", A.name, "ann", qid)).cases[0].args[0]
    again = q.context(question_rng(b"k1", A.name, "ann", qid)).cases[0].args[0]
    other_key = q.context(question_rng(b"k2", A.name, "ann", qid)).cases[0].args[0]
    other_student = q.context(question_rng(b"k1", A.name, "bob", qid)).cases[0].args[0]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other_key) and not np.array_equal(first, other_student)


@pytest.mark.parametrize("question", [q for a in specs.ASSIGNMENTS.values() for q in a.questions
                                      if q.kind == "function"], ids=lambda q: q.name)
def test_function_questions_accept_their_own_truth(question):
    """A reference answer passes every check of its question (value and Keras ones: end to end)."""
    ctx = question.context(np.random.default_rng(3))
    with np.errstate(all="ignore"):
        answer = [{"out": decode(json.loads(json.dumps(encode(e)))), "mutated": False} for e in ctx.expected]
    v = judge.run_checks(question, question.name, ctx, answer)
    assert v["status"] == "correct", v["message"]


def test_at_least_one_known_mistake_per_question_and_ids_unique():
    ids = [m.id for a in specs.ASSIGNMENTS.values() for q in a.questions for m in q.mistakes]
    assert len(ids) == len(set(ids))
    assert all(q.mistakes for a in specs.ASSIGNMENTS.values() for q in a.questions)


@pytest.mark.parametrize("name", sorted(specs.ASSIGNMENTS))
def test_demo_and_test_classes_make_every_known_mistake_once(name):
    from autograder import synth

    spec = specs.get(name)
    every = sorted(m.id for q in spec.questions for m in q.mistakes)
    for students in (synth.demo_class(spec), synth.test_class(spec)):
        made = sorted(m for s in students for m in s.mistakes)
        assert made == every
        assert len({s.name for s in students}) == len(students)


# --------------------------------------------------------------------------------------
# sanitizing: which cells are graded, and for how many points, comes from the gradebook


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    import course_fixtures as cf
    from autograder import grading

    root = cf.make_course(tmp_path_factory.mktemp("restore") / "course")
    grading.ensure_generated(root, cf.ASSIGNMENT)
    return root, {"nbgrader": {"db_url": "sqlite:///%s" % (root / "gradebook.db"), "assignment": cf.ASSIGNMENT,
                               "notebook": cf.NOTEBOOK[:-len(".ipynb")]}}


def _released(root):
    import nbformat

    import course_fixtures as cf

    return nbformat.read(str(root / "release" / cf.ASSIGNMENT / cf.NOTEBOOK), as_version=4)


def _ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def test_cells_grading_metadata_comes_from_the_gradebook(generated, caplog):
    import copy

    import nbformat
    from nbgrader.preprocessors import CheckCellMetadata, DeduplicateIds, OverwriteCells

    from autograder.pipeline.restore import RestoreCells

    root, resources = generated
    released = _released(root)
    nb, _ = RestoreCells().preprocess(copy.deepcopy(released), resources)
    assert _ids(nb) == _ids(released) and not caplog.records  # a notebook as released: nothing to say
    flags = lambda meta: {k: v for k, v in meta.items() if k != "checksum"}  # noqa: E731
    assert [flags(c.metadata.get("nbgrader", {})) for c in nb.cells] == \
           [flags(c.metadata.get("nbgrader", {})) for c in released.cells]

    nb = copy.deepcopy(released)
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    by_id["solution_c11"].metadata["nbgrader"].update(grade=True, points=100)
    del by_id["keras_hidden"].metadata["nbgrader"]["grade"]
    by_id["decision_boundary"].metadata["nbgrader"]["schema_version"] = 99
    by_id["check_matmul"].metadata["nbgrader"] = "not a mapping"
    nb.cells.insert(0, nbformat.v4.new_code_cell("print(1)", metadata={"nbgrader": {
        "grade": True, "grade_id": "bonus", "points": 50, "solution": False, "locked": False, "schema_version": 3}}))
    copied = copy.deepcopy(by_id["sigmoid"])
    copied["id"] = "copied"
    nb.cells.insert(nb.cells.index(by_id["sigmoid"]), copied)
    nb.cells.remove(by_id["n_params"])  # below a read-only check cell: nbgrader's own put-back fails here
    nb.cells.remove(by_id["p_fake"])
    nb.cells.remove(by_id["check_p_fake"])

    nb, _ = RestoreCells().preprocess(nb, resources)
    ids = _ids(nb)
    assert [i for i in ids if i is not None] == [i for i in _ids(released) if i != "check_p_fake" and i is not None
                                                 and i != "check_matmul"]
    assert ids[0] is None and "nbgrader" not in nb.cells[0].metadata  # the made-up grade cell: ignored
    assert ids[ids.index("sigmoid") - 1] is None  # the copy above the original: no longer a grade cell
    assert ids[ids.index("n_params") - 1] == "check_n_params"  # put back where it was
    assert ids[ids.index("p_fake") - 1] == "solution_p_fake"  # nearest cell above it that is still there
    meta = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata}
    was = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"] for c in released.cells if "nbgrader" in c.metadata}
    for grade_id in ("solution_c11", "keras_hidden", "decision_boundary"):
        assert flags(meta[grade_id]) == flags(was[grade_id]), grade_id
    assert meta["solution_c11"]["grade"] is False and "points" not in meta["solution_c11"]
    put_back = nb.cells[ids.index("n_params")]
    assert "### BEGIN HIDDEN TESTS" in put_back.source  # the gradebook's cell, hidden checks included
    # nbgrader's own sanitizing steps now accept the notebook (before: MissingEntry, KeyError, "old schema")
    for step in (DeduplicateIds(), OverwriteCells(), CheckCellMetadata()):
        nb, _ = step.preprocess(nb, resources)
    assert [i for i in _ids(nb) if i is not None] == [i for i in ids if i is not None]
