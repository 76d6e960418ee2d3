r"""Activation functions and their derivatives.

Every function accepts a Python number or an array of any shape and works elementwise
(``softmax`` and ``log_softmax`` work along one axis). A scalar input gives a Python
``float``; an array input gives a float64 ``ndarray`` of the same shape. Inputs are never
mutated, and NaN or infinite inputs raise ``ValueError``.

This module also holds the small input checks shared by the whole package
(``_as_float_array``, ``_as_real_scalar``, ``_as_int``): it is the one module every other
module already imports, so the checks live here instead of being repeated.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "relu",
    "relu_derivative",
    "softmax",
    "log_softmax",
]


# ---------------------------------------------------------------------------------------
# Input checks shared by the package: TypeError/ValueError naming the argument, what was
# expected and what arrived. Never `assert`.
# ---------------------------------------------------------------------------------------


def _describe(value: Any) -> str:
    """Short description of an unexpected value for error messages."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _as_float_array(
    x: Any,
    name: str,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape_hint: str = "",
) -> np.ndarray:
    """Return ``x`` as a finite float64 array, or raise naming ``name``.

    Parameters
    ----------
    x : array_like
        Numbers (bool, int or float); lists of strings, ragged lists and complex numbers
        are rejected.
    name : str
        Argument name used in error messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    shape_hint : str, optional
        Expected shape in words, e.g. ``"(N, C)"``, used in error messages.

    Returns
    -------
    ndarray of float64
        ``x`` itself when it already is a float64 array (callers never write into it),
        otherwise a converted copy.
    """
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name}: expected a number or an array of numbers, got {_describe(x)}")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise TypeError(f"{name}: expected a rectangular array of numbers, got {_describe(x)} ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name}: expected real numbers, got an array of dtype {arr.dtype} "
            f"(e.g. {_describe(arr.flat[0]) if arr.size else 'empty'})"
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            wanted = " or ".join(f"{d}-D" for d in allowed)
            hint = f" of shape {shape_hint}" if shape_hint else ""
            raise ValueError(f"{name}: expected a {wanted} array{hint}, got shape {arr.shape}")
    arr = arr.astype(np.float64, copy=False)
    finite = np.isfinite(arr)
    if not finite.all():
        bad = int(arr.size - np.count_nonzero(finite))
        raise ValueError(f"{name}: expected finite values, got {bad} NaN or infinite entr{'y' if bad == 1 else 'ies'}")
    return arr


def _as_real_scalar(
    value: Any,
    name: str,
    *,
    minimum: float | None = None,
    strict: bool = False,
) -> float:
    """Return ``value`` as a finite float, optionally ``>= minimum`` (``> minimum`` if strict).

    Python and NumPy real numbers and 0-d real arrays are accepted; bools are not.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {_describe(value)}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name}: expected a finite number, got {out}")
    if minimum is not None and (out < minimum or (strict and out == minimum)):
        relation = ">" if strict else ">="
        raise ValueError(f"{name}: expected a number {relation} {minimum}, got {out}")
    return out


def _as_int(value: Any, name: str, *, minimum: int = 0) -> int:
    """Return ``value`` as a Python int ``>= minimum`` (bools and floats are rejected)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {_describe(value)}")
    out = int(value)
    if out < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {out}")
    return out


def _as_choice(value: Any, name: str, options: Any) -> str:
    """Return ``value`` if it is one of the string ``options``, else raise naming ``name``."""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {sorted(options)}, got {_describe(value)}")
    if value not in options:
        raise ValueError(f"{name}: expected one of {sorted(options)}, got {value!r}")
    return value


def _like_input(out: np.ndarray, z: np.ndarray) -> float | np.ndarray:
    """Python float for a 0-d input, the array otherwise."""
    return float(out) if z.ndim == 0 else out


# ---------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------


def sigmoid(z: Any) -> float | np.ndarray:
    r"""Logistic sigmoid, elementwise and overflow-free.

    Parameters
    ----------
    z : float or array_like of any shape
        Pre-activations (logits).

    Returns
    -------
    float or ndarray of the shape of `z`
        :math:`\sigma(z)`, every value in [0, 1].

    Notes
    -----
    .. math:: \sigma(z) = \frac{1}{1 + e^{-z}} = \frac{e^{z}}{1 + e^{z}}

    With :math:`e = e^{-|z|} \in (0, 1]` the first form is used for :math:`z \ge 0` and the
    second for :math:`z < 0`, so ``exp`` never sees a positive argument and never overflows
    (for :math:`z = \pm 10^4` it underflows quietly to 0).

    Examples
    --------
    >>> round(sigmoid(1.52), 6)
    0.820538
    """
    z = _as_float_array(z, "z")
    e = np.exp(-np.abs(z))  # same shape as z, values in (0, 1]
    out = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # same shape as z
    return _like_input(out, z)


