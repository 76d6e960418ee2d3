"""Checks and matchers any assignment's spec can use: results equal to the reference's (values, shapes, inputs
left alone), results compared part by part (tuples, dicts), rows that break the way a known mistake breaks them,
named parts of an answer, single numbers."""
from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from .numeric import agreeing_digits, as_array, compare, nonfinite_problem
from .probe import Reported
from .spec import Case, Context, Outcome, Wrong, describe


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


# --------------------------------------------------------------------------------------
# parts, rows and numbers


def close(got, want, rtol=1e-6, atol=1e-9) -> bool:
    """``got`` (a reported value: number, array, tuple or dict) equals ``want`` within the tolerance."""
    if isinstance(want, dict):
        return isinstance(got, dict) and set(got) >= set(want) and all(
            close(got[k], v, rtol, atol) for k, v in want.items())
    if isinstance(want, tuple):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and all(
            close(g, w, rtol, atol) for g, w in zip(got, want))
    try:
        return compare(got, want, rtol, atol, nonfinite_alike=True) is None
    except Wrong:
        return False


def right_on(group="regular", rtol=1e-6, atol=1e-9):
    """True when the outputs on a group of cases equal the reference outputs."""

    def ok(answer, ctx):
        rows = ctx.results(answer, group)
        return bool(rows) and all(close(got, want, rtol, atol) for _, got, want in rows)

    return ok


def _broken_rows(x) -> np.ndarray:
    """For each row (first axis) of an array: does it hold nan or an infinity?"""
    bad = ~np.isfinite(x)
    return bad.reshape(len(bad), -1).any(axis=1) if bad.ndim > 1 else bad.reshape(-1)


def breaks_like(*variants, group: str = "edge", regular: str = "regular"):
    """Mistake matcher: right on the regular cases, and on ``group`` the rows that hold nan or inf are exactly
    the rows where one of the wrong ``variants`` makes nan or inf (at least one), every other row right (or as
    the variant has it: exp() of -700 keeps few digits).

    A right-looking answer that breaks elsewhere, or for another reason, is not matched: a softmax that
    subtracted the maximum of the whole array breaks on other rows than one that subtracted nothing.
    ``group`` is the ``edge`` case (:func:`_edge`), whose rows tell the mistakes apart whatever was drawn:
    on random large scores two mistakes can break the same rows, and the name would depend on the draw.
    """
    right = right_on(regular)

    def like(variant, case, got, want):
        try:
            arr = as_array(got)
        except Wrong:
            return None
        want = np.asarray(want, dtype=np.float64)
        if arr.shape != want.shape or arr.ndim == 0:
            return None
        with np.errstate(all="ignore"):
            made = np.asarray(variant(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs)), dtype=np.float64)
        rows = _broken_rows(arr)
        if made.shape != arr.shape or not np.array_equal(rows, _broken_rows(made)):
            return None
        if not rows.all() and compare(arr[~rows], want[~rows], 1e-6, 1e-9) is not None and compare(
                arr[~rows], made[~rows], 1e-6, 1e-9) is not None:  # the other rows: right, or as the variant has them
            return None
        return bool(rows.any())

    def matches(answer, ctx):
        results = ctx.results(answer, group)
        if not results or not right(answer, ctx):
            return False
        for variant in variants:
            seen = [like(variant, case, got, want) for case, got, want in results]
            if None not in seen and any(seen):
                return True
        return False

    return matches


def dict_values(keys, part=None, group="regular", rtol=1e-6, atol=1e-9):
    """Check: the outputs (dicts of arrays, or part ``part`` of a tuple) match the reference's, key by key."""

    def run(answer, ctx):
        rows = ctx.results(answer, group)
        for case, got, want in rows:
            if isinstance(got, Reported) and got.kind == "error":
                return Outcome(False, "on inputs of shapes %s your function raised %s" % (shapes(case), got.text[:300]))
            got = part_of(got, part)
            if not isinstance(got, dict):
                return Outcome(False, "expected a dict with keys %s, got %s" % (", ".join(keys), describe(got)))
            missing = [k for k in keys if k not in got]
            if missing:
                return Outcome(False, "the dict you returned has no key %s (it has %s)" % (
                    ", ".join(map(repr, missing)), ", ".join(map(repr, sorted(got))) or "no keys"))
            want = part_of(want, part)
            for k in keys:
                problem = compare(got[k], want[k], rtol, atol)
                if problem:
                    return Outcome(False, "%s is wrong for inputs of shapes %s: %s" % (k, shapes(case), problem))
        return Outcome(True, "%s right on all %d inputs" % (", ".join(keys), len(rows)))

    return run


def field(answer, key):
    """Entry ``key`` of a dict answer (value questions that report several variables)."""
    if isinstance(answer, Reported):
        raise Wrong("the answer could not be read: %s" % describe(answer))
    if not isinstance(answer, dict) or key not in answer:
        raise Wrong("expected the variable %s to be set" % key)
    return answer[key]


def number(x, name) -> float:
    if isinstance(x, (str, bool)) or x is None:
        raise Wrong("%s should be a number (use np.inf for infinity), got %s" % (name, describe(x)))
    arr = as_array(x, name)
    if arr.ndim != 0:
        raise Wrong("%s should be a single number, got %s" % (name, describe(x)))
    return float(arr)
