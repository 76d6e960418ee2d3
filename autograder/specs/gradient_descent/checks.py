"""Assignment 03: checks particular to it (the divergent run, the numerical gradient, inputs left alone, the
derivative of the sigmoid as a formula) and how two of its symbolic answers compare."""
from __future__ import annotations

import numpy as np
import sympy

import reference_impl as ref

from ...judging.checks import field, no_mutation, shapes
from ...judging.numeric import FLOAT32_TOL, agreeing_digits, differing
from ...judging.probe import Reported
from ...judging.spec import Outcome, Wrong, as_array, compare, describe
from ...judging.symbolic import by_name, differs_at, equivalent, one_expression
from .inputs import DIVERGE_STEPS, F_MIN, GRAD_KEYS, Z, diverging_run


def _truth_value(x) -> bool | None:
    """A reported truth value: a bool (Python or numpy, or an array of one), or the number 0 or 1 (not a text)."""
    if isinstance(x, bool):
        return x
    if isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "biuf":
        value = x.reshape(-1)[0]
        return bool(value) if x.dtype == bool or value in (0, 1) else None
    if isinstance(x, (int, float)) and x in (0, 1):
        return bool(x)
    return None


def moves_away(xs: np.ndarray) -> bool:
    """The judge's own test of divergence: the distance to the minimum grows and ends large."""
    dist = np.abs(np.asarray(xs, dtype=float) - F_MIN)
    if not np.all(np.isfinite(dist)):
        return True  # it overflowed on the way out
    return bool(dist[-1] > 10 * max(dist[0], 0.1))


def diverges_check(answer, ctx):
    said = _truth_value(field(answer, "diverges"))
    if said is None:
        return Outcome(False, "set diverges to True or False, got %s" % describe(field(answer, "diverges")))
    own = ""
    try:
        xs = as_array(field(answer, "iterates"))
        if xs.ndim == 1 and xs.size > 1:
            own = " (your own iterates %s)" % ("move away from the minimum x = 3" if moves_away(xs)
                                               else "do not move away from the minimum")
    except Wrong:
        pass
    if said:
        return Outcome(True, "right: with lr = 1.1 each step overshoots the minimum by more than it started%s" % own)
    return Outcome(False, "diverges = False is not what gradient descent does with lr = 1.1 here%s" % own)


def iterates_check(answer, ctx):
    xs = field(answer, "iterates")
    problem = compare(xs, diverging_run(), rtol=1e-9, atol=1e-9, reshape=True)
    if problem is None:
        return Outcome(True, "the iterates of lr = 1.1 from x0 = 0, which move away from the minimum x = 3")
    got = as_array(xs, "xs_big")
    if not problem.startswith("shape"):  # say where, not what: the expected numbers are the answer
        got = got.reshape(-1)
        bad, _, _ = differing(got, diverging_run(), 1e-9, 1e-9)
        problem = "%d of %d numbers differ, the first at step %d" % (bad.sum(), bad.size, int(np.argmax(bad)))
        digits = agreeing_digits(got[bad], diverging_run()[bad])
        if digits is not None:
            problem += " (close, but they agree only to %d digits: keep the full precision)" % digits
        elif not np.all(np.isfinite(got)):
            problem += " (your iterates hold nan or inf)"
    note = ""
    if got.ndim == 1 and got.size > 1:
        note = "; your iterates %s" % ("move away from the minimum x = 3" if moves_away(got)
                                       else "do not move away from x = 3")
    return Outcome(False, "xs_big is not the %d + 1 iterates of gradient descent on f(x) = (x - 3)² from x0 = 0 "
                   "with lr = 1.1: %s%s" % (DIVERGE_STEPS, problem, note))


