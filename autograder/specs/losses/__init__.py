"""Assignment 02: multiclass SVM loss, softmax, cross-entropy, L1/L2 penalties (the SS 2023 deck).

Question ids read ``losses.<grade_id of the hidden check cell>``. Solution cells are named
``solution_<question>``; :data:`ASKED` says what each hidden cell hands to the probe (the build
script writes it into the notebook, the tests evaluate it in a synthetic student's namespace).

Layout: class scores are ``(N, C)``, one row per example (the slide's table has one column per
image: the notebook transposes it). Losses are means over the N examples, natural log. Every
known mistake's ``example`` is a whole solution cell that uses numpy alone, so that a wrong
answer elsewhere in the same notebook cannot change it.

The questions are here; the inputs the judge picks are in :mod:`.inputs`, the checks particular to
this assignment in :mod:`.checks`.
"""
from __future__ import annotations

import numpy as np

import reference_impl as ref

from ...judging.checks import breaks_like, shape_of, values
from ...judging.spec import FUNCTION, VALUE, Assignment, Check, Mistake, Question
from .checks import (ce_from_p, ce_log_sum_exp, ce_mean, ce_one_hot, choice_check, global_max, no_shift,
                     range_check, regularized, row_max, same_choices, svm_mean)
from .inputs import (ce_cases, ce_mean_cases, penalty_cases, regularized_cases, softmax_cases, svm_cases,
                     svm_mean_cases)

SLIDE_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])  # (N=3, C=3)
SLIDE_Y = np.array([0, 1, 2])
MOUSE = 1  # the mouse image: SVM loss 0, margins 2.6 and 1.9 to spare


# --------------------------------------------------------------------------------------
# example cells (numpy only; they never call another of the student's functions)

_SVM_LOOP = """def svm_loss_naive(scores, y, margin=1.0):
    N, C = scores.shape
    losses = np.zeros(N)
    for i in range(N):
        for j in range(C):
{body}
    return losses
"""


def _svm_loop(body: str, margin_param="margin=1.0") -> str:
    return _SVM_LOOP.replace("margin=1.0", margin_param).replace("{body}", body)


_CE_SOURCE = """def cross_entropy_per_example(scores, y):
    N = scores.shape[0]
{body}
"""

_REG_SOURCE = """def regularized_loss(W, X, y, reg):
    N = X.shape[0]
    S = X @ W
    S = S - S.max(axis=1, keepdims=True)
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    data_loss = -np.mean(np.log(P[np.arange(N), y]))
    dS = P.copy()
    dS[np.arange(N), y] -= 1
    dS /= N
{body}
    return J, dW
"""


def _reg(body: str) -> dict[str, str]:
    return {"solution_regularized_loss": _REG_SOURCE.replace("{body}", body)}


def _value_example(name: str, source: str) -> dict[str, str]:
    return {"solution_" + name: source}


# --------------------------------------------------------------------------------------
# the questions

SVM_NAIVE = Question(
    "svm_loss_naive", "The multiclass SVM loss of each example, with loops", FUNCTION, 2,
    truth=ref.svm_loss_per_example, cases=svm_cases,
    checks=[Check("shape", 0.5, shape_of()),
            Check("values", 1.0, values("regular", rtol=1e-9, atol=1e-9)),
            Check("margin", 0.5, values("margin", rtol=1e-9, atol=1e-9))],
    mistakes=[
        Mistake("svm.keep_yi", "the j = y_i term kept in the sum",
                "the sum runs over the wrong classes only (j ≠ y_i); the true class would add max(0, margin) = "
                "margin to every example.",
                {"solution_svm_loss_naive": _svm_loop(
                    "            losses[i] += max(0.0, scores[i, j] - scores[i, y[i]] + margin)")},
                fails=("values", "margin")),
        Mistake("svm.no_clamp", "the max(0, ·) left out", "a class whose score is already far enough below the "
                "true class's adds nothing: each term is max(0, s_j - s_y + margin), never negative.",
                {"solution_svm_loss_naive": _svm_loop(
                    "            if j != y[i]:\n                losses[i] += scores[i, j] - scores[i, y[i]] + margin")},
                fails=("values", "margin")),
        Mistake("svm.sign", "the difference the wrong way round", "the loss grows when a wrong class scores "
                "*higher* than the true one: max(0, s_j - s_{y_i} + margin).",
                {"solution_svm_loss_naive": _svm_loop(
                    "            if j != y[i]:\n"
                    "                losses[i] += max(0.0, scores[i, y[i]] - scores[i, j] + margin)")},
                fails=("values", "margin")),
        Mistake("svm.margin_ignored", "the margin argument ignored", "use the `margin` parameter in each term "
                "instead of a fixed 1: the checks call your function with other margins too.",
                {"solution_svm_loss_naive": _svm_loop(
                    "            if j != y[i]:\n                losses[i] += max(0.0, scores[i, j] - scores[i, y[i]] + 1.0)")},
                fails=("margin",), groups=("margin",)),  # right unless the margin is not 1
    ],
)

