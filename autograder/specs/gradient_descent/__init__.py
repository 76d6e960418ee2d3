"""Assignment 03: gradient descent, backpropagation through a two-layer network, the same net in Keras.

Question ids read ``gradient_descent.<grade_id of the hidden check cell>``. :data:`ASKED` says what
each hidden cell hands to the probe. Parameters of the network live in a dict
``{"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}`` and gradients under ``"dW1"``, ... ;
the hidden layer is a sigmoid, the output a softmax, the loss the mean cross-entropy plus
``reg * (sum W1**2 + sum W2**2)`` (biases never regularized), as in ``reference_impl.network``.

Every known mistake's ``example`` is a whole solution cell that uses numpy (sympy, keras) alone,
so that a wrong answer elsewhere in the same notebook cannot change it.

The questions are here; the numbers, the inputs the judge picks and the truth are in :mod:`.inputs`, the checks
particular to this assignment in :mod:`.checks`.
"""
from __future__ import annotations

import reference_impl as ref

from ...judging import keras_checks as kc
from ...judging.checks import dict_values, shape_of, values
from ...judging.spec import FUNCTION, KERAS, VALUE, Assignment, Check, Mistake, Question
from .checks import (diverges_check, dsigma_truth, equivalent_check, form_check, in_another_symbol, inputs_unchanged,
                     iterates_check, numerical_check, same_derivative)
from .checks import moves_away  # noqa: F401 (as the tests read it)
from .inputs import (HIDDEN, PARAM_KEYS, backprop_cases, backprop_truth, diverging_run, forward_cases, forward_truth,
                     gd_cases, gd_truth, initial_params, keras_inputs, numerical_grads, step_cases, train_cases,
                     train_truth)
from .inputs import GRAD_KEYS, INIT_SEED, SMALL_LR  # noqa: F401 (as the tests read them)


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
                fails=("loss history", "parameters"),
                # a right loop that runs a loss_and_grads dividing by N twice takes the same N times too small steps
                caused_by=("backprop.double_n",)),
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
