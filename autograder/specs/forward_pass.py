"""Assignment 01: the neuron, the banknote task, a first Keras model (week 1 of the course).

Question ids read ``forward_pass.<grade_id of the hidden check cell>``. Solution cells are named
``solution_<question>``; each known mistake carries, as its ``example``, a solution cell that
makes it (used to build synthetic submissions for the demo and the tests).
"""
from __future__ import annotations

import numpy as np

import reference_impl as ref

from ..judging import keras_checks as kc
from ..judging.numeric import FLOAT32_TOL
from ..judging.checks import equals, shape_of, values
from ..judging.spec import FUNCTION, KERAS, VALUE, Assignment, Case, Check, Context, Mistake, Outcome, Question
from ..judging.symbolic import line_of

# --------------------------------------------------------------------------------------
# the numbers of the week-1 deck (the answer key computes them; nothing here is typed from a slide)
W_BANKNOTE, B_BANKNOTE, X_BANKNOTE = np.array([0.3, 0.1]), 1.0, np.array([1.0, 2.2])
A = np.array([[2.0, 1.0], [0.0, 3.0]])
B = np.array([[3.0, 1.0, 7.0], [8.0, 2.0, 4.0]])
LOGIT_B, LOGIT_W1, LOGIT_W2 = 1.0, 2.0, 0.5  # ln(p / (1 - p)) = 1 + 2 x1 + 0.5 x2


def p_fake() -> float:
    return float(ref.neuron_forward(X_BANKNOTE[None, :], W_BANKNOTE, B_BANKNOTE)[0])


# --------------------------------------------------------------------------------------
# inputs the judge picks at grading time


def sigmoid_cases(rng):
    regular = [Case((rng.normal(0, 3, size=shape),)) for shape in [(7,), (3, 4), (2, 3, 2)]]
    # always some past float64's overflow of exp (about 709.8) and some below it, whatever the draw
    big = np.concatenate([rng.uniform(30, 700, size=2), rng.uniform(750, 1000, size=2)])
    extreme = [Case((np.concatenate([-big, [0.0], big]),), group="extreme")]
    return regular + extreme


def neuron_cases(rng):
    cases = []
    for n, d in [(6, 2), (1, 2), (9, 3)]:
        cases.append(Case((rng.normal(0, 2, size=(n, d)), rng.normal(0, 1, size=d), float(rng.normal()))))
    return cases


def two_layer_cases(rng):
    cases = []
    for n, d, h, c in [(5, 2, 3, 1), (8, 4, 6, 2), (1, 3, 5, 1)]:
        cases.append(Case((rng.normal(0, 1.5, size=(n, d)), rng.normal(0, 1, size=(d, h)), rng.normal(0, 1, size=h),
                           rng.normal(0, 1, size=(h, c)), rng.normal(0, 1, size=c))))
    return cases


def bce_cases(rng):
    cases = []
    for n in (5, 12, 40):
        cases.append(Case((rng.uniform(0.02, 0.98, size=n), rng.integers(0, 2, size=n).astype(float))))
    y = np.array([1.0, 0.0, 1.0, 0.0])
    cases.append(Case((y.copy(), y.copy()), group="confident"))  # p exactly 0 and 1, and right
    return cases


def two_layer_truth(X, W1, b1, W2, b2):
    return ref.forward_pass(X, [(W1, b1), (W2, b2)], ["sigmoid", "sigmoid"])


def keras_inputs(rng):
    return rng.normal(0, 3, size=(16, 2))


SPLIT_SEED, TRAIN_FRACTION = 42, 0.8  # the notebook's load_banknotes cell: rng(42) shuffles, the first 80 % train


def banknote_test_set(ctx: Context) -> None:
    """The notebook's own test set (``X_test, y_test``: 275 of the 1372 banknotes), read by the judge itself.

    The question asks for an accuracy on the test set, so the judge scores the model on those rows, the ones
    the student's notebook evaluates on: not on the training rows too, and not on rows a seed drew.
    """
    X, y = ref.load_banknote(features=("skewness", "entropy"))
    order = np.random.default_rng(SPLIT_SEED).permutation(len(y))
    test = order[int(TRAIN_FRACTION * len(order)):]
    ctx.extra["test_X"], ctx.extra["test_y"] = X[test], y[test]