SVM_VECTORIZED = Question(
    "svm_loss_vectorized", "The mean multiclass SVM loss, vectorized", FUNCTION, 2,
    truth=svm_mean, cases=svm_mean_cases,
    checks=[Check("a single number", 0.5, shape_of()), Check("values", 1.5, values(rtol=1e-9, atol=1e-9))],
    mistakes=[
        Mistake("svm_mean.sum", "sum instead of mean", "the loss over a batch is the mean of the L_i: divide the "
                "sum by N.",
                {"solution_svm_loss_vectorized": "def svm_loss_vectorized(scores, y, margin=1.0):\n"
                 "    N = scores.shape[0]\n    correct = scores[np.arange(N), y][:, None]\n"
                 "    m = np.maximum(0, scores - correct + margin)\n    m[np.arange(N), y] = 0\n    return m.sum()\n"},
                fails=("values",)),
        Mistake("svm_mean.keep_yi", "the j = y_i term kept in the sum", "set the true class's column of the "
                "margins to 0 before summing: otherwise each example adds the margin once more.",
                {"solution_svm_loss_vectorized": "def svm_loss_vectorized(scores, y, margin=1.0):\n"
                 "    N = scores.shape[0]\n    correct = scores[np.arange(N), y][:, None]\n"
                 "    return np.maximum(0, scores - correct + margin).sum() / N\n"},
                fails=("values",)),
        Mistake("svm_mean.per_example", "the per-example losses instead of their mean",
                "this function returns one number, the mean of the L_i over the batch.",
                {"solution_svm_loss_vectorized": "def svm_loss_vectorized(scores, y, margin=1.0):\n"
                 "    N = scores.shape[0]\n    correct = scores[np.arange(N), y][:, None]\n"
                 "    m = np.maximum(0, scores - correct + margin)\n    m[np.arange(N), y] = 0\n    return m.sum(axis=1)\n"},
                fails=("a single number", "values")),
    ],
)

