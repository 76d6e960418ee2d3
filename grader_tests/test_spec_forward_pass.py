"""The question specs of assignment 01 (forward pass), judged in-process: right answers, every known mistake.

No nbgrader and no kernel: each answer goes through the probe's own encoding, as it would arrive from a
student's kernel, and then through the judge's checks (``spec_checks``). A mistake's answer comes from running
its example cell, in a fresh namespace, after the source notebook's (solved) cells it needs (``GIVEN``), and
asking it with the expression the notebook's hidden cell asks (``ASKED``, read from the source notebook).
The Keras questions build real (tiny) Keras models: Keras is imported once, each model is trained once.
"""
from __future__ import annotations

import ast
import contextlib
import io
import math
import re
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy

from autograder import course, specs, synth
from autograder.judging import judge
from autograder.judging.probe import decode, encode
from autograder.judging.spec import FUNCTION, KERAS
from e2e import use_shared_banknote
from spec_checks import assert_full_points, assert_recognised, function_answer, reported

ROOT = Path(__file__).resolve().parents[1]
A = specs.get("01_forward_pass")
SOURCE = ROOT / "source" / A.name / (A.notebook + ".ipynb")
RELEASE = ROOT / "release" / A.name / (A.notebook + ".ipynb")
SEEDS = (0, 1)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
x1 = sympy.Symbol("x1")
CORRECT_VALUES = {  # what a right notebook reports for the value questions (forms other than the key's)
    "p_fake": 1 / (1 + math.exp(-(0.3 * 1.0 + 0.1 * 2.2 + 1.0))),
    "matmul": np.array([[14, 4, 18], [24, 6, 12]]),
    "c11": 14,
    "decision_boundary": -(1 + 2 * x1) / sympy.Rational(1, 2),
    "n_params": 42,
}
WRONG_VALUES = {  # wrong answers that no known mistake explains
    "p_fake": 0.5, "matmul": np.ones((2, 3)), "c11": 15, "decision_boundary": 5 * x1 + 3, "n_params": 7,
}
# the notebook cells (besides its own solution cell) a question's answer needs, in notebook order
GIVEN = {"p_fake": ("solution_sigmoid",), "neuron_forward": ("solution_sigmoid",), "matmul": ("matrices",),
         "c11": ("matrices",), "forward_one_hidden": ("solution_sigmoid",), "keras_trained": ("load_banknotes",),
         "keras_hidden": ("load_banknotes",)}
# for the Keras questions: another question's right model, handed in here, is a wrong answer no mistake explains
WRONG_MODEL = {"keras_neuron": "keras_trained", "keras_trained": "keras_hidden", "keras_hidden": "keras_trained"}


def _cells(path):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nbformat.read(str(path), 4).cells}


def asks(source: str) -> list[tuple[str, str]]:
    """(question id, asked expression) of each ``_autograder.ask`` call inside a hidden region of a cell."""
    found = []
    for region in HIDDEN.findall(source):
        for node in ast.walk(ast.parse(region)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "ask"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "_autograder"):
                qid, expr = node.args
                found.append((qid.value, ast.get_source_segment(region, expr)))
    return found


SOURCE_CELLS = _cells(SOURCE)
ASKED = {q.name: expr for q in A.questions for qid, expr in asks(SOURCE_CELLS[q.name].source) if qid == A.qid(q)}


def notebook_namespace(q, replace=None, keras=None):
    """A fresh namespace where the source notebook's cells for ``q`` ran in order (``GIVEN``, then its solution
    cell), as a student hands them in (synth.solved); a cell named in ``replace`` runs that code instead."""
    replace = replace or {}
    names = [*GIVEN.get(q.name, ()), "solution_" + q.name]
    assert set(replace) <= set(names), (q.name, sorted(replace))
    ns = {"np": np, "sympy": sympy, "keras": keras}
    if keras is not None:
        keras.utils.set_random_seed(0)  # as the notebook's setup cell does
    for name in names:
        code = replace.get(name, synth.solved(SOURCE_CELLS[name].source))
        with kernel_side():
            exec(compile(code, name, "exec"), ns)
    return ns


