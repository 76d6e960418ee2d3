"""Question specs: how a question is asked, what is true, how its points split, which mistakes it knows.

A question spec never runs in the student's kernel. The judge builds a :class:`Context`
for each question of a submission (the inputs picked for this run, the reference answers),
then runs the question's :class:`Check` s on the reported answer and, if any fails, looks
for a :class:`Mistake` that explains the answer.

Checks are small functions ``(answer, ctx) -> Outcome``; the factories below (``values``,
``equals``, ``shape_of``, ...) cover the common cases. A check that cannot read the answer raises
:class:`Wrong` with a message for the student. A mistake is written once, as a cell that makes it:
the judge recognises it from that cell (:mod:`autograder.judging.derived`), or, where it must be
broader than one cell, from a hand-written matcher ``(answer, ctx) -> bool``.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .answers import Wrong, describe  # noqa: F401 (the specs' vocabulary, from here)
from .numeric import (agreeing_digits, as_array, compare, nonfinite_problem,  # noqa: F401
                      precision_of)
from .probe import Reported

VALUE, FUNCTION, KERAS = "value", "function", "keras"


@dataclass(frozen=True)
class Outcome:
    passed: bool
    message: str


@dataclass(frozen=True)
class Check:
    """One part of a question's points: what is checked, and how."""

    name: str
    points: float
    run: Callable[[Any, "Context"], Outcome]


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: how to recognise it, and what to tell the student.

    ``example`` is a code cell that makes the mistake, keyed by the solution cell's ``grade_id``;
    synthetic submissions are built from it, and unless the mistake has a hand-written ``matches``
    the judge recognises it from it too: an answer that behaves as the example's does on the cases
    of ``groups`` (:mod:`autograder.judging.derived`). ``fails`` names the checks this mistake fails
    (``None``: all of them); the end-to-end tests hold the judge to it.
    """

    id: str
    title: str
    hint: str
    example: dict[str, str]
    fails: tuple[str, ...] | None = None
    matches: Callable[[Any, "Context"], bool] | None = None  # only where it must be broader than the example
    groups: tuple[str, ...] = ("regular",)


@dataclass(frozen=True)
class Case:
    """One call of a student's function: positional and keyword arguments, and a group name."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    group: str = "regular"


@dataclass
class Context:
    """What the judge knows about one question of one submission."""

    question: "Question"
    rng: np.random.Generator
    cases: list[Case] = field(default_factory=list)
    expected: list[Any] = field(default_factory=list)
    inputs: Any = None
    extra: dict = field(default_factory=dict)

    def results(self, answer, group=None):
        """(case, reported output, expected output) for the cases of a group (function questions)."""
        rows = []
        for case, reported, expected in zip(self.cases, answer, self.expected):
            if group is None or case.group == group:
                rows.append((case, reported["out"], expected))
        return rows


