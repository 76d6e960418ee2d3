r"""The decision boundary of a sigmoid neuron with two inputs, exactly (sympy) and as floats.

A neuron :math:`p = \sigma(b + w_1 x_1 + w_2 x_2)` predicts :math:`p > 0.5` exactly where
:math:`b + w_1 x_1 + w_2 x_2 > 0`; the boundary :math:`p = 0.5` is the straight line

.. math:: x_2 = -\frac{b}{w_2} - \frac{w_1}{w_2}\, x_1 \qquad (w_2 \ne 0)

and for :math:`w_2 > 0` the region :math:`p > 0.5` lies above it.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import sympy

from .activations import _as_real_scalar, _describe

__all__ = ["X1", "X2", "decision_boundary", "decision_line"]

#: The input coordinates as sympy symbols.
X1 = sympy.Symbol("x1")
X2 = sympy.Symbol("x2")


def _exact(value: Any, name: str) -> sympy.Expr:
    """A Python/NumPy number as an exact sympy rational (0.3 -> 3/10); sympy input as is."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number or a sympy expression, got {_describe(value)}")
    _as_real_scalar(value, name)  # finite
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    # str() gives the shortest decimal that round-trips (also for float32: "0.3"), which
    # nsimplify turns into the exact rational the user typed: 0.3 -> 3/10
    return sympy.nsimplify(float(str(value)), rational=True)


def decision_boundary(b: Any, w1: Any, w2: Any) -> sympy.Expr:
    r"""The boundary line :math:`p = 0.5` as a sympy expression for :math:`x_2` in :math:`x_1`.

    Parameters
    ----------
    b : float, int or sympy expression
        Bias.
    w1, w2 : float, int or sympy expression
        Weights of :math:`x_1` and :math:`x_2`; `w2` must not be 0.

    Returns
    -------
    sympy.Expr
        An expression in :data:`X1` (``sympy.Symbol("x1")``). Decimal floats become exact
        rationals first (``0.3`` -> ``3/10``), so the result has exact coefficients.

    Notes
    -----
    .. math:: b + w_1 x_1 + w_2 x_2 = 0 \iff x_2 = -\frac{b + w_1 x_1}{w_2}

    Examples
    --------
    >>> decision_boundary(1.0, 0.3, 0.1)
    -3*x1 - 10
    >>> decision_boundary(1, 2, 0.5)
    -4*x1 - 2
    """
    b, w1, w2 = _exact(b, "b"), _exact(w1, "w1"), _exact(w2, "w2")
    if w2.is_zero:
        raise ValueError(
            "w2: expected a nonzero weight (with w2 = 0 the boundary is the vertical line "
            "b + w1*x1 = 0, not a function of x1), got 0"
        )
    return sympy.expand(-(b + w1 * X1) / w2)


def decision_line(b: float, w1: float, w2: float) -> tuple[float, float]:
    r"""Slope and intercept of the boundary line :math:`x_2 = \text{slope}\cdot x_1 + \text{intercept}`.

    Parameters
    ----------
    b : float
        Bias.
    w1, w2 : float
        Weights; `w2` must not be 0.

    Returns
    -------
    slope : float
        :math:`-w_1 / w_2`.
    intercept : float
        :math:`-b / w_2`.

    Notes
    -----
    The float version of :func:`decision_boundary`, for plotting.
    """
    b = _as_real_scalar(b, "b")
    w1 = _as_real_scalar(w1, "w1")
    w2 = _as_real_scalar(w2, "w2")
    if w2 == 0.0:
        raise ValueError("w2: expected a nonzero weight (w2 = 0 gives a vertical boundary), got 0")
    return -w1 / w2, -b / w2