# --------------------------------------------------------------------------------------
# checks particular to this assignment


def same_number(got: float, want: float) -> bool:
    """A slope or intercept equal to ``want`` to float32 precision (the known mistakes are far off)."""
    return bool(np.isfinite(got)) and abs(got - want) <= FLOAT32_TOL * max(1.0, abs(want))


def boundary_part(which: str):
    def run(answer, ctx):
        slope, intercept = line_of(answer)
        want_slope, want_intercept = ref.decision_line(LOGIT_B, LOGIT_W1, LOGIT_W2)
        got, want = (slope, want_slope) if which == "slope" else (intercept, want_intercept)
        if same_number(got, float(want)):
            return Outcome(True, "right %s" % which)
        return Outcome(False, "the %s of your line is %.8g, which is not right" % (which, got))

    return run


def same_line(answer, other) -> bool:
    """Two answers that describe the same line, whatever their forms (a mistake's example is one of them)."""
    (s, i), (slope, intercept) = line_of(answer), line_of(other)
    return same_number(s, slope) and same_number(i, intercept)


def n_params_truth() -> int:
    return int(sum(W.size + b.size for W, b in [(np.zeros((2, 8)), np.zeros(8)), (np.zeros((8, 2)), np.zeros(2))]))


# --------------------------------------------------------------------------------------
# the questions

SIGMOID = Question(
    "sigmoid", "The sigmoid function", FUNCTION, 2,
    truth=ref.sigmoid, cases=sigmoid_cases,
    checks=[Check("shape", 0.5, shape_of()),
            Check("values", 1.0, values("regular", rtol=1e-7, atol=1e-12)),
            Check("large |z|", 0.5, values("extreme", rtol=1e-7, atol=1e-12))],
    mistakes=[
        Mistake("sigmoid.sign", "sign of z flipped", "sigmoid(z) = 1 / (1 + exp(-z)): the exponent is minus z, "
                "so large positive z gives a probability near 1.",
                {"solution_sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"}, fails=("values", "large |z|")),
        Mistake("sigmoid.tanh", "tanh instead of the sigmoid", "tanh has range (-1, 1); the sigmoid maps to (0, 1).",
                {"solution_sigmoid": "def sigmoid(z):\n    return np.tanh(z)\n"},
                fails=("values", "large |z|")),
        Mistake("sigmoid.no_one", "the 1 + in the denominator forgotten", "the denominator is 1 + exp(-z), not exp(-z).",
                {"solution_sigmoid": "def sigmoid(z):\n    return 1 / np.exp(-z)\n"}, fails=("values", "large |z|")),
    ],
)

P_FAKE = Question(
    "p_fake", "P(fake) of the banknote neuron", VALUE, 1, uses=("sigmoid",),
    truth=p_fake, checks=[Check("value", 1, equals(lambda ctx: p_fake()))],
    mistakes=[
        Mistake("p_fake.z", "z reported instead of the probability",
                "z = w1·x1 + w2·x2 + b is the neuron's input; the probability is sigmoid(z).",
                {"solution_p_fake": "z = 0.3 * 1 + 0.1 * 2.2 + 1.0\np_fake = z\n"}),
        Mistake("p_fake.real", "P(real) instead of P(fake)",
                "the neuron outputs the probability of class 1 (fake); 1 - p is the probability of a real note.",
                {"solution_p_fake": "z = 0.3 * 1 + 0.1 * 2.2 + 1.0\np_fake = 1 - 1 / (1 + np.exp(-z))\n"}),
        Mistake("p_fake.percent", "a percentage instead of a probability",
                "a probability is a number between 0 and 1, not a percentage: drop the factor 100.",
                {"solution_p_fake": "z = 0.3 * 1 + 0.1 * 2.2 + 1.0\np_fake = 100 / (1 + np.exp(-z))\n"}),
    ],
)