@dataclass(frozen=True)
class Question:
    """A graded question: one hidden grade cell (``name`` is its ``grade_id``)."""

    name: str
    title: str
    kind: str
    points: float
    checks: Sequence[Check]
    mistakes: Sequence[Mistake] = ()
    truth: Any = None  # the reference function (FUNCTION) or a zero-argument callable giving the value
    cases: Callable[[np.random.Generator], list[Case]] | None = None
    inputs: Callable[[np.random.Generator], np.ndarray] | None = None
    prepare: Callable[["Context"], None] | None = None
    uses: tuple[str, ...] = ()  # questions whose code the usual solution calls (for "fix that first" hints)
    asked: str | None = None  # what the hidden cell hands to the probe (an expression; None: the question's name)
    given: dict = field(default_factory=dict)  # names an example cell finds, defined by the notebook's earlier cells
    same: Callable[[Any, Any], bool] | None = None  # two value answers alike, as the checks read them (derived.py)

    def __post_init__(self):
        total = sum(c.points for c in self.checks)
        if abs(total - self.points) > 1e-9:
            raise ValueError(f"question {self.name!r}: checks add up to {total}, expected points={self.points}")
        if self.kind not in (VALUE, FUNCTION, KERAS):
            raise ValueError(f"question {self.name!r}: kind must be value, function or keras, got {self.kind!r}")
        if self.kind == FUNCTION and (self.cases is None or self.truth is None):
            raise ValueError(f"question {self.name!r}: a function question needs cases and truth")
        names = [m.id for m in self.mistakes]
        if len(set(names)) != len(names):
            raise ValueError(f"question {self.name!r}: duplicate mistake ids {names}")
        check_names = {c.name for c in self.checks}
        for m in self.mistakes:
            if m.fails is not None and not set(m.fails) <= check_names:
                raise ValueError(f"mistake {m.id!r}: fails {m.fails} names unknown checks {check_names}")
            if m.matches is None and self.kind == KERAS:
                raise ValueError(f"mistake {m.id!r}: a Keras question's mistake needs a hand-written matcher")

    def context(self, rng: np.random.Generator) -> Context:
        """Pick this run's inputs and compute the reference answers."""
        ctx = Context(question=self, rng=rng)
        if self.kind == FUNCTION:
            ctx.cases = list(self.cases(rng))
            ctx.expected = [self.truth(*copy.deepcopy(c.args), **copy.deepcopy(c.kwargs)) for c in ctx.cases]
        elif self.kind == KERAS and self.inputs is not None:
            ctx.inputs = self.inputs(rng)
        if self.prepare is not None:
            self.prepare(ctx)
        return ctx

    def plan(self, ctx: Context) -> dict:
        """What the kernel-side probe needs to ask this question (no expected value in it)."""
        from .probe import encode

        if self.kind == FUNCTION:
            return {"kind": FUNCTION, "cases": [{"args": encode(tuple(c.args)), "kwargs": encode(dict(c.kwargs))}
                                                for c in ctx.cases]}
        if self.kind == KERAS:
            return {"kind": KERAS, "inputs": encode(np.asarray(ctx.inputs, dtype=np.float32))}
        return {"kind": VALUE}


@dataclass(frozen=True)
class Assignment:
    """The spec of one assignment: its nbgrader name, its key in question ids, its questions."""

    name: str  # nbgrader assignment id, e.g. "01_forward_pass"
    key: str  # prefix of the question ids, e.g. "forward_pass"
    notebook: str  # notebook name without .ipynb
    questions: Sequence[Question]
    manual: dict[str, float] = field(default_factory=dict)  # grade_id -> points of hand-graded answers
    # the special synthetic students of the demo and the tests (correct, blank, crashing...), as dicts of
    # autograder.synth.Student's fields: each assignment's own, written in its spec
    special_students: Sequence[dict] = ()

    def question(self, name: str) -> Question:
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(f"assignment {self.name!r} has no question {name!r}")

    def qid(self, question: Question) -> str:
        return f"{self.key}.{question.name}"

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions) + sum(self.manual.values())


# --------------------------------------------------------------------------------------
# reading answers


def part_of(x, part):
    """Element ``part`` of a tuple answer (e.g. the gradient of ``(loss, dscores)``)."""
    if part is None:
        return x
    if isinstance(x, Reported):
        return x
    if not isinstance(x, (tuple, list)) or len(x) <= part:
        raise Wrong("expected a tuple with at least %d elements, got %s" % (part + 1, describe(x)))
    return x[part]


# --------------------------------------------------------------------------------------
# check factories


def equals(expected, rtol=1e-6, atol=1e-9, reveal=False) -> Callable[[Any, Context], Outcome]:
    """A value answer equal to ``expected`` (a value, or a callable of the context)."""

    def run(answer, ctx):
        want = expected(ctx) if callable(expected) else expected
        problem = compare(answer, want, rtol, atol, reshape=np.ndim(want) == 0)
        if problem is None:
            return Outcome(True, "correct")
        if not reveal and not problem.startswith("shape"):
            return Outcome(False, hidden_difference(as_array(answer), np.asarray(want, dtype=np.float64)))
        return Outcome(False, problem)

    return run


def hidden_difference(got: np.ndarray, want: np.ndarray) -> str:
    """How a value answer differs from the truth, without showing the truth (hints never state it)."""
    if got.size == want.size:
        got = got.reshape(want.shape)
    why = nonfinite_problem(got, want, "your answer")
    if why:
        return why
    shown = ("%.8g" % got) if got.ndim == 0 else "an array of shape %s" % (got.shape,)
    with np.errstate(all="ignore"):
        bad = ~np.isclose(got, want, rtol=0, atol=0)
    digits = agreeing_digits(got[bad], want[bad])
    if digits is not None:
        return ("got %s, which is close to the expected value but agrees with it only to %d digits: keep the "
                "full precision (do not round)" % (shown, digits))
    if got.ndim == 0:
        return "got %s, which is not the expected value" % shown
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return "got %s in which %d of %d numbers are not the expected ones (the first at index %s)" % (
        shown, bad.sum(), bad.size, first)


