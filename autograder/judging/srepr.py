"""Reading a reported sympy object without evaluating student code.

The kernel reports ``sympy.srepr(expr)``, e.g. ``Add(Integer(-2), Mul(Integer(-4), Symbol('x1')))``.
``sympy.sympify`` and ``parse_expr`` would ``eval`` that text in the grader, so it is parsed here with
:mod:`ast` instead: only calls of whitelisted sympy constructors (numbers, symbols, arithmetic, the elementary
functions, piecewise definitions, matrices and tuples of them), no attribute access, no other call, bounded in
size, and no number so large that building it would take long.
"""
from __future__ import annotations

import ast
import math

import sympy

from .answers import Wrong
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
