"""Symbolic answers: a reported sympy expression (read safely by :mod:`.srepr`) judged for equivalence.

Two expressions are equivalent when they agree at many points (to 10 digits, see :mod:`.symbolic_eval`) and, where
sympy can show it cheaply, their difference simplifies to 0; see :func:`equivalent`.
"""
from __future__ import annotations

import math

import numpy as np
import sympy

from .answers import Wrong, describe
from .numeric import as_array
from .probe import Reported
from .srepr import number_of, parse_srepr
from .symbolic_eval import NotNumeric, value

def one_expression(answer, var: sympy.Symbol) -> sympy.Basic | None:
    """The sympy object of an answer given as one expression, or wrapped the ways sympy hands one back:
    ``sympy.solve``'s ``[expr]`` or ``[{x2: expr}]``, ``solveset``'s ``{expr}``, ``Lambda(v, expr)`` (then in
    ``var``). None if the answer is no sympy object; :class:`Wrong` if it is one that cannot be read."""
    for _ in range(2):
        if isinstance(answer, dict) and len(answer) == 1:
            answer = next(iter(answer.values()))
        if isinstance(answer, (list, tuple)) and len(answer) == 1:
            answer = answer[0]
    if isinstance(answer, Reported) and answer.kind == "error":
        raise Wrong("reading the answer failed: %s" % answer.text[:300])
    if not (isinstance(answer, Reported) and answer.kind == "sympy"):
        return None
    expr = parse_srepr(answer.text)
    if isinstance(expr, sympy.FiniteSet) and len(expr) == 1:
        expr = next(iter(expr))
    if isinstance(expr, sympy.Lambda) and len(expr.variables) == 1:
        expr = expr.expr.xreplace({expr.variables[0]: var})
    return expr


def by_name(expr: sympy.Basic, *symbols: sympy.Symbol) -> sympy.Basic:
    """``expr`` with each symbol named like one of ``symbols`` (whatever its assumptions) replaced by it."""
    wanted = {s.name: s for s in symbols}
    swap = {s: wanted[s.name] for s in expr.free_symbols if s.name in wanted and s != wanted[s.name]}
    return expr.xreplace(swap) if swap else expr


# --------------------------------------------------------------------------------------
# equivalence of expressions in one variable

POINTS = tuple(float(p) for p in np.random.default_rng(20260).uniform(-7.0, 7.0, size=24))  # fixed: same verdict
NUMERIC_TOL = 1e-10
SIMPLIFY_MAX_OPS = 80  # sympy.simplify only on differences up to this size (it can take long on big ones)


def value_at(expr: sympy.Expr, var: sympy.Symbol, point: float) -> complex | None:
    """``expr`` at ``var = point`` (double precision), or None where it is not a finite number."""
    try:
        v = value(expr, {var.name: point})
    except NotNumeric:
        return None
    return v if math.isfinite(v.real) and math.isfinite(v.imag) else None


def differs_at(expr: sympy.Expr, truth: sympy.Expr, var: sympy.Symbol, points=POINTS, tol=NUMERIC_TOL):
    """The first point where ``expr`` and ``truth`` differ (or ``expr`` is no finite number), else None."""
    for p in points:
        a, b = value_at(expr, var, p), value_at(truth, var, p)
        if b is None:
            continue
        if a is None or abs(a - b) > tol * (1 + abs(b)):
            return p
    return None


def simplifies_to_zero(difference: sympy.Expr, var: sympy.Symbol) -> bool | None:
    """True if sympy shows ``difference`` is 0 (cheap rewrites first), None where it cannot tell."""
    real = sympy.Symbol(var.name, real=True)
    d = difference.xreplace({var: real})
    try:
        if d == 0 or sympy.cancel(sympy.together(d.rewrite(sympy.exp))) == 0:
            return True
        if sympy.count_ops(d) <= SIMPLIFY_MAX_OPS and sympy.simplify(d) == 0:
            return True
    except Exception:  # sympy gives up on some forms in its own ways; numbers decide then
        return None
    return None