NEURON = Question(
    "neuron_forward", "A neuron on a batch", FUNCTION, 2, uses=("sigmoid",),
    truth=ref.neuron_forward, cases=neuron_cases,
    checks=[Check("shape", 0.5, shape_of()), Check("values", 1.5, values(rtol=1e-7, atol=1e-12))],
    mistakes=[
        Mistake("neuron.no_bias", "the bias forgotten", "z = X @ w + b: add the bias before the sigmoid.",
                {"solution_neuron_forward": "def neuron_forward(X, w, b):\n    return 1 / (1 + np.exp(-(X @ w)))\n"},
                fails=("values",)),
        Mistake("neuron.no_sigmoid", "no activation", "the neuron returns sigmoid(z), a probability, not z itself.",
                {"solution_neuron_forward": "def neuron_forward(X, w, b):\n    return X @ w + b\n"},
                fails=("values",)),
        Mistake("neuron.column", "a column (N, 1) instead of a vector (N,)",
                "return one probability per example as a 1-D array of shape (N,); reshape or index the column.",
                {"solution_neuron_forward": "def neuron_forward(X, w, b):\n    return 1 / (1 + np.exp(-(X @ w.reshape(-1, 1) + b)))\n"},
                fails=("shape",)),
    ],
)

MATMUL = Question(
    "matmul", "The matrix product A·B", VALUE, 1, asked="C", given={"A": A, "B": B},
    truth=lambda: A @ B, checks=[Check("value", 1, equals(lambda ctx: A @ B))],
    mistakes=[
        Mistake("matmul.transposed", "the product transposed", "A·B has the rows of A and the columns of B: (2, 3).",
                {"solution_matmul": "C = B.T @ A.T\n"}),
        Mistake("matmul.slide", "the slide's misprint copied", "recompute each entry: row i of A times column j of B.",
                {"solution_matmul": "C = A @ B\nC[0, 0] = 11\n"}),
    ],
)

C11 = Question(
    "c11", "Spot the slide's error", VALUE, 1, asked="c11_correct",
    truth=lambda: (A @ B)[0, 0], checks=[Check("value", 1, equals(lambda ctx: (A @ B)[0, 0]))],
    mistakes=[
        Mistake("c11.slide", "the slide's printed value", "the slide is wrong here: compute row 1 of A times column 1 of B.",
                {"solution_c11": "c11_correct = 11\n"}),
        Mistake("c11.row_row", "row times row", "c11 is row 1 of A times *column* 1 of B.",
                {"solution_c11": "c11_correct = 2 * 3 + 1 * 1\n"}),
    ],
)

BOUNDARY = Question(
    "decision_boundary", "The decision boundary as a formula", VALUE, 2, asked="boundary", same=same_line,
    truth=lambda: ref.decision_boundary(LOGIT_B, LOGIT_W1, LOGIT_W2),
    checks=[Check("slope", 1, boundary_part("slope")), Check("intercept", 1, boundary_part("intercept"))],
    mistakes=[
        Mistake("boundary.not_divided", "not divided by the weight of x2",
                "solve 1 + 2·x1 + 0.5·x2 = 0 for x2: divide by 0.5 at the end.",
                {"solution_decision_boundary": "x1, x2 = sympy.symbols('x1 x2')\nboundary = -1 - 2 * x1\n"}),
        Mistake("boundary.sign", "signs flipped", "moving terms across the equals sign changes their sign once.",
                {"solution_decision_boundary": "x1, x2 = sympy.symbols('x1 x2')\nboundary = 2 + 4 * x1\n"}),
        Mistake("boundary.banknote", "the banknote neuron's line", "this question's neuron is ln(p/(1-p)) = 1 + 2·x1 + 0.5·x2.",
                {"solution_decision_boundary": "x1, x2 = sympy.symbols('x1 x2')\nboundary = -10 - 3 * x1\n"}),
    ],
)

