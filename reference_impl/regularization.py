r"""L1 and L2 weight penalties and the regularized loss of a linear classifier.

One convention throughout the package:

.. math:: J(W) = \underbrace{\frac{1}{N}\sum_i L_i(W)}_{\text{data loss (a mean)}} + \mathrm{reg}\cdot R(W),
          \qquad R_2(W) = \sum W^2, \quad R_1(W) = \sum |W|

``l2_penalty`` is the squared norm with **no** factor 1/2 (so its gradient is ``2 W``), and
biases are never regularized.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import _as_choice, _as_float_array, _as_real_scalar
from .losses import softmax_cross_entropy, svm_loss

__all__ = [
    "l1_penalty",
    "l1_penalty_grad",
    "l2_penalty",
    "l2_penalty_grad",
    "regularized_loss",
]


def l1_penalty(W: Any) -> float:
    r"""L1 penalty, the sum of absolute weights.

    Parameters
    ----------
    W : array_like of any shape
        Weights (never the biases).

    Returns
    -------
    float
        :math:`\sum |W|`.

    Notes
    -----
    .. math:: R_1(W) = \sum_{k} |W_k|

    Examples
    --------
    >>> l1_penalty([-1, 5])
    6.0
    """
    W = _as_float_array(W, "W")
    return float(np.abs(W).sum())


def l1_penalty_grad(W: Any) -> np.ndarray:
    r"""(Sub)gradient of the L1 penalty.

    Parameters
    ----------
    W : array_like of any shape
        Weights.

    Returns
    -------
    ndarray of the shape of `W`
        :math:`\mathrm{sign}(W)`, with 0 where a weight is exactly 0.

    Notes
    -----
    .. math:: \frac{\partial R_1}{\partial W_k} = \mathrm{sign}(W_k) \quad (W_k \ne 0)

    :math:`|w|` has no derivative at 0; 0 is a valid subgradient there.
    """
    W = _as_float_array(W, "W")
    return np.sign(W)  # same shape as W


def l2_penalty(W: Any) -> float:
    r"""L2 penalty, the squared Euclidean (Frobenius) norm of the weights, without a 1/2.

    Parameters
    ----------
    W : array_like of any shape
        Weights (never the biases).

    Returns
    -------
    float
        :math:`\sum W^2`.

    Notes
    -----
    .. math:: R_2(W) = \|W\|_2^2 = \sum_{k} W_k^2

    Examples
    --------
    >>> l2_penalty([-1, 5])
    26.0
    """
    W = _as_float_array(W, "W")
    return float(np.sum(W * W))


def l2_penalty_grad(W: Any) -> np.ndarray:
    r"""Gradient of the L2 penalty.

    Parameters
    ----------
    W : array_like of any shape
        Weights.

    Returns
    -------
    ndarray of the shape of `W`
        :math:`2W`.

    Notes
    -----
    .. math:: \frac{\partial R_2}{\partial W_k} = 2 W_k
    """
    W = _as_float_array(W, "W")
    return 2.0 * W  # same shape as W


_LOSSES = {"softmax": softmax_cross_entropy, "svm": svm_loss}
_PENALTIES = {"l2": (l2_penalty, l2_penalty_grad), "l1": (l1_penalty, l1_penalty_grad)}


def regularized_loss(
    W: Any,
    X: Any,
    y: Any,
    reg: float,
    loss: str = "softmax",
    penalty: str = "l2",
) -> tuple[float, np.ndarray]:
    r"""Regularized loss of a linear classifier ``scores = X @ W`` and its gradient.

    Parameters
    ----------
    W : array_like of shape (D, C)
        Weights. There is no separate bias; to get one, append a column of ones to ``X``
        (that bias is then regularized too).
    X : array_like of shape (N, D)
        Inputs, one example per row.
    y : array_like of int, shape (N,)
        True classes, in ``0..C-1``.
    reg : float
        Regularization strength, ``>= 0``.
    loss : {"softmax", "svm"}, default "softmax"
        Data loss: softmax cross-entropy or multiclass SVM (margin 1).
    penalty : {"l2", "l1"}, default "l2"
        Weight penalty :math:`R`.

    Returns
    -------
    J : float
        Mean data loss plus ``reg * R(W)``.
    dW : ndarray of shape (D, C)
        :math:`\partial J / \partial W`.

    Notes
    -----
    .. math::
        S = XW, \qquad J = \frac{1}{N}\sum_i L_i(S) + \mathrm{reg}\, R(W)

    .. math::
        \frac{\partial J}{\partial W} = X^\top \frac{\partial L}{\partial S}
            + \mathrm{reg}\,\frac{\partial R}{\partial W}
    """
    W = _as_float_array(W, "W", ndim=2, shape_hint="(D, C)")
    X = _as_float_array(X, "X", ndim=2, shape_hint="(N, D), one example per row")
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"W: expected {X.shape[1]} rows to match X of shape {X.shape} (W has shape (D, C)), got shape {W.shape}"
        )
    reg = _as_real_scalar(reg, "reg", minimum=0.0)
    loss = _as_choice(loss, "loss", _LOSSES)
    penalty = _as_choice(penalty, "penalty", _PENALTIES)
    R, dR = _PENALTIES[penalty]
    scores = X @ W  # (N, C)
    data_loss, dscores = _LOSSES[loss](scores, y)  # float, (N, C)
    J = data_loss + reg * R(W)
    dW = X.T @ dscores + reg * dR(W)  # (D, C)
    return float(J), dW
