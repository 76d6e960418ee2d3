r"""Loss functions: binary cross-entropy, multiclass SVM (hinge) loss, softmax cross-entropy.

Shapes: N examples (rows), C classes. ``scores`` has shape (N, C), one row per example
(the slides draw one column per example: transpose their tables). ``y`` has shape (N,) and
holds integer class labels in ``0..C-1``. Every loss is a **mean over the N examples**;
the ``*_per_example`` functions return the N terms of that mean. Gradients have the shape
of what they differentiate (``dscores`` is (N, C)) and already include the ``1/N``.
Logarithms are natural logarithms.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import _as_float_array, _as_real_scalar, _describe, log_softmax

__all__ = [
    "EPS",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_from_logits",
    "svm_loss",
    "svm_loss_per_example",
    "softmax_cross_entropy",
    "cross_entropy_per_example",
]

#: Probabilities are clipped to ``[EPS, 1 - EPS]`` before taking a log, so that a
#: probability of exactly 0 or 1 gives a large but finite loss (``-ln(EPS) = 27.63``).
EPS = 1e-12


# ---------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------


def _check_scores(scores: Any, name: str = "scores") -> np.ndarray:
    scores = _as_float_array(scores, name, ndim=2, shape_hint="(N, C), one row per example")
    if scores.shape[0] == 0 or scores.shape[1] == 0:
        raise ValueError(
            f"{name}: expected at least one example (row) and one class (column), got shape {scores.shape}"
        )
    return scores


def _as_labels(y: Any, name: str, *, num_examples: int, num_classes: int) -> np.ndarray:
    """Integer class labels of shape (num_examples,) in ``0..num_classes-1``, as int64."""
    if isinstance(y, (str, bytes)):
        raise TypeError(f"{name}: expected integer class labels, got {_describe(y)}")
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{name}: expected a 1-D array of integer class labels, got {_describe(y)} ({exc})") from None
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise ValueError(f"{name}: expected integer class labels, got NaN or infinite values")
        if not np.array_equal(arr, np.round(arr)):
            bad = arr[arr != np.round(arr)].flat[0]
            raise ValueError(f"{name}: expected integer class labels, got non-integer value {bad}")
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer class labels, got an array of dtype {arr.dtype}")
    if arr.shape != (num_examples,):
        raise ValueError(
            f"{name}: expected shape ({num_examples},), one label per row of scores, got shape {arr.shape}"
        )
    if arr.min() < 0 or arr.max() >= num_classes:
        bad = arr[(arr < 0) | (arr >= num_classes)].flat[0]
        raise ValueError(
            f"{name}: expected labels in 0..{num_classes - 1} (scores has {num_classes} columns), got {bad}"
        )
    return arr.astype(np.int64)


def _as_binary_pair(p: Any, y: Any, p_name: str = "p") -> tuple[np.ndarray, np.ndarray]:
    """Predictions and 0/1 targets of shape (N,) or (N, 1), flattened to (N,)."""
    p = _as_float_array(p, p_name, ndim=(0, 1, 2), shape_hint="(N,) or (N, 1)")
    y = _as_float_array(y, "y", ndim=(0, 1, 2), shape_hint="(N,) or (N, 1)")
    if p.ndim == 2 and p.shape[1] != 1:
        raise ValueError(f"{p_name}: expected shape (N,) or (N, 1), got shape {p.shape}")
    if y.ndim == 2 and y.shape[1] != 1:
        raise ValueError(f"y: expected shape (N,) or (N, 1), got shape {y.shape}")
    p, y = p.reshape(-1), y.reshape(-1)  # (N,), (N,)
    if p.size == 0:
        raise ValueError(f"{p_name}: expected at least one prediction, got an empty array")
    if y.shape != p.shape:
        raise ValueError(f"y: expected {p.size} targets, one per entry of {p_name}, got {y.size}")
    if not np.isin(y, (0.0, 1.0)).all():
        bad = y[~np.isin(y, (0.0, 1.0))][0]
        raise ValueError(f"y: expected binary targets 0 or 1, got {bad}")
    return p, y


# ---------------------------------------------------------------------------------------
# Binary cross-entropy
# ---------------------------------------------------------------------------------------


def binary_cross_entropy(p: Any, y: Any) -> float:
    r"""Mean binary cross-entropy (negative log-likelihood) of predicted probabilities.

    Parameters
    ----------
    p : float or array_like of shape (N,) or (N, 1)
        Predicted probabilities of class 1, each in [0, 1].
    y : int or array_like of shape (N,) or (N, 1)
        True labels, each 0 or 1.

    Returns
    -------
    float
        The mean over the N examples, in nats (natural log).

    Notes
    -----
    .. math:: \mathrm{BCE} = -\frac{1}{N}\sum_{i=1}^{N}\bigl[y_i \ln p_i + (1 - y_i)\ln(1 - p_i)\bigr]

    :math:`p` is clipped to :math:`[\epsilon, 1 - \epsilon]` with ``EPS = 1e-12`` first, so
    :math:`p = 0` or :math:`1` gives a finite loss. Where the logits are at hand,
    :func:`binary_cross_entropy_from_logits` needs no clipping.

    Examples
    --------
    >>> round(binary_cross_entropy(0.8205384805926733, 1), 6)
    0.197794
    """
    p, y = _as_binary_pair(p, y)
    if p.min() < 0.0 or p.max() > 1.0:
        raise ValueError(f"p: expected probabilities in [0, 1], got values in [{p.min()}, {p.max()}]")
    p = np.clip(p, EPS, 1.0 - EPS)  # (N,)
    nll = -(y * np.log(p) + (1.0 - y) * np.log1p(-p))  # (N,)
    return float(nll.mean())


def binary_cross_entropy_grad(p: Any, y: Any) -> np.ndarray:
    r"""Gradient of the mean binary cross-entropy with respect to the probabilities.

    Parameters
    ----------
    p : array_like of shape (N,) or (N, 1)
        Predicted probabilities, each in [0, 1].
    y : array_like of shape (N,) or (N, 1)
        True labels, each 0 or 1.

    Returns
    -------
    ndarray of the shape of `p`
        :math:`\partial\,\mathrm{BCE} / \partial p_i`.

    Notes
    -----
    .. math:: \frac{\partial\,\mathrm{BCE}}{\partial p_i} = \frac{1}{N}\,\frac{p_i - y_i}{p_i (1 - p_i)}

    with :math:`p` clipped to :math:`[\epsilon, 1-\epsilon]` like the loss. Chained with
    :math:`\sigma'(z) = p(1-p)` it gives the familiar :math:`(p_i - y_i)/N` for the logits.
    """
    shape = np.shape(p)
    p, y = _as_binary_pair(p, y)
    if p.min() < 0.0 or p.max() > 1.0:
        raise ValueError(f"p: expected probabilities in [0, 1], got values in [{p.min()}, {p.max()}]")
    p = np.clip(p, EPS, 1.0 - EPS)  # (N,)
    dp = (p - y) / (p * (1.0 - p)) / p.size  # (N,)
    return dp.reshape(shape)


def binary_cross_entropy_from_logits(z: Any, y: Any) -> float:
    r"""Mean binary cross-entropy of ``sigmoid(z)``, computed stably from the logits ``z``.

    Parameters
    ----------
    z : float or array_like of shape (N,) or (N, 1)
        Logits (pre-activations of the output unit), any real values.
    y : int or array_like of shape (N,) or (N, 1)
        True labels, each 0 or 1.

    Returns
    -------
    float
        The mean over the N examples, in nats.

    Notes
    -----
    With :math:`p = \sigma(z)`, :math:`-\ln p = \ln(1 + e^{-z})` and
    :math:`-\ln(1-p) = \ln(1 + e^{z})`, which combine into

    .. math:: \ell_i = \max(z_i, 0) - z_i y_i + \ln\bigl(1 + e^{-|z_i|}\bigr)

    The exponent is never positive, so there is no overflow and no clipping.
    """
    z, y = _as_binary_pair(z, y, p_name="z")
    nll = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))  # (N,)
    return float(nll.mean())


# ---------------------------------------------------------------------------------------
# Multiclass SVM (hinge) loss
# ---------------------------------------------------------------------------------------


def _svm_margins(scores: Any, y: Any, margin: Any) -> tuple[np.ndarray, np.ndarray]:
    """Hinge terms max(0, s_j - s_y + margin) of shape (N, C), zero at the true class."""
    scores = _check_scores(scores)
    N, C = scores.shape
    y = _as_labels(y, "y", num_examples=N, num_classes=C)
    margin = _as_real_scalar(margin, "margin", minimum=0.0)
    rows = np.arange(N)  # (N,)
    correct = scores[rows, y][:, None]  # (N, 1) score of the true class
    margins = np.maximum(0.0, scores - correct + margin)  # (N, C)
    margins[rows, y] = 0.0  # the sum runs over j != y_i only
    return margins, y


def svm_loss_per_example(scores: Any, y: Any, margin: float = 1.0) -> np.ndarray:
    r"""Multiclass SVM (hinge) loss of each example.

    Parameters
    ----------
    scores : array_like of shape (N, C)
        Class scores, one row per example.
    y : array_like of int, shape (N,)
        True class of each example, in ``0..C-1``.
    margin : float, default 1.0
        Required gap :math:`\Delta \ge 0` between the true-class score and the others.

    Returns
    -------
    ndarray of shape (N,)
        :math:`L_i`, see :func:`svm_loss`.
    """
    margins, _ = _svm_margins(scores, y, margin)
    return margins.sum(axis=1)  # (N,)


def svm_loss(scores: Any, y: Any, margin: float = 1.0) -> tuple[float, np.ndarray]:
    r"""Mean multiclass SVM (hinge) loss and its gradient with respect to the scores.

    Parameters
    ----------
    scores : array_like of shape (N, C)
        Class scores, one row per example.
    y : array_like of int, shape (N,)
        True class of each example, in ``0..C-1``.
    margin : float, default 1.0
        Required gap :math:`\Delta \ge 0` between the true-class score and the others.

    Returns
    -------
    loss : float
        :math:`L = \frac{1}{N}\sum_i L_i`, a mean over examples.
    dscores : ndarray of shape (N, C)
        :math:`\partial L / \partial s_{ij}`.

    Notes
    -----
    .. math:: L_i = \sum_{j \ne y_i} \max\bigl(0,\; s_{ij} - s_{i y_i} + \Delta\bigr)

    Each positive term contributes :math:`+1/N` to :math:`\partial L/\partial s_{ij}` and
    :math:`-1/N` to :math:`\partial L/\partial s_{i y_i}`:

    .. math::
        \frac{\partial L}{\partial s_{ij}} = \frac{1}{N}[m_{ij} > 0]\ (j \ne y_i), \qquad
        \frac{\partial L}{\partial s_{i y_i}} = -\frac{1}{N}\sum_{j \ne y_i}[m_{ij} > 0]

    At a kink (a term exactly 0) the derivative 0 is used.

    Examples
    --------
    The cat image of the slides (scores cat 3.2, mouse 5.1, bear -1.7; true class cat):

    >>> loss, _ = svm_loss([[3.2, 5.1, -1.7]], [0])
    >>> round(loss, 6)
    2.9
    """
    margins, y = _svm_margins(scores, y, margin)
    N = margins.shape[0]
    rows = np.arange(N)  # (N,)
    loss = margins.sum() / N
    active = (margins > 0).astype(np.float64)  # (N, C), 0 at the true class
    active[rows, y] = -active.sum(axis=1)  # (N, C)
    return float(loss), active / N


# ---------------------------------------------------------------------------------------
# Softmax cross-entropy
# ---------------------------------------------------------------------------------------


def cross_entropy_per_example(scores: Any, y: Any) -> np.ndarray:
    r"""Softmax cross-entropy of each example, from the raw scores.

    Parameters
    ----------
    scores : array_like of shape (N, C)
        Class scores (logits), one row per example.
    y : array_like of int, shape (N,)
        True class of each example, in ``0..C-1``.

    Returns
    -------
    ndarray of shape (N,)
        :math:`L_i = -\ln \mathrm{softmax}(s_i)_{y_i}`, in nats.
    """
    scores = _check_scores(scores)
    N, C = scores.shape
    y = _as_labels(y, "y", num_examples=N, num_classes=C)
    logp = log_softmax(scores, axis=1)  # (N, C)
    return -logp[np.arange(N), y]  # (N,)


def softmax_cross_entropy(scores: Any, y: Any) -> tuple[float, np.ndarray]:
    r"""Mean softmax cross-entropy and its gradient with respect to the scores.

    Parameters
    ----------
    scores : array_like of shape (N, C)
        Class scores (logits), one row per example.
    y : array_like of int, shape (N,)
        True class of each example, in ``0..C-1``.

    Returns
    -------
    loss : float
        :math:`L = \frac{1}{N}\sum_i L_i`, a mean over examples, in nats.
    dscores : ndarray of shape (N, C)
        :math:`\partial L / \partial s_{ij}`.

    Notes
    -----
    .. math::
        L_i = -\ln \frac{e^{s_{i y_i}}}{\sum_j e^{s_{ij}}}
            = -s_{i y_i} + \ln\sum_j e^{s_{ij}}, \qquad
        \frac{\partial L}{\partial s_{ij}} = \frac{1}{N}\bigl(P_{ij} - [j = y_i]\bigr)

    with :math:`P = \mathrm{softmax}(s)` row by row. The log-sum-exp is taken after
    subtracting the row maximum, so scores of :math:`\pm 10^4` give finite results.

    Examples
    --------
    >>> loss, _ = softmax_cross_entropy([[3.2, 5.1, -1.7]], [0])
    >>> round(loss, 6)
    2.040355
    """
    scores = _check_scores(scores)
    N, C = scores.shape
    y = _as_labels(y, "y", num_examples=N, num_classes=C)
    rows = np.arange(N)  # (N,)
    shifted = scores - scores.max(axis=1, keepdims=True)  # (N, C), row maximum 0
    exp = np.exp(shifted)  # (N, C), values in (0, 1]
    total = exp.sum(axis=1, keepdims=True)  # (N, 1), each >= 1
    losses = np.log(total[:, 0]) - shifted[rows, y]  # (N,), -ln P[i, y_i]
    dscores = exp / total  # (N, C), P = softmax(scores)
    dscores[rows, y] -= 1.0  # P - one_hot(y)
    return float(losses.mean()), dscores / N