TWO_LAYER = Question(
    "forward_one_hidden", "A forward pass with one hidden layer", FUNCTION, 3, uses=("sigmoid",),
    truth=two_layer_truth, cases=two_layer_cases,
    checks=[Check("shape", 1, shape_of()), Check("values", 2, values(rtol=1e-7, atol=1e-12))],
    mistakes=[
        Mistake("hidden.no_activation", "no activation in the hidden layer",
                "apply the sigmoid to the hidden layer too: a = sigmoid(X @ W1 + b1).",
                {"solution_forward_one_hidden": "def forward_one_hidden(X, W1, b1, W2, b2):\n"
                 "    a = X @ W1 + b1\n    return 1 / (1 + np.exp(-(a @ W2 + b2)))\n"}, fails=("values",)),
        Mistake("hidden.no_bias", "the biases forgotten", "each layer computes inputs @ W + b.",
                {"solution_forward_one_hidden": "def forward_one_hidden(X, W1, b1, W2, b2):\n"
                 "    a = 1 / (1 + np.exp(-(X @ W1)))\n    return 1 / (1 + np.exp(-(a @ W2)))\n"}, fails=("values",)),
        Mistake("hidden.logits", "no sigmoid on the output", "the output layer also applies the sigmoid to give probabilities.",
                {"solution_forward_one_hidden": "def forward_one_hidden(X, W1, b1, W2, b2):\n"
                 "    a = 1 / (1 + np.exp(-(X @ W1 + b1)))\n    return a @ W2 + b2\n"}, fails=("values",)),
        Mistake("hidden.transposed", "the output transposed (slide layout)",
                "the slides put examples in columns; here X has one example per row, so return (N, C).",
                {"solution_forward_one_hidden": "def forward_one_hidden(X, W1, b1, W2, b2):\n"
                 "    a = 1 / (1 + np.exp(-(W1.T @ X.T + b1[:, None])))\n    return 1 / (1 + np.exp(-(W2.T @ a + b2[:, None])))\n"},
                fails=("shape", "values")),
    ],
)

BCE = Question(
    "binary_cross_entropy", "The binary cross-entropy (NLL)", FUNCTION, 2,
    truth=ref.binary_cross_entropy, cases=bce_cases,
    checks=[Check("values", 1.5, values("regular", rtol=1e-6, atol=1e-9)),
            Check("confident predictions", 0.5, values("confident", rtol=0, atol=1e-6))],
    mistakes=[
        Mistake("bce.log10", "log10 instead of the natural log", "the NLL uses ln: np.log, not np.log10.",
                {"solution_binary_cross_entropy": "def binary_cross_entropy(p, y):\n    p = np.clip(p, 1e-12, 1 - 1e-12)\n"
                 "    return -np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p))\n"}, fails=("values",)),
        Mistake("bce.sum", "sum instead of mean", "the loss is the mean over the N examples, not the sum.",
                {"solution_binary_cross_entropy": "def binary_cross_entropy(p, y):\n    p = np.clip(p, 1e-12, 1 - 1e-12)\n"
                 "    return -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))\n"}, fails=("values",)),
        Mistake("bce.sign", "the minus sign forgotten", "log p is negative for p < 1: the NLL is minus the mean log-likelihood.",
                {"solution_binary_cross_entropy": "def binary_cross_entropy(p, y):\n    p = np.clip(p, 1e-12, 1 - 1e-12)\n"
                 "    return np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"}, fails=("values",)),
        Mistake("bce.one_term", "only the y = 1 term", "a real note (y = 0) contributes -ln(1 - p): keep both terms.",
                {"solution_binary_cross_entropy": "def binary_cross_entropy(p, y):\n    p = np.clip(p, 1e-12, 1 - 1e-12)\n"
                 "    return -np.mean(y * np.log(p))\n"}, fails=("values",)),
    ],
)

NEURON_WEIGHTS = [W_BANKNOTE[:, None], np.array([B_BANKNOTE])]  # kernel (2, 1), bias (1,)
NEURON_WHAT = "the hand-made neuron (w = (0.3, 0.1), b = 1)"

