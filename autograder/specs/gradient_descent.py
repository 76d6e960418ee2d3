"""Assignment 03: gradient descent, backpropagation through a two-layer network, the same net in Keras.

Question ids read ``gradient_descent.<grade_id of the hidden check cell>``. :data:`ASKED` says what
each hidden cell hands to the probe. Parameters of the network live in a dict
``{"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}`` and gradients under ``"dW1"``, ... ;
the hidden layer is a sigmoid, the output a softmax, the loss the mean cross-entropy plus
``reg * (sum W1**2 + sum W2**2)`` (biases never regularized), as in ``reference_impl.network``.

Every known mistake's ``example`` is a whole solution cell that uses numpy (sympy, keras) alone,
so that a wrong answer elsewhere in the same notebook cannot change it.
"""
from __future__ import annotations

import numpy as np
import sympy

import reference_impl as ref

from ..judging import keras_checks as kc
from ..judging.numeric import FLOAT32_TOL, agreeing_digits, differing
from ..judging.probe import Reported
from ..judging.spec import (FUNCTION, KERAS, VALUE, Assignment, Case, Check, Mistake, Outcome, Question, Wrong,
                            as_array, compare, describe, no_mutation, shape_of, shapes, values)
from ..judging.symbolic import by_name, differs_at, equivalent, one_expression
from ..judging.checks import dict_values, field


# f(x) = (x - 3)^2 of the notebook, the divergent run and the network of the Keras task
F_MIN, DIVERGE_X0, DIVERGE_LR, SMALL_LR, DIVERGE_STEPS = 3.0, 0.0, 1.1, 0.1, 20
INIT_SEED, HIDDEN = 0, 8  # init_params(2, 8, 2, seed=0) in the notebook = ref.init_two_layer(2, 8, 2, rng(0))
Z = sympy.Symbol("z")
GRAD_KEYS, PARAM_KEYS = ("dW1", "db1", "dW2", "db2"), ("W1", "b1", "W2", "b2")


def initial_params() -> dict:
    return ref.init_two_layer(2, HIDDEN, 2, np.random.default_rng(INIT_SEED))


def grad_f(x):
    return 2.0 * (x - F_MIN)


def diverging_run(lr=DIVERGE_LR):
    return ref.gradient_descent(grad_f, DIVERGE_X0, lr, DIVERGE_STEPS)


# --------------------------------------------------------------------------------------
# inputs the judge picks at grading time


def gd_cases(rng):
    cases = []
    for k in (None, None, int(rng.integers(2, 6))):  # two scalar runs, one in k dimensions
        size = None if k is None else (k,)
        a = float(rng.uniform(0.5, 2.0))
        c = rng.normal(0, 3, size=size) if size else float(rng.normal(0, 3))
        x0 = rng.normal(0, 3, size=size) if size else float(rng.normal(0, 3))
        cases.append(Case((a, c, x0, float(rng.uniform(0.05, 0.3)), int(rng.integers(5, 16)))))
    return cases


def step_cases(rng):
    cases = []
    for low in (2, 2, 1):  # one feature makes a scalar gradient look right: at most one case has it
        n, d = int(rng.integers(2, 21)), int(rng.integers(low, 5))
        cases.append(Case((rng.normal(0, 2, size=(n, d)), rng.integers(0, 2, size=n).astype(float),
                           rng.normal(0, 1, size=d), float(rng.normal()), float(rng.uniform(0.05, 1.0)))))
    return cases


def _params(rng, d, h, c, scale=1.0):
    return {"W1": rng.normal(0, scale, size=(d, h)), "b1": rng.normal(0, 0.5, size=h),
            "W2": rng.normal(0, scale, size=(h, c)), "b2": rng.normal(0, 0.5, size=c)}


def _net_shape(rng, n_lo, n_hi, d_hi=5, h_hi=8, c_hi=5):
    n, d = int(rng.integers(n_lo, n_hi + 1)), int(rng.integers(2, d_hi + 1))
    h = int(rng.integers(2, h_hi + 1))
    if h == d:
        h += 1  # D != H, so that a transposed dW1 shows in its shape
    return n, d, h, int(rng.integers(2, c_hi + 1))


def forward_cases(rng):
    cases = []
    for n_lo, n_hi in ((2, 20), (2, 20), (1, 1)):
        n, d, h, c = _net_shape(rng, n_lo, n_hi)
        cases.append(Case((rng.normal(0, 1.5, size=(n, d)), _params(rng, d, h, c))))
    return cases


