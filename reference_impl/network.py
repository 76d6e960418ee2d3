r"""A two-layer neural network: initialization, forward, backward, loss, training, prediction.

Shapes: N examples (rows), D inputs, H hidden units, C outputs. Parameters live in a dict
``{"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}`` and gradients in a dict with the
same shapes under ``"dW1"``, ``"db1"``, ``"dW2"``, ``"db2"``.

.. math::
    Z_1 = X W_1 + b_1, \quad A_1 = f(Z_1), \quad Z_2 = A_1 W_2 + b_2, \quad P = g(Z_2)

with a hidden activation :math:`f` (sigmoid or ReLU) and an output :math:`g`: softmax over
C >= 2 classes (loss: mean cross-entropy, integer labels) or sigmoid with C = 1 (loss: mean
binary cross-entropy, 0/1 targets). The L2 penalty ``reg * (sum W1**2 + sum W2**2)`` covers
the weights, never the biases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .activations import (
    _as_choice,
    _as_float_array,
    _as_int,
    _as_real_scalar,
    _describe,
    relu,
    sigmoid,
    softmax,
)
from .losses import _as_labels, binary_cross_entropy_from_logits, cross_entropy_per_example
from .optim import sgd_step
from .regularization import l2_penalty, l2_penalty_grad

__all__ = [
    "init_two_layer",
    "two_layer_forward",
    "two_layer_backward",
    "two_layer_loss",
    "train_two_layer",
    "two_layer_predict",
    "accuracy",
]

_HIDDEN = ("sigmoid", "relu")
_OUTPUT = ("softmax", "sigmoid")
_PARAM_NAMES = ("W1", "b1", "W2", "b2")


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), got {_describe(rng)}")
    return rng


def init_two_layer(D: int, H: int, C: int, rng: np.random.Generator, scale: float = 0.1) -> dict[str, np.ndarray]:
    r"""Small random weights and zero biases for a D -> H -> C network.

    Parameters
    ----------
    D, H, C : int
        Numbers of inputs, hidden units and outputs (C = 1 for a sigmoid output).
    rng : numpy.random.Generator
        Source of randomness.
    scale : float, default 0.1
        Standard deviation of the weights.

    Returns
    -------
    dict
        ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,).

    Notes
    -----
    .. math:: W_{1}, W_{2} \sim \mathcal{N}(0, \mathrm{scale}^2), \qquad b_1 = 0,\ b_2 = 0

    Random (not zero) weights break the symmetry between hidden units.
    """
    D = _as_int(D, "D", minimum=1)
    H = _as_int(H, "H", minimum=1)
    C = _as_int(C, "C", minimum=1)
    rng = _check_rng(rng)
    scale = _as_real_scalar(scale, "scale", minimum=0.0)
    return {
        "W1": scale * rng.standard_normal((D, H)),  # (D, H)
        "b1": np.zeros(H),  # (H,)
        "W2": scale * rng.standard_normal((H, C)),  # (H, C)
        "b2": np.zeros(C),  # (C,)
    }


def _check_params(params: Any, D: int, output: str) -> dict[str, np.ndarray]:
    """Validated float64 copies-or-views of W1, b1, W2, b2 fitting D inputs."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a dict with keys {list(_PARAM_NAMES)}, got {_describe(params)}")
    missing = [k for k in _PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"params: expected keys {list(_PARAM_NAMES)}, missing {missing}")
    W1 = _as_float_array(params["W1"], "params['W1']", ndim=2, shape_hint="(D, H)")
    b1 = _as_float_array(params["b1"], "params['b1']", ndim=1, shape_hint="(H,)")
    W2 = _as_float_array(params["W2"], "params['W2']", ndim=2, shape_hint="(H, C)")
    b2 = _as_float_array(params["b2"], "params['b2']", ndim=1, shape_hint="(C,)")
    H, C = W1.shape[1], W2.shape[1]
    expected = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
    for name, arr in zip(_PARAM_NAMES, (W1, b1, W2, b2)):
        if arr.shape != expected[name]:
            raise ValueError(
                f"params[{name!r}]: expected shape {expected[name]} for D={D} inputs, "
                f"H={H} hidden units (W1 {W1.shape}), C={C} outputs (W2 {W2.shape}), got shape {arr.shape}"
            )
    if output == "sigmoid" and C != 1:
        raise ValueError(f"params['W2']: expected shape ({H}, 1) for a sigmoid output (C = 1), got {W2.shape}")
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def two_layer_forward(
    X: Any,
    params: Mapping[str, Any],
    hidden: str = "sigmoid",
    output: str = "softmax",
) -> tuple[np.ndarray, dict[str, Any]]:
    r"""Forward pass of the two-layer network.

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs, one example per row.
    params : dict
        ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,).
    hidden : {"sigmoid", "relu"}, default "sigmoid"
        Hidden activation :math:`f`.
    output : {"softmax", "sigmoid"}, default "softmax"
        Output activation :math:`g`; ``"sigmoid"`` needs C = 1.

    Returns
    -------
    out : ndarray of shape (N, C)
        Probabilities: rows sum to 1 (softmax) or P(class 1) in one column (sigmoid).
    cache : dict
        What :func:`two_layer_backward` needs: ``X``, the parameters, ``Z1``, ``A1``, ``Z2``,
        ``out`` and the two activation names.

    Notes
    -----
    .. math::
        Z_1 = X W_1 + b_1\ (N, H), \quad A_1 = f(Z_1), \quad
        Z_2 = A_1 W_2 + b_2\ (N, C), \quad P = g(Z_2)
    """
    X = _as_float_array(X, "X", ndim=2, shape_hint="(N, D), one example per row")
    hidden = _as_choice(hidden, "hidden", _HIDDEN)
    output = _as_choice(output, "output", _OUTPUT)
    p = _check_params(params, X.shape[1], output)
    Z1 = X @ p["W1"] + p["b1"]  # (N, H)
    A1 = np.asarray(sigmoid(Z1) if hidden == "sigmoid" else relu(Z1))  # (N, H)
    Z2 = A1 @ p["W2"] + p["b2"]  # (N, C)
    out = softmax(Z2, axis=1) if output == "softmax" else np.asarray(sigmoid(Z2))  # (N, C)
    cache = {"X": X, **p, "Z1": Z1, "A1": A1, "Z2": Z2, "out": out, "hidden": hidden, "output": output}
    return out, cache