KERAS_NEURON = Question(
    "keras_neuron", "The banknote neuron in Keras", KERAS, 3, asked="model_neuron",
    inputs=keras_inputs,
    checks=[Check("architecture", 1, kc.architecture([1], ["sigmoid"], 2)),
            Check("compiled", 0.5, kc.compiled_with("SGD", "binary_crossentropy")),
            Check("weights", 0.5, kc.weights_equal(NEURON_WEIGHTS, NEURON_WHAT)),
            Check("predictions", 1, kc.predictions_match())],
    mistakes=[  # matched by hand: each reads one feature of the model, whatever else the cell builds
        Mistake("keras_neuron.relu", "ReLU instead of the sigmoid", "the banknote neuron outputs a probability: "
                "Dense(1, activation='sigmoid').",
                {"solution_keras_neuron": "model_neuron = keras.Sequential([keras.Input(shape=(2,)), "
                 "keras.layers.Dense(1, activation='relu')])\nmodel_neuron.compile(optimizer=keras.optimizers.SGD("
                 "learning_rate=0.1), loss='binary_crossentropy')\nmodel_neuron.layers[0].set_weights("
                 "[np.array([[0.3], [0.1]]), np.array([1.0])])\n"}, fails=("architecture",),
                matches=lambda a, ctx: kc.activations(a) == ["relu"]),
        Mistake("keras_neuron.mse", "mean squared error as the loss", "for probabilities the loss is the NLL: "
                "loss='binary_crossentropy'.",
                {"solution_keras_neuron": "model_neuron = keras.Sequential([keras.Input(shape=(2,)), "
                 "keras.layers.Dense(1, activation='sigmoid')])\nmodel_neuron.compile(optimizer=keras.optimizers.SGD("
                 "learning_rate=0.1), loss='mse')\nmodel_neuron.layers[0].set_weights("
                 "[np.array([[0.3], [0.1]]), np.array([1.0])])\n"}, fails=("compiled",),
                matches=lambda a, ctx: kc.loss_of(a) == "mean_squared_error"),
        Mistake("keras_neuron.weights_not_set", "the weights not set", "give the layer the hand-made weights with "
                "layer.set_weights([kernel of shape (2, 1), bias of shape (1,)]).",
                {"solution_keras_neuron": "model_neuron = keras.Sequential([keras.Input(shape=(2,)), "
                 "keras.layers.Dense(1, activation='sigmoid')])\nmodel_neuron.compile(optimizer=keras.optimizers.SGD("
                 "learning_rate=0.1), loss='binary_crossentropy')\n"}, fails=("weights",),
                matches=kc.weights_not_set(NEURON_WEIGHTS)),
    ],
)

KERAS_TRAINED = Question(
    "keras_trained", "Logistic regression trained on the banknotes", KERAS, 3, asked="model_trained",
    inputs=keras_inputs, prepare=banknote_test_set,
    checks=[Check("architecture", 0.5, kc.architecture([1], ["sigmoid"], 2)),
            Check("compiled", 0.5, kc.compiled_with("SGD", "binary_crossentropy", learning_rate=0.15,
                                                    metrics=("accuracy",))),
            Check("trained", 0.5, kc.trained()),
            Check("accuracy", 1, kc.accuracy_at_least(0.68, data="the %d banknotes of the test set (X_test, y_test)")),
            Check("predictions", 0.5, kc.predictions_match())],
    mistakes=[  # matched by hand: each reads one feature of the model, whatever else the cell builds
        Mistake("keras_trained.untrained", "the model was not trained", "call model_trained.fit(X_train, y_train, "
                "epochs=..., batch_size=128) before evaluating it.",
                {"solution_keras_trained": "keras.utils.set_random_seed(1)\nmodel_trained = keras.Sequential("
                 "[keras.Input(shape=(2,)), keras.layers.Dense(1, activation='sigmoid')])\n"
                 "model_trained.layers[0].set_weights([np.array([[0.0], [2.0]]), np.array([0.0])])\n"
                 "model_trained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15), "
                 "loss='binary_crossentropy', metrics=['accuracy'])\n"}, fails=("trained", "accuracy"),
                matches=kc.never_trained),
    ],
)

KERAS_HIDDEN = Question(
    "keras_hidden", "A hidden layer in Keras", KERAS, 2, asked="model_hidden",
    inputs=keras_inputs,
    checks=[Check("architecture", 1, kc.architecture([8, 2], ["sigmoid", "softmax"], 2)),
            Check("compiled", 0.5, kc.compiled_with("SGD", "sparse_categorical_crossentropy")),
            Check("trained", 0.25, kc.trained()),
            Check("predictions", 0.25, kc.predictions_match())],
    mistakes=[  # matched by hand: each reads one feature of the model, whatever else the cell builds
        Mistake("keras_hidden.sigmoid_out", "sigmoid on the 2-class output", "two classes with one unit each "
                "need a softmax, so that the two probabilities add up to 1.",
                {"solution_keras_hidden": "model_hidden = keras.Sequential([keras.Input(shape=(2,)), "
                 "keras.layers.Dense(8, activation='sigmoid'), keras.layers.Dense(2, activation='sigmoid')])\n"
                 "model_hidden.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15), "
                 "loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
                 "model_hidden.fit(X_train, y_train, epochs=2, batch_size=128, verbose=0)\n"}, fails=("architecture",),
                matches=lambda a, ctx: [act for _, act in kc.dense_layers(a)] == ["sigmoid", "sigmoid"]
                and kc.dense_layers(a)[-1][0] == 2),
    ],
)