def backprop_cases(rng):
    cases = []
    for _ in range(3):
        n, d, h, c = _net_shape(rng, 2, 12, d_hi=4, h_hi=6, c_hi=4)
        cases.append(Case((rng.normal(0, 1.5, size=(n, d)), rng.integers(0, c, size=n), _params(rng, d, h, c),
                           float(rng.uniform(0.05, 0.3)))))
    return cases


def train_cases(rng):
    cases = []
    for _ in range(2):
        n, d, h, c = _net_shape(rng, 5, 30, d_hi=3, h_hi=5, c_hi=3)
        cases.append(Case((rng.normal(0, 1.5, size=(n, d)), rng.integers(0, c, size=n), _params(rng, d, h, c, 0.5),
                           float(rng.uniform(0.1, 1.0)), int(rng.integers(3, 9)))))
    return cases


def keras_inputs(rng):
    return rng.normal(0, 1.5, size=(16, 2))


def numerical_grads(ctx) -> None:
    """The judge's own oracle: centered differences of the reference loss at each case's inputs."""
    found = []
    for case in ctx.cases:
        X, y, params, reg = case.args
        grads = {}
        for name in PARAM_KEYS:
            def loss_at(value, name=name):
                return ref.two_layer_loss(X, y, {**params, name: value}, reg=reg)[0]

            grads["d" + name] = ref.numerical_gradient(loss_at, params[name])
        found.append(grads)
    ctx.extra["numerical"] = found


# --------------------------------------------------------------------------------------
# the truth, and wrong variants of it


def gd_truth(a, c, x0, lr, num_iters):
    return ref.gradient_descent(lambda x: 2 * a * (x - c), x0, lr, num_iters)


def forward_truth(X, params):
    return ref.two_layer_forward(X, params)[0]


def backprop_truth(X, y, params, reg):
    return ref.two_layer_loss(X, y, params, reg=reg)


def train_truth(X, y, params, lr, num_iters):
    return ref.train_two_layer(X, y, params, lr, num_iters)


# --------------------------------------------------------------------------------------
# example cells (numpy / sympy / keras only; they never call another of the student's functions)

_GD_SOURCE = """def gradient_descent(grad_fn, x0, lr, num_iters):
    x = np.asarray(x0, dtype=float)
    xs = [x]
    for _ in range(num_iters):
{body}
"""

_STEP_SOURCE = """def logistic_gd_step(X, y, w, b, lr):
    N = X.shape[0]
{body}
"""

_FORWARD_SOURCE = """def forward(X, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
{body}
"""

_BACKPROP_SOURCE = """def loss_and_grads(X, y, params, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    Z2 = A1 @ W2 + b2
    S = Z2 - Z2.max(axis=1, keepdims=True)
    log_P = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    P = np.exp(log_P)
    Y = np.eye(W2.shape[1])[y]
{body}
    return loss, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
"""

_BP_RIGHT = {
    "loss": "    loss = -np.mean(log_P[np.arange(N), y]) + reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))",
    "dZ2": "    dZ2 = (P - Y) / N",
    "W2": "    dW2 = A1.T @ dZ2 + 2 * reg * W2\n    db2 = dZ2.sum(axis=0)",
    "dZ1": "    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)",
    "W1": "    dW1 = X.T @ dZ1 + 2 * reg * W1\n    db1 = dZ1.sum(axis=0)",
}


def _bp_example(**changes) -> dict[str, str]:
    parts = {**_BP_RIGHT, **changes}
    body = "\n".join(parts[k] for k in ("loss", "dZ2", "W2", "dZ1", "W1"))
    return {"solution_loss_and_grads": _BACKPROP_SOURCE.replace("{body}", body)}


# a private copy of the loss and gradients inside each train example (no call to the student's own)
_TRAIN_HELPER = _BACKPROP_SOURCE.replace("def loss_and_grads(", "def _loss_and_grads(").replace(
    "{body}", "\n".join(_BP_RIGHT[k] for k in ("loss", "dZ2", "W2", "dZ1", "W1")))

_TRAIN_SOURCE = _TRAIN_HELPER + """

def train(X, y, params, lr, num_iters):
    params = {k: np.array(v, dtype=float) for k, v in params.items()}
    history = []
{body}
    return params, np.array(history)
"""

_TRAIN_RIGHT_LOOP = """    for _ in range(num_iters):
        loss, grads = _loss_and_grads(X, y, params)
        history.append(loss)
        params = {k: v - lr * grads["d" + k] for k, v in params.items()}"""