def _check_targets(y: Any, N: int, C: int, output: str) -> np.ndarray:
    """Integer labels (N,) for a softmax output, 0/1 targets (N,) for a sigmoid output."""
    if output == "softmax":
        return _as_labels(y, "y", num_examples=N, num_classes=C)
    y = _as_float_array(y, "y", ndim=(1, 2), shape_hint="(N,) or (N, 1)")
    if y.shape not in ((N,), (N, 1)):
        raise ValueError(f"y: expected shape ({N},), one target per example, got shape {y.shape}")
    y = y.reshape(-1)  # (N,)
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(f"y: expected binary targets 0 or 1 for a sigmoid output, got {y[~np.isin(y, (0.0, 1.0))][0]}")
    return y


def two_layer_backward(y: Any, cache: Mapping[str, Any]) -> dict[str, np.ndarray]:
    r"""Gradients of the mean data loss with respect to every parameter.

    Parameters
    ----------
    y : array_like of shape (N,)
        Integer labels in ``0..C-1`` (softmax output) or 0/1 targets (sigmoid output).
    cache : dict
        The cache returned by :func:`two_layer_forward`.

    Returns
    -------
    dict
        ``dW1`` (D, H), ``db1`` (H,), ``dW2`` (H, C), ``db2`` (C,) of the mean
        cross-entropy (softmax) or mean binary cross-entropy (sigmoid), without any penalty.

    Notes
    -----
    Both output/loss pairs give the same error signal at the output logits,
    :math:`\partial L/\partial Z_2 = (P - Y)/N` (Y one-hot, or the 0/1 column). Then

    .. math::
        dW_2 = A_1^\top dZ_2, \quad db_2 = \textstyle\sum_i dZ_2, \quad
        dZ_1 = (dZ_2 W_2^\top) \odot f'(Z_1), \quad dW_1 = X^\top dZ_1, \quad db_1 = \textstyle\sum_i dZ_1

    with :math:`f' = A_1(1 - A_1)` for the sigmoid and :math:`[Z_1 > 0]` for ReLU.
    """
    if not isinstance(cache, Mapping) or "out" not in cache:
        raise TypeError(f"cache: expected the cache dict returned by two_layer_forward, got {_describe(cache)}")
    X, A1, Z1, W2, P = cache["X"], cache["A1"], cache["Z1"], cache["W2"], cache["out"]
    N, C = P.shape
    y = _check_targets(y, N, C, cache["output"])
    if cache["output"] == "softmax":
        dZ2 = P.copy()  # (N, C)
        dZ2[np.arange(N), y] -= 1.0  # P - one_hot(y)
    else:
        dZ2 = P - y[:, None]  # (N, 1)
    dZ2 /= N  # the 1/N of the mean, applied once
    dA1 = dZ2 @ W2.T  # (N, H)
    dZ1 = dA1 * (A1 * (1.0 - A1) if cache["hidden"] == "sigmoid" else (Z1 > 0))  # (N, H)
    return {
        "dW1": X.T @ dZ1,  # (D, H)
        "db1": dZ1.sum(axis=0),  # (H,)
        "dW2": A1.T @ dZ2,  # (H, C)
        "db2": dZ2.sum(axis=0),  # (C,)
    }


