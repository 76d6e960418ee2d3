"""Keras models in canonical form: what a reported model is, whatever API built it and however it was spelled.

The kernel reports a model as plain data (``autograder.judging.probe.describe_keras_model``). :func:`read_net` reads it
into a chain of Dense layers, each with the activations applied after it: an ``Activation`` (``ReLU``,
``Softmax``, ...) layer after a linear ``Dense`` is the same as ``Dense(..., activation=...)``; an InputLayer, a
Flatten, an ``Activation('linear')`` or a ``Dropout`` change nothing at inference; nested models are spliced in.
Activations are known by what they compute on fixed numbers (:func:`identify_activation`), so a string,
``keras.activations.sigmoid``, ``keras.ops.sigmoid`` in a lambda and an ``Activation`` layer are one activation.
Losses, metrics and optimizers are known by their canonical names: :data:`ALIASES` is the one table of the
spellings Keras accepts ("binary_crossentropy", "BinaryCrossentropy", "bce", the class, an instance, the
function). :func:`numpy_forward` recomputes the model's output in numpy from the reported weights.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .probe import ACTIVATION_GRID, PASS_THROUGH, Reported
from .spec import Wrong, as_array, describe

# --------------------------------------------------------------------------------------
# canonical names: one table for the losses, metrics, optimizers and activations Keras knows

_SPELLINGS = {
    # losses
    "binary_crossentropy": ("bce",), "categorical_crossentropy": ("cce",),
    "sparse_categorical_crossentropy": ("scce",), "mean_squared_error": ("mse",), "mean_absolute_error": ("mae",),
    "mean_absolute_percentage_error": ("mape",), "mean_squared_logarithmic_error": ("msle",),
    "kl_divergence": ("kld", "kullback_leibler_divergence"), "hinge": (), "squared_hinge": (),
    "categorical_hinge": (), "huber": ("huber_loss",), "log_cosh": ("logcosh",), "poisson": (),
    "binary_focal_crossentropy": (), "categorical_focal_crossentropy": (),
    # metrics
    "accuracy": ("acc",), "binary_accuracy": (), "categorical_accuracy": (), "sparse_categorical_accuracy": (),
    # optimizers
    "sgd": (), "adam": (), "adamw": (), "rmsprop": (), "adagrad": (), "adadelta": (), "adamax": (), "nadam": (),
    "ftrl": (), "lion": (), "adafactor": (), "lamb": (),
    # activations
    "linear": ("identity",), "sigmoid": ("logistic",), "tanh": (), "relu": (), "relu6": (),
    "leaky_relu": (), "elu": (), "selu": (), "gelu": (), "silu": ("swish",), "softmax": (), "log_softmax": (),
    "softplus": (), "softsign": (), "exponential": ("exp",), "hard_sigmoid": (), "mish": (),
}


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


#: normalized spelling (lower case, letters and digits only) -> canonical name
ALIASES = {_norm(alias): canon for canon, extra in _SPELLINGS.items() for alias in (canon, *extra)}
ACCURACY_METRICS = {"accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"}


def canonical(name) -> str | None:
    """The canonical name of a spelling ("BinaryCrossentropy", "bce", "binary_cross_entropy", ...), or None."""
    return ALIASES.get(_norm(name)) if isinstance(name, str) else None


def canonical_of(spelled) -> str | None:
    """The canonical name of a reported loss / metric / optimizer: a plain string, or the probe's description
    (its class first, so that ``BinaryCrossentropy(name="mine")`` is still the binary cross-entropy)."""
    if isinstance(spelled, str):
        return canonical(spelled)
    if not isinstance(spelled, dict):
        return None
    for key in ("class", "function", "name"):
        found = canonical(spelled.get(key))
        if found:
            return found
    return None


def shown(spelled) -> str:
    """A reported spelling as the student wrote it, for messages."""
    if isinstance(spelled, dict):
        names = [spelled.get("class") if _text(spelled.get("form")) in ("class", "instance") else None,
                 spelled.get("function"), spelled.get("name")]
        names = [n for n in names if isinstance(n, str) and n and n not in ("LossFunctionWrapper", "MeanMetricWrapper")]
        return repr((names or ["?"])[0][:80])
    return repr(spelled[:80]) if isinstance(spelled, str) else describe(spelled)


# --------------------------------------------------------------------------------------
# activations, known by what they compute

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805
_erf = np.vectorize(math.erf, otypes=[float])


def _softplus(z):
    return np.logaddexp(0.0, z)


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def _log_softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


# numpy versions that carry nan and inf through (a diverged model's weights), unlike the answer key's, which refuse them
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda z: z,
    "sigmoid": _sigmoid,
    "relu": lambda z: np.maximum(z, 0.0),
    "softmax": lambda z: np.exp(_log_softmax(z)),
    "tanh": np.tanh,
    "relu6": lambda z: np.clip(z, 0.0, 6.0),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "selu": lambda z: _SELU_SCALE * np.where(z > 0, z, _SELU_ALPHA * np.expm1(np.minimum(z, 0))),
    "silu": lambda z: z * _sigmoid(z),
    "gelu": lambda z: 0.5 * z * (1.0 + _erf(z / np.sqrt(2.0))),
    "softplus": _softplus,
    "softsign": lambda z: z / (1.0 + np.abs(z)),
    "exponential": np.exp,
    "hard_sigmoid": lambda z: np.clip((z + 3.0) / 6.0, 0.0, 1.0),
    "log_softmax": _log_softmax,
    "mish": lambda z: z * np.tanh(_softplus(z)),
}
GRID = np.asarray(ACTIVATION_GRID, dtype=np.float64)


def activation_fn(name: str) -> Callable[[np.ndarray], np.ndarray] | None:
    """The numpy function of a canonical activation name (``leaky_relu(0.3)`` carries its slope), or None."""
    leaky = re.fullmatch(r"leaky_relu\((0\.\d+)\)", name)
    if leaky:
        slope = float(leaky.group(1))
        return lambda z: np.where(z > 0, z, slope * z)
    return ACTIVATIONS.get(name)


def identify_activation(values) -> str | None:
    """The activation whose values on ``ACTIVATION_GRID`` these are, or None."""
    try:
        v = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if v.shape != GRID.shape or not np.all(np.isfinite(v)):
        return None
    with np.errstate(all="ignore"):
        for name, fn in ACTIVATIONS.items():
            if np.allclose(v, fn(GRID), rtol=2e-3, atol=1e-5):
                return name
        neg = GRID < 0
        slopes = v[neg] / GRID[neg]
        slope = float(np.median(slopes))
        if np.allclose(v[~neg], GRID[~neg], rtol=2e-3, atol=1e-5) and 0 < slope < 1 and np.allclose(
                slopes, slope, rtol=2e-3, atol=1e-5):
            return "leaky_relu(%s)" % ("%.4f" % slope).rstrip("0")
    return None


def _activation(layer: dict, fallback: str | None) -> str:
    """A layer's activation: by what it computes where the kernel measured it, else by its name."""
    spelled = layer.get("activation")
    names = [spelled.get("name"), spelled.get("class")] if isinstance(spelled, dict) else [spelled]
    name = next((n for n in names if isinstance(n, str) and n), None)
    fallback = fallback if isinstance(fallback, str) else None
    values = layer.get("activation_values")
    if values is not None and not isinstance(values, Reported):
        found = identify_activation(values)
        return found or "a custom function %r" % str(name or fallback or "?")[:60]
    found = canonical(name) or (canonical(fallback) if name is None else None)
    return found or ("an unknown activation %r" % str(name or fallback)[:60])