def _train_example(body: str, source: str = _TRAIN_SOURCE) -> dict[str, str]:
    return {"solution_train": source.replace("{body}", body)}


_KERAS_SOURCE = """rng = np.random.default_rng(0)
W1 = 0.1 * rng.standard_normal((2, 8))
W2 = 0.1 * rng.standard_normal((8, 2))
model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation="{act}"),
                          keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="{loss}")
{weights}"""

_KERAS_WEIGHTS = ("model.layers[0].set_weights([W1, np.zeros(8)])\n"
                  "model.layers[1].set_weights([W2, np.zeros(2)])\n")


def _keras_example(act="sigmoid", loss="sparse_categorical_crossentropy", weights=_KERAS_WEIGHTS) -> dict[str, str]:
    return {"solution_keras_net": _KERAS_SOURCE.replace("{act}", act).replace("{loss}", loss).replace(
        "{weights}", weights)}


_DIVERGE_SOURCE = """def _run(lr):
    xs = [0.0]
    for _ in range(20):
        xs.append(xs[-1] - lr * 2 * (xs[-1] - 3))
    return np.array(xs)

xs_small = _run(0.1)
{line}
diverges = {diverges}
"""


def _diverge_example(line: str, diverges: bool) -> dict[str, str]:
    return {"solution_too_large_lr": _DIVERGE_SOURCE.replace("{line}", line).replace("{diverges}", str(diverges))}


# --------------------------------------------------------------------------------------
# checks particular to this assignment


def _truth_value(x) -> bool | None:
    """A reported truth value: a bool (Python or numpy, or an array of one), or the number 0 or 1 (not a text)."""
    if isinstance(x, bool):
        return x
    if isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "biuf":
        value = x.reshape(-1)[0]
        return bool(value) if x.dtype == bool or value in (0, 1) else None
    if isinstance(x, (int, float)) and x in (0, 1):
        return bool(x)
    return None


def moves_away(xs: np.ndarray) -> bool:
    """The judge's own test of divergence: the distance to the minimum grows and ends large."""
    dist = np.abs(np.asarray(xs, dtype=float) - F_MIN)
    if not np.all(np.isfinite(dist)):
        return True  # it overflowed on the way out
    return bool(dist[-1] > 10 * max(dist[0], 0.1))


def diverges_check(answer, ctx):
    said = _truth_value(field(answer, "diverges"))
    if said is None:
        return Outcome(False, "set diverges to True or False, got %s" % describe(field(answer, "diverges")))
    own = ""
    try:
        xs = as_array(field(answer, "iterates"))
        if xs.ndim == 1 and xs.size > 1:
            own = " (your own iterates %s)" % ("move away from the minimum x = 3" if moves_away(xs)
                                               else "do not move away from the minimum")
    except Wrong:
        pass
    if said:
        return Outcome(True, "right: with lr = 1.1 each step overshoots the minimum by more than it started%s" % own)
    return Outcome(False, "diverges = False is not what gradient descent does with lr = 1.1 here%s" % own)


def iterates_check(answer, ctx):
    xs = field(answer, "iterates")
    problem = compare(xs, diverging_run(), rtol=1e-9, atol=1e-9, reshape=True)
    if problem is None:
        return Outcome(True, "the iterates of lr = 1.1 from x0 = 0, which move away from the minimum x = 3")
    got = as_array(xs, "xs_big")
    if not problem.startswith("shape"):  # say where, not what: the expected numbers are the answer
        got = got.reshape(-1)
        bad, _, _ = differing(got, diverging_run(), 1e-9, 1e-9)
        problem = "%d of %d numbers differ, the first at step %d" % (bad.sum(), bad.size, int(np.argmax(bad)))
        digits = agreeing_digits(got[bad], diverging_run()[bad])
        if digits is not None:
            problem += " (close, but they agree only to %d digits: keep the full precision)" % digits
        elif not np.all(np.isfinite(got)):
            problem += " (your iterates hold nan or inf)"
    note = ""
    if got.ndim == 1 and got.size > 1:
        note = "; your iterates %s" % ("move away from the minimum x = 3" if moves_away(got)
                                       else "do not move away from x = 3")
    return Outcome(False, "xs_big is not the %d + 1 iterates of gradient descent on f(x) = (x - 3)² from x0 = 0 "
                   "with lr = 1.1: %s%s" % (DIVERGE_STEPS, problem, note))