SOFTMAX = Question(
    "softmax", "A numerically stable softmax", FUNCTION, 2,
    truth=lambda s: ref.softmax(s, axis=1), cases=softmax_cases,
    checks=[Check("shape", 0.5, shape_of()),
            Check("values", 1.0, values("regular", rtol=1e-7, atol=1e-12)),
            Check("scores of size 1e4", 0.5, values("large", rtol=1e-7, atol=1e-12))],
    mistakes=[
        Mistake("softmax.no_shift", "no max subtracted: exp overflows", "np.exp(1000) is inf, and inf / inf is nan. "
                "Subtract each row's maximum before the exponential; it does not change the result.",
                {"solution_softmax": "def softmax(scores):\n    e = np.exp(scores)\n"
                 "    return e / e.sum(axis=1, keepdims=True)\n"},
                fails=("scores of size 1e4",), groups=("regular", "edge")),  # edge: which rows break
        Mistake("softmax.axis0", "softmax over the wrong axis", "each row (one example) must sum to 1: normalize "
                "along axis=1, the classes, not axis=0, the examples.",
                {"solution_softmax": "def softmax(scores):\n    e = np.exp(scores - scores.max(axis=0, keepdims=True))\n"
                 "    return e / e.sum(axis=0, keepdims=True)\n"},
                fails=("values", "scores of size 1e4")),
        Mistake("softmax.whole_array", "normalized by the sum of the whole array", "np.sum without an axis adds up "
                "all examples together; sum along axis=1 with keepdims=True so that each row sums to 1.",
                {"solution_softmax": "def softmax(scores):\n    e = np.exp(scores - scores.max())\n    return e / e.sum()\n"},
                fails=("values", "scores of size 1e4")),
        Mistake("softmax.global_max", "the maximum of the whole array subtracted", "subtracting one number from "
                "every score does not change the softmax, but with scores 1e4 apart a row whose scores all lie far "
                "below the overall maximum has exp() = 0 everywhere, and 0 / 0 is nan: subtract each row's own "
                "maximum (axis=1, keepdims=True).",
                {"solution_softmax": "def softmax(scores):\n    e = np.exp(scores - scores.max())\n"
                 "    return e / e.sum(axis=1, keepdims=True)\n"},
                fails=("scores of size 1e4",), groups=("regular", "edge")),  # edge: which rows break
    ],
)

CE_PER_EXAMPLE = Question(
    "cross_entropy_per_example", "The softmax cross-entropy of each example", FUNCTION, 2,
    truth=ref.cross_entropy_per_example, cases=ce_cases,
    checks=[Check("shape", 0.5, shape_of()),
            Check("values", 1.0, values("regular", rtol=1e-7, atol=1e-10)),
            Check("scores of size 1e4", 0.5, values("large", rtol=1e-7, atol=1e-10))],
    mistakes=[
        Mistake("ce.log10", "log10 instead of the natural log", "the cross-entropy uses ln: np.log, not np.log10 "
                "(the cat image gives 2.040, not 0.886).",
                {"solution_cross_entropy_per_example": _CE_SOURCE.replace("{body}",
                 "    s = scores - scores.max(axis=1, keepdims=True)\n"
                 "    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))\n"
                 "    return -log_p[np.arange(N), y] / np.log(10)")},
                fails=("values", "scores of size 1e4")),
        Mistake("ce.sign", "the minus sign forgotten", "ln P is negative for P < 1; the loss is -ln P(true class), "
                "never negative.",
                {"solution_cross_entropy_per_example": _CE_SOURCE.replace("{body}",
                 "    s = scores - scores.max(axis=1, keepdims=True)\n"
                 "    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))\n"
                 "    return log_p[np.arange(N), y]")},
                fails=("values", "scores of size 1e4")),
        Mistake("ce.no_shift", "no max subtracted: exp overflows", "exp of a score of 1e4 is inf and the result "
                "becomes nan: subtract each row's maximum first (log-sum-exp).",
                {"solution_cross_entropy_per_example": _CE_SOURCE.replace("{body}",
                 "    e = np.exp(scores)\n    p = e / e.sum(axis=1, keepdims=True)\n"
                 "    return -np.log(p[np.arange(N), y])")},
                fails=("scores of size 1e4",),
                # broader than one cell: -ln of a nan P is nan, an overflowing log-sum-exp is inf
                matches=breaks_like(ce_from_p(no_shift), ce_log_sum_exp(no_shift))),
        Mistake("ce.log_of_zero", "the log of a probability that rounds to 0", "with scores 1e4 apart the true "
                "class's probability underflows to 0 and ln 0 = -inf. Work with log-probabilities: "
                "ln P_y = (s_y - m) - ln Σ_j exp(s_j - m), m the row maximum.",
                {"solution_cross_entropy_per_example": _CE_SOURCE.replace("{body}",
                 "    e = np.exp(scores - scores.max(axis=1, keepdims=True))\n    p = e / e.sum(axis=1, keepdims=True)\n"
                 "    return -np.log(p[np.arange(N), y])")},
                fails=("scores of size 1e4",),
                # broader than one cell: -ln P_y breaks where P_y is 0, a one-hot Σ Y ln P where any P is
                matches=breaks_like(ce_from_p(row_max), ce_one_hot(row_max))),
        Mistake("ce.global_max", "the maximum of the whole array subtracted", "with scores 1e4 apart, a row whose "
                "scores all lie far below the overall maximum has exp() = 0 everywhere, and the log of that sum is "
                "-inf: subtract each row's own maximum m_i (axis=1, keepdims=True) in the log-sum-exp.",
                {"solution_cross_entropy_per_example": _CE_SOURCE.replace("{body}",
                 "    s = scores - scores.max()\n"
                 "    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))\n"
                 "    return -log_p[np.arange(N), y]")},
                fails=("scores of size 1e4",),
                # broader than one cell: three spellings, each breaking other rows
                matches=breaks_like(ce_log_sum_exp(global_max), ce_from_p(global_max), ce_one_hot(global_max))),
        Mistake("ce.mean_only", "the mean instead of one loss per example", "this function returns the N losses "
                "L_i, shape (N,); the mean comes in the next task.",
                {"solution_cross_entropy_per_example": _CE_SOURCE.replace("{body}",
                 "    s = scores - scores.max(axis=1, keepdims=True)\n"
                 "    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))\n"
                 "    return -np.mean(log_p[np.arange(N), y])")},
                fails=("shape", "values", "scores of size 1e4")),
    ],
)

