"""Tests of reference_impl.losses: slide numbers, loop oracles, numerical gradients, Keras."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow's C++ start-up log
import keras  # noqa: E402  (the independent library oracle)

from reference_impl import (  # noqa: E402
    EPS,
    binary_cross_entropy,
    binary_cross_entropy_from_logits,
    binary_cross_entropy_grad,
    cross_entropy_per_example,
    numerical_gradient,
    relative_error,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    svm_loss,
    svm_loss_per_example,
)

pytestmark = pytest.mark.filterwarnings("error")

# The SS 2023 slide table has one column per image; transposed, one row per image (N=3, C=3).
# Classes: 0 cat, 1 mouse, 2 bear; image i has true class i.
SLIDE_SCORES = np.array(
    [
        [3.2, 5.1, -1.7],  # cat image
        [1.3, 4.9, 2.0],  # mouse image
        [2.2, 2.5, -3.1],  # bear image
    ]
)
SLIDE_Y = np.array([0, 1, 2])
SHAPES = [(1, 2), (3, 3), (7, 4), (32, 10)]

# Keras computes in float32 (unit round-off 6e-8). A mean of a few float32 logs and
# log-sum-exps of moderate values (|score| < 10) is accurate to a few 1e-8 relative; rtol 1e-6
# leaves a factor > 10 of headroom while still catching any convention difference (a sum
# instead of a mean, log10, a missing term), which would be off by far more than 1e-6.
KERAS_RTOL = 1e-6
KERAS_ATOL = 1e-6  # for per-example values close to 0


# --------------------------------------------------------------------------- loop oracles


def svm_loss_loop(scores, y, margin=1.0):
    """Multiclass hinge loss with explicit loops over examples and classes."""
    N, C = scores.shape
    loss, dscores = 0.0, np.zeros((N, C))
    for i in range(N):
        for j in range(C):
            if j == y[i]:
                continue
            m = scores[i, j] - scores[i, y[i]] + margin
            if m > 0:
                loss += m
                dscores[i, j] += 1.0
                dscores[i, y[i]] -= 1.0
    return loss / N, dscores / N


def softmax_ce_loop(scores, y):
    """Softmax cross-entropy with explicit loops (math.exp on shifted scores)."""
    N, C = scores.shape
    loss, dscores = 0.0, np.zeros((N, C))
    for i in range(N):
        top = max(scores[i, j] for j in range(C))
        total = sum(math.exp(scores[i, j] - top) for j in range(C))
        for j in range(C):
            p = math.exp(scores[i, j] - top) / total
            dscores[i, j] = (p - (j == y[i])) / N
        loss += -(scores[i, y[i]] - top - math.log(total))
    return loss / N, dscores


def bce_loop(p, y):
    return sum(-(yi * math.log(pi) + (1 - yi) * math.log(1 - pi)) for pi, yi in zip(p, y)) / len(p)


def svm_scores_away_from_kinks(rng, N, C, margin=1.0):
    """Random scores with every hinge term at least 1e-3 away from its kink."""
    while True:
        scores = rng.normal(scale=2.0, size=(N, C))
        y = rng.integers(0, C, size=N)
        m = scores - scores[np.arange(N), y][:, None] + margin  # (N, C)
        m[np.arange(N), y] = 1.0  # the true class has no kink
        if np.all(np.abs(m) > 1e-3):
            return scores, y


# --------------------------------------------------------------------------- slide numbers


@pytest.mark.parametrize(("y", "expected"), [(1, 0.197794), (0, 1.717794)])
def test_bce_of_banknote_prediction_matches_slides(y, expected):
    """NLL of P(fake) = sigmoid(1.52) is 0.197794 for a fake note and 1.717794 for a real one."""
    p = sigmoid(1.52)
    assert binary_cross_entropy(np.array([p]), np.array([y])) == pytest.approx(expected, abs=5e-7)


def test_uniform_guessing_costs_ln2_and_ln10():
    """Random guessing costs ln 2 = 0.693147 (2 classes) and ln 10 = 2.302585 (10 classes)."""
    y2 = np.array([0, 1, 1, 0])
    assert binary_cross_entropy(np.full(4, 0.5), y2) == pytest.approx(0.693147, abs=5e-7)
    loss10, _ = softmax_cross_entropy(np.zeros((5, 10)), np.arange(5))
    assert loss10 == pytest.approx(2.302585, abs=5e-7)
    assert loss10 == pytest.approx(math.log(10), rel=1e-15)


def test_svm_loss_of_slide_table():
    """Hinge losses of the three images are 2.9, 0 and 12.9, mean 5.266667."""
    per_example = svm_loss_per_example(SLIDE_SCORES, SLIDE_Y)
    np.testing.assert_allclose(per_example, [2.9, 0.0, 12.9], rtol=0, atol=1e-12)
    loss, _ = svm_loss(SLIDE_SCORES, SLIDE_Y)
    assert loss == pytest.approx(5.266667, abs=5e-7)


def test_svm_loss_differs_from_the_known_mistakes():
    """Including j = y_i (mean 6.266667) or summing (15.8) are mistakes the key must not make."""
    per_example = svm_loss_per_example(SLIDE_SCORES, SLIDE_Y)
    loss, _ = svm_loss(SLIDE_SCORES, SLIDE_Y)
    with_true_class = per_example + 1.0  # the j = y_i term adds max(0, margin) = margin
    assert with_true_class.mean() == pytest.approx(6.266667, abs=5e-7)
    assert per_example.sum() == pytest.approx(15.8, abs=1e-12)
    assert abs(loss - 6.266667) > 0.5 and abs(loss - 15.8) > 0.5


def test_svm_cat_margin_is_not_exactly_representable():
    """5.1 - 3.2 + 1 is 2.8999999999999995 in binary: compare with a tolerance."""
    assert svm_loss_per_example(SLIDE_SCORES[:1], SLIDE_Y[:1])[0] == pytest.approx(2.9, abs=1e-12)


def test_softmax_probabilities_match_slide_table():
    """Row-wise softmax of the transposed table gives the slide's probabilities."""
    expected = np.array(
        [
            [0.129983, 0.869050, 0.000968],
            [0.025245, 0.923918, 0.050837],
            [0.424655, 0.573225, 0.002120],
        ]
    )
    probs = softmax(SLIDE_SCORES, axis=1)
    np.testing.assert_allclose(probs, expected, rtol=0, atol=5e-7)
    np.testing.assert_array_equal(probs.argmax(axis=1), [1, 1, 1])  # "mouse" everywhere


