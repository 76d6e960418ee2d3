"""Tests of reference_impl.regularization: the L1/L2 table, gradients, the regularized loss."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impl import (
    l1_penalty,
    l1_penalty_grad,
    l2_penalty,
    l2_penalty_grad,
    numerical_gradient,
    regularized_loss,
    relative_error,
    softmax_cross_entropy,
    svm_loss,
)

pytestmark = pytest.mark.filterwarnings("error")


@pytest.mark.parametrize(
    ("theta", "l1", "l2"),
    [((4, 0), 4, 16), ((2, 2), 4, 8), ((1, 3), 4, 10), ((-1, 5), 6, 26)],
)
def test_penalty_table_of_slides(theta, l1, l2):
    """Every theta scores theta . (1, 1) = 4, but the L1 and squared-L2 penalties differ."""
    assert np.dot(theta, (1, 1)) == 4
    assert l1_penalty(theta) == l1
    assert l2_penalty(theta) == l2
    assert isinstance(l1_penalty(theta), float) and isinstance(l2_penalty(theta), float)


def test_l2_is_the_squared_norm_without_a_half(rng):
    """l2_penalty = sum(W**2) = ||W||^2 (no 1/2) and its gradient is 2 W."""
    W = rng.normal(size=(3, 4))
    assert l2_penalty(W) == pytest.approx(np.linalg.norm(W) ** 2, rel=1e-14)
    np.testing.assert_array_equal(l2_penalty_grad(W), 2 * W)


def test_l2_gradient_matches_numerical(rng):
    """2 W agrees with centered differences of sum(W**2)."""
    W = rng.normal(size=(4, 3))
    assert relative_error(l2_penalty_grad(W), numerical_gradient(l2_penalty, W)) < 1e-7


def test_l1_gradient_matches_numerical_away_from_zero(rng):
    """sign(W) agrees with centered differences where no weight is near 0."""
    W = rng.normal(size=(4, 3))
    W = np.where(np.abs(W) < 1e-3, 0.5, W)
    assert relative_error(l1_penalty_grad(W), numerical_gradient(l1_penalty, W)) < 1e-7


def test_l1_subgradient_is_zero_at_zero():
    """At W = 0 the subgradient 0 is used."""
    np.testing.assert_array_equal(l1_penalty_grad(np.array([-2.0, 0.0, 3.0])), [-1.0, 0.0, 1.0])


def make_problem(rng, N=8, D=5, C=3):
    """Random linear-classifier data with hinge terms away from their kinks."""
    while True:
        X = rng.normal(size=(N, D))
        W = rng.normal(scale=0.5, size=(D, C))
        W = np.where(np.abs(W) < 1e-3, 0.1, W)  # away from the L1 kink
        y = rng.integers(0, C, size=N)
        S = X @ W
        m = S - S[np.arange(N), y][:, None] + 1.0
        m[np.arange(N), y] = 1.0
        if np.all(np.abs(m) > 1e-3):
            return W, X, y


@pytest.mark.parametrize("loss", ["softmax", "svm"])
@pytest.mark.parametrize("penalty", ["l2", "l1"])
@pytest.mark.parametrize("reg", [0.0, 0.1, 2.5])
def test_regularized_loss_gradient_matches_numerical(rng, loss, penalty, reg):
    """dW of data loss + reg * penalty agrees with centered differences."""
    W, X, y = make_problem(rng)
    J, dW = regularized_loss(W, X, y, reg, loss=loss, penalty=penalty)
    assert dW.shape == W.shape
    num = numerical_gradient(lambda V: regularized_loss(V, X, y, reg, loss=loss, penalty=penalty)[0], W)
    assert relative_error(dW, num) < 1e-7


@pytest.mark.parametrize(("loss", "loss_fn"), [("softmax", softmax_cross_entropy), ("svm", svm_loss)])
@pytest.mark.parametrize(("penalty", "penalty_fn"), [("l2", l2_penalty), ("l1", l1_penalty)])
def test_regularized_loss_is_mean_data_loss_plus_reg_times_penalty(rng, loss, loss_fn, penalty, penalty_fn):
    """J = data_loss(X @ W, y) + reg * penalty(W), the one convention of the package."""
    W, X, y = make_problem(rng)
    J, _ = regularized_loss(W, X, y, 0.3, loss=loss, penalty=penalty)
    assert J == pytest.approx(loss_fn(X @ W, y)[0] + 0.3 * penalty_fn(W), rel=1e-14)


def test_regularized_loss_defaults_are_softmax_and_l2(rng):
    """loss='softmax', penalty='l2' by default."""
    W, X, y = make_problem(rng)
    assert regularized_loss(W, X, y, 0.1)[0] == regularized_loss(W, X, y, 0.1, "softmax", "l2")[0]


def test_regularized_loss_does_not_mutate(rng):
    """W, X and y are left untouched."""
    W, X, y = make_problem(rng)
    copies = (W.copy(), X.copy(), y.copy())
    regularized_loss(W, X, y, 0.5, loss="svm", penalty="l1")
    for before, after in zip(copies, (W, X, y)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"reg": -0.1}, ValueError, r"reg: expected a number >= 0"),
        ({"reg": "0.1"}, TypeError, r"reg: expected a real number"),
        ({"loss": "hinge"}, ValueError, r"loss: expected one of \['softmax', 'svm'\], got 'hinge'"),
        ({"penalty": "l3"}, ValueError, r"penalty: expected one of \['l1', 'l2'\]"),
        ({"penalty": ["l2"]}, TypeError, r"penalty: expected one of"),
        ({"W": np.zeros((4, 3))}, ValueError, r"W: expected 5 rows to match X"),
        ({"y": np.array([0, 1])}, ValueError, r"y: expected shape \(8,\)"),
    ],
)
def test_bad_input_raises_naming_the_argument(rng, kwargs, error, match):
    """Negative reg, unknown loss/penalty names and shape mismatches name the argument."""
    W, X, y = make_problem(rng)
    args = {"W": W, "X": X, "y": y, "reg": 0.1, **kwargs}
    with pytest.raises(error, match=match):
        regularized_loss(**args)


@pytest.mark.parametrize("fn", [l1_penalty, l2_penalty, l1_penalty_grad, l2_penalty_grad])
def test_penalties_reject_strings_and_nan(fn):
    """Penalties name W in their errors."""
    with pytest.raises(TypeError, match="W: expected"):
        fn(["a"])
    with pytest.raises(ValueError, match="W: expected finite values"):
        fn([1.0, np.nan])