# --------------------------------------------------------------------------------------
# the model in canonical form


@dataclass
class Dense:
    index: int  # 1 for the first Dense layer
    kernel: np.ndarray  # (inputs, units)
    bias: np.ndarray | None  # (units,), None without a bias
    acts: list[str] = field(default_factory=list)  # activations applied after X @ W + b, "linear" left out

    @property
    def units(self) -> int:
        return int(self.kernel.shape[1])

    @property
    def activation(self) -> str:
        return " then ".join(self.acts) or "linear"

    @property
    def label(self) -> str:
        return "Dense(%d, %s%s)" % (self.units, self.activation, "" if self.bias is not None else ", no bias")


@dataclass
class Net:
    pre: list[str] = field(default_factory=list)  # activations applied to the inputs, before any Dense layer
    dense: list[Dense] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # layers the grader cannot recompute
    extra: list[str] = field(default_factory=list)  # layers idle at inference but not asked for (Dropout(0.5))
    labels: list[str] = field(default_factory=list)  # every layer read, in order, for messages


def model_report(answer) -> dict:
    """The reported model, or :class:`Wrong` saying what arrived instead."""
    if isinstance(answer, Reported):
        if answer.kind == "error":
            raise Wrong("reading the model failed: %s" % answer.text[:300])
        if "History" in answer.text[:100]:
            raise Wrong("expected a Keras model, got the History that fit returns: keep the model itself "
                        "(fit trains the model in place)")
        raise Wrong("expected a Keras model, got %s" % describe(answer))
    if isinstance(answer, dict) and isinstance(answer.get("__unsupported__"), str):  # the probe's "not a model"
        return model_report(Reported("unsupported", answer["__unsupported__"].replace("not a keras.Model but ", "")))
    if not isinstance(answer, dict) or not isinstance(answer.get("layers"), list):
        raise Wrong("expected a Keras model, got %s" % describe(answer))
    return answer


def _text(x) -> str:
    return x[:80] if isinstance(x, str) else "?"