def numerical_check(rel=1e-6, abs_tol=1e-8):
    """The gradients agree with the judge's centered differences of the reference loss (to float32 precision
    at least)."""
    rel = max(rel, FLOAT32_TOL)

    def run(answer, ctx):
        for (case, got, _), num in zip(ctx.results(answer), ctx.extra["numerical"]):
            if isinstance(got, Reported):
                return Outcome(False, "your function raised %s" % got.text[:300]) if got.kind == "error" else \
                    Outcome(False, "expected (loss, grads), got %s" % describe(got))
            grads = got[1] if isinstance(got, (tuple, list)) and len(got) == 2 else None
            if not isinstance(grads, dict):
                return Outcome(False, "expected (loss, grads) with grads a dict, got %s" % describe(got))
            for k in GRAD_KEYS:
                if k not in grads:
                    return Outcome(False, "grads has no key %r" % k)
                g = as_array(grads[k], k)
                if g.shape != num[k].shape:
                    return Outcome(False, "%s has shape %s, but its parameter has shape %s" % (k, g.shape, num[k].shape))
                with np.errstate(all="ignore"):
                    gap = float(np.max(np.abs(g - num[k]))) if g.size else 0.0
                    error = ref.relative_error(g, num[k]) if np.all(np.isfinite(g)) else np.inf
                if not (gap <= abs_tol or error <= rel):
                    return Outcome(False, "%s differs from a numerical gradient (centered differences of the loss): "
                                   "relative error %.2g" % (k, error))
        return Outcome(True, "every gradient agrees with centered differences of the loss (relative error < %g)" % rel)

    return run


def inputs_unchanged(answer, ctx):
    """Check: the function ran on every input and left the arrays it received as they were.

    (``spec.no_mutation`` alone would credit a function that raises before touching anything.)
    """
    for case, got, _ in ctx.results(answer):
        if isinstance(got, Reported) and got.kind == "error":
            return Outcome(False, "on inputs of shapes %s your function raised %s" % (shapes(case), got.text[:300]))
    return no_mutation()(answer, ctx)


def _symbolic(answer) -> sympy.Expr:
    if isinstance(answer, Reported) and answer.kind == "error":
        raise Wrong("reading dsigma failed: %s" % answer.text[:300])
    expr = one_expression(answer, Z)
    if expr is None:
        raise Wrong("dsigma should be a sympy expression in the symbol z, got %s" % describe(answer))
    if not isinstance(expr, sympy.Expr):
        raise Wrong("dsigma should be an expression, got %s" % type(expr).__name__)
    return by_name(expr, Z)


def sigmoid_expr(z=Z):
    return 1 / (1 + sympy.exp(-z))


def dsigma_truth() -> sympy.Expr:
    return sigmoid_expr() * (1 - sigmoid_expr())


def numerically_equal(expr, other) -> bool:
    """Equal to 10 digits at each of the judge's fixed points (a wrong variant's test)."""
    return differs_at(expr, other, Z) is None


def form_check(answer, ctx):
    expr = _symbolic(answer)
    others = sorted(s.name for s in expr.free_symbols if s != Z)
    if others:
        return Outcome(False, "dsigma should use only the symbol z, but it uses %s" % ", ".join(others))
    if Z not in expr.free_symbols:
        return Outcome(False, "dsigma should depend on z, but it is a constant")
    return Outcome(True, "a sympy expression in z")


def equivalent_check(answer, ctx):
    expr = _symbolic(answer)
    if expr.free_symbols - {Z}:
        return Outcome(False, "it uses symbols other than z, so it is not σ'(z)")
    same, how = equivalent(expr, dsigma_truth(), Z)
    if same:
        return Outcome(True, "equivalent to σ'(z), %s" % how)
    return Outcome(False, "your expression is not the derivative of σ(z) = 1/(1 + exp(-z)): %s" % how)


def same_derivative(answer, other) -> bool:
    """Two answers that are one function of z, in the symbol z alone (a mistake's example is one of them)."""
    expr, variant = _symbolic(answer), _symbolic(other)
    return all(s.name == "z" for s in expr.free_symbols | variant.free_symbols) and numerically_equal(expr, variant)


def in_another_symbol(answer, ctx) -> bool:
    """σ'(z) written in one symbol that is not z, whichever symbol it is (x, t, s...)."""
    expr = _symbolic(answer)
    symbols = list(expr.free_symbols)
    return len(symbols) == 1 and symbols[0].name != "z" and numerically_equal(expr.xreplace({symbols[0]: Z}),
                                                                               dsigma_truth())