@contextlib.contextmanager
def kernel_side():
    """Run code as a student's kernel runs it: a warning or a float overflow is printed there, never raised (not
    as this test session's ``filterwarnings = error`` would have it), and its printing is not ours to show."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def asked_answer(q, ctx, ns):
    """What the hidden cell of ``q`` reports when it runs after the cells of ``ns``."""
    with kernel_side():
        return reported(q, ctx, eval(ASKED[q.name], ns))


def reference_answer(q, ctx):
    return function_answer(ctx) if q.kind == FUNCTION else decode(encode(CORRECT_VALUES[q.name]))


NUMPY_QUESTIONS = [q for q in A.questions if q.kind != KERAS]
KERAS_QUESTIONS = [q for q in A.questions if q.kind == KERAS]


def _ids(x):
    return getattr(x, "id", getattr(x, "name", None))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("q", NUMPY_QUESTIONS, ids=_ids)
def test_reference_gets_full_points(q, seed):
    """The answer key's own outputs (function questions), or a right value in another form, pass every check."""
    ctx = q.context(np.random.default_rng(seed))
    assert_full_points(A, q, ctx, reference_answer(q, ctx))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("q", NUMPY_QUESTIONS, ids=_ids)
def test_the_notebooks_own_solution_gets_full_points(q, seed):
    """The source notebook's solution cells, asked as its hidden cell asks, pass every check."""
    ctx = q.context(np.random.default_rng(seed))
    assert_full_points(A, q, ctx, asked_answer(q, ctx, notebook_namespace(q)))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("q, mistake", [(q, m) for q in NUMPY_QUESTIONS for m in q.mistakes], ids=_ids)
def test_mistake_is_recognised(q, mistake, seed):
    """Each example cell fails exactly the checks its mistake names, and the verdict names the mistake."""
    ctx = q.context(np.random.default_rng(seed))
    assert_recognised(A, q, ctx, mistake, asked_answer(q, ctx, notebook_namespace(q, mistake.example)))


@pytest.mark.parametrize("q", NUMPY_QUESTIONS, ids=_ids)
def test_an_unknown_wrong_answer_names_no_mistake(q):
    """A wrong answer that matches no known mistake gets the failing checks' messages and no diagnosis."""
    ctx = q.context(np.random.default_rng(5))
    if q.kind == FUNCTION:
        answer = decode(encode([{"out": np.full(np.shape(out), 123.0), "mutated": False} for out in ctx.expected]))
    else:
        answer = reported(q, ctx, WRONG_VALUES[q.name])
    v = judge.run_checks(q, A.qid(q), ctx, answer)
    assert v["points"] < q.points and v["mistake"] is None, v["message"]
    assert v["message"] != "all checks passed"


@pytest.mark.parametrize("q", [q for q in A.questions if q.kind == FUNCTION], ids=_ids)
def test_the_released_stub_gets_no_point(q):
    """The released notebook's function, still raising NotImplementedError, earns nothing, not even for
    leaving its inputs alone."""
    ns = {"np": np}
    exec(compile(_cells(RELEASE)["solution_" + q.name].source, "release", "exec"), ns)
    ctx = q.context(np.random.default_rng(0))
    v = judge.run_checks(q, A.qid(q), ctx, reported(q, ctx, ns[q.name]))
    assert v["points"] == 0 and v["mistake"] is None, v["message"]
    assert "NotImplementedError" in v["message"]


# --------------------------------------------------------------------------------------
# the Keras questions: each model built (and trained) once per module


@pytest.fixture(scope="module")
def keras(tmp_path_factory):
    """Keras, reading the banknote file from a Keras home that holds the verified copy (as grading kernels do)."""
    use_shared_banknote()
    home = str(course.keras_home(tmp_path_factory.mktemp("course01")))
    mp = pytest.MonkeyPatch()
    mp.setenv("KERAS_HOME", home)
    try:
        keras = pytest.importorskip("keras")
        from keras.src.backend import config

        if config.keras_home() != home:  # Keras was imported earlier in this session, under another home
            mp.setattr(config, "_KERAS_DIR", home)
        yield keras
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def keras_notebook(keras):
    """keras_notebook(question, mistake=None): the namespace of a notebook whose cell for that question is right
    or the mistake's example, its model built (and trained) once."""
    built = {}

    def get(q, mistake=None):
        key = (q.name, mistake.id if mistake else None)
        if key not in built:
            built[key] = notebook_namespace(q, mistake.example if mistake else None, keras)
        return built[key]

    return get


