"""Symbolic answers: read a reported sympy expression without evaluating student code, and decide equivalence.

The kernel reports ``sympy.srepr(expr)``, e.g. ``Add(Integer(-2), Mul(Integer(-4), Symbol('x1')))``.
``sympy.sympify`` and ``parse_expr`` would ``eval`` that text in the grader, so it is parsed here
with :mod:`ast` instead: only calls of whitelisted sympy constructors (numbers, symbols, arithmetic,
the elementary functions, piecewise definitions, matrices and tuples of them), no attribute access,
no other call, bounded in size, and no number so large that building it would take long.

Two expressions are equivalent when they agree at many points (to 10 digits, see :mod:`.symbolic_eval`) and, where
sympy can show it cheaply, their difference simplifies to 0; see :func:`equivalent`.
"""
from __future__ import annotations

import ast
import math

import numpy as np
import sympy

from .probe import Reported
from .numeric import Wrong, describe
from .symbolic_eval import NotNumeric, value

_FUNCTIONS = (
    "Add", "Mul", "Pow", "exp", "log", "sqrt", "cbrt", "root",
    "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "acot", "asec", "acsc", "atan2",
    "sinh", "cosh", "tanh", "coth", "sech", "csch", "asinh", "acosh", "atanh", "acoth", "asech", "acsch",
    "Abs", "sign", "Max", "Min", "Heaviside", "floor", "ceiling", "re", "im", "conjugate", "erf",
    "Piecewise", "Eq", "Equality", "Unequality", "StrictGreaterThan", "StrictLessThan",
    "GreaterThan", "LessThan", "And", "Or", "Not", "Tuple", "FiniteSet", "Lambda",
)
ALLOWED = {name: getattr(sympy, name) for name in _FUNCTIONS}
ALLOWED.update({
    "ExprCondPair": sympy.functions.elementary.piecewise.ExprCondPair,
    "Integer": sympy.Integer, "Rational": sympy.Rational,
    "Half": lambda: sympy.S.Half, "One": lambda: sympy.S.One, "Zero": lambda: sympy.S.Zero,
    "NegativeOne": lambda: sympy.S.NegativeOne, "Exp1": lambda: sympy.E, "Pi": lambda: sympy.pi,
    "Infinity": lambda: sympy.oo, "NegativeInfinity": lambda: -sympy.oo, "ImaginaryUnit": lambda: sympy.I,
    "MutableDenseMatrix": sympy.ImmutableMatrix, "ImmutableDenseMatrix": sympy.ImmutableMatrix,
    "Matrix": sympy.ImmutableMatrix,
})
CONSTANTS = {"pi": sympy.pi, "E": sympy.E, "oo": sympy.oo, "zoo": sympy.zoo, "nan": sympy.nan, "I": sympy.I,
             "EulerGamma": sympy.EulerGamma, "true": sympy.true, "false": sympy.false}
ASSUMPTIONS = {"real", "positive", "negative", "nonnegative", "nonpositive", "nonzero", "zero", "integer",
               "rational", "finite", "complex", "extended_real", "commutative", "imaginary", "even", "odd"}
MAX_NODES = 2000
MAX_TEXT = 100_000
MAX_BITS = 4000  # the largest integer (numerator, denominator) an answer may hold, in bits


def _too_large(value) -> bool:
    if isinstance(value, sympy.Rational):
        return max(abs(value.p).bit_length(), abs(value.q).bit_length()) > MAX_BITS
    if isinstance(value, sympy.Float):
        _, man, exp, bc = value._mpf_ if len(value._mpf_) == 4 else (0, 0, 0, 0)
        return bool(man) and abs(exp + bc) > MAX_BITS
    return False


def _power(base, exponent):
    """Pow, refused where it would build a huge number (2**(10**29))."""
    if isinstance(base, sympy.Rational) and isinstance(exponent, sympy.Rational) and abs(base) not in (0, 1):
        bits = max(abs(base.p).bit_length(), abs(base.q).bit_length())
        if bits * abs(exponent.p) > MAX_BITS * abs(exponent.q):
            raise Wrong("a number in the symbolic answer is too large")
    return sympy.Pow(base, exponent)


def _symbol(name, **assumptions):
    if not isinstance(name, str) or not name or len(name) > 100:
        raise Wrong("a symbol name in the symbolic answer is not a short text")
    return sympy.Symbol(name, **assumptions)


def _integer(value):
    if not (isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30):
        raise Wrong("an integer in the symbolic answer is too large")
    return sympy.Integer(value)


def _float(value, precision=53):
    if not isinstance(value, (str, int, float)) or len(str(value)) > 1200 or not (
            isinstance(precision, int) and 1 <= precision <= 4000):
        raise Wrong("a decimal number in the symbolic answer could not be read")
    result = sympy.Float(value, precision=precision)
    if _too_large(result):
        raise Wrong("a number in the symbolic answer is too large")
    return result


