"""Checks on a reported Keras model: architecture, compile settings, weights, predictions, accuracy.

The kernel reports the model as plain data (``autograder.probe.describe_keras_model``): per
layer its class, units, activation and weights; the optimizer, learning rate and loss; and the
model's own predictions on inputs the judge picked. The judge recomputes those predictions with
the numpy forward pass of ``reference_impl`` from the reported weights, so a model cannot claim
weights it does not use, and scores accuracy itself on data the kernel never sees labelled.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from reference_impl import forward_pass

from .probe import Reported
from .spec import Context, Outcome, Wrong, as_array, describe

LOSS_NAMES = {
    "binary_crossentropy": {"binary_crossentropy", "BinaryCrossentropy", "binary_cross_entropy"},
    "sparse_categorical_crossentropy": {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"},
    "categorical_crossentropy": {"categorical_crossentropy", "CategoricalCrossentropy"},
}


def model_report(answer) -> dict:
    """The reported model, or :class:`Wrong` saying what arrived instead."""
    if isinstance(answer, Reported):
        if answer.kind == "error":
            raise Wrong("reading the model failed: %s" % answer.text[:300])
        raise Wrong("expected a Keras model, got %s" % answer.text[:100])
    if not isinstance(answer, dict) or not isinstance(answer.get("layers"), list):
        raise Wrong("expected a Keras model, got %s" % describe(answer))
    return answer


def dense_layers(answer) -> list[dict]:
    """The model's layers that carry weights (InputLayer and the like left out)."""
    return [layer for layer in model_report(answer)["layers"] if layer.get("weights")]


def architecture(units: Sequence[int], activations: Sequence[str], n_inputs: int) -> Callable[[Any, Context], Outcome]:
    """Dense layers with these units and activations, on ``n_inputs`` input features, with biases."""

    def run(answer, ctx):
        layers = dense_layers(answer)
        want = " -> ".join("Dense(%d, %s)" % ua for ua in zip(units, activations))
        if [layer.get("class") for layer in layers] != ["Dense"] * len(units):
            got = " -> ".join(str(layer.get("class")) for layer in layers) or "no layer with weights"
            return Outcome(False, "expected %s, got %s" % (want, got))
        for i, (layer, u, a) in enumerate(zip(layers, units, activations), 1):
            if layer.get("units") != u:
                return Outcome(False, "layer %d has %s units, expected %d" % (i, layer.get("units"), u))
            if layer.get("activation") != a:
                return Outcome(False, "layer %d uses activation %r, expected %r" % (i, layer.get("activation"), a))
            if layer.get("use_bias") is False or len(layer["weights"]) != 2:
                return Outcome(False, "layer %d has no bias; Dense layers here keep use_bias=True" % i)
        kernel = as_array(layers[0]["weights"][0], "the first kernel")
        if kernel.shape[0] != n_inputs:
            return Outcome(False, "the model takes %d input features, expected %d (keras.Input(shape=(%d,)))"
                           % (kernel.shape[0], n_inputs, n_inputs))
        return Outcome(True, want)

    return run


def compiled_with(optimizer: str, loss: str) -> Callable[[Any, Context], Outcome]:
    """Compiled with this optimizer class and this loss (any of Keras' names for it)."""

    def run(answer, ctx):
        compiled = model_report(answer).get("compiled") or {}
        if not compiled:
            return Outcome(False, "the model is not compiled: call model.compile(optimizer=..., loss=...)")
        if compiled.get("optimizer") != optimizer:
            return Outcome(False, "optimizer %s, expected %s" % (compiled.get("optimizer"), optimizer))
        if str(compiled.get("loss")) not in LOSS_NAMES[loss]:
            return Outcome(False, "loss %r, expected %r" % (compiled.get("loss"), loss))
        lr = compiled.get("learning_rate")
        return Outcome(True, "%s (learning rate %s) with %s" % (optimizer, "?" if lr is None else "%g" % lr, loss))

    return run