def test_cross_entropy_of_slide_table():
    """-ln P(true class) is 2.040355, 0.079132, 6.156477, mean 2.758655."""
    per_example = cross_entropy_per_example(SLIDE_SCORES, SLIDE_Y)
    np.testing.assert_allclose(per_example, [2.040355, 0.079132, 6.156477], rtol=0, atol=5e-7)
    loss, _ = softmax_cross_entropy(SLIDE_SCORES, SLIDE_Y)
    assert loss == pytest.approx(2.758655, abs=5e-7)


def test_cross_entropy_uses_natural_log_not_log10():
    """The log10 values (0.886115, 0.034366, 2.673724; mean 1.198069) are the classic mistake."""
    per_example = cross_entropy_per_example(SLIDE_SCORES, SLIDE_Y)
    log10_mistake = per_example / math.log(10)
    np.testing.assert_allclose(log10_mistake, [0.886115, 0.034366, 2.673724], rtol=0, atol=5e-7)
    assert log10_mistake.mean() == pytest.approx(1.198069, abs=5e-7)
    loss, _ = softmax_cross_entropy(SLIDE_SCORES, SLIDE_Y)
    assert abs(loss - 1.198069) > 1.0


# --------------------------------------------------------------------------- loop oracles


@pytest.mark.parametrize(("N", "C"), SHAPES)
@pytest.mark.parametrize("margin", [1.0, 0.5])
def test_svm_loss_matches_loop_oracle(rng, N, C, margin):
    """The vectorized hinge loss and gradient equal the double loop."""
    scores, y = svm_scores_away_from_kinks(rng, N, C, margin)
    loss, dscores = svm_loss(scores, y, margin=margin)
    loss_ref, dscores_ref = svm_loss_loop(scores, y, margin)
    assert loss == pytest.approx(loss_ref, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(dscores, dscores_ref, rtol=0, atol=1e-15)
    np.testing.assert_allclose(svm_loss_per_example(scores, y, margin).mean(), loss, rtol=1e-12)


@pytest.mark.parametrize(("N", "C"), SHAPES)
def test_softmax_cross_entropy_matches_loop_oracle(rng, N, C):
    """The vectorized cross-entropy and gradient equal the double loop."""
    scores = rng.normal(scale=3.0, size=(N, C))
    y = rng.integers(0, C, size=N)
    loss, dscores = softmax_cross_entropy(scores, y)
    loss_ref, dscores_ref = softmax_ce_loop(scores, y)
    assert loss == pytest.approx(loss_ref, rel=1e-12)
    np.testing.assert_allclose(dscores, dscores_ref, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(cross_entropy_per_example(scores, y).mean(), loss, rtol=1e-12)


@pytest.mark.parametrize("N", [1, 4, 50])
def test_binary_cross_entropy_matches_loop_oracle(rng, N):
    """The vectorized BCE equals a loop; the from-logits form equals BCE of the sigmoid."""
    z = rng.normal(scale=2.0, size=N)
    y = rng.integers(0, 2, size=N)
    p = np.asarray(sigmoid(z))
    assert binary_cross_entropy(p, y) == pytest.approx(bce_loop(p, y), rel=1e-12)
    assert binary_cross_entropy_from_logits(z, y) == pytest.approx(bce_loop(p, y), rel=1e-10)
    assert binary_cross_entropy(p[:, None], y[:, None]) == binary_cross_entropy(p, y)


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize(("N", "C"), SHAPES)
def test_svm_gradient_matches_numerical(rng, N, C):
    """dscores of the hinge loss agrees with centered differences (away from kinks)."""
    scores, y = svm_scores_away_from_kinks(rng, N, C)
    _, dscores = svm_loss(scores, y)
    num = numerical_gradient(lambda s: svm_loss(s, y)[0], scores)
    assert relative_error(dscores, num) < 1e-7


@pytest.mark.parametrize(("N", "C"), SHAPES)
def test_softmax_cross_entropy_gradient_matches_numerical(rng, N, C):
    """dscores of the cross-entropy agrees with centered differences.

    Scores of scale 1 keep every example from being almost perfectly classified, where the
    gradient is tiny and round-off (~1e-11 * loss) would dominate the relative error.
    """
    scores = rng.normal(scale=1.0, size=(N, C))
    y = rng.integers(0, C, size=N)
    _, dscores = softmax_cross_entropy(scores, y)
    num = numerical_gradient(lambda s: softmax_cross_entropy(s, y)[0], scores)
    assert relative_error(dscores, num) < 1e-7


def test_binary_cross_entropy_gradient_matches_numerical(rng):
    """d BCE / dp agrees with centered differences, and chains to (p - y)/N for the logits."""
    p = rng.uniform(0.1, 0.9, size=6)
    y = rng.integers(0, 2, size=6)
    dp = binary_cross_entropy_grad(p, y)
    assert relative_error(dp, numerical_gradient(lambda q: binary_cross_entropy(q, y), p)) < 1e-7
    np.testing.assert_allclose(dp * p * (1 - p), (p - y) / 6, rtol=1e-12)
    assert binary_cross_entropy_grad(p[:, None], y[:, None]).shape == (6, 1)


# --------------------------------------------------------------------------- Keras


@pytest.mark.parametrize(("N", "C"), SHAPES)
def test_softmax_cross_entropy_matches_keras(rng, N, C):
    """Mean and per-example values equal Keras' sparse/categorical cross-entropy from logits."""
    scores = rng.normal(scale=2.0, size=(N, C))
    y = rng.integers(0, C, size=N)
    loss, _ = softmax_cross_entropy(scores, y)
    sparse = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    categorical = keras.losses.CategoricalCrossentropy(from_logits=True)
    on_probs = keras.losses.CategoricalCrossentropy()
    one_hot = np.eye(C)[y]  # (N, C)
    assert float(sparse(y, scores)) == pytest.approx(loss, rel=KERAS_RTOL)
    assert float(categorical(one_hot, scores)) == pytest.approx(loss, rel=KERAS_RTOL)
    assert float(on_probs(one_hot, softmax(scores))) == pytest.approx(loss, rel=KERAS_RTOL)
    per_example = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(y, scores)
    np.testing.assert_allclose(
        cross_entropy_per_example(scores, y), np.asarray(per_example), rtol=KERAS_RTOL, atol=KERAS_ATOL
    )


@pytest.mark.parametrize("N", [1, 5, 64])
def test_binary_cross_entropy_matches_keras(rng, N):
    """BCE on probabilities and from logits equals Keras' BinaryCrossentropy."""
    z = rng.normal(scale=2.0, size=(N, 1))
    y = rng.integers(0, 2, size=(N, 1)).astype(np.float64)
    p = np.asarray(sigmoid(z))
    expected_p = float(keras.losses.BinaryCrossentropy()(y, p))
    expected_z = float(keras.losses.BinaryCrossentropy(from_logits=True)(y, z))
    assert binary_cross_entropy(p, y) == pytest.approx(expected_p, rel=KERAS_RTOL)
    assert binary_cross_entropy_from_logits(z, y) == pytest.approx(expected_z, rel=KERAS_RTOL)


# --------------------------------------------------------------------------- extremes


def test_extreme_scores_give_finite_losses_without_warnings():
    """Scores of +-1e4 neither overflow nor produce NaN (warnings are errors here)."""
    scores = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, -1e4]])
    y = np.array([1, 0, 2])
    for fn in (svm_loss, softmax_cross_entropy):
        loss, dscores = fn(scores, y)
        assert np.isfinite(loss) and np.all(np.isfinite(dscores))
    per_example = cross_entropy_per_example(scores, y)
    np.testing.assert_allclose(per_example, [2e4, 2e4 + math.log(2), 1e4 + math.log(2)], rtol=1e-12)
    assert binary_cross_entropy_from_logits(np.array([1e4, -1e4]), np.array([0, 0])) == pytest.approx(5e3)


