"""Checks and matchers any assignment's spec can use: results compared part by part (tuples, dicts), rows
that break the way a known mistake breaks them, named parts of an answer, single numbers."""
from __future__ import annotations

import copy

import numpy as np

from .probe import Reported
from .spec import Outcome, Wrong, as_array, compare, describe, shapes


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
            got = _part(got, part)
            if not isinstance(got, dict):
                return Outcome(False, "expected a dict with keys %s, got %s" % (", ".join(keys), describe(got)))
            missing = [k for k in keys if k not in got]
            if missing:
                return Outcome(False, "the dict you returned has no key %s (it has %s)" % (
                    ", ".join(map(repr, missing)), ", ".join(map(repr, sorted(got))) or "no keys"))
            want = _part(want, part)
            for k in keys:
                problem = compare(got[k], want[k], rtol, atol)
                if problem:
                    return Outcome(False, "%s is wrong for inputs of shapes %s: %s" % (k, shapes(case), problem))
        return Outcome(True, "%s right on all %d inputs" % (", ".join(keys), len(rows)))

    return run


def _part(x, part):
    if part is None or isinstance(x, Reported):
        return x
    if not isinstance(x, (tuple, list)) or len(x) <= part:
        raise Wrong("expected a tuple with at least %d elements, got %s" % (part + 1, describe(x)))
    return x[part]


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