def _sym_example(expr_line: str, symbol="z") -> dict[str, str]:
    return {"solution_sigmoid_derivative": "%s = sympy.Symbol(%r)\nsigma = 1 / (1 + sympy.exp(-%s))\ndsigma = %s\n"
            % (symbol, symbol, symbol, expr_line)}


# --------------------------------------------------------------------------------------
# the questions

GD = Question(
    "gradient_descent", "Gradient descent on a 1-D loss", FUNCTION, 2,
    asked="lambda a, c, x0, lr, num_iters: gradient_descent(lambda x: 2 * a * (x - c), x0, lr, num_iters)",
    truth=gd_truth, cases=gd_cases,
    checks=[Check("shape", 0.5, shape_of()), Check("values", 1.5, values(rtol=1e-9, atol=1e-9))],
    mistakes=[
        Mistake("gd.ascent", "a step up the slope", "gradient descent moves *against* the gradient: "
                "x ← x - lr · grad_fn(x).",
                {"solution_gradient_descent": _GD_SOURCE.replace("{body}",
                 "        x = x + lr * np.asarray(grad_fn(x))\n        xs.append(x)\n    return np.array(xs)")},
                fails=("values",)),
        Mistake("gd.no_x0", "the starting point left out", "return num_iters + 1 iterates: x0 first, then one "
                "per step.",
                {"solution_gradient_descent": _GD_SOURCE.replace("{body}",
                 "        x = x - lr * np.asarray(grad_fn(x))\n        xs.append(x)\n    return np.array(xs[1:])")},
                fails=("shape", "values")),
        Mistake("gd.last_only", "only the last iterate returned", "return the whole path (num_iters + 1 iterates, "
                "x0 included), so that it can be plotted.",
                {"solution_gradient_descent": _GD_SOURCE.replace("{body}",
                 "        x = x - lr * np.asarray(grad_fn(x))\n    return x")},
                fails=("shape", "values")),
    ],
)

TOO_LARGE_LR = Question(
    "too_large_lr", "What a too large learning rate does", VALUE, 2, uses=("gradient_descent",),
    asked='{"diverges": diverges, "iterates": xs_big}',
    truth=diverging_run,
    checks=[Check("diverges", 1, diverges_check), Check("iterates", 1, iterates_check)],
    mistakes=[
        Mistake("diverge.says_converges", "divergence not recognised", "look at the distance |x_k - 3| along "
                "your own run xs_big: does it shrink or grow from one step to the next?",
                _diverge_example("xs_big = _run(1.1)", False), fails=("diverges",)),
        Mistake("diverge.small_lr", "the run with the small learning rate", "xs_big is the run with lr = 1.1, "
                "not the one with lr = 0.1.",
                _diverge_example("xs_big = _run(0.1)", False), fails=("diverges", "iterates")),
        Mistake("diverge.losses", "the losses f(x_k) instead of the iterates x_k", "xs_big holds the positions "
                "x_0, ..., x_20 of the run, not the values of f there.",
                _diverge_example("xs_big = (_run(1.1) - 3) ** 2", True), fails=("iterates",)),
    ],
)

STEP = Question(
    "logistic_step", "One gradient step of the banknote neuron", FUNCTION, 2, asked="logistic_gd_step",
    truth=ref.logistic_gd_step, cases=step_cases,
    checks=[Check("shape", 0.5, shape_of(part=0)),
            Check("weights", 1, values(part=0, rtol=1e-9, atol=1e-12)),
            Check("bias", 0.5, values(part=1, rtol=1e-9, atol=1e-12))],
    mistakes=[
        Mistake("step.ascent", "the update with the wrong sign", "w ← w - lr · dJ/dw: subtract the gradient "
                "(on the banknote, w1 grows from 0.3 to 0.317946).",
                {"solution_logistic_step": _STEP_SOURCE.replace("{body}",
                 "    p = 1 / (1 + np.exp(-(X @ w + b)))\n    return w + lr * X.T @ (p - y) / N, b + lr * np.sum(p - y) / N")},
                fails=("weights", "bias")),
        Mistake("step.double_n", "1/N applied twice", "the mean's 1/N enters the gradient once; dividing again "
                "silently turns lr into lr / N.",
                {"solution_logistic_step": _STEP_SOURCE.replace("{body}",
                 "    p = 1 / (1 + np.exp(-(X @ w + b)))\n    g = (p - y) / N\n"
                 "    return w - lr * X.T @ g / N, b - lr * np.sum(g) / N")},
                fails=("weights", "bias")),
        Mistake("step.sum", "the gradient of the summed loss", "the loss is a mean over the N examples, so its "
                "gradient carries a 1/N.",
                {"solution_logistic_step": _STEP_SOURCE.replace("{body}",
                 "    p = 1 / (1 + np.exp(-(X @ w + b)))\n    return w - lr * X.T @ (p - y), b - lr * np.sum(p - y)")},
                fails=("weights", "bias")),
        Mistake("step.no_sigmoid", "the score z used as the probability", "the error signal is p - y with "
                "p = σ(Xw + b), not z - y.",
                {"solution_logistic_step": _STEP_SOURCE.replace("{body}",
                 "    p = X @ w + b\n    return w - lr * X.T @ (p - y) / N, b - lr * np.sum(p - y) / N")},
                fails=("weights", "bias")),
        Mistake("step.bias_fixed", "the bias not updated", "the bias is a parameter too: b ← b - lr · mean(p - y).",
                {"solution_logistic_step": _STEP_SOURCE.replace("{body}",
                 "    p = 1 / (1 + np.exp(-(X @ w + b)))\n    return w - lr * X.T @ (p - y) / N, b")},
                fails=("bias",)),
    ],
)