def test_probabilities_exactly_zero_and_one_are_clipped():
    """p = 0 or 1 costs -ln(EPS) when wrong and about EPS when right, never inf."""
    wrong = binary_cross_entropy(np.array([0.0, 1.0]), np.array([1, 0]))
    right = binary_cross_entropy(np.array([0.0, 1.0]), np.array([0, 1]))
    # 1 - (1 - EPS) is not exactly EPS in float64 (relative error ~1e-4), hence rel=1e-5 on the log
    assert wrong == pytest.approx(-math.log(EPS), rel=1e-5)
    assert 0.0 <= right < 1e-11
    assert np.all(np.isfinite(binary_cross_entropy_grad(np.array([0.0, 1.0]), np.array([1, 0]))))


def test_inputs_are_not_mutated(rng):
    """Losses leave scores and labels untouched."""
    scores = rng.normal(size=(4, 3))
    y = np.array([0, 2, 1, 2])
    before_scores, before_y = scores.copy(), y.copy()
    for fn in (svm_loss, softmax_cross_entropy, svm_loss_per_example, cross_entropy_per_example):
        fn(scores, y)
    np.testing.assert_array_equal(scores, before_scores)
    np.testing.assert_array_equal(y, before_y)


def test_results_are_float64_for_float32_input(rng):
    """float32 scores give float64 results."""
    scores = rng.normal(size=(4, 3)).astype(np.float32)
    y = np.array([0, 2, 1, 2])
    loss, dscores = softmax_cross_entropy(scores, y)
    assert isinstance(loss, float) and dscores.dtype == np.float64
    assert svm_loss(scores, y)[1].dtype == np.float64


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("fn", [svm_loss, softmax_cross_entropy, svm_loss_per_example, cross_entropy_per_example])
@pytest.mark.parametrize(
    ("scores", "y", "error", "match"),
    [
        (np.zeros(3), [0, 1, 2], ValueError, r"scores: expected a 2-D array.*got shape \(3,\)"),
        (np.zeros((3, 2)), [0, 1], ValueError, r"y: expected shape \(3,\).*got shape \(2,\)"),
        (np.zeros((3, 2)), [0, 1, 2], ValueError, r"y: expected labels in 0\.\.1.*got 2"),
        (np.zeros((3, 2)), [0, -1, 1], ValueError, r"y: expected labels in 0\.\.1.*got -1"),
        (np.zeros((3, 2)), [0, 1.5, 1], ValueError, r"y: expected integer class labels.*1\.5"),
        (np.zeros((3, 2)), ["a", "b", "c"], TypeError, r"y: expected integer class labels"),
        (np.zeros((3, 2)), np.zeros((3, 1), dtype=int), ValueError, r"y: expected shape \(3,\)"),
        ([["a", "b"]], [0], TypeError, r"scores: expected real numbers"),
        ("scores", [0], TypeError, r"scores: expected a number or an array"),
        (np.array([[0.0, np.nan]]), [0], ValueError, r"scores: expected finite values"),
        (np.array([[0.0, np.inf]]), [0], ValueError, r"scores: expected finite values"),
        (np.zeros((0, 3)), np.zeros(0, dtype=int), ValueError, r"scores: expected at least one example"),
    ],
)
def test_bad_scores_or_labels_raise_naming_the_argument(fn, scores, y, error, match):
    """Wrong shapes, labels out of range, non-integers, strings and NaN are rejected by name."""
    with pytest.raises(error, match=match):
        fn(scores, y)


