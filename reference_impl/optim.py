r"""Gradient descent: the generic loop, one SGD update, and logistic regression.

Shapes: N examples (rows), D features. Updates never modify their inputs; they return new
arrays. Losses are means over the N examples, so their gradients already carry the 1/N:
do not divide by N again (that silently turns ``lr`` into ``lr / N``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .activations import _as_float_array, _as_int, _as_real_scalar, _describe, sigmoid
from .losses import binary_cross_entropy_from_logits

__all__ = [
    "gradient_descent",
    "sgd_step",
    "logistic_gd_step",
    "train_logistic_regression",
]


def gradient_descent(
    grad_fn: Callable[[Any], Any],
    x0: Any,
    lr: float,
    num_iters: int,
) -> np.ndarray:
    r"""Run plain gradient descent and return every iterate.

    Parameters
    ----------
    grad_fn : callable
        ``grad_fn(x)`` returns the gradient at ``x``, with the shape of ``x0``. It receives
        a fresh copy (a NumPy float for a scalar ``x0``), so it cannot alter the history.
    x0 : float or array_like of any shape S
        Starting point.
    lr : float
        Learning rate (step size), ``> 0``.
    num_iters : int
        Number of steps, ``>= 0``.

    Returns
    -------
    ndarray of shape (num_iters + 1, *S)
        Row 0 is ``x0``, row k is the iterate after k steps.

    Notes
    -----
    .. math:: x_{k+1} = x_k - \eta\, \nabla f(x_k)

    Examples
    --------
    >>> xs = gradient_descent(lambda x: 2 * x, 1.0, lr=0.25, num_iters=2)  # f(x) = x**2
    >>> xs.tolist()
    [1.0, 0.5, 0.25]
    """
    if not callable(grad_fn):
        raise TypeError(f"grad_fn: expected a callable returning the gradient, got {_describe(grad_fn)}")
    x0 = _as_float_array(x0, "x0")
    lr = _as_real_scalar(lr, "lr", minimum=0.0, strict=True)
    num_iters = _as_int(num_iters, "num_iters", minimum=0)
    xs = np.empty((num_iters + 1, *x0.shape))  # (num_iters + 1, *S)
    xs[0] = x0
    for k in range(num_iters):
        grad = np.asarray(grad_fn(xs[k].copy()), dtype=np.float64)  # S
        if grad.shape != x0.shape:
            raise ValueError(
                f"grad_fn: expected a gradient of shape {x0.shape} (the shape of x0), "
                f"got shape {grad.shape} at iteration {k}"
            )
        xs[k + 1] = xs[k] - lr * grad
    return xs


def sgd_step(
    params: Mapping[str, Any],
    grads: Mapping[str, Any],
    lr: float,
) -> dict[str, np.ndarray]:
    r"""One (stochastic) gradient-descent update of a dict of parameters.

    Parameters
    ----------
    params : mapping of str to array_like
        Parameters by name, e.g. ``{"W1": (D, H), "b1": (H,), ...}``.
    grads : mapping of str to array_like
        One gradient per parameter with its shape, keyed by the parameter's name (``"W1"``)
        or by ``"d"`` + the name (``"dW1"``, as :func:`two_layer_backward` returns them).
    lr : float
        Learning rate, ``> 0``.

    Returns
    -------
    dict of str to ndarray
        New parameters; ``params`` is not modified.

    Notes
    -----
    .. math:: \theta \leftarrow \theta - \eta\, \frac{\partial J}{\partial \theta}
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a dict of arrays, got {_describe(params)}")
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads: expected a dict of arrays, got {_describe(grads)}")
    lr = _as_real_scalar(lr, "lr", minimum=0.0, strict=True)
    used = set()
    new = {}
    for name, value in params.items():
        keys = [k for k in (name, f"d{name}") if k in grads]
        if len(keys) != 1:
            found = "both " + " and ".join(repr(k) for k in keys) if keys else "neither"
            raise ValueError(f"grads: expected a gradient for {name!r} (key {name!r} or 'd{name}'), got {found}")
        used.add(keys[0])
        theta = _as_float_array(value, f"params[{name!r}]")
        grad = _as_float_array(grads[keys[0]], f"grads[{keys[0]!r}]")
        if grad.shape != theta.shape:
            raise ValueError(
                f"grads[{keys[0]!r}]: expected shape {theta.shape} (the shape of params[{name!r}]), "
                f"got shape {grad.shape}"
            )
        new[name] = theta - lr * grad  # shape of theta, a new array
    extra = sorted(set(grads) - used)
    if extra:
        raise ValueError(f"grads: expected only gradients of {sorted(params)}, got extra keys {extra}")
    return new


