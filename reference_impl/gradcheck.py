r"""Numerical gradients by centered differences, and the relative error used to compare them.

A typical check::

    num = numerical_gradient(lambda W: svm_loss(X @ W, y)[0], W)
    ana = X.T @ svm_loss(X @ W, y)[1]
    relative_error(ana, num)  # about 1e-9; above 1e-7 means a bug (or a kink)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .activations import _as_float_array, _as_real_scalar, _describe

__all__ = ["numerical_gradient", "relative_error"]


def numerical_gradient(f: Callable[[np.ndarray], Any], x: Any, h: float = 1e-5) -> np.ndarray:
    r"""Gradient of a scalar function by centered differences, one coordinate at a time.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a real number for an array of the shape of `x`. It receives a
        working copy of `x` (or a NumPy float for a scalar `x`) and must not modify it.
    x : float or array_like of any shape S
        Point at which to differentiate; it is not modified.
    h : float, default 1e-5
        Step, ``> 0``.

    Returns
    -------
    float64 ndarray of shape S
        :math:`\partial f / \partial x_k` for every entry k.

    Notes
    -----
    .. math:: \frac{\partial f}{\partial x_k} \approx \frac{f(x + h e_k) - f(x - h e_k)}{2h}

    The truncation error is :math:`O(h^2)`, against :math:`O(h)` for the one-sided
    difference; ``h = 1e-5`` balances it with the round-off error :math:`O(\epsilon_{mach}/h)`.
    It costs two calls of ``f`` per entry of `x`: use small problems.
    """
    if not callable(f):
        raise TypeError(f"f: expected a callable returning a number, got {_describe(f)}")
    x = _as_float_array(x, "x")
    h = _as_real_scalar(h, "h", minimum=0.0, strict=True)
    work = np.array(x, dtype=np.float64)  # S, private working copy
    grad = np.zeros_like(work)  # S
    flat_work, flat_grad = work.reshape(-1), grad.reshape(-1)  # views of size prod(S)

    def evaluate() -> float:
        arg = work[()] if work.ndim == 0 else work
        value = np.asarray(f(arg), dtype=np.float64)
        if value.size != 1:
            raise ValueError(f"f: expected a scalar return value, got an array of shape {value.shape}")
        return float(value.reshape(()))

    for k in range(flat_work.size):
        old = flat_work[k]
        flat_work[k] = old + h
        f_plus = evaluate()
        flat_work[k] = old - h
        f_minus = evaluate()
        flat_work[k] = old  # restore exactly
        flat_grad[k] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a: Any, b: Any) -> float:
    r"""Largest absolute difference, relative to the largest magnitude of the two arrays.

    Parameters
    ----------
    a, b : array_like of the same shape
        Typically an analytic and a numerical gradient.

    Returns
    -------
    float
        0 for identical arrays; about 1e-7 or less for a correct gradient checked with
        :func:`numerical_gradient` on a smooth function.

    Notes
    -----
    .. math:: \mathrm{rel}(a, b) = \frac{\max_k |a_k - b_k|}{\max\bigl(\max_k (|a_k| + |b_k|),\ 10^{-12}\bigr)}

    The denominator uses the largest entry overall, not each entry's own magnitude, so an
    entry that is nearly 0 in both arrays cannot blow the error up; the floor
    :math:`10^{-12}` makes two all-zero arrays give 0 rather than 0/0.
    """
    a = _as_float_array(a, "a")
    b = _as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} (the shape of a), got shape {b.shape}")
    if a.size == 0:
        return 0.0
    numerator = np.max(np.abs(a - b))
    denominator = max(float(np.max(np.abs(a) + np.abs(b))), 1e-12)
    return float(numerator / denominator)