CE_MEAN = Question(
    "cross_entropy_loss", "The mean cross-entropy of a batch", FUNCTION, 1, uses=("cross_entropy_per_example",),
    truth=ce_mean, cases=ce_mean_cases,
    checks=[Check("values", 1, values(rtol=1e-7, atol=1e-10))],
    mistakes=[
        Mistake("ce_mean.sum", "sum instead of mean", "the loss of a batch is the mean of the L_i over the N "
                "examples, not their sum.",
                {"solution_cross_entropy_loss": "def cross_entropy_loss(scores, y):\n    N = scores.shape[0]\n"
                 "    s = scores - scores.max(axis=1, keepdims=True)\n"
                 "    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))\n"
                 "    return -np.sum(log_p[np.arange(N), y])\n"}, fails=("values",)),
        Mistake("ce_mean.log2", "log2 instead of the natural log", "losses in this course are in nats: np.log.",
                {"solution_cross_entropy_loss": "def cross_entropy_loss(scores, y):\n    N = scores.shape[0]\n"
                 "    e = np.exp(scores - scores.max(axis=1, keepdims=True))\n    p = e / e.sum(axis=1, keepdims=True)\n"
                 "    return -np.mean(np.log2(p[np.arange(N), y]))\n"}, fails=("values",)),
    ],
)

RANGES = Question(
    "loss_ranges", "Check your understanding: the range of each loss", VALUE, 2,
    asked='{"svm_min": svm_min, "svm_max": svm_max, "ce_min": ce_min, "ce_max": ce_max}',
    truth=lambda: {"svm_min": 0.0, "svm_max": np.inf, "ce_min": 0.0, "ce_max": np.inf},
    checks=[Check("SVM loss", 1, range_check("svm_min", "svm_max", "SVM loss")),
            Check("cross-entropy", 1, range_check("ce_min", "ce_max", "cross-entropy"))],
    mistakes=[
        Mistake("ranges.probability", "a loss read as a probability", "a loss is not a probability. Ask how "
                "large the loss of one example gets when a wrong class out-scores the true one by more and more, "
                "and when P(true class) comes closer and closer to 0.",
                _value_example("loss_ranges", "svm_min, svm_max = 0, 1\nce_min, ce_max = 0, 1\n"),
                fails=("SVM loss", "cross-entropy")),
        Mistake("ranges.ce_negative", "the range of ln P instead of -ln P", "the cross-entropy is -ln P, not ln P: "
                "start from the values ln P can take for a probability P and change their sign.",
                _value_example("loss_ranges", "svm_min, svm_max = 0, np.inf\nce_min, ce_max = -np.inf, 0\n"),
                fails=("cross-entropy",)),
        Mistake("ranges.svm_equal_scores", "the loss at equal scores taken for the largest", "C - 1 is the SVM loss "
                "when all scores are equal (each wrong class adds the margin 1), not its largest value: ask what "
                "happens to the loss when one wrong class's score keeps growing.",
                _value_example("loss_ranges", "svm_min, svm_max = 0, 2\nce_min, ce_max = 0, np.inf\n"),
                fails=("SVM loss",)),
    ],
)