def test_float_labels_with_whole_values_are_accepted():
    """Labels 0.0, 1.0, 2.0 (e.g. read from a CSV) work like integers."""
    assert svm_loss(SLIDE_SCORES, SLIDE_Y.astype(float))[0] == svm_loss(SLIDE_SCORES, SLIDE_Y)[0]


@pytest.mark.parametrize(("margin", "error"), [(-1.0, ValueError), ("1", TypeError), (np.nan, ValueError)])
def test_bad_margin_raises(margin, error):
    """The margin must be a finite non-negative number."""
    with pytest.raises(error, match="margin"):
        svm_loss(SLIDE_SCORES, SLIDE_Y, margin=margin)


@pytest.mark.parametrize(
    ("p", "y", "error", "match"),
    [
        ([0.5, 1.2], [0, 1], ValueError, r"p: expected probabilities in \[0, 1\]"),
        ([0.5, -0.1], [0, 1], ValueError, r"p: expected probabilities"),
        ([0.5, 0.5], [0, 2], ValueError, r"y: expected binary targets 0 or 1, got 2"),
        ([0.5, 0.5], [0, 1, 1], ValueError, r"y: expected 2 targets"),
        ([0.5, 0.5], ["0", "1"], TypeError, r"y: expected real numbers"),
        (np.full((2, 2), 0.5), [0, 1], ValueError, r"p: expected shape \(N,\) or \(N, 1\)"),
        ([0.5, np.nan], [0, 1], ValueError, r"p: expected finite values"),
    ],
)
def test_bad_binary_cross_entropy_input_raises(p, y, error, match):
    """BCE rejects probabilities outside [0, 1], non-binary targets and mismatched shapes."""
    with pytest.raises(error, match=match):
        binary_cross_entropy(p, y)


def test_swapped_bce_arguments_are_caught():
    """binary_cross_entropy(y, p) instead of (p, y) fails on the non-binary 'targets'."""
    with pytest.raises(ValueError, match="y: expected binary targets"):
        binary_cross_entropy([1, 0], [0.8, 0.3])