def shape_of(part=None) -> Callable[[Any, Context], Outcome]:
    """Every output of a function question is numeric with the reference's shape."""

    def run(answer, ctx):
        for case, got, want in ctx.results(answer):
            got = as_array(part_of(got, part), "your result")
            want = np.asarray(part_of(want, part))
            if got.shape != want.shape:
                return Outcome(False, "for inputs of shapes %s you returned shape %s, expected %s" % (
                    shapes(case), got.shape, want.shape))
        return Outcome(True, "right type and shape")

    return run


def values(group="regular", rtol=1e-6, atol=1e-9, part=None, reshape=True) -> Callable[[Any, Context], Outcome]:
    """The outputs on a group of cases equal the reference outputs."""

    def run(answer, ctx):
        rows = ctx.results(answer, group)
        failed = []
        for case, got, want in rows:
            got = part_of(got, part)
            if isinstance(got, Reported) and got.kind == "error":
                stub = " (the `raise NotImplementedError()` stub is still there)" if got.text.startswith(
                    "NotImplementedError") else ""
                return Outcome(False, "on inputs of shapes %s your function raised %s%s" % (
                    shapes(case), got.text[:300], stub))
            problem = compare(got, part_of(want, part), rtol, atol, reshape=reshape)
            if problem and not problem.startswith("shape"):
                problem = at_its_precision(ctx, case, got, part, rtol, atol, reshape, problem)
            if problem:
                failed.append((case, problem))
        if not failed:
            return Outcome(True, "right on all %d inputs" % len(rows))
        case, problem = failed[0]
        return Outcome(False, "wrong on %d of %d inputs; for inputs of shapes %s: %s" % (
            len(failed), len(rows), shapes(case), problem))

    return run


def rounded(x, dtype):
    """The inputs ``x`` as a function computing at ``dtype`` sees them: every float rounded to it."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x.astype(dtype).astype(np.float64)
    if isinstance(x, float):
        return float(dtype(x))
    if isinstance(x, (list, tuple)):
        return type(x)(rounded(v, dtype) for v in x)
    if isinstance(x, dict):
        return {k: rounded(v, dtype) for k, v in x.items()}
    return x


def truth_at_float32(ctx: Context, case: Case):
    """The reference output for ``case`` with its inputs rounded to float32, or None if the truth cannot be
    computed there. Cached in the context."""
    cache = ctx.extra.setdefault("_at_float32", {})
    if id(case) not in cache:
        try:
            with np.errstate(all="ignore"):
                cache[id(case)] = ctx.question.truth(*rounded(copy.deepcopy(case.args), np.float32),
                                                     **rounded(copy.deepcopy(case.kwargs), np.float32))
        except Exception:
            cache[id(case)] = None
    return cache[id(case)]


def at_its_precision(ctx, case, got, part, rtol, atol, reshape, problem):
    """``problem``, unless ``got`` is right for the inputs rounded to float32: a function that turns its
    inputs into float32 computes the right answer for those (softmax of scores of size 1e4 changes in
    the fourth digit when the scores are rounded to float32)."""
    if ctx.question.truth is None or not ctx.cases:
        return problem
    want = truth_at_float32(ctx, case)
    if want is None:
        return problem
    try:
        again = compare(got, part_of(want, part), rtol, atol, reshape=reshape)
    except Wrong:
        return problem
    return problem if again else None


def no_mutation() -> Callable[[Any, Context], Outcome]:
    """The function ran on every input and left its input arrays as they were."""

    def run(answer, ctx):
        for case, reported in zip(ctx.cases, answer):
            out = reported.get("out")
            if isinstance(out, Reported) and out.kind == "error":
                return Outcome(False, "your function raised %s, so this could not be checked" % out.text[:300])
            if reported.get("mutated"):
                return Outcome(False, "your function changed its input arrays; work on a copy or build new arrays")
        return Outcome(True, "inputs left unchanged")

    return run


def shapes(case: Case) -> str:
    parts = []
    for a in case.args:
        parts.append(str(tuple(np.shape(a))) if isinstance(a, np.ndarray) else type(a).__name__)
    return "(" + ", ".join(parts) + ")"