MOUSE_CHANGE = Question(
    "mouse_change", "Check your understanding: nudging the mouse image's scores", VALUE, 2,
    asked='{"svm_mouse": svm_mouse, "ce_mouse": ce_mouse}', same=same_choices,
    truth=lambda: {"svm_mouse": "a", "ce_mouse": "b"},
    checks=[Check("SVM loss", 1, choice_check("svm_mouse", "a", "SVM loss")),
            Check("cross-entropy", 1, choice_check("ce_mouse", "b", "cross-entropy"))],
    mistakes=[
        Mistake("mouse.svm_changes", "the hinge terms of the mouse image misread", "compare by how much the mouse "
                "image's true score beats each wrong class with the margin, then ask whether changes of less than "
                "0.5 can make any term max(0, s_j - s_y + 1) positive.",
                _value_example("mouse_change", 'svm_mouse = "b"\nce_mouse = "b"\n'),
                fails=("SVM loss",)),
        Mistake("mouse.ce_fixed", "the cross-entropy of the mouse image misread", "can the softmax give the true "
                "class a probability of exactly 1? Ask what that means for -ln P when the scores move a little.",
                _value_example("mouse_change", 'svm_mouse = "a"\nce_mouse = "a"\n'),
                fails=("cross-entropy",)),
    ],
)

L1 = Question(
    "l1_penalty", "The L1 penalty", FUNCTION, 1,
    truth=ref.l1_penalty, cases=penalty_cases,
    checks=[Check("values", 1, values(rtol=1e-9, atol=1e-9))],
    mistakes=[
        Mistake("l1.no_abs", "the absolute value left out", "L1 adds |θ_i|: negative weights count as much as "
                "positive ones (θ = (-1, 5) gives 6).",
                {"solution_l1_penalty": "def l1_penalty(W):\n    return np.sum(W)\n"}, fails=("values",)),
        Mistake("l1.squares", "squares instead of absolute values", "that is the L2 penalty; L1 sums |θ_i|.",
                {"solution_l1_penalty": "def l1_penalty(W):\n    return np.sum(W ** 2)\n"}, fails=("values",)),
    ],
)

L2 = Question(
    "l2_penalty", "The L2 penalty (squared norm)", FUNCTION, 1,
    truth=ref.l2_penalty, cases=penalty_cases,
    checks=[Check("values", 1, values(rtol=1e-9, atol=1e-9))],
    mistakes=[
        Mistake("l2.sqrt", "the norm instead of the squared norm", "the penalty is ‖θ‖₂², the sum of squares, with "
                "no square root (θ = (2, 2) gives 8, not 2.83).",
                {"solution_l2_penalty": "def l2_penalty(W):\n    return np.sqrt(np.sum(W ** 2))\n"}, fails=("values",)),
        Mistake("l2.half", "a factor 1/2 in the penalty", "some books write ½‖θ‖²; this course uses ‖θ‖² without "
                "the ½ (θ = (4, 0) gives 16).",
                {"solution_l2_penalty": "def l2_penalty(W):\n    return 0.5 * np.sum(W ** 2)\n"}, fails=("values",)),
    ],
)