def equivalent(expr: sympy.Expr, truth: sympy.Expr, var: sympy.Symbol) -> tuple[bool, str]:
    """(equal as functions of ``var`` on the reals, how that was decided).

    The expressions must agree at every one of :data:`POINTS` (to 10 digits); then sympy tries to
    simplify their difference to 0. If it cannot (some equivalent forms defeat it), agreement at
    all the points to 10 digits decides: two different elementary functions do not agree there.
    """
    where = differs_at(expr, truth, var)
    if where is not None:
        return False, "it differs from the right derivative at %s = %.3g" % (var.name, where)
    if simplifies_to_zero(expr - truth, var):
        return True, "checked symbolically and at %d points" % len(POINTS)
    return True, "checked at %d points (to 10 digits)" % len(POINTS)


# --------------------------------------------------------------------------------------
# a line x2 = slope * x1 + intercept

X1, X2 = sympy.Symbol("x1"), sympy.Symbol("x2")


def _pair(answer) -> tuple[float, float] | None:
    """(slope, intercept) from a pair of numbers in any numeric form, or None if ``answer`` is no pair."""
    if isinstance(answer, Reported) and answer.kind == "sympy":
        value = number_of(answer.text)
        if not (isinstance(value, list) and len(value) == 2):
            return None
        answer = value
    if isinstance(answer, np.ndarray) and answer.size == 2 and answer.dtype.kind in "biuf":
        answer = list(answer.reshape(-1))
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return None
    if all(isinstance(a, Reported) and a.kind == "sympy" and number_of(a.text) is None for a in answer):
        return None  # two expressions, not numbers
    try:
        values = as_array(list(answer), "a (slope, intercept) pair").reshape(-1)
    except Wrong:
        raise Wrong("a (slope, intercept) pair should hold two numbers, got %s" % describe(answer)) from None
    if values.size != 2:
        raise Wrong("a (slope, intercept) pair should hold two numbers, got %s" % describe(answer))
    return float(values[0]), float(values[1])


def line_of(answer) -> tuple[float, float]:
    """(slope, intercept) of a line x2 = slope·x1 + intercept, from any accepted form.

    Accepted: an expression in x1 (the right-hand side for x2), an equation in x1 and x2
    (``Eq(x2, ...)`` or any equivalent one), either as sympy hands it back (see
    :func:`one_expression`), or a pair of numbers (slope, intercept) as a tuple, list, array or
    sympy Tuple. Symbols count by name, whatever their assumptions (``Symbol('x1', real=True)``).
    """
    pair = _pair(answer)
    if pair is not None:
        return pair
    expr = one_expression(answer, X1)
    if expr is None:
        raise Wrong("expected a sympy expression for x2 or a pair (slope, intercept), got %s" % describe(answer))
    expr = by_name(expr, X1, X2)
    if isinstance(expr, sympy.Equality):
        expr = _solved_for_x2(expr)
    if not isinstance(expr, sympy.Expr):
        raise Wrong("expected an expression, got %s" % type(expr).__name__)
    if not expr.free_symbols <= {X1}:
        names = ", ".join(sorted(str(s) for s in expr.free_symbols - {X1}))
        raise Wrong("the expression for x2 should use only the symbol x1, but it uses %s" % names)
    return _slope_intercept(expr)


def _solved_for_x2(equation: sympy.Equality) -> sympy.Expr:
    """x2 from an equation linear in x2 (without sympy.solve, which can take long on other equations)."""
    d = equation.lhs - equation.rhs
    try:
        a = sympy.expand(sympy.diff(d, X2))
    except Exception:
        a = None
    if a is None or a.has(X2) or a == 0:
        raise Wrong("the equation does not give x2 as one function of x1")
    return -d.subs(X2, 0) / a


def _slope_intercept(expr: sympy.Expr) -> tuple[float, float]:
    real = sympy.Symbol("x1", real=True)
    e = expr.xreplace({X1: real})
    intercept = value_at(e, real, 0.0)
    slope = value_at(e, real, 1.0)
    if intercept is None or slope is None or abs(intercept.imag) > 1e-12 or abs(slope.imag) > 1e-12:
        raise Wrong("the expression for x2 does not give a real number at every x1")
    slope_, intercept_ = slope.real - intercept.real, intercept.real
    line = slope_ * real + intercept_
    if differs_at(e, line, real, tol=1e-9) is not None:
        raise Wrong("the boundary of a single neuron is a straight line, but this expression is not linear in x1")
    return slope_, intercept_
