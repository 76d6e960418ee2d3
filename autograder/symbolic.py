"""Symbolic answers: read a reported sympy expression without evaluating student code.

The kernel reports ``sympy.srepr(expr)``, e.g. ``Add(Integer(-2), Mul(Integer(-4), Symbol('x1')))``.
``sympy.sympify`` and ``parse_expr`` would ``eval`` that text in the grader, so it is parsed here
with :mod:`ast` instead, allowing only sympy constructors of numbers, symbols and arithmetic.
"""
from __future__ import annotations

import ast

import sympy

from .probe import Reported
from .spec import Wrong, describe

ALLOWED = {
    name: getattr(sympy, name)
    for name in ("Add", "Mul", "Pow", "Symbol", "Integer", "Rational", "Float", "Eq", "Equality",
                 "exp", "log", "sqrt", "pi", "E")
}
ALLOWED.update({"Half": lambda: sympy.S.Half, "One": lambda: sympy.S.One, "Zero": lambda: sympy.S.Zero,
                "NegativeOne": lambda: sympy.S.NegativeOne, "Exp1": lambda: sympy.E, "Pi": lambda: sympy.pi})
MAX_NODES = 2000


def parse_srepr(text: str) -> sympy.Basic:
    """A sympy object from an ``srepr`` string, built from whitelisted constructors only."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise Wrong("the symbolic answer could not be read") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise Wrong("the symbolic answer is too large")

    def build(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
            if isinstance(node.value, str) and len(node.value) > 100:
                raise Wrong("a name in the symbolic answer is too long")
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -build(node.operand)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ALLOWED:
            args = [build(a) for a in node.args]
            kwargs = {k.arg: build(k.value) for k in node.keywords if k.arg in ("precision", "real", "positive")}
            if node.func.id == "Integer" and not (args and isinstance(args[0], int) and abs(args[0]) < 10**30):
                raise Wrong("an integer in the symbolic answer is too large")
            return ALLOWED[node.func.id](*args, **kwargs)
        raise Wrong("the symbolic answer holds something that is not arithmetic (%s)" % type(node).__name__)

    return build(tree.body)


X1, X2 = sympy.Symbol("x1"), sympy.Symbol("x2")


def line_of(answer) -> tuple[sympy.Expr, sympy.Expr]:
    """(slope, intercept) of a line x2 = slope·x1 + intercept, from any accepted form.

    Accepted: an expression in x1 (the right-hand side for x2), an equation in x1 and x2
    (``Eq(x2, ...)`` or any equivalent one), or a pair of numbers (slope, intercept).
    """
    if isinstance(answer, (tuple, list)) and len(answer) == 2 and not any(isinstance(a, Reported) for a in answer):
        try:
            return sympy.nsimplify(float(answer[0]), rational=True), sympy.nsimplify(float(answer[1]), rational=True)
        except (TypeError, ValueError):
            raise Wrong("a (slope, intercept) pair should hold two numbers") from None
    if not (isinstance(answer, Reported) and answer.kind == "sympy"):
        raise Wrong("expected a sympy expression for x2 or a pair (slope, intercept), got %s" % describe(answer))
    expr = parse_srepr(answer.text)
    if isinstance(expr, sympy.Equality):
        solutions = sympy.solve(expr, X2)
        if len(solutions) != 1:
            raise Wrong("the equation does not give x2 as one function of x1")
        expr = solutions[0]
    if not isinstance(expr, sympy.Expr):
        raise Wrong("expected an expression, got %s" % type(expr).__name__)
    expr = sympy.nsimplify(expr, rational=True)
    if not expr.free_symbols <= {X1}:
        names = ", ".join(sorted(str(s) for s in expr.free_symbols - {X1}))
        raise Wrong("the expression for x2 should use only the symbol x1, but it uses %s" % names)
    if expr.has(X1):
        try:
            degree = sympy.Poly(expr, X1).degree()
        except sympy.PolynomialError:
            degree = None
        if degree is None or degree > 1:
            raise Wrong("the boundary of a single neuron is a straight line, but this expression is not linear in x1")
    slope = sympy.diff(expr, X1)
    return sympy.simplify(slope), sympy.simplify(expr.subs(X1, 0))
