"""A known mistake written once: its matcher derived from its example cell.

A :class:`~autograder.judging.spec.Mistake` without a hand-written ``matches`` is recognised by its
``example``: the cell runs once per grading process, here on the grader's side (never in a student's
kernel), in a namespace like the notebook's (numpy as ``np``, sympy, and the names the question's
``given`` lists for what the notebook's earlier cells define). The object the question's hidden cell
asks for is then asked as the probe asks a student's (:class:`~autograder.judging.probe.Probe`), so that
both answers arrive in the same form, and a student's answer makes the mistake when it behaves as the
example's does:

* function questions: on each case of the mistake's ``groups`` (the regular cases unless it says
  otherwise) the same result, within the matchers' tolerance, tuples and dicts part by part, nan and
  infinities alike; and where the example changes its input arrays, the student's function does too;
* value questions: the same value, as the question's ``same`` compares two answers (by default the numbers,
  part by part).

Writing the mistake once keeps its example and its matcher from drifting apart: the end-to-end tests build
synthetic students from the example, and the judge names the mistake from the same cell.
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import warnings
from typing import Any, Callable

import numpy as np
import sympy

from .checks import close
from .probe import Probe, Reported, decode, encode
from .spec import FUNCTION, VALUE, Context, Mistake, Question

RTOL, ATOL = 1e-6, 1e-9  # the matchers' tolerance (never finer than float32's: numeric.differing)
_asked: dict[int, tuple[Mistake, Any]] = {}  # id(mistake) -> (mistake, the object its example cell defines)


def matcher(question: Question, mistake: Mistake) -> Callable[[Any, Context], bool]:
    """How the judge recognises ``mistake``: its own ``matches``, or the one its example gives."""
    if mistake.matches is not None:
        return mistake.matches
    if question.kind == FUNCTION:
        return lambda answer, ctx: behaves_like(example_object(question, mistake), mistake.groups, answer, ctx)
    if question.kind == VALUE:
        same = question.same or close
        return lambda answer, ctx: bool(same(answer, example_object(question, mistake)))
    raise ValueError("mistake %r of a %s question needs a hand-written matcher" % (mistake.id, question.kind))


def example_object(question: Question, mistake: Mistake):
    """What the hidden cell of ``question`` asks for after the mistake's example cell ran (a value as the probe
    reports it); computed once per process."""
    found = _asked.get(id(mistake))
    if found is None or found[0] is not mistake:
        found = _asked[id(mistake)] = (mistake, _run_example(question, mistake))
    return found[1]


@contextlib.contextmanager
def as_in_a_kernel():
    """An example's warnings and prints go nowhere, and its float overflows are results, not errors."""
    with warnings.catch_warnings(), np.errstate(all="ignore"), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def _run_example(question: Question, mistake: Mistake):
    ns = {"np": np, "numpy": np, "math": math, "sympy": sympy, **copy.deepcopy(dict(question.given))}
    with as_in_a_kernel():
        for cell, source in mistake.example.items():
            exec(compile(source, "<example %s: %s>" % (mistake.id, cell), "exec"), ns)
        obj = eval(question.asked or question.name, ns)
    return decode(encode(obj)) if question.kind == VALUE else obj


def reported(fn, ctx: Context) -> list[dict]:
    """The example function's report on the context's cases, as a student's kernel would send it."""
    plan = ctx.question.plan(ctx)
    with as_in_a_kernel():
        return decode(Probe("example", json.dumps({"q": plan}))._call_each(fn, plan["cases"]))


def behaves_like(fn, groups: tuple[str, ...], answer, ctx: Context) -> bool:
    """The answer's results on the cases of ``groups`` are the example function's (see the module's docstring)."""
    mine = [(case, got) for case, got in zip(ctx.cases, answer) if case.group in groups]
    if not mine:
        return False
    key = "_example_%d" % id(fn)
    if key not in ctx.extra:
        ctx.extra[key] = reported(fn, ctx)
    theirs = {id(case): got for case, got in zip(ctx.cases, ctx.extra[key])}
    return all(_alike(got, theirs[id(case)]) for case, got in mine)


def _alike(got: dict, want: dict) -> bool:
    if want["mutated"] and not got.get("mutated"):
        return False
    out, expected = got["out"], want["out"]
    if isinstance(expected, Reported):
        return isinstance(out, Reported) and out.kind == expected.kind
    return not isinstance(out, Reported) and close(out, expected, RTOL, ATOL)
