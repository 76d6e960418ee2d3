"""Writes source/02_losses/losses.ipynb (SS 2023 deck: SVM loss, softmax, cross-entropy, regularization).

What each hidden cell asks and how many points it is worth come from the question spec
(``autograder/specs/losses/``), so that the notebook and the judge cannot drift apart.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nbbuild import from_spec, given, manual_answer, md, solution, visible_checks, write  # noqa: E402

from autograder.specs import losses as spec  # noqa: E402

OUT, hidden = from_spec(spec)

cells = [
    md("""
    # Assignment 02: loss functions and regularization

    A network's last layer gives one **score** per class. A loss turns those scores and the true class into one
    number that training makes small. You will write the multiclass SVM (hinge) loss, the softmax, the
    cross-entropy, and the L1/L2 penalties of the lecture, check them on the slide's numbers, and think about
    what each loss rewards.

    Conventions (the same in every assignment of this course):

    - **examples are rows**: `scores` has shape `(N, C)`, one row per example and one column per class;
      `y` has shape `(N,)` and holds the true class of each example as an integer `0..C-1`.
      **The slides draw one *column* per image**: their table is transposed below.
    - a loss over a batch is the **mean** over the N examples; logarithms are **natural** (`np.log`).

    Fill in each cell marked `# YOUR CODE HERE`, run the visible checks below it, and keep the names the task
    asks for. Hidden checks run when your notebook is graded: they call your functions on new, random inputs
    of other shapes.
    """),
    given("setup", """
    import numpy as np

    np.set_printoptions(precision=6, suppress=True)
    """),
    md("""
    ## The scores on the slides

    | class score | cat image | mouse image | bear image |
    |---|---|---|---|
    | cat | 3.2 | 1.3 | 2.2 |
    | mouse | 5.1 | 4.9 | 2.5 |
    | bear | -1.7 | 2.0 | -3.1 |

    On the slide each **column** is one image. In numpy we keep one **row** per image, so `scores` below is the
    slide's table transposed: row 0 holds the three class scores of the cat image, and so on.
    """),
    given("slide_scores", """
    CLASSES = ["cat", "mouse", "bear"]
    # one ROW per image (cat image, mouse image, bear image), one COLUMN per class (cat, mouse, bear)
    scores = np.array([[3.2, 5.1, -1.7],
                       [1.3, 4.9, 2.0],
                       [2.2, 2.5, -3.1]])
    y = np.array([0, 1, 2])  # the true class of each image
    print("predicted class of each image:", [CLASSES[j] for j in scores.argmax(axis=1)])
    """),
    md("""
    ## 1. The multiclass SVM loss, with loops

    For example $i$ with scores $s_i$ and true class $y_i$, the SVM loss adds, for every **wrong** class
    $j \\ne y_i$, how far $s_{ij}$ comes within a margin $\\Delta$ of the true class's score:

    $$L_i = \\sum_{j \\ne y_i} \\max\\bigl(0,\\; s_{ij} - s_{i y_i} + \\Delta\\bigr), \\qquad \\Delta = 1 \\text{ on the slides.}$$

    Write `svm_loss_naive(scores, y, margin=1.0)` with two `for` loops (over the examples, over the classes).
    It returns the N losses $L_i$ as an array of shape `(N,)`. The slide gets 2.9, 0 and 12.9.
    Floating point note: `5.1 - 3.2 + 1` is `2.8999999999999995`, so compare with a tolerance, never with `==`.
    """),
    solution("solution_svm_loss_naive", """
    def svm_loss_naive(scores, y, margin=1.0):
        \"\"\"SVM loss of each example, with loops: an array of shape (N,).

        scores (N, C), one row per example; y (N,) true classes; margin the required gap (>= 0).
        \"\"\"
        ### BEGIN SOLUTION
        N, C = scores.shape
        losses = np.zeros(N)
        for i in range(N):
            for j in range(C):
                if j == y[i]:
                    continue  # the true class adds nothing
                losses[i] += max(0.0, scores[i, j] - scores[i, y[i]] + margin)
        return losses
        ### END SOLUTION
    """),
    visible_checks("check_svm_loss_naive", """
    L = svm_loss_naive(scores, y)
    assert np.shape(L) == (3,), f"one loss per image: expected shape (3,), got {np.shape(L)}"
    assert np.allclose(L, [2.9, 0.0, 12.9]), f"the slide gets 2.9, 0, 12.9; you got {L}"
    assert np.isclose(svm_loss_naive(scores, y, margin=0.0)[0], 5.1 - 3.2), "use the margin argument"
    print("svm_loss_naive: visible checks passed", L)
    """),
    hidden("svm_loss_naive"),
    md("""
    ## 2. The mean SVM loss, vectorized

    The loss of the batch is the mean $L = \\frac{1}{N}\\sum_i L_i$ (the slide: $(2.9 + 0 + 12.9)/3 = 5.27$).
    Write `svm_loss_vectorized(scores, y, margin=1.0)` **without loops**: pick each row's true-class score with
    `scores[np.arange(N), y]`, broadcast, and set the true-class column to 0 before summing. It returns one
    number.
    """),
    solution("solution_svm_loss_vectorized", """
    def svm_loss_vectorized(scores, y, margin=1.0):
        \"\"\"Mean SVM loss of a batch (a float), without Python loops.\"\"\"
        ### BEGIN SOLUTION
        N = scores.shape[0]
        correct = scores[np.arange(N), y][:, None]  # (N, 1)
        margins = np.maximum(0.0, scores - correct + margin)  # (N, C)
        margins[np.arange(N), y] = 0.0  # only j != y_i counts
        return margins.sum() / N
        ### END SOLUTION
    """),
    visible_checks("check_svm_loss_vectorized", """
    assert np.ndim(svm_loss_vectorized(scores, y)) == 0, "the mean loss is a single number"
    assert np.isclose(svm_loss_vectorized(scores, y), 15.8 / 3), "the slide's mean is (2.9 + 0 + 12.9) / 3"
    rng = np.random.default_rng(0)
    S, t = rng.normal(size=(50, 7)), rng.integers(0, 7, size=50)
    assert np.isclose(svm_loss_vectorized(S, t), svm_loss_naive(S, t).mean()), "loops and vectors disagree"
    print("svm_loss_vectorized: visible checks passed")
    """),
    hidden("svm_loss_vectorized"),
    md("""
    ## 3. The softmax, numerically stable

    The softmax turns a row of scores into probabilities: $P_{ij} = e^{s_{ij}} / \\sum_k e^{s_{ik}}$.
    `np.exp(1000)` is `inf`, so compute it after subtracting each row's maximum $m_i$: $e^{s_{ij} - m_i}$ is at
    most 1, and the result is the same. Write `softmax(scores)` for `scores` of shape `(N, C)`; each **row** of
    the result sums to 1. Scores as large as $10^4$ must give finite probabilities.
    """),
    solution("solution_softmax", """
    def softmax(scores):
        \"\"\"Row-wise softmax of scores (N, C): probabilities (N, C), each row sums to 1.\"\"\"
        ### BEGIN SOLUTION
        shifted = scores - scores.max(axis=1, keepdims=True)  # (N, C), each row's maximum is 0
        e = np.exp(shifted)
        return e / e.sum(axis=1, keepdims=True)
        ### END SOLUTION
    """),
    visible_checks("check_softmax", """
    P = softmax(scores)
    assert np.shape(P) == (3, 3) and np.allclose(P.sum(axis=1), 1), "each row is a probability distribution"
    # the slide's probabilities, one row per image (cat, mouse, bear image)
    assert np.allclose(P, [[0.129983, 0.869050, 0.000968],
                           [0.025245, 0.923918, 0.050837],
                           [0.424655, 0.573225, 0.002120]], atol=1e-6), P
    big = softmax(np.array([[1e4, 0.0, -1e4]]))
    assert np.all(np.isfinite(big)) and np.allclose(big, [[1, 0, 0]]), "scores of 1e4 must not overflow"
    print("softmax: visible checks passed")
    print(P)
    """),
    hidden("softmax"),
    md("""
    ## 4. The cross-entropy of each example

    The loss of example $i$ is minus the log of the probability of its true class:
    $L_i = -\\ln P_{i y_i}$. Taking the log of a probability that rounded to 0 gives `inf`, so work with
    log-probabilities directly (the log-sum-exp trick):

    $$\\ln P_{i y_i} = (s_{i y_i} - m_i) - \\ln \\sum_k e^{s_{ik} - m_i}, \\qquad m_i = \\max_k s_{ik}.$$

    Write `cross_entropy_per_example(scores, y)` returning the N losses, shape `(N,)`. The slide gives
    2.040, 0.079, 6.156. It must stay finite for scores of size $10^4$.
    """),
    solution("solution_cross_entropy_per_example", """
    def cross_entropy_per_example(scores, y):
        \"\"\"Softmax cross-entropy (natural log) of each example: an array of shape (N,).\"\"\"
        ### BEGIN SOLUTION
        N = scores.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)  # (N, C)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
        return -log_p[np.arange(N), y]
        ### END SOLUTION
    """),
    visible_checks("check_cross_entropy_per_example", """
    L = cross_entropy_per_example(scores, y)
    assert np.shape(L) == (3,), f"one loss per image: expected shape (3,), got {np.shape(L)}"
    assert np.allclose(L, [2.040355, 0.079132, 6.156477], atol=1e-6), f"the slide's losses differ from {L}"
    far = cross_entropy_per_example(np.array([[1e4, 0.0, -1e4]]), np.array([2]))
    assert np.all(np.isfinite(far)), "scores of 1e4 must give a finite loss (here 20000)"
    print("cross_entropy_per_example: visible checks passed", L)
    """),
    hidden("cross_entropy_per_example"),
    md("""
    ## 5. The cross-entropy of a batch

    Write `cross_entropy_loss(scores, y)`: the mean of the $L_i$, one number (the slide: 2.758655).
    """),
    solution("solution_cross_entropy_loss", """
    def cross_entropy_loss(scores, y):
        \"\"\"Mean softmax cross-entropy of a batch (a float).\"\"\"
        ### BEGIN SOLUTION
        N = scores.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -np.mean(log_p[np.arange(N), y])
        ### END SOLUTION
    """),
    visible_checks("check_cross_entropy_loss", """
    assert np.ndim(cross_entropy_loss(scores, y)) == 0, "the mean loss is a single number"
    assert np.isclose(cross_entropy_loss(scores, y), 2.758655, atol=1e-6)
    print("cross_entropy_loss: visible checks passed")
    """),
    hidden("cross_entropy_loss"),
    md("""
    ## 6. Check your understanding

    **The range of each loss.** What is the smallest and what is the largest value the loss $L_i$ of **one**
    example can take, for the SVM loss (margin 1) and for the cross-entropy? Set `svm_min`, `svm_max`,
    `ce_min`, `ce_max` to numbers; use `np.inf` when there is no upper bound. A bound that is only approached
    (never reached) still counts as the bound.
    """),
    solution("solution_loss_ranges", """
    ### BEGIN SOLUTION
    svm_min, svm_max = 0.0, np.inf
    ce_min, ce_max = 0.0, np.inf
    ### END SOLUTION
    """),
    visible_checks("check_loss_ranges", """
    for name, value in [("svm_min", svm_min), ("svm_max", svm_max), ("ce_min", ce_min), ("ce_max", ce_max)]:
        assert isinstance(value, (int, float, np.number)) and not isinstance(value, bool), f"{name} should be a number"
    assert svm_min <= svm_max and ce_min <= ce_max, "a minimum cannot exceed its maximum"
    """),
    hidden("loss_ranges"),
    md("""
    **Nudging the mouse image.** Change each of the three scores of the **mouse image** (its row of `scores`)
    by a small amount, less than 0.5 up or down. What happens to that image's loss?

    - (a) it stays exactly the same
    - (b) it changes a little
    - (c) it jumps to a very different value

    Set `svm_mouse` to the letter for the SVM loss and `ce_mouse` to the letter for the cross-entropy. You
    may experiment in a new cell first.
    """),
    solution("solution_mouse_change", """
    ### BEGIN SOLUTION
    svm_mouse = "a"
    ce_mouse = "b"
    ### END SOLUTION
    """),
    visible_checks("check_mouse_change", """
    assert svm_mouse in ("a", "b", "c") and ce_mouse in ("a", "b", "c"), "answer with the letters 'a', 'b' or 'c'"
    """),
    hidden("mouse_change"),
    md("""
    **In your own words (graded by hand).** Why do the two losses behave differently for the mouse image, and
    what does that mean for training: which of the two keeps pushing the scores of an example that is already
    classified correctly? Two or three sentences.
    """),
    manual_answer("explain_mouse", """
    The mouse image beats both wrong classes by more than the margin, so every hinge term is max(0, negative) = 0
    and small changes leave the SVM loss at exactly 0: the SVM is satisfied and stops pushing. The softmax never
    gives the true class probability exactly 1, so the cross-entropy is always positive and moves with every
    score; training with it keeps increasing the gap between the true class and the others.
    """, 2),
    md("""
    ## 7. L1 and L2 penalties

    Regularization adds a penalty on the weights to the data loss:

    $$J(\\theta) = \\frac{1}{N}\\sum_i L_i + \\alpha\\, R(\\theta), \\qquad
    R_1(\\theta) = \\|\\theta\\|_1 = \\sum_k |\\theta_k|, \\qquad R_2(\\theta) = \\|\\theta\\|_2^2 = \\sum_k \\theta_k^2 .$$

    The L2 penalty is the **squared** norm, with no factor 1/2. On the slide every $\\theta$ below gives the same
    score $\\theta \\cdot (1, 1) = 4$, but different penalties: L2 prefers weights spread out, $(2, 2)$.

    | θ | ‖θ‖₁ | ‖θ‖₂² |
    |---|---|---|
    | (4, 0) | 4 | 16 |
    | (2, 2) | 4 | 8 |
    | (1, 3) | 4 | 10 |
    | (-1, 5) | 6 | 26 |

    Write `l1_penalty(W)` and `l2_penalty(W)` for arrays of any shape; each returns one number.
    """),
    solution("solution_l1_penalty", """
    def l1_penalty(W):
        \"\"\"Sum of the absolute values of the weights (a float).\"\"\"
        ### BEGIN SOLUTION
        return np.sum(np.abs(W))
        ### END SOLUTION
    """),
    visible_checks("check_l1_penalty", """
    thetas = np.array([[4, 0], [2, 2], [1, 3], [-1, 5]], dtype=float)
    assert np.allclose([l1_penalty(t) for t in thetas], [4, 4, 4, 6]), "the slide's column ||θ||_1"
    """),
    hidden("l1_penalty"),
    solution("solution_l2_penalty", """
    def l2_penalty(W):
        \"\"\"Sum of the squared weights, the squared L2 norm (a float).\"\"\"
        ### BEGIN SOLUTION
        return np.sum(W * W)
        ### END SOLUTION
    """),
    visible_checks("check_l2_penalty", """
    assert np.allclose([l2_penalty(t) for t in thetas], [16, 8, 10, 26]), "the slide's column ||θ||_2^2"
    assert np.isclose(l2_penalty(np.ones((2, 3))), 6.0), "arrays of any shape"
    print("penalties: visible checks passed")
    """),
    hidden("l2_penalty"),
    md("""
    ## 8. The regularized loss and its gradient

    A linear classifier scores a batch with $S = XW$: `X` `(N, D)`, `W` `(D, C)`, `S` `(N, C)`.
    Write `regularized_loss(W, X, y, reg)` returning the pair `(J, dW)`:

    - $J = \\frac{1}{N}\\sum_i L_i(S) + \\text{reg}\\cdot\\sum W^2$, with the cross-entropy as $L_i$ and the L2 penalty;
    - $dW = \\partial J / \\partial W$, an array of the shape of `W`.

    The gradient of the mean cross-entropy with respect to the scores is $dS = (P - Y)/N$, with $P$ the softmax
    of $S$ and $Y$ the one-hot rows of `y` (1 at the true class); then $dW = X^\\top dS + 2\\,\\text{reg}\\,W$.
    (You may call your own functions from above.) The visible check compares your `dW` with a numerical
    gradient: centered differences $\\bigl(J(W + h e_k) - J(W - h e_k)\\bigr) / 2h$, one weight at a time.
    """),
    solution("solution_regularized_loss", """
    def regularized_loss(W, X, y, reg):
        \"\"\"(J, dW): mean cross-entropy of S = X @ W plus reg * sum(W**2), and its gradient (D, C).\"\"\"
        ### BEGIN SOLUTION
        N = X.shape[0]
        S = X @ W  # (N, C)
        shifted = S - S.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
        J = -np.mean(log_p[np.arange(N), y]) + reg * np.sum(W * W)
        dS = np.exp(log_p)  # P, (N, C)
        dS[np.arange(N), y] -= 1.0  # P - Y
        dW = X.T @ (dS / N) + 2 * reg * W  # (D, C)
        return J, dW
        ### END SOLUTION
    """),
    visible_checks("check_regularized_loss", """
    rng = np.random.default_rng(1)
    X_chk, W_chk, y_chk = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.integers(0, 3, size=6)
    J, dW = regularized_loss(W_chk, X_chk, y_chk, 0.1)
    assert np.shape(dW) == W_chk.shape, f"dW has the shape of W {W_chk.shape}, got {np.shape(dW)}"
    assert np.isclose(regularized_loss(W_chk, X_chk, y_chk, 0.0)[0], cross_entropy_loss(X_chk @ W_chk, y_chk)), \\
        "with reg = 0, J is the mean cross-entropy"
    h, numerical = 1e-5, np.zeros_like(W_chk)
    for k in np.ndindex(*W_chk.shape):
        W_plus, W_minus = W_chk.copy(), W_chk.copy()
        W_plus[k] += h
        W_minus[k] -= h
        numerical[k] = (regularized_loss(W_plus, X_chk, y_chk, 0.1)[0]
                        - regularized_loss(W_minus, X_chk, y_chk, 0.1)[0]) / (2 * h)
    rel = np.max(np.abs(numerical - dW)) / np.max(np.abs(numerical) + np.abs(dW))
    assert rel < 1e-6, f"dW differs from the numerical gradient: relative error {rel:.2g}"
    print(f"regularized_loss: visible checks passed (relative error {rel:.1e})")
    """),
    hidden("regularized_loss"),
]

if __name__ == "__main__":
    write(cells, OUT)
    print("wrote", OUT)
