r"""A single neuron, a dense layer, and the forward pass of a multi-layer perceptron.

Shapes: N examples (rows), D input features, H units of a layer. A dense layer stores its
weights as ``W`` of shape (D, H) and its bias as ``b`` of shape (H,), exactly like the
``kernel`` and ``bias`` of a Keras ``Dense`` layer, so Keras weights can be used as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .activations import _as_float_array, _describe, relu, sigmoid, softmax

__all__ = [
    "ACTIVATIONS",
    "get_activation",
    "neuron_forward",
    "dense_forward",
    "forward_pass",
    "count_params",
]


def _linear(z: Any) -> np.ndarray:
    """Identity activation (a layer without a nonlinearity)."""
    return _as_float_array(z, "z")


#: Activation names accepted by :func:`forward_pass` and :func:`neuron_forward`.
ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "sigmoid": sigmoid,
    "relu": relu,
    "softmax": softmax,
    "linear": _linear,
}

Activation = str | Callable[[Any], Any]


def get_activation(activation: Activation, name: str = "activation") -> Callable[[Any], Any]:
    """Resolve an activation given by name or as a callable.

    Parameters
    ----------
    activation : str or callable
        One of ``"sigmoid"``, ``"relu"``, ``"softmax"``, ``"linear"``, or a function mapping an
        array to an array of the same shape.
    name : str, default "activation"
        Argument name used in error messages.

    Returns
    -------
    callable
    """
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(f"{name}: expected one of {sorted(ACTIVATIONS)} or a callable, got {activation!r}")
        return ACTIVATIONS[activation]
    if not callable(activation):
        raise TypeError(f"{name}: expected one of {sorted(ACTIVATIONS)} or a callable, got {_describe(activation)}")
    return activation


def _check_X(X: Any) -> np.ndarray:
    X = _as_float_array(X, "X", ndim=2, shape_hint="(N, D), one example per row")
    return X


def neuron_forward(X: Any, w: Any, b: Any, activation: Activation = sigmoid) -> np.ndarray:
    r"""Output of one neuron for a batch of examples.

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs, one example per row.
    w : array_like of shape (D,)
        Weights.
    b : float
        Bias.
    activation : str or callable, default sigmoid
        Applied to the pre-activation ``z``; ``"linear"`` returns ``z`` itself.

    Returns
    -------
    ndarray of shape (N,)
        The activations :math:`a_i = f(z_i)`.

    Notes
    -----
    .. math:: z_i = b + \sum_{d} w_d\, x_{id} = (X w + b)_i, \qquad a_i = f(z_i)

    Examples
    --------
    The banknote neuron of week 1 (``z = 1.52``):

    >>> round(float(neuron_forward([[1.0, 2.2]], [0.3, 0.1], 1.0)[0]), 6)
    0.820538
    """
    X = _check_X(X)
    w = _as_float_array(w, "w", ndim=1, shape_hint="(D,)")
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"w: expected shape ({X.shape[1]},) to match X of shape {X.shape}, got {w.shape}")
    b = _as_float_array(b, "b")
    if b.size != 1:
        raise ValueError(f"b: expected a single number (the bias), got shape {b.shape}")
    f = get_activation(activation)
    z = X @ w + b.item()  # (N,)
    return np.asarray(f(z), dtype=np.float64)  # (N,)


def dense_forward(X: Any, W: Any, b: Any) -> np.ndarray:
    r"""Affine part of a dense layer, ``X @ W + b``.

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs, one example per row.
    W : array_like of shape (D, H)
        Weights (a Keras ``Dense`` kernel).
    b : array_like of shape (H,)
        Biases, one per unit.

    Returns
    -------
    ndarray of shape (N, H)
        Pre-activations :math:`Z = XW + b`.

    Notes
    -----
    .. math:: Z_{ih} = b_h + \sum_d X_{id} W_{dh}

    The bias row is broadcast over the N examples.
    """
    X = _check_X(X)
    W = _as_float_array(W, "W", ndim=2, shape_hint="(D, H)")
    b = _as_float_array(b, "b", ndim=1, shape_hint="(H,)")
    _check_layer(X.shape, W, b, "W", "b")
    return X @ W + b  # (N, H)


def _check_layer(x_shape: tuple[int, ...], W: np.ndarray, b: np.ndarray, w_name: str, b_name: str) -> None:
    """Check that W (D, H) fits inputs of shape (N, D) and b has shape (H,)."""
    if W.shape[0] != x_shape[1]:
        raise ValueError(
            f"{w_name}: expected {x_shape[1]} rows to match inputs of shape {x_shape} "
            f"(W has shape (D, H)), got shape {W.shape}"
        )
    if b.shape != (W.shape[1],):
        raise ValueError(
            f"{b_name}: expected shape ({W.shape[1]},), one bias per column of {w_name} {W.shape}, got shape {b.shape}"
        )


def forward_pass(
    X: Any,
    params: Sequence[tuple[Any, Any]],
    activations: Sequence[Activation],
) -> np.ndarray:
    r"""Forward pass of a multi-layer perceptron of dense layers.

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs, one example per row.
    params : sequence of L pairs (W, b)
        Layer l has ``W`` of shape (H_{l-1}, H_l) and ``b`` of shape (H_l,), with H_0 = D;
        ``[(layer.kernel, layer.bias) for layer in model.layers]`` of a Keras model fits.
    activations : sequence of L str or callables
        One activation per layer (``"sigmoid"``, ``"relu"``, ``"softmax"``, ``"linear"`` or a
        callable).

    Returns
    -------
    ndarray of shape (N, H_L)
        Output of the last layer.

    Notes
    -----
    .. math:: A^{(0)} = X, \qquad A^{(l)} = f_l\bigl(A^{(l-1)} W^{(l)} + b^{(l)}\bigr), \quad l = 1..L
    """
    A = _check_X(X)  # (N, D)
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
        raise TypeError(f"params: expected a sequence of (W, b) pairs, got {_describe(params)}")
    if isinstance(activations, (str, bytes)) or not isinstance(activations, Sequence):
        raise TypeError(f"activations: expected a sequence with one activation per layer, got {_describe(activations)}")
    if len(params) == 0:
        raise ValueError("params: expected at least one (W, b) pair, got an empty sequence")
    if len(activations) != len(params):
        raise ValueError(
            f"activations: expected one activation per (W, b) pair in params ({len(params)}), got {len(activations)}"
        )
    for layer, (pair, act) in enumerate(zip(params, activations)):
        if not isinstance(pair, Sequence) or len(pair) != 2:
            raise TypeError(f"params[{layer}]: expected a pair (W, b), got {_describe(pair)}")
        W = _as_float_array(pair[0], f"params[{layer}][0] (W)", ndim=2, shape_hint="(H_in, H_out)")
        b = _as_float_array(pair[1], f"params[{layer}][1] (b)", ndim=1, shape_hint="(H_out,)")
        _check_layer(A.shape, W, b, f"params[{layer}][0] (W)", f"params[{layer}][1] (b)")
        f = get_activation(act, f"activations[{layer}]")
        A = np.asarray(f(A @ W + b), dtype=np.float64)  # (N, H_l)
    return A


def count_params(params: Sequence[tuple[Any, Any]]) -> int:
    r"""Number of trainable parameters of a stack of dense layers.

    Parameters
    ----------
    params : sequence of pairs (W, b)
        ``W`` of shape (D, H) and ``b`` of shape (H,) per layer; only the shapes are used.

    Returns
    -------
    int
        :math:`\sum_l (D_l H_l + H_l)`, what Keras' ``model.count_params()`` reports.

    Notes
    -----
    A ``Dense(H)`` layer on D inputs has :math:`D \cdot H` weights and :math:`H` biases,
    :math:`(D + 1) H` in all: ``Dense(8)`` on 2 inputs has 24.
    """
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
        raise TypeError(f"params: expected a sequence of (W, b) pairs, got {_describe(params)}")
    total = 0
    for layer, pair in enumerate(params):
        if not isinstance(pair, Sequence) or len(pair) != 2:
            raise TypeError(f"params[{layer}]: expected a pair (W, b), got {_describe(pair)}")
        W_shape, b_shape = np.shape(pair[0]), np.shape(pair[1])
        if len(W_shape) != 2 or b_shape != (W_shape[1],):
            raise ValueError(
                f"params[{layer}]: expected W of shape (D, H) and b of shape (H,), got shapes {W_shape} and {b_shape}"
            )
        total += W_shape[0] * W_shape[1] + b_shape[0]  # D*H weights + H biases
    return int(total)
