"""The robustness suite's harness: student-written answers, judged as the grader judges them.

Each *variant* is the source of a solution cell as a student could write it, independent of the
spec's own example cells, with the outcome a careful examiner gives it, decided from the
question's text alone:

- ``right(...)``: full marks, no diagnosis;
- ``wrong(..., mistake=ID)``: the known mistake ``ID``, exactly the checks it names failed (or, with
  ``fails=(...)`` too, exactly those: an answer can make a mistake and still pass a check its example fails);
- ``wrong(..., fails=(...))``: no known mistake fits; exactly these checks fail, and no diagnosis;
- ``wrong(..., fails=SOME)``: no known mistake fits and not the full points (used only where the
  check that must fail is one the spec does not have yet).

:func:`judged` runs a variant as the notebook would: the cells the notebook gives before it
(its setup functions, data, symbols), then the variant's source, then the expression the hidden
cell asks (read from the source notebook), through the probe's own encoding and the judge.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import functools
import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy

from autograder.judging import judge
from autograder import specs
from autograder.judging.spec import FUNCTION, KERAS
from spec_checks import reported

ROOT = Path(__file__).resolve().parents[2]
SOME = "some"  # fails=SOME: not full points, whatever checks
FUNCTION_SEEDS = (0, 1, 2)  # function questions are asked on the inputs of several seeds


@dataclass(frozen=True)
class Variant:
    question: str  # the question's grade_id
    name: str
    source: str  # the student's solution cell
    mistake: str | None = None  # the known mistake it makes
    fails: tuple[str, ...] | str | None = None  # or: the checks it fails when no known mistake fits

    @property
    def is_right(self) -> bool:
        return self.mistake is None and self.fails is None

    def __str__(self):
        return "%s-%s-%s" % ("right" if self.is_right else "wrong", self.question, self.name)


def right(question: str, name: str, source: str) -> Variant:
    return Variant(question, name, source)


def wrong(question: str, name: str, source: str, *, mistake: str | None = None,
          fails: tuple[str, ...] | str | None = None) -> Variant:
    assert mistake is not None or fails is not None, "a wrong variant names its mistake or its failing checks"
    return Variant(question, name, source, mistake, fails)


# --------------------------------------------------------------------------------------
# the notebook around a solution cell


@functools.lru_cache(maxsize=None)
def _cells(assignment: str) -> dict:
    a = specs.get(assignment)
    nb = nbformat.read(str(ROOT / "source" / assignment / (a.notebook + ".ipynb")), 4)
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}


@functools.lru_cache(maxsize=None)
def asked(assignment: str) -> dict[str, str]:
    """What each hidden grade cell hands to the probe, read from the source notebook."""
    a = specs.get(assignment)
    found = {}
    for q in a.questions:
        m = re.search(r"_autograder\.ask\('%s', (.*)\)\s*$" % re.escape(a.qid(q)), _cells(assignment)[q.name], re.M)
        assert m, "no hidden ask for %s" % a.qid(q)
        found[q.name] = m.group(1)
    return found


# the notebook's own cells a solution cell may use: (cell, what of it) per assignment
GIVEN = {
    "01_forward_pass": [("solution_sigmoid", "all"), ("matrices", "all")],
    "02_losses": [],
    "03_gradient_descent": [("setup", "functions"), ("loss_1d", "all"), ("init_params", "all"),
                            ("keras_start", "all")],
}


@functools.lru_cache(maxsize=None)
def _given_source(assignment: str) -> str:
    parts = []
    for cell, what in GIVEN[assignment]:
        source = _cells(assignment)[cell]
        if what == "functions":  # the setup cell's functions without its imports of matplotlib and keras
            tree = ast.parse(source)
            source = "\n\n".join(ast.get_source_segment(source, node) for node in tree.body
                                 if isinstance(node, ast.FunctionDef))
        parts.append(source)
    return "\n\n".join(parts)


def namespace(assignment: str, keras=None, data: dict | None = None) -> dict:
    """A fresh notebook namespace: the course's imports and the cells the notebook gives."""
    ns = {"np": np, "numpy": np, "math": math, "sympy": sympy, "copy": copy}
    if keras is not None:
        ns["keras"] = keras
    ns.update(data or {})
    exec(compile(_given_source(assignment), "<given cells of %s>" % assignment, "exec"), ns)
    return ns


@contextlib.contextmanager
def as_in_a_kernel():
    """Warnings printed, not raised (pytest turns them into errors); prints swallowed."""
    with warnings.catch_warnings(), np.errstate(all="warn"), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


# --------------------------------------------------------------------------------------
# judging