def parse_srepr(text: str) -> sympy.Basic:
    """A sympy object from an ``srepr`` string, built from whitelisted constructors only."""
    if len(text) > MAX_TEXT:
        raise Wrong("the symbolic answer is too large")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise Wrong("the symbolic answer could not be read") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise Wrong("the symbolic answer is too large")
    try:
        result = _build(tree.body, 0)
    except Wrong:
        raise
    except RecursionError:
        raise Wrong("the symbolic answer is nested too deeply") from None
    except (TypeError, ValueError, AttributeError, ArithmeticError, IndexError, KeyError):
        raise Wrong("the symbolic answer could not be built from its parts") from None
    if not isinstance(result, sympy.Basic):
        raise Wrong("the symbolic answer is not a sympy object")
    return result


def _build(node, depth):
    if depth > 200:
        raise Wrong("the symbolic answer is nested too deeply")
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)) and node.value is not None:
        if isinstance(node.value, str) and len(node.value) > 1200:
            raise Wrong("a name in the symbolic answer is too long")
        if isinstance(node.value, int) and not isinstance(node.value, bool) and abs(node.value) >= 10**30:
            raise Wrong("an integer in the symbolic answer is too large")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _build(node.operand, depth + 1)
        if isinstance(value, (str, bool)):
            raise Wrong("the symbolic answer holds a sign before a text")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return CONSTANTS[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_build(e, depth + 1) for e in node.elts]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node, depth)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Call):
        raise Wrong("the symbolic answer uses an undefined function (sympy.Function): write it out with "
                    "sympy's own functions, such as sympy.exp")
    raise Wrong("the symbolic answer holds something that is not arithmetic (%s)" % type(node).__name__)


def _call(node, depth):
    name = node.func.id
    args = [_build(a, depth + 1) for a in node.args]
    if name == "Symbol":
        kwargs = {k.arg: _build(k.value, depth + 1) for k in node.keywords if k.arg in ASSUMPTIONS}
        if not all(isinstance(v, bool) for v in kwargs.values()):
            raise Wrong("a symbol's assumptions should be True or False")
        return _symbol(*args, **kwargs)
    if name == "Integer":
        return _integer(*args)
    if name == "Float":
        kwargs = {k.arg: _build(k.value, depth + 1) for k in node.keywords if k.arg in ("precision", "dps")}
        return _float(*args, precision=kwargs.get("precision", 53))
    if name not in ALLOWED:
        raise Wrong("the symbolic answer calls %s, which is not one of sympy's arithmetic or elementary "
                    "functions" % name[:40])
    if any(isinstance(a, str) for a in args):
        raise Wrong("the symbolic answer holds text where a number or expression belongs")
    if name in ("Integer", "Rational") and not all(isinstance(a, (int, sympy.Integer)) for a in args):
        raise Wrong("a fraction in the symbolic answer should hold two integers")
    if name == "Rational":
        args = [_integer(int(a)) for a in args]
    result = _power(*args) if name == "Pow" and len(args) == 2 else ALLOWED[name](*args)
    if _too_large(result) or _overflows(result):
        raise Wrong("a number in the symbolic answer is too large")
    return result


INFINITIES = (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan)


def _overflows(result) -> bool:
    """A number beyond double precision (exp(exp(100))): sympy would evaluate it without end when it
    compares it (in Max, Abs, Piecewise, simplify), so the answer may not hold one."""
    if not isinstance(result, sympy.Expr) or result.free_symbols or result.has(*INFINITIES):
        return False
    try:
        v = value(result)
    except NotNumeric:
        return False
    return not (math.isfinite(v.real) and math.isfinite(v.imag)) or abs(v) > 1e300


# --------------------------------------------------------------------------------------
# numbers reported as sympy objects


def number_of(text: str):
    """The value of a reported sympy number as a Python float (complex if not real), a nested list for a
    matrix or tuple of numbers, or None if the text is not one."""
    try:
        expr = parse_srepr(text)
    except Wrong:
        return None
    return _value(expr)


def _value(expr):
    if isinstance(expr, (sympy.MatrixBase, sympy.Tuple)):
        rows = expr.tolist() if isinstance(expr, sympy.MatrixBase) else list(expr)
        out = [_value(r) if isinstance(r, sympy.Basic) else [_value(v) for v in r] for r in rows]
        return None if any(v is None or (isinstance(v, list) and None in v) for v in out) else out
    if not isinstance(expr, sympy.Expr) or expr.free_symbols:
        return None
    try:
        v = value(expr)
    except NotNumeric:
        return None
    return v.real if v.imag == 0 else v


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
    from .numeric import as_array

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