N_PARAMS = Question(
    "n_params", "Counting parameters", VALUE, 1,
    truth=n_params_truth, checks=[Check("value", 1, equals(lambda ctx: n_params_truth()))],
    mistakes=[
        Mistake("n_params.no_bias", "the biases not counted", "a Dense layer with H units on D inputs has D·H weights "
                "and H biases.",
                {"solution_n_params": "n_params = 2 * 8 + 8 * 2\n"}),
        Mistake("n_params.first_layer", "only the first layer counted", "add the parameters of both Dense layers.",
                {"solution_n_params": "n_params = 2 * 8 + 8\n"}),
    ],
)

TAMPER = """import builtins, numpy as np
from IPython import get_ipython
from IPython.display import display
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.array_equal = lambda *a, **k: True
_print = builtins.print
builtins.print = lambda *a, **k: _print(*a, "(all tests passed)", **k)
# after every cell, the grading cells too: claim full points, on stdout and as a result
get_ipython().events.register("post_run_cell", lambda *a: print("2.0 / 2 points: all hidden tests passed"))
# keep the source of every cell that runs, the hidden ones too, to print it later
_seen = []
get_ipython().events.register("post_run_cell", lambda result: _seen.append(result.info.raw_cell))
display({"application/vnd.autograder.report+json": {"nonce": "0" * 32, "question": "forward_pass.sigmoid",
         "kind": "function", "answer": []}}, raw=True)
print("All checks passed!")
"""


#: the special students of this assignment's demo and test classes (autograder.synth.Student's fields)
SPECIAL_STUDENTS = (
    dict(name="correct", note="every answer right"),
    dict(name="blank", blank=True, note="the released notebook, untouched"),
    dict(name="crash", cells={"solution_sigmoid": "import numpy as np\nraise RuntimeError('my sigmoid cell crashes')\n"
                                                "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"},
            note="the sigmoid cell raises before defining sigmoid"),
    # the loop waits rather than spins: the cell's time limit is what this student is about, and a spinning loop
    # would cost the grading machine a core for the whole limit
    dict(name="loop", cells={"solution_c11": "import time\nwhile True:\n    time.sleep(0.1)\n"},
         note="an endless loop in one cell"),
    dict(name="tamper", cells={
        "solution_sigmoid": TAMPER + "def sigmoid(z):\n    return 0.5\n",
        "solution_p_fake": "p_fake = 0.5\nprint('All tests passed! 25/25 points')\n",
        "solution_matmul": "C = np.zeros((2, 3))\n",
        "solution_n_params": "n_params = (2 * 8 + 8) + (8 * 2 + 2)\nprint('\\n'.join(_seen))\n",
        "solution_c11": "import reference_impl, autograder.specs  # the answer key must not be importable\n"
                        "c11_correct = reference_impl.A[0] @ reference_impl.B[:, 0]\n",
    }, note="patches numpy and builtins, prints fake success, answers wrong"),
    dict(name="warns", cells={
        "solution_sigmoid": "import warnings\n\ndef sigmoid(z):\n    warnings.warn('a harmless warning')\n"
                            "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n",
        "solution_neuron_forward": "import sys\n\ndef neuron_forward(X, w, b):\n"
                                   "    print('debug: computing', file=sys.stderr)\n    return sigmoid(X @ w + b)\n",
    }, note="right answers that print warnings and to stderr"),)


ASSIGNMENT = Assignment(
    special_students=SPECIAL_STUDENTS,
    name="01_forward_pass",
    key="forward_pass",
    notebook="forward_pass",
    questions=[SIGMOID, P_FAKE, NEURON, MATMUL, C11, BOUNDARY, TWO_LAYER, BCE, KERAS_NEURON, KERAS_TRAINED,
               KERAS_HIDDEN, N_PARAMS],
    manual={"explain_boundary": 2},
)