def two_layer_loss(
    X: Any,
    y: Any,
    params: Mapping[str, Any],
    hidden: str = "sigmoid",
    output: str = "softmax",
    reg: float = 0.0,
) -> tuple[float, dict[str, np.ndarray]]:
    r"""Regularized mean loss of the two-layer network and its gradients.

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs, one example per row.
    y : array_like of shape (N,)
        Integer labels (softmax output) or 0/1 targets (sigmoid output).
    params : dict
        ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,).
    hidden : {"sigmoid", "relu"}, default "sigmoid"
    output : {"softmax", "sigmoid"}, default "softmax"
    reg : float, default 0.0
        L2 strength, ``>= 0``.

    Returns
    -------
    loss : float
        Mean data loss + ``reg * (l2_penalty(W1) + l2_penalty(W2))``.
    grads : dict
        ``dW1`` (D, H), ``db1`` (H,), ``dW2`` (H, C), ``db2`` (C,).

    Notes
    -----
    .. math:: J = \frac{1}{N}\sum_i L_i + \mathrm{reg}\,\bigl(\|W_1\|^2 + \|W_2\|^2\bigr), \qquad
              \frac{\partial J}{\partial W_k} = \frac{\partial L}{\partial W_k} + 2\,\mathrm{reg}\,W_k

    The data loss is computed from the logits :math:`Z_2` (log-softmax, or the stable
    logistic form), so saturated outputs still give finite losses.
    """
    reg = _as_real_scalar(reg, "reg", minimum=0.0)
    _, cache = two_layer_forward(X, params, hidden=hidden, output=output)
    grads = two_layer_backward(y, cache)  # validates y
    Z2 = cache["Z2"]  # (N, C)
    if cache["output"] == "softmax":
        data_loss = float(cross_entropy_per_example(Z2, y).mean())
    else:
        data_loss = binary_cross_entropy_from_logits(Z2, y)
    loss = data_loss + reg * (l2_penalty(cache["W1"]) + l2_penalty(cache["W2"]))
    grads["dW1"] = grads["dW1"] + reg * l2_penalty_grad(cache["W1"])  # (D, H)
    grads["dW2"] = grads["dW2"] + reg * l2_penalty_grad(cache["W2"])  # (H, C)
    return float(loss), grads