@functools.lru_cache(maxsize=None)
def context(assignment: str, question: str, seed: int):
    return specs.get(assignment).question(question).context(np.random.default_rng(seed))


def judged(assignment: str, variant: Variant, seed: int = 0, keras=None, data=None, obj=None) -> dict:
    """The verdict on a variant: its cell run in a fresh namespace, asked as the hidden cell asks."""
    a = specs.get(assignment)
    q = a.question(variant.question)
    ctx = context(assignment, q.name, seed)
    with as_in_a_kernel():
        if obj is None:
            obj = answer_object(assignment, variant, keras, data)
        answer = reported(q, ctx, obj)
    return judge.run_checks(q, a.qid(q), ctx, answer)


def answer_object(assignment: str, variant: Variant, keras=None, data=None):
    """The object the hidden cell hands to the probe after the variant's cell ran."""
    ns = namespace(assignment, keras, data)
    with as_in_a_kernel():
        exec(compile(variant.source, "<%s>" % variant, "exec"), ns)
        return eval(asked(assignment)[variant.question], ns)


def assert_outcome(assignment: str, variant: Variant, v: dict) -> None:
    """The verdict is the one the variant's expectation states."""
    q = specs.get(assignment).question(variant.question)
    failed = {c["name"] for c in v["checks"] if not c["passed"]}
    lost = sum(c.points for c in q.checks if c.name in failed)
    said = "%s: %s (mistake %s)" % (variant, v["message"], (v["mistake"] or {}).get("id"))
    assert v["points"] == pytest.approx(q.points - lost, abs=1e-9), said
    if variant.is_right:
        assert not failed and v["points"] == q.points and v["status"] == "correct", said
        assert v["mistake"] is None, said
        return
    if variant.mistake is not None:
        mistake = {m.id: m for m in q.mistakes}.get(variant.mistake)
        assert mistake is not None, "%s: the spec has no mistake %s" % (variant, variant.mistake)
        assert v["mistake"] is not None and v["mistake"]["id"] == variant.mistake, said
        assert failed == set(variant.fails or mistake.fails or [c.name for c in q.checks]), said
    else:
        assert v["mistake"] is None, said
        if variant.fails != SOME:
            assert failed == set(variant.fails), said
    assert failed and v["points"] < q.points, said
    for name in failed:  # the verdict says which checks failed
        assert name in v["message"], said


def params(assignment: str, variants, kinds=None):
    """pytest parameters (variant, seed): function questions on several seeds, the others once."""
    a = specs.get(assignment)
    out = []
    for variant in variants:
        q = a.question(variant.question)
        if kinds is not None and q.kind not in kinds:
            continue
        for seed in (FUNCTION_SEEDS if q.kind == FUNCTION else (0,)):
            out.append((variant, seed))
    return out


def param_id(x):
    return str(x) if isinstance(x, Variant) else "seed%d" % x


# --------------------------------------------------------------------------------------
# Keras variants


def banknote_split():
    """The 01 notebook's raw split of the banknotes (skewness, entropy): X_train, y_train, X_test, y_test."""
    import reference_impl as ref

    X, y = ref.load_banknote(features=("skewness", "entropy"))
    order = np.random.default_rng(42).permutation(len(y))  # the notebook's shuffle
    n_train = int(0.8 * len(order))
    return {"X_train": X[order[:n_train]], "y_train": y[order[:n_train]],
            "X_test": X[order[n_train:]], "y_test": y[order[n_train:]]}


def keras_environment(assignment: str):
    """(keras, data) for the Keras variants of an assignment; the banknote data found as ``make test`` finds it
    (the shared verified copy beside the checkout, else the cache), the judge's contexts made with it."""
    keras = pytest.importorskip("keras")
    shared = ROOT.parent / "shared" / "data" / "banknote"
    with pytest.MonkeyPatch.context() as mp:
        if (shared / "data_banknote_authentication.txt").is_file():
            mp.setenv("BANKNOTE_DATA_DIR", str(shared))  # as the Makefile sets it
        try:
            data = banknote_split()
            for q in specs.get(assignment).questions:
                if q.kind == KERAS:
                    context(assignment, q.name, 0)
        except OSError as exc:  # no cached copy and no network
            pytest.skip("the banknote data is not available here: %s" % exc)
    return keras, data


def judged_keras(assignment: str, variant: Variant, keras, data) -> tuple[dict, object]:
    """The verdict on a Keras variant (its model built once, from a fixed seed) and the model."""
    keras.utils.set_random_seed(0)
    model = answer_object(assignment, variant, keras, data)
    return judged(assignment, variant, 0, obj=model), model