def _dense(layer: dict, weights: list, index: int) -> Dense:
    if not weights:
        raise Wrong("Dense layer %d has no weights: the model was never built (start it with keras.Input)" % index)
    if len(weights) > 2:
        raise Wrong("Dense layer %d reports %d weight arrays; a Dense layer has a kernel and a bias"
                    % (index, len(weights)))
    kernel = as_array(weights[0], "the kernel of Dense layer %d" % index)
    if kernel.ndim != 2 or 0 in kernel.shape:
        raise Wrong("the kernel of Dense layer %d has shape %s, expected (inputs, units)" % (index, kernel.shape))
    bias = None
    if len(weights) == 2 and layer.get("use_bias") is not False:
        bias = as_array(weights[1], "the bias of Dense layer %d" % index)
        if bias.shape != (kernel.shape[1],):
            raise Wrong("the bias of Dense layer %d has shape %s, expected (%d,)"
                        % (index, bias.shape, kernel.shape[1]))
    act = _activation(layer, None)
    return Dense(index, kernel, bias, [] if act == "linear" else [act])


def read_net(answer) -> Net:
    """The reported model as a chain of Dense layers with their activations (see the module's docstring)."""
    net = Net()
    for layer in model_report(answer)["layers"][:500]:
        if not isinstance(layer, dict):
            net.unknown.append("an unreadable layer")
            continue
        cls, weights = _text(layer.get("class")), layer.get("weights")
        if cls == "InputLayer":
            continue
        if weights is not None and not isinstance(weights, list):
            net.unknown.append("%s (its weights could not be read)" % cls)
            net.labels.append(cls)
            continue
        weights = weights or []
        if cls == "Dense":
            net.dense.append(_dense(layer, weights, len(net.dense) + 1))
            net.labels.append(net.dense[-1].label)
            continue
        if weights:
            net.unknown.append("a %s layer" % cls)
            net.labels.append(cls)
            continue
        if cls in PASS_THROUGH:
            rate = layer.get("rate")
            if isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate != 0:
                net.extra.append("%s(%g)" % (cls, rate))
                net.labels.append(net.extra[-1])
            continue
        act = _activation(layer, None if cls == "Activation" else cls)
        if act == "linear":
            continue
        net.labels.append("Activation(%s)" % act)
        if activation_fn(act) is None:
            net.unknown.append("a %s layer computing %s" % (cls, act))
        elif net.dense:
            net.dense[-1].acts.append(act)
        else:
            net.pre.append(act)
    return net


def activations(answer) -> list[str]:
    """The activation of each Dense layer, canonical ("linear" where none), for mistake matchers ([] where the
    model cannot be read: an unreadable answer matches no known mistake)."""
    try:
        return [d.activation for d in read_net(answer).dense]
    except Wrong:
        return []


def dense_layers(answer) -> list[tuple[int, str]]:
    """(units, activation) of each Dense layer, for mistake matchers ([] where the model cannot be read)."""
    try:
        return [(d.units, d.activation) for d in read_net(answer).dense]
    except Wrong:
        return []


def loss_of(answer) -> str | None:
    """The canonical name of the loss the model was compiled with, or None."""
    try:
        compiled = model_report(answer).get("compiled")
    except Wrong:
        return None
    return canonical_of(compiled.get("loss")) if isinstance(compiled, dict) else None


def training_of(answer) -> tuple[int, int] | None:
    """(optimizer steps, epochs of fit's history) as reported, or None where the report says nothing."""
    info = model_report(answer).get("training")
    if not isinstance(info, dict):
        return None
    steps, epochs = info.get("optimizer_steps"), info.get("history_epochs")
    as_int = [int(x) if isinstance(x, (int, np.integer)) and not isinstance(x, bool) and x > 0 else 0
              for x in (steps, epochs)]
    return as_int[0], as_int[1]


def numpy_forward(answer, X: np.ndarray) -> np.ndarray:
    """The model's output on X, computed in numpy from the reported weights, layer by layer."""
    net = read_net(answer)
    if net.unknown:
        raise Wrong("the model holds %s; the grader recomputes Dense and activation layers only" % net.unknown[0])
    if not net.dense:
        raise Wrong("the model has no Dense layer")
    A = np.asarray(X, dtype=np.float64)
    with np.errstate(all="ignore"):
        for name in net.pre:
            A = activation_fn(name)(A)
        for d in net.dense:
            if d.kernel.shape[0] != A.shape[1]:
                raise Wrong("the layers' weight shapes do not chain: kernel %s after %d features" % (d.kernel.shape,
                                                                                                  A.shape[1]))
            A = A @ d.kernel + (d.bias if d.bias is not None else 0.0)
            for name in d.acts:
                fn = activation_fn(name)
                if fn is None:
                    raise Wrong("layer %d uses %s, an activation the grader cannot recompute" % (d.index, name))
                A = np.asarray(fn(A), dtype=np.float64)
    return A