def _check_logistic(X: Any, y: Any, w: Any, b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    X = _as_float_array(X, "X", ndim=2, shape_hint="(N, D), one example per row")
    y = _as_float_array(y, "y", ndim=(1, 2), shape_hint="(N,) or (N, 1)")
    if y.shape not in ((X.shape[0],), (X.shape[0], 1)):
        raise ValueError(f"y: expected shape ({X.shape[0]},), one target per row of X {X.shape}, got {y.shape}")
    y = y.reshape(-1)  # (N,)
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(f"y: expected binary targets 0 or 1, got {y[~np.isin(y, (0.0, 1.0))][0]}")
    w = _as_float_array(w, "w", ndim=1, shape_hint="(D,)")
    if w.shape != (X.shape[1],):
        raise ValueError(f"w: expected shape ({X.shape[1]},) to match X of shape {X.shape}, got {w.shape}")
    b = _as_real_scalar(b, "b")
    return X, y, w, b


def logistic_gd_step(X: Any, y: Any, w: Any, b: float, lr: float) -> tuple[np.ndarray, float]:
    r"""One gradient-descent step of a sigmoid neuron on the mean binary cross-entropy.

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs, one example per row.
    y : array_like of shape (N,)
        Targets, each 0 or 1.
    w : array_like of shape (D,)
        Current weights.
    b : float
        Current bias.
    lr : float
        Learning rate, ``> 0``.

    Returns
    -------
    w_new : ndarray of shape (D,)
    b_new : float

    Notes
    -----
    With :math:`p = \sigma(Xw + b)` and :math:`J = \mathrm{BCE}(p, y)` (a mean):

    .. math::
        \frac{\partial J}{\partial w} = \frac{1}{N} X^\top (p - y), \qquad
        \frac{\partial J}{\partial b} = \frac{1}{N} \sum_i (p_i - y_i)

    Examples
    --------
    The week-1 banknote point (x = (1, 2.2), fake, lr = 0.1):

    >>> w, b = logistic_gd_step([[1.0, 2.2]], [1], [0.3, 0.1], 1.0, lr=0.1)
    >>> [round(float(v), 6) for v in (*w, b)]
    [0.317946, 0.139482, 1.017946]
    """
    X, y, w, b = _check_logistic(X, y, w, b)
    lr = _as_real_scalar(lr, "lr", minimum=0.0, strict=True)
    p = np.asarray(sigmoid(X @ w + b))  # (N,)
    dz = (p - y) / X.shape[0]  # (N,), the 1/N of the mean
    dw = X.T @ dz  # (D,)
    db = dz.sum()
    return w - lr * dw, float(b - lr * db)


def train_logistic_regression(
    X: Any,
    y: Any,
    lr: float,
    num_iters: int,
    w0: Any = None,
    b0: float = 0.0,
) -> tuple[np.ndarray, float, np.ndarray]:
    r"""Full-batch gradient descent for logistic regression (a single sigmoid neuron).

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs, one example per row (standardize them for a fast, stable descent).
    y : array_like of shape (N,)
        Targets, each 0 or 1.
    lr : float
        Learning rate, ``> 0``.
    num_iters : int
        Number of steps, ``>= 0``.
    w0 : array_like of shape (D,), optional
        Starting weights; zeros by default.
    b0 : float, default 0.0
        Starting bias.

    Returns
    -------
    w : ndarray of shape (D,)
    b : float
    loss_history : ndarray of shape (num_iters,)
        Mean BCE of the parameters *before* step k.

    Notes
    -----
    Repeats :func:`logistic_gd_step`; the loss is computed from the logits
    :math:`z = Xw + b` with :func:`binary_cross_entropy_from_logits`.
    """
    X = _as_float_array(X, "X", ndim=2, shape_hint="(N, D), one example per row")
    w = np.zeros(X.shape[1]) if w0 is None else w0
    X, y, w, b = _check_logistic(X, y, w, b0)
    lr = _as_real_scalar(lr, "lr", minimum=0.0, strict=True)
    num_iters = _as_int(num_iters, "num_iters", minimum=0)
    history = np.empty(num_iters)  # (num_iters,)
    for k in range(num_iters):
        history[k] = binary_cross_entropy_from_logits(X @ w + b, y)
        w, b = logistic_gd_step(X, y, w, b, lr)
    return w, b, history