def sigmoid_derivative(z: Any) -> float | np.ndarray:
    r"""Derivative of the sigmoid with respect to its input, elementwise.

    Parameters
    ----------
    z : float or array_like of any shape
        Pre-activations.

    Returns
    -------
    float or ndarray of the shape of `z`
        :math:`\sigma'(z)`, every value in [0, 1/4].

    Notes
    -----
    .. math:: \sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr)
    """
    z = _as_float_array(z, "z")
    s = np.asarray(sigmoid(z))  # same shape as z
    return _like_input(s * (1.0 - s), z)


def relu(z: Any) -> float | np.ndarray:
    r"""Rectified linear unit, elementwise.

    Parameters
    ----------
    z : float or array_like of any shape
        Pre-activations.

    Returns
    -------
    float or ndarray of the shape of `z`
        :math:`\max(0, z)`.

    Notes
    -----
    .. math:: \mathrm{relu}(z) = \max(0, z)
    """
    z = _as_float_array(z, "z")
    return _like_input(np.maximum(z, 0.0), z)


def relu_derivative(z: Any) -> float | np.ndarray:
    r"""Derivative of ReLU, elementwise, with the convention ``relu'(0) = 0``.

    Parameters
    ----------
    z : float or array_like of any shape
        Pre-activations.

    Returns
    -------
    float or ndarray of the shape of `z`
        1.0 where ``z > 0``, 0.0 elsewhere.

    Notes
    -----
    .. math:: \mathrm{relu}'(z) = [z > 0]

    ReLU has no derivative at 0; like most libraries this returns 0 there (a subgradient).
    """
    z = _as_float_array(z, "z")
    return _like_input((z > 0).astype(np.float64), z)


def softmax(scores: Any, axis: int = -1) -> np.ndarray:
    r"""Softmax along one axis, computed after subtracting the maximum.

    Parameters
    ----------
    scores : array_like of shape (N, C), (C,) or any shape with ndim >= 1
        Unnormalized class scores (logits); with examples in rows the classes are the
        last axis, the default.
    axis : int, default -1
        Axis holding the classes.

    Returns
    -------
    ndarray of the shape of `scores`
        Probabilities; they sum to 1 along `axis`.

    Notes
    -----
    .. math:: \mathrm{softmax}(s)_j = \frac{e^{s_j - m}}{\sum_k e^{s_k - m}}, \quad m = \max_k s_k

    Subtracting :math:`m` leaves the result unchanged and makes every exponent
    :math:`\le 0`, so nothing overflows and the denominator is at least 1.
    """
    scores = _as_float_array(scores, "scores")
    _check_axis(scores, axis)
    shifted = scores - scores.max(axis=axis, keepdims=True)  # same shape, max 0 along axis
    exp = np.exp(shifted)  # same shape, values in (0, 1]
    return exp / exp.sum(axis=axis, keepdims=True)  # same shape


def log_softmax(scores: Any, axis: int = -1) -> np.ndarray:
    r"""Logarithm of the softmax, computed without forming the softmax.

    Parameters
    ----------
    scores : array_like of shape (N, C), (C,) or any shape with ndim >= 1
        Unnormalized class scores (logits).
    axis : int, default -1
        Axis holding the classes.

    Returns
    -------
    ndarray of the shape of `scores`
        Natural-log probabilities, all :math:`\le 0`.

    Notes
    -----
    .. math:: \log \mathrm{softmax}(s)_j = (s_j - m) - \log \sum_k e^{s_k - m}, \quad m = \max_k s_k

    Stays finite even where the softmax itself underflows to 0 (scores far below the max).
    """
    scores = _as_float_array(scores, "scores")
    _check_axis(scores, axis)
    shifted = scores - scores.max(axis=axis, keepdims=True)  # same shape, max 0 along axis
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))  # same shape


def _check_axis(scores: np.ndarray, axis: Any) -> None:
    if scores.ndim == 0:
        raise ValueError("scores: expected an array with at least 1 dimension, got a scalar")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis: expected an integer, got {_describe(axis)}")
    if not -scores.ndim <= axis < scores.ndim:
        raise ValueError(f"axis: expected an axis of scores (ndim {scores.ndim}), got {axis}")