SIGMOID_DERIVATIVE = Question(
    "sigmoid_derivative", "The derivative of the sigmoid, symbolically", VALUE, 2, asked="dsigma", same=same_derivative,
    truth=dsigma_truth,
    checks=[Check("form", 0.5, form_check), Check("equivalent", 1.5, equivalent_check)],
    mistakes=[
        Mistake("dsigma.plus", "σ(z)(1 + σ(z))", "differentiate (1 + e^{-z})^{-1} with the chain "
                "rule, then write e^{-z} / (1 + e^{-z}) in terms of σ(z): check the sign in the second factor.",
                _sym_example("sigma * (1 + sigma)"),
                fails=("equivalent",)),
        Mistake("dsigma.shifted", "σ evaluated at 1 - z in the second factor", "σ(1 - z) is σ evaluated at the point "
                "1 - z; the second factor comes from rewriting e^{-z} / (1 + e^{-z}) in terms of σ(z).",
                _sym_example("sigma * (1 / (1 + sympy.exp(-(1 - z))))"), fails=("equivalent",)),
        Mistake("dsigma.no_square", "the square of the denominator dropped", "the derivative of 1/u is -u'/u²: "
                "the denominator 1 + e^{-z} appears squared.",
                _sym_example("sympy.exp(-z) / (1 + sympy.exp(-z))"), fails=("equivalent",)),
        Mistake("dsigma.symbol", "a symbol other than z", "write the derivative in the symbol z = sympy.Symbol('z').",
                _sym_example("sigma * (1 - sigma)", symbol="x"),
                fails=("form", "equivalent"),
                matches=in_another_symbol),  # any symbol but z: broader than the example's x
    ],
)

FORWARD = Question(
    "forward", "The forward pass of the two-layer network", FUNCTION, 2,
    truth=forward_truth, cases=forward_cases,
    checks=[Check("shape", 0.5, shape_of()), Check("values", 1.5, values(rtol=1e-7, atol=1e-12))],
    mistakes=[
        Mistake("forward.softmax_axis", "softmax over the wrong axis", "each example (row) gets a probability "
                "distribution over the C classes: normalize along axis=1.",
                {"solution_forward": _FORWARD_SOURCE.replace("{body}",
                 "    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))\n    Z2 = A1 @ W2 + b2\n"
                 "    E = np.exp(Z2 - Z2.max(axis=0, keepdims=True))\n    return E / E.sum(axis=0, keepdims=True)")},
                fails=("values",)),
        Mistake("forward.no_hidden_activation", "no activation in the hidden layer", "A1 = σ(X W1 + b1): without "
                "it the two layers collapse into one linear map.",
                {"solution_forward": _FORWARD_SOURCE.replace("{body}",
                 "    A1 = X @ W1 + b1\n    Z2 = A1 @ W2 + b2\n"
                 "    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))\n    return E / E.sum(axis=1, keepdims=True)")},
                fails=("values",)),
        Mistake("forward.sigmoid_output", "a sigmoid on the output instead of the softmax", "C classes need "
                "probabilities that sum to 1 in each row: softmax, not an elementwise sigmoid.",
                {"solution_forward": _FORWARD_SOURCE.replace("{body}",
                 "    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))\n    return 1 / (1 + np.exp(-(A1 @ W2 + b2)))")},
                fails=("values",)),
        Mistake("forward.no_bias", "the biases forgotten", "each layer computes inputs @ W + b.",
                {"solution_forward": _FORWARD_SOURCE.replace("{body}",
                 "    A1 = 1 / (1 + np.exp(-(X @ W1)))\n    Z2 = A1 @ W2\n"
                 "    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))\n    return E / E.sum(axis=1, keepdims=True)")},
                fails=("values",)),
    ],
)

