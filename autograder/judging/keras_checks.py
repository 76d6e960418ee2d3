"""Checks on a reported Keras model: architecture, compile settings, training, weights, predictions, accuracy.

The kernel reports the model as plain data (``autograder.judging.probe.describe_keras_model``): per layer its class,
units, weights and activation (its name, and its values on fixed numbers); the optimizer, learning rate, loss
and metrics as they were given; traces of training; and the model's own predictions on inputs the judge picked.
The checks read it in canonical form (:mod:`autograder.judging.keras_forms`), so that a model is judged by what it is,
not by the API that built it or the spelling of its parts. The judge recomputes the predictions with a numpy
forward pass from the reported weights, so a model cannot claim weights it does not use, and scores accuracy
itself on the data the question names.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .keras_forms import (ACCURACY_METRICS, ALIASES, Dense, Net, _text, activations,  # noqa: F401 (re-exported)
                          canonical, canonical_of, dense_layers, identify_activation, loss_of, model_report,
                          numpy_forward, read_net, shown, training_of)
from .probe import Reported
from .spec import Context, Outcome, Wrong, as_array

# --------------------------------------------------------------------------------------
# checks


def architecture(units: Sequence[int], activations: Sequence[str], n_inputs: int) -> Callable[[Any, Context], Outcome]:
    """Dense layers with these units and activations, on ``n_inputs`` input features, with biases, and nothing else
    that computes (an InputLayer, an Activation('linear'), a Flatten or a Dropout(0) change nothing)."""
    want = " -> ".join("Dense(%d, %s)" % ua for ua in zip(units, activations))

    def run(answer, ctx):
        net = read_net(answer)
        got = " -> ".join(net.labels) or "no layer"
        if net.unknown:
            return Outcome(False, "expected %s, got %s: the model holds %s, which the question does not ask for"
                           % (want, got, net.unknown[0]))
        if net.pre:
            return Outcome(False, "expected %s, got %s: the inputs go through %s before the first Dense layer"
                           % (want, got, net.pre[0]))
        if len(net.dense) != len(units):
            return Outcome(False, "expected %s, got %s" % (want, got))
        for d, u, a in zip(net.dense, units, activations):
            if d.units != u:
                return Outcome(False, "layer %d has %d units, expected %d" % (d.index, d.units, u))
            if d.activation != a:
                return Outcome(False, "layer %d uses activation %r, expected %r" % (d.index, d.activation, a))
            if d.bias is None:
                return Outcome(False, "layer %d has no bias (use_bias=False); the Dense layers here keep their bias"
                               % d.index)
        if net.dense[0].kernel.shape[0] != n_inputs:
            return Outcome(False, "the model takes %d input features, expected %d (keras.Input(shape=(%d,)))"
                           % (net.dense[0].kernel.shape[0], n_inputs, n_inputs))
        if net.extra:
            return Outcome(False, "the model also holds %s, which the question does not ask for" % net.extra[0])
        return Outcome(True, want)

    return run


def _metric(spelled) -> str | None:
    if isinstance(spelled, dict) and _text(spelled.get("form")) in ("class", "instance") and \
            _text(spelled.get("class")) == "Accuracy":
        return "exact-match accuracy"  # keras.metrics.Accuracy compares probabilities with labels for equality
    return canonical_of(spelled)


def _compile_problems(compiled: dict, optimizer, loss, learning_rate, metrics, last_act) -> list[str]:
    problems = []
    opt = compiled.get("optimizer")
    if canonical_of(opt) != canonical(optimizer):
        problems.append("optimizer %s, expected %s" % (shown(opt) if opt is not None else "none", optimizer))
    elif learning_rate is not None:
        lr, schedule = compiled.get("learning_rate"), compiled.get("learning_rate_schedule")
        if schedule is not None:
            problems.append("the learning rate is a schedule (%s); the question asks learning_rate=%g"
                            % (_text(schedule), learning_rate))
        elif not isinstance(lr, (int, float)) or not math.isclose(lr, learning_rate, rel_tol=1e-5):
            problems.append("learning rate %s, the question asks learning_rate=%g" % (
                "%g" % lr if isinstance(lr, (int, float)) else "unknown", learning_rate))
    spelled = compiled.get("loss")
    if spelled is None:
        problems.append("no loss: compile(..., loss=%r)" % loss)
    elif canonical_of(spelled) != loss:
        problems.append("loss %s, expected %r (any spelling Keras accepts will do)" % (shown(spelled), loss))
    elif isinstance(spelled, dict) and spelled.get("from_logits") is True and last_act in ("sigmoid", "softmax"):
        problems.append("the loss is told from_logits=True, but the model already outputs probabilities (%s): "
                        "leave from_logits at False" % last_act)
    given = compiled.get("metrics") if isinstance(compiled.get("metrics"), list) else []
    for m in metrics:
        names = [_metric(s) for s in given]
        if m == "accuracy" and "exact-match accuracy" in names and not ACCURACY_METRICS & set(names):
            problems.append("keras.metrics.Accuracy() counts exact matches of probabilities and labels; use "
                            "metrics=['accuracy']")
        elif not (ACCURACY_METRICS if m == "accuracy" else {m}) & set(names):
            problems.append("no %s metric: compile(..., metrics=[%r])" % (m, m))
    return problems


def compiled_with(optimizer: str, loss: str, learning_rate: float | None = None,
                  metrics: Sequence[str] = ()) -> Callable[[Any, Context], Outcome]:
    """Compiled with this optimizer (and learning rate, where the question asks one), this loss and these metrics,
    each in any spelling: a string, a class, an instance or a function."""

    def run(answer, ctx):
        compiled = model_report(answer).get("compiled")
        if not isinstance(compiled, dict) or not compiled:
            return Outcome(False, "the model is not compiled: call model.compile(optimizer=..., loss=...)")
        try:
            net = read_net(answer)
            last_act = net.dense[-1].acts[-1] if net.dense and net.dense[-1].acts else None
        except Wrong:
            last_act = None
        problems = _compile_problems(compiled, optimizer, loss, learning_rate, metrics, last_act)
        if problems:
            return Outcome(False, "; ".join(problems))
        lr = compiled.get("learning_rate")
        return Outcome(True, "%s (learning rate %s) with %s" % (
            optimizer, "%g" % lr if isinstance(lr, (int, float)) else "?", loss))

    return run


def trained() -> Callable[[Any, Context], Outcome]:
    """The model was trained: its optimizer took a step, or fit left a history of at least one epoch."""

    def run(answer, ctx):
        found = training_of(answer)
        if found is None:
            return Outcome(False, "whether the model was trained could not be read")
        steps, epochs = found
        if steps or epochs:
            done = ["%d optimizer steps" % steps] if steps else []
            done += ["%d epochs of fit" % epochs] if epochs else []
            return Outcome(True, "trained (%s)" % ", ".join(done))
        return Outcome(False, "the model was never trained: its optimizer took no step and fit never ran on it. "
                       "Call .fit(X_train, y_train, ...) on the model you hand in")

    return run


def never_trained(answer, ctx) -> bool:
    """Mistake matcher: the report shows no trace of training (not merely a missing report)."""
    try:
        return training_of(answer) == (0, 0)
    except Wrong:
        return False


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


def _same_numbers(a: np.ndarray, b: np.ndarray) -> bool:
    return a.size == b.size and np.allclose(np.sort(a, axis=None), np.sort(b, axis=None), atol=1e-6)


def _weight_arrays(net: Net) -> list[tuple[str, np.ndarray | None]]:
    return [(part % d.index, arr) for d in net.dense
            for part, arr in (("the kernel of Dense layer %d", d.kernel), ("the bias of Dense layer %d", d.bias))]


def weights_equal(expected: Sequence[np.ndarray], what: str = "the weights the question gives",
                  atol=1e-6) -> Callable[[Any, Context], Outcome]:
    """The kernels and biases of the Dense layers, in order, equal ``expected`` (``what`` names them)."""
    expected = [np.asarray(e, dtype=np.float64) for e in expected]

    def run(answer, ctx):
        got = _weight_arrays(read_net(answer))
        if len(got) != len(expected):
            return Outcome(False, "expected %d Dense layers (a kernel and a bias each), got %d"
                           % (len(expected) // 2, len(got) // 2))
        for (name, g), e in zip(got, expected):
            if g is None:
                return Outcome(False, "%s is missing (use_bias=False), so the weights cannot be %s" % (name, what))
            if g.shape != e.shape:
                return Outcome(False, "%s has shape %s, expected %s" % (name, g.shape, e.shape))
            if not np.allclose(g, e, atol=atol):
                if _same_numbers(g, e):
                    return Outcome(False, "%s holds the right numbers in the wrong places (a kernel has shape "
                                   "(inputs, units): row i holds the weights of input i)" % name)
                if any(_same_numbers(g, other) for other in expected):
                    return Outcome(False, "%s holds the numbers of another array of %s: each layer gets its own "
                                   "kernel and bias, in the order of the layers" % (name, what))
                moved = " (the model was trained after its weights were set, which moves them)" if any(
                    training_of(answer) or ()) else ""
                return Outcome(False, "%s is not from %s: set it with layer.set_weights([kernel, bias])%s"
                               % (name, what, moved))
        return Outcome(True, "weights set as asked")

    return run


def weights_not_set(expected: Sequence[np.ndarray]) -> Callable[[Any, Context], bool]:
    """Mistake matcher: the layers are those asked, but one still holds its fresh initialization (zero bias,
    none of the numbers given), and the model was not trained. Weights set but misplaced (swapped, transposed)
    do not match, nor do layers of other shapes (their weights could not be set)."""
    expected = [np.asarray(e, dtype=np.float64) for e in expected]
    given = [e for e in expected if np.any(e != 0)]

    def matches(answer, ctx):
        try:
            if weights_equal(expected)(answer, ctx).passed or any(training_of(answer) or ()):
                return False
            net = read_net(answer)
        except Wrong:
            return False
        if [None if a is None else a.shape for _, a in _weight_arrays(net)] != [e.shape for e in expected]:
            return False  # other layers than asked: the weights could not have been set; the architecture says why
        for d in net.dense:
            arrays = [d.kernel] + ([d.bias] if d.bias is not None else [])
            holds_given = any(_same_numbers(a, e) for a in arrays for e in given)
            if not holds_given and (d.bias is None or not np.any(d.bias)):
                return True
        return False

    return matches


def accuracy_at_least(threshold: float, features: str = "test_X", labels: str = "test_y",
                      data: str = "the %d banknotes of the test set") -> Callable[[Any, Context], Outcome]:
    """Accuracy of the model's numpy forward pass on data the judge holds (``ctx.extra[features]``)."""

    def run(answer, ctx):
        X, y = ctx.extra[features], ctx.extra[labels]
        out = numpy_forward(answer, X)
        if out.ndim != 2 or out.shape[0] != len(y):
            raise Wrong("the model's output has shape %s, expected one row per example" % (out.shape,))
        pred = (out[:, 0] > 0.5).astype(int) if out.shape[1] == 1 else np.argmax(out, axis=1)
        acc = float(np.mean(pred == y))
        where = data % len(y)
        if acc >= threshold:
            return Outcome(True, "accuracy %.3f on %s (needed %.2f)" % (acc, where, threshold))
        return Outcome(False, "accuracy %.3f on %s, needed %.2f" % (acc, where, threshold))

    return run