def train_two_layer(
    X: Any,
    y: Any,
    params: Mapping[str, Any],
    lr: float,
    num_iters: int,
    hidden: str = "sigmoid",
    output: str = "softmax",
    reg: float = 0.0,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    r"""Train the two-layer network with (mini-batch) gradient descent.

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs, one example per row.
    y : array_like of shape (N,)
        Integer labels (softmax output) or 0/1 targets (sigmoid output).
    params : dict
        Starting parameters (see :func:`init_two_layer`); not modified.
    lr : float
        Learning rate, ``> 0``.
    num_iters : int
        Number of updates, ``>= 0``.
    hidden, output : str
        As in :func:`two_layer_forward`.
    reg : float, default 0.0
        L2 strength.
    batch_size : int, optional
        Examples per update, drawn without replacement for each update; ``None`` uses the
        full batch (deterministic).
    rng : numpy.random.Generator, optional
        Required when `batch_size` is given.

    Returns
    -------
    params : dict
        The trained parameters (new arrays).
    loss_history : ndarray of shape (num_iters,)
        Loss of the (mini-)batch at update k, evaluated *before* that update.

    Notes
    -----
    .. math:: \theta_{k+1} = \theta_k - \eta\, \nabla_\theta J_{B_k}(\theta_k)

    with :math:`B_k` the whole training set or a random mini-batch.
    """
    X = _as_float_array(X, "X", ndim=2, shape_hint="(N, D), one example per row")
    N = X.shape[0]
    lr = _as_real_scalar(lr, "lr", minimum=0.0, strict=True)
    num_iters = _as_int(num_iters, "num_iters", minimum=0)
    if batch_size is not None:
        batch_size = _as_int(batch_size, "batch_size", minimum=1)
        if batch_size > N:
            raise ValueError(f"batch_size: expected at most N = {N} (rows of X), got {batch_size}")
        if rng is None:
            raise TypeError("rng: expected a numpy.random.Generator when batch_size is set, got None")
        rng = _check_rng(rng)
    output = _as_choice(output, "output", _OUTPUT)
    current = _check_params(params, X.shape[1], output)  # the caller's arrays are never written
    y_arr = _check_targets(y, N, current["W2"].shape[1], output)  # (N,)
    history = np.empty(num_iters)  # (num_iters,)
    for k in range(num_iters):
        idx = slice(None) if batch_size is None else rng.choice(N, size=batch_size, replace=False)
        history[k], grads = two_layer_loss(X[idx], y_arr[idx], current, hidden=hidden, output=output, reg=reg)
        current = sgd_step(current, grads, lr)
    return {k: np.array(v, dtype=np.float64) for k, v in current.items()}, history


def two_layer_predict(
    X: Any,
    params: Mapping[str, Any],
    hidden: str = "sigmoid",
    output: str = "softmax",
) -> np.ndarray:
    r"""Predicted class of each example.

    Parameters
    ----------
    X : array_like of shape (N, D)
    params : dict
    hidden, output : str
        As in :func:`two_layer_forward`.

    Returns
    -------
    ndarray of int64, shape (N,)
        :math:`\arg\max_j P_{ij}` (softmax) or :math:`[P_i > 0.5]` (sigmoid).
    """
    out, _ = two_layer_forward(X, params, hidden=hidden, output=output)  # (N, C)
    if output == "softmax":
        return out.argmax(axis=1).astype(np.int64)
    return (out[:, 0] > 0.5).astype(np.int64)


def accuracy(y_pred: Any, y: Any) -> float:
    r"""Fraction of correct predictions.

    Parameters
    ----------
    y_pred : array_like of int, shape (N,)
        Predicted classes.
    y : array_like of int, shape (N,)
        True classes.

    Returns
    -------
    float
        :math:`\frac{1}{N}\sum_i [\hat y_i = y_i]`, in [0, 1].
    """
    y_pred = _as_float_array(y_pred, "y_pred", ndim=1, shape_hint="(N,)")
    y = _as_float_array(y, "y", ndim=1, shape_hint="(N,)")
    if y.shape != y_pred.shape:
        raise ValueError(f"y: expected shape {y_pred.shape} (the shape of y_pred), got {y.shape}")
    if y.size == 0:
        raise ValueError("y: expected at least one example, got an empty array")
    return float(np.mean(y_pred == y))