BACKPROP = Question(
    "loss_and_grads", "The backward pass: loss and gradients of the two-layer network", FUNCTION, 3,
    truth=backprop_truth, cases=backprop_cases, prepare=numerical_grads,
    checks=[Check("loss", 0.5, values(part=0, rtol=1e-7, atol=1e-10)),
            Check("output layer", 1, dict_values(["dW2", "db2"], part=1, rtol=1e-6, atol=1e-9)),
            Check("hidden layer", 1, dict_values(["dW1", "db1"], part=1, rtol=1e-6, atol=1e-9)),
            Check("numerical gradient", 0.5, numerical_check())],
    mistakes=[
        Mistake("backprop.double_n", "1/N applied twice", "dZ2 = (P - Y) / N already holds the mean's 1/N; "
                "do not divide the weight gradients by N again.",
                _bp_example(dZ2="    dZ2 = (P - Y) / N / N"),
                fails=("output layer", "hidden layer", "numerical gradient")),
        Mistake("backprop.reg_bias", "the biases regularized", "the penalty reg·(ΣW1² + ΣW2²) covers the weights "
                "only: leave b1 and b2 out of the loss and their gradients.",
                _bp_example(loss=_BP_RIGHT["loss"] + " + reg * (np.sum(b1 ** 2) + np.sum(b2 ** 2))",
                            W2="    dW2 = A1.T @ dZ2 + 2 * reg * W2\n    db2 = dZ2.sum(axis=0) + 2 * reg * b2",
                            W1="    dW1 = X.T @ dZ1 + 2 * reg * W1\n    db1 = dZ1.sum(axis=0) + 2 * reg * b1"),
                fails=("loss", "output layer", "hidden layer", "numerical gradient")),
        Mistake("backprop.no_sigmoid_grad", "σ' left out of the hidden layer", "going back through A1 = σ(Z1) "
                "multiplies by σ'(Z1) = A1 (1 - A1): dZ1 = (dZ2 W2ᵀ) ⊙ A1 (1 - A1).",
                _bp_example(dZ1="    dZ1 = dZ2 @ W2.T"),
                fails=("hidden layer", "numerical gradient")),
        Mistake("backprop.sign", "the error signal with the wrong sign", "the gradient of the cross-entropy with "
                "respect to the logits is (P - Y) / N, not (Y - P) / N.",
                _bp_example(dZ2="    dZ2 = (Y - P) / N"),
                fails=("output layer", "hidden layer", "numerical gradient")),
        Mistake("backprop.transposed", "dW1 transposed", "a gradient has the shape of its parameter: dW1 = "
                "X.T @ dZ1, shape (D, H).",
                _bp_example(W1="    dW1 = dZ1.T @ X + 2 * reg * W1.T\n    db1 = dZ1.sum(axis=0)"),
                fails=("hidden layer", "numerical gradient")),
    ],
)

TRAIN = Question(
    "train", "Training the network by gradient descent", FUNCTION, 2.5, uses=("loss_and_grads",),
    truth=train_truth, cases=train_cases,
    checks=[Check("loss history", 1, values(part=1, rtol=1e-7, atol=1e-10)),
            Check("parameters", 1, dict_values(list(PARAM_KEYS), part=0, rtol=1e-7, atol=1e-10)),
            Check("inputs unchanged", 0.5, inputs_unchanged)],
    mistakes=[
        Mistake("train.history_after", "the loss recorded after the update", "record the loss of the parameters "
                "*before* each step (history[0] is the loss of the starting point).",
                _train_example(_TRAIN_RIGHT_LOOP.replace(
                    "        history.append(loss)\n", "").replace(
                    'params.items()}', 'params.items()}\n        history.append(_loss_and_grads(X, y, params)[0])')),
                fails=("loss history",)),
        Mistake("train.in_place", "the caller's parameters overwritten", "params[k] -= ... changes the arrays "
                "the caller passed in (the notebook's initial weights): build new arrays, p - lr * g.",
                _train_example("    for _ in range(num_iters):\n        loss, grads = _loss_and_grads(X, y, params)\n"
                               "        history.append(loss)\n        for k in params:\n"
                               "            params[k] -= lr * grads['d' + k]",
                               source=_TRAIN_SOURCE.replace(
                                   "    params = {k: np.array(v, dtype=float) for k, v in params.items()}\n", "")),
                fails=("inputs unchanged",)),
        Mistake("train.double_n", "the learning rate divided by N", "the gradients already hold the 1/N of the "
                "mean; lr / N makes every step N times too small.",
                _train_example(_TRAIN_RIGHT_LOOP.replace("v - lr * grads", "v - lr / len(y) * grads")),
                fails=("loss history", "parameters")),
        Mistake("train.ascent", "the update with the wrong sign", "θ ← θ - lr · dJ/dθ: subtract the gradient.",
                _train_example(_TRAIN_RIGHT_LOOP.replace("v - lr * grads", "v + lr * grads")),
                fails=("loss history", "parameters")),
        Mistake("train.one_short", "one update too few", "range(num_iters) runs num_iters updates and records "
                "num_iters losses.",
                _train_example(_TRAIN_RIGHT_LOOP.replace("range(num_iters)", "range(num_iters - 1)")),
                fails=("loss history", "parameters")),
    ],
)