def numpy_forward(answer, X: np.ndarray) -> np.ndarray:
    """The model's output on X, computed by the answer key's forward pass from the reported weights."""
    layers = dense_layers(answer)
    params = [(as_array(layer["weights"][0]), as_array(layer["weights"][1])) for layer in layers]
    acts = [layer.get("activation") for layer in layers]
    unknown = [a for a in acts if a not in ("sigmoid", "relu", "softmax", "linear")]
    if unknown:
        raise Wrong("activation %r is not one this course checks" % unknown[0])
    for (W, b), prev in zip(params, [X.shape[1]] + [W.shape[1] for W, _ in params[:-1]]):
        if W.ndim != 2 or W.shape[0] != prev or b.shape != (W.shape[1],):
            raise Wrong("the layers' weight shapes do not chain: kernel %s after %d features" % (W.shape, prev))
    return forward_pass(X, params, acts)


def predictions_match(rtol=1e-2, atol=1e-4) -> Callable[[Any, Context], Outcome]:
    """The model's own predictions equal the numpy forward pass with its reported weights.

    Equal to the precision the kernel's device computes at, not to float64: GPUs multiply float32 matrices
    at TensorFloat-32 precision (10 bits of mantissa) unless told not to. On an H200 with the JAX backend the
    old tolerance (rtol 1e-4) failed every right answer with a hidden layer; rounded to TF32, such a model's
    output is off by up to about 1e-3 relative. A model whose forward pass really differs from its weights (a
    weightless layer the judge does not know of, an activation changed after the weights were read) is off by
    far more than 1 %.
    """

    def run(answer, ctx):
        report = model_report(answer)
        got = report.get("predictions")
        if isinstance(got, Reported):
            return Outcome(False, "calling the model on a batch failed: %s" % got.text[:300])
        got = as_array(got, "the model's predictions")
        want = numpy_forward(answer, np.asarray(ctx.inputs, dtype=np.float64))
        if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
            return Outcome(False, "the model's predictions differ from a forward pass with its own weights")
        return Outcome(True, "predictions equal the numpy forward pass on %d fresh inputs" % len(want))

    return run


def weights_equal(expected: Sequence[np.ndarray], atol=1e-6) -> Callable[[Any, Context], Outcome]:
    """The weight arrays (kernel, bias, ...) of the weighted layers equal ``expected``."""

    def run(answer, ctx):
        got = [w for layer in dense_layers(answer) for w in layer["weights"]]
        if len(got) != len(expected):
            return Outcome(False, "expected %d weight arrays, got %d" % (len(expected), len(got)))
        for g, e in zip(got, expected):
            g = as_array(g)
            if g.shape != np.shape(e) or not np.allclose(g, e, atol=atol):
                return Outcome(False, "the weights are not the hand-made neuron's (set them with layer.set_weights)")
        return Outcome(True, "weights set as asked")

    return run


def accuracy_at_least(threshold: float, features: str = "holdout_X", labels: str = "holdout_y") -> Callable:
    """Accuracy of the model's numpy forward pass on data the judge holds (``ctx.extra``)."""

    def run(answer, ctx):
        X, y = ctx.extra[features], ctx.extra[labels]
        out = numpy_forward(answer, X)
        pred = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else np.argmax(out, axis=1)
        acc = float(np.mean(pred == y))
        ctx.extra.setdefault("measured", {})["accuracy"] = acc
        if acc >= threshold:
            return Outcome(True, "accuracy %.3f on the judge's %d banknotes (needed %.2f)" % (acc, len(y), threshold))
        return Outcome(False, "accuracy %.3f on the judge's %d banknotes, needed %.2f" % (acc, len(y), threshold))

    return run


def count_params(answer) -> int:
    return int(sum(np.size(w) for layer in dense_layers(answer) for w in layer["weights"]))