def numerical_check(rel=1e-6, abs_tol=1e-8):
    """The gradients agree with the judge's centered differences of the reference loss (to float32 precision
    at least)."""
    rel = max(rel, FLOAT32_TOL)

    def run(answer, ctx):
        for (case, got, _), num in zip(ctx.results(answer), ctx.extra["numerical"]):
            if isinstance(got, Reported):
                return Outcome(False, "your function raised %s" % got.text[:300]) if got.kind == "error" else \
                    Outcome(False, "expected (loss, grads), got %s" % describe(got))
            grads = got[1] if isinstance(got, (tuple, list)) and len(got) == 2 else None
            if not isinstance(grads, dict):
                return Outcome(False, "expected (loss, grads) with grads a dict, got %s" % describe(got))
            for k in GRAD_KEYS:
                if k not in grads:
                    return Outcome(False, "grads has no key %r" % k)
                g = as_array(grads[k], k)
                if g.shape != num[k].shape:
                    return Outcome(False, "%s has shape %s, but its parameter has shape %s" % (k, g.shape, num[k].shape))
                with np.errstate(all="ignore"):
                    gap = float(np.max(np.abs(g - num[k]))) if g.size else 0.0
                    error = ref.relative_error(g, num[k]) if np.all(np.isfinite(g)) else np.inf
                if not (gap <= abs_tol or error <= rel):
                    return Outcome(False, "%s differs from a numerical gradient (centered differences of the loss): "
                                   "relative error %.2g" % (k, error))
        return Outcome(True, "every gradient agrees with centered differences of the loss (relative error < %g)" % rel)

    return run


def inputs_unchanged(answer, ctx):
    """Check: the function ran on every input and left the arrays it received as they were.

    (``checks.no_mutation`` alone would credit a function that raises before touching anything.)
    """
    for case, got, _ in ctx.results(answer):
        if isinstance(got, Reported) and got.kind == "error":
            return Outcome(False, "on inputs of shapes %s your function raised %s" % (shapes(case), got.text[:300]))
    return no_mutation()(answer, ctx)


def _symbolic(answer) -> sympy.Expr:
    if isinstance(answer, Reported) and answer.kind == "error":
        raise Wrong("reading dsigma failed: %s" % answer.text[:300])
    expr = one_expression(answer, Z)
    if expr is None:
        raise Wrong("dsigma should be a sympy expression in the symbol z, got %s" % describe(answer))
    if not isinstance(expr, sympy.Expr):
        raise Wrong("dsigma should be an expression, got %s" % type(expr).__name__)
    return by_name(expr, Z)


def sigmoid_expr(z=Z):
    return 1 / (1 + sympy.exp(-z))


def dsigma_truth() -> sympy.Expr:
    return sigmoid_expr() * (1 - sigmoid_expr())


def numerically_equal(expr, other) -> bool:
    """Equal to 10 digits at each of the judge's fixed points (a wrong variant's test)."""
    return differs_at(expr, other, Z) is None


def form_check(answer, ctx):
    expr = _symbolic(answer)
    others = sorted(s.name for s in expr.free_symbols if s != Z)
    if others:
        return Outcome(False, "dsigma should use only the symbol z, but it uses %s" % ", ".join(others))
    if Z not in expr.free_symbols:
        return Outcome(False, "dsigma should depend on z, but it is a constant")
    return Outcome(True, "a sympy expression in z")


def equivalent_check(answer, ctx):
    expr = _symbolic(answer)
    if expr.free_symbols - {Z}:
        return Outcome(False, "it uses symbols other than z, so it is not σ'(z)")
    same, how = equivalent(expr, dsigma_truth(), Z)
    if same:
        return Outcome(True, "equivalent to σ'(z), %s" % how)
    return Outcome(False, "your expression is not the derivative of σ(z) = 1/(1 + exp(-z)): %s" % how)


def same_derivative(answer, other) -> bool:
    """Two answers that are one function of z, in the symbol z alone (a mistake's example is one of them)."""
    expr, variant = _symbolic(answer), _symbolic(other)
    return all(s.name == "z" for s in expr.free_symbols | variant.free_symbols) and numerically_equal(expr, variant)


def in_another_symbol(answer, ctx) -> bool:
    """σ'(z) written in one symbol that is not z, whichever symbol it is (x, t, s...)."""
    expr = _symbolic(answer)
    symbols = list(expr.free_symbols)
    return len(symbols) == 1 and symbols[0].name != "z" and numerically_equal(expr.xreplace({symbols[0]: Z}),
                                                                               dsigma_truth())
