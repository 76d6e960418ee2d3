"""Question specs: how a question is asked, what is true, how its points split, which mistakes it knows.

A question spec never runs in the student's kernel. The judge builds a :class:`Context`
for each question of a submission (the inputs picked for this run, the reference answers),
then runs the question's :class:`Check` s on the reported answer and, if any fails, looks
for a :class:`Mistake` that explains the answer.

Checks are small functions ``(answer, ctx) -> Outcome``; the factories of
:mod:`autograder.judging.checks` (``values``, ``equals``, ``shape_of``, ...) cover the common cases.
A check that cannot read the answer raises :class:`Wrong` with a message for the student. A mistake
is written once, as a cell that makes it: the judge recognises it from that cell
(:mod:`autograder.judging.derived`), or, where it must be broader than one cell, from a hand-written
matcher ``(answer, ctx) -> bool``.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .answers import Wrong, describe  # noqa: F401 (the specs' vocabulary, from here)
from .numeric import (agreeing_digits, as_array, compare, nonfinite_problem,  # noqa: F401
                      precision_of)

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
    # mistakes of the questions this one uses (Question.uses) that make a right answer to this one behave as this
    # mistake does: where the earlier answer was judged to have one of them, this answer failed only because of it
    caused_by: tuple[str, ...] = ()


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
    # an answer that failed only because of an earlier wrong answer (a mistake's ``caused_by``): True, it loses its
    # points again (the course's default); False, it keeps them. Either way its verdict says which applies.
    charge_dependent: bool = True

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

    def __post_init__(self):
        for q in self.questions:
            for m in q.mistakes:
                used = {x.id for u in q.uses if u in {o.name for o in self.questions} for x in self.question(u).mistakes}
                unknown = set(m.caused_by) - used
                if unknown:
                    raise ValueError(f"mistake {m.id!r}: caused_by names {sorted(unknown)}, which are not mistakes of "
                                     f"the questions {q.name!r} uses ({list(q.uses)})")

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