@pytest.mark.parametrize("q", KERAS_QUESTIONS, ids=_ids)
def test_keras_notebook_solution_gets_full_points(q, keras, keras_notebook):
    """The source notebook's own solution cell (trained as it says) passes every check."""
    ctx = q.context(np.random.default_rng(0))
    v = assert_full_points(A, q, ctx, asked_answer(q, ctx, keras_notebook(q)))
    assert v["environment"]["keras_backend"] == keras.backend.backend()


@pytest.mark.parametrize("q, mistake", [(q, m) for q in KERAS_QUESTIONS for m in q.mistakes], ids=_ids)
def test_keras_mistake_is_recognised(q, mistake, keras_notebook):
    """Each Keras example cell fails exactly the checks its mistake names, and the verdict names the mistake."""
    assert mistake.fails  # a Keras mistake names its checks
    ctx = q.context(np.random.default_rng(0))
    assert_recognised(A, q, ctx, mistake, asked_answer(q, ctx, keras_notebook(q, mistake)))


def test_the_notebooks_test_set_is_the_judges(keras_notebook):
    """The notebook reads the verified file from the grader's Keras home, and its X_test, y_test are the rows the
    judge scores the accuracy on."""
    from keras.src.backend import config

    q = A.question("keras_trained")
    ns, ctx = keras_notebook(q), q.context(np.random.default_rng(0))
    assert Path(ns["path"]) == Path(config.keras_home()) / "datasets" / "data_banknote_authentication.txt"
    np.testing.assert_array_equal(ns["X_test"], ctx.extra["test_X"])
    np.testing.assert_array_equal(ns["y_test"], ctx.extra["test_y"])


@pytest.mark.parametrize("q", KERAS_QUESTIONS, ids=_ids)
def test_keras_unknown_wrong_model_names_no_mistake(q, keras_notebook):
    """Another question's right model, handed in here, loses points and is not taken for a known mistake."""
    ctx = q.context(np.random.default_rng(0))
    other = A.question(WRONG_MODEL[q.name])
    with kernel_side():
        answer = reported(q, ctx, eval(ASKED[other.name], keras_notebook(other)))
    v = judge.run_checks(q, A.qid(q), ctx, answer)
    assert v["points"] < q.points and v["mistake"] is None, v["message"]


# --------------------------------------------------------------------------------------
# the notebooks


def test_mistakes_are_many_and_distinct():
    ids = [m.id for q in A.questions for m in q.mistakes]
    assert len(ids) == len(set(ids)) >= 20


def test_notebook_grade_cells_match_the_spec():
    """One hidden grade cell per question, worth the question's points, asking (once) for what its solution
    cell defines; no hidden cell asks anything else."""
    every_ask = [a for c in SOURCE_CELLS.values() for a in asks(c.source)]
    assert sorted(qid for qid, _ in every_ask) == sorted(A.qid(q) for q in A.questions)
    for q in A.questions:
        meta = SOURCE_CELLS[q.name].metadata["nbgrader"]
        assert meta["grade"] and not meta["solution"] and meta["points"] == q.points
        assert asks(SOURCE_CELLS[q.name].source) == [(A.qid(q), ASKED[q.name])]
        solution = SOURCE_CELLS["solution_" + q.name]
        assert solution.metadata["nbgrader"]["solution"]
        bound = {n.id for n in ast.walk(ast.parse(solution.source)) if isinstance(n, ast.Name)
                 and isinstance(n.ctx, ast.Store)}
        bound |= {n.name for n in ast.walk(ast.parse(solution.source)) if isinstance(n, ast.FunctionDef)}
        assert ASKED[q.name] in bound, (q.name, ASKED[q.name])
    for name, points in A.manual.items():
        assert SOURCE_CELLS[name].metadata["nbgrader"]["points"] == points
        assert SOURCE_CELLS[name].cell_type == "markdown"


def test_release_holds_no_solution_and_no_hidden_check():
    release = RELEASE.read_text()
    assert "BEGIN SOLUTION" not in release and "_autograder.ask" not in release
    assert "raise NotImplementedError()" in release