INITIAL_WEIGHTS = [initial_params()[k] for k in PARAM_KEYS]  # kernel, bias, kernel, bias of the two Dense layers
PARAMS0 = "params0, the numpy network's initial weights"

KERAS_NET = Question(
    "keras_net", "The same network in Keras, with the same initial weights", KERAS, 3, asked="model",
    inputs=keras_inputs,
    checks=[Check("architecture", 1, kc.architecture([HIDDEN, 2], ["sigmoid", "softmax"], 2)),
            Check("compiled", 0.5, kc.compiled_with("SGD", "sparse_categorical_crossentropy")),
            Check("weights", 0.5, kc.weights_equal(INITIAL_WEIGHTS, PARAMS0)),
            Check("predictions", 1, kc.predictions_match())],
    mistakes=[  # matched by hand: each reads one feature of the model, whatever else the cell builds
        Mistake("keras_net.relu", "ReLU in the hidden layer", "the numpy network uses a sigmoid hidden layer: "
                "Dense(8, activation='sigmoid').",
                _keras_example(act="relu"), fails=("architecture",),
                matches=lambda a, ctx: kc.activations(a) == ["relu", "softmax"]),
        Mistake("keras_net.categorical", "categorical instead of sparse categorical cross-entropy", "the labels are "
                "class numbers 0 and 1, not one-hot rows: loss='sparse_categorical_crossentropy'.",
                _keras_example(loss="categorical_crossentropy"), fails=("compiled",),
                matches=lambda a, ctx: kc.loss_of(a) == "categorical_crossentropy"),
        Mistake("keras_net.weights_not_set", "the initial weights not set", "give both layers the numpy network's "
                "initial weights with layer.set_weights([kernel, bias]), so that both start from the same point.",
                _keras_example(weights=""), fails=("weights",),
                matches=kc.weights_not_set(INITIAL_WEIGHTS)),
    ],
)

#: the special students of this assignment's demo and test classes (autograder.synth.Student's fields)
SPECIAL_STUDENTS = (
    dict(name="correct", note="every answer right"),
    dict(name="blank", blank=True, note="the released notebook, untouched"),
    dict(name="crash", cells={"solution_forward": "raise RuntimeError('my forward cell crashes')\n"
                                                "def forward(X, params):\n    return X\n"},
            note="the forward cell raises before defining forward"),
    dict(name="warns", cells={
        "solution_gradient_descent": "import warnings\n\ndef gradient_descent(grad_fn, x0, lr, num_iters):\n"
                                     "    warnings.warn('a harmless warning')\n    xs = [np.asarray(x0, dtype=float)]\n"
                                     "    for _ in range(num_iters):\n        xs.append(xs[-1] - lr * grad_fn(xs[-1]))\n"
                                     "    return np.array(xs)\n",
    }, note="right answers that print a warning"),)


ASSIGNMENT = Assignment(
    special_students=SPECIAL_STUDENTS,
    name="03_gradient_descent",
    key="gradient_descent",
    notebook="gradient_descent",
    questions=[GD, TOO_LARGE_LR, STEP, SIGMOID_DERIVATIVE, FORWARD, BACKPROP, TRAIN, KERAS_NET],
)

#: what each hidden grade cell asks (``_autograder.ask(qid, <this expression>)``; the build script writes it into
#: the notebook)
ASKED = {q.name: q.asked or q.name for q in ASSIGNMENT.questions}