REGULARIZED = Question(
    "regularized_loss", "The regularized loss J = data loss + α·penalty, and its gradient", FUNCTION, 3,
    uses=("softmax", "cross_entropy_loss"), truth=regularized, cases=regularized_cases,
    checks=[Check("loss", 1, values(part=0, rtol=1e-7, atol=1e-10)),
            Check("gradient shape", 0.5, shape_of(part=1)),
            Check("gradient", 1.5, values(part=1, rtol=1e-7, atol=1e-10, reshape=False))],
    mistakes=[
        Mistake("reg.grad_missing", "the penalty left out of the gradient", "J has two terms, so dJ/dW has two: "
                "X.T @ dS plus the penalty's gradient reg · 2W.",
                _reg("    J = data_loss + reg * np.sum(W * W)\n    dW = X.T @ dS"), fails=("gradient",)),
        Mistake("reg.grad_doubled", "the penalty's gradient counted twice", "the derivative of reg·ΣW² is 2·reg·W, "
                "added once.",
                _reg("    J = data_loss + reg * np.sum(W * W)\n    dW = X.T @ dS + 2 * reg * W\n    dW += 2 * reg * W"),
                fails=("gradient",)),
        Mistake("reg.grad_no_2", "the 2 of d(W²)/dW dropped", "d/dW of reg·ΣW² is 2·reg·W; reg·W belongs to the "
                "½-convention this course does not use.",
                _reg("    J = data_loss + reg * np.sum(W * W)\n    dW = X.T @ dS + reg * W"), fails=("gradient",)),
        Mistake("reg.double_n", "1/N applied twice in the gradient", "dS already holds the 1/N of the mean; dividing "
                "X.T @ dS by N again makes the data gradient N times too small.",
                _reg("    J = data_loss + reg * np.sum(W * W)\n    dW = X.T @ dS / N + 2 * reg * W"),
                fails=("gradient",)),
        Mistake("reg.transposed", "the gradient transposed", "dW has the shape of W, (D, C): X.T @ dS, not dS.T @ X.",
                _reg("    J = data_loss + reg * np.sum(W * W)\n    dW = dS.T @ X + 2 * reg * W.T"),
                fails=("gradient shape", "gradient")),
        Mistake("reg.l1", "the L1 penalty instead of L2", "this task asks for the L2 penalty reg·ΣW² "
                "(gradient 2·reg·W).",
                _reg("    J = data_loss + reg * np.sum(np.abs(W))\n    dW = X.T @ dS + reg * np.sign(W)"),
                fails=("loss", "gradient")),
    ],
)

#: the special students of this assignment's demo and test classes (autograder.synth.Student's fields)
SPECIAL_STUDENTS = (
    dict(name="correct", note="every answer right"),
    dict(name="blank", blank=True, note="the released notebook, untouched"),
    dict(name="crash", cells={"solution_softmax": "raise RuntimeError('my softmax cell crashes')\n"
                                                "def softmax(scores):\n    return scores\n"},
            note="the softmax cell raises before defining softmax"),
    dict(name="warns", cells={
        "solution_l2_penalty": "import warnings\n\ndef l2_penalty(W):\n    warnings.warn('a harmless warning')\n"
                               "    return float(np.sum(np.square(W)))\n",
        "solution_svm_loss_vectorized": "import sys\n\ndef svm_loss_vectorized(scores, y, margin=1.0):\n"
                                        "    print('debug: computing', file=sys.stderr)\n    N = len(y)\n"
                                        "    m = np.maximum(0, scores - scores[np.arange(N), y][:, None] + margin)\n"
                                        "    m[np.arange(N), y] = 0\n    return m.sum() / N\n",
    }, note="right answers that print warnings and to stderr"),)


ASSIGNMENT = Assignment(
    special_students=SPECIAL_STUDENTS,
    name="02_losses",
    key="losses",
    notebook="losses",
    questions=[SVM_NAIVE, SVM_VECTORIZED, SOFTMAX, CE_PER_EXAMPLE, CE_MEAN, RANGES, MOUSE_CHANGE, L1, L2,
               REGULARIZED],
    manual={"explain_mouse": 2},
)

#: what each hidden grade cell asks (``_autograder.ask(qid, <this expression>)``; the build script writes it into
#: the notebook, the tests evaluate it in a synthetic student's namespace)
ASKED = {q.name: q.asked or q.name for q in ASSIGNMENT.questions}
