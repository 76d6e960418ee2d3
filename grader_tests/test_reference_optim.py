"""Tests of reference_impl.optim: gradient descent, SGD updates, the week-1 logistic step."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impl import (
    binary_cross_entropy,
    gradient_descent,
    logistic_gd_step,
    neuron_forward,
    numerical_gradient,
    relative_error,
    sgd_step,
    sigmoid,
    train_logistic_regression,
)

pytestmark = pytest.mark.filterwarnings("error")


def test_week1_gradient_descent_step():
    """One step on x = (1, 2.2), y = 1, lr = 0.1 from w = (0.3, 0.1), b = 1."""
    X, y = np.array([[1.0, 2.2]]), np.array([1])
    w, b = logistic_gd_step(X, y, np.array([0.3, 0.1]), 1.0, lr=0.1)
    np.testing.assert_allclose(w, [0.317946, 0.139482], rtol=0, atol=5e-7)
    assert b == pytest.approx(1.017946, abs=5e-7)
    assert isinstance(b, float) and w.shape == (2,)
    p_new = neuron_forward(X, w, b)[0]
    assert p_new == pytest.approx(0.837909, abs=5e-7)
    assert p_new > sigmoid(1.52)  # the step made the fake note more likely fake


def test_logistic_step_follows_the_numerical_gradient(rng):
    """(w - w_new) / lr equals the numerical gradient of the mean BCE."""
    X = rng.normal(size=(10, 3))
    y = rng.integers(0, 2, size=10)
    w, b, lr = rng.normal(size=3), 0.2, 0.5

    def J(theta):
        return binary_cross_entropy(sigmoid(X @ theta[:3] + theta[3]), y)

    w_new, b_new = logistic_gd_step(X, y, w, b, lr)
    analytic = np.append((w - w_new) / lr, (b - b_new) / lr)  # (4,)
    assert relative_error(analytic, numerical_gradient(J, np.append(w, b))) < 1e-7


def test_gradient_descent_on_a_parabola():
    """f(x) = x^2 with lr 0.25 halves x each step; row 0 is x0."""
    xs = gradient_descent(lambda x: 2 * x, 1.0, lr=0.25, num_iters=4)
    assert xs.shape == (5,) and xs.dtype == np.float64
    np.testing.assert_allclose(xs, [1.0, 0.5, 0.25, 0.125, 0.0625], rtol=1e-15)


@pytest.mark.parametrize("shape", [(2,), (2, 3), (1, 2, 2)])
def test_gradient_descent_iterates_have_the_documented_shape(rng, shape):
    """The history has shape (num_iters + 1, *shape) and x0 is not modified."""
    x0 = rng.normal(size=shape)
    before = x0.copy()
    xs = gradient_descent(lambda x: x - 3.0, x0, lr=0.1, num_iters=7)
    assert xs.shape == (8, *shape)
    np.testing.assert_array_equal(xs[0], before)
    np.testing.assert_array_equal(x0, before)
    np.testing.assert_allclose(xs[-1], 3.0 + (before - 3.0) * 0.9**7, rtol=1e-12)


def test_gradient_descent_with_zero_iterations():
    """num_iters = 0 returns just x0."""
    np.testing.assert_array_equal(gradient_descent(lambda x: x, [1.0, 2.0], 0.1, 0), [[1.0, 2.0]])


def test_gradient_descent_history_cannot_be_altered_by_grad_fn():
    """grad_fn gets a copy: writing into it does not change the stored iterates."""

    def grad(x):
        g = 2 * x
        x[...] = 99.0
        return g

    xs = gradient_descent(grad, np.array([1.0]), lr=0.25, num_iters=2)
    np.testing.assert_allclose(xs[:, 0], [1.0, 0.5, 0.25])


def test_sgd_step_returns_new_arrays(rng):
    """theta - lr * grad for every parameter; the inputs are untouched; 'dW' keys also work."""
    params = {"W": rng.normal(size=(2, 3)), "b": np.zeros(3)}
    grads = {"W": np.ones((2, 3)), "b": np.full(3, 2.0)}
    before = {k: v.copy() for k, v in params.items()}
    new = sgd_step(params, grads, lr=0.1)
    np.testing.assert_allclose(new["W"], before["W"] - 0.1, rtol=1e-15)
    np.testing.assert_allclose(new["b"], -0.2 * np.ones(3), rtol=1e-15)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert new[k] is not params[k]
    d_keys = sgd_step(params, {"dW": grads["W"], "db": grads["b"]}, lr=0.1)
    for k in params:
        np.testing.assert_array_equal(d_keys[k], new[k])


def test_train_logistic_regression_decreases_the_loss(rng):
    """The loss history is non-increasing for a small learning rate on separable-ish data."""
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=40) > 0).astype(int)
    w, b, history = train_logistic_regression(X, y, lr=0.5, num_iters=50)
    assert history.shape == (50,)
    assert history[0] == pytest.approx(np.log(2), rel=1e-12)  # zero weights: p = 0.5
    assert np.all(np.diff(history) <= 1e-12)
    assert binary_cross_entropy(sigmoid(X @ w + b), y) < history[-1]


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gradient_descent(lambda x: x, 1.0, lr=-0.1, num_iters=3), ValueError, r"lr: expected a number > 0"),
        (lambda: gradient_descent(lambda x: x, 1.0, lr=0.0, num_iters=3), ValueError, r"lr: expected a number > 0"),
        (
            lambda: gradient_descent(lambda x: x, 1.0, lr=0.1, num_iters=3.0),
            TypeError,
            r"num_iters: expected an integer",
        ),
        (
            lambda: gradient_descent(lambda x: x, 1.0, lr=0.1, num_iters=-1),
            ValueError,
            r"num_iters: expected an integer >= 0",
        ),
        (lambda: gradient_descent("f", 1.0, lr=0.1, num_iters=3), TypeError, r"grad_fn: expected a callable"),
        (
            lambda: gradient_descent(lambda x: [1.0, 2.0], 1.0, lr=0.1, num_iters=3),
            ValueError,
            r"grad_fn: expected a gradient of shape \(\)",
        ),
        (lambda: gradient_descent(lambda x: x, "x", lr=0.1, num_iters=3), TypeError, r"x0: expected a number"),
        (
            lambda: sgd_step({"W": np.zeros(2)}, {"b": np.zeros(2)}, 0.1),
            ValueError,
            r"grads: expected a gradient for 'W'",
        ),
        (
            lambda: sgd_step({"W": np.zeros(2)}, {"W": np.zeros(3)}, 0.1),
            ValueError,
            r"grads\['W'\]: expected shape \(2,\)",
        ),
        (
            lambda: sgd_step({"W": np.zeros(2)}, {"W": np.zeros(2), "dV": 1.0}, 0.1),
            ValueError,
            r"grads: expected only gradients of \['W'\]",
        ),
        (lambda: sgd_step([np.zeros(2)], {"W": np.zeros(2)}, 0.1), TypeError, r"params: expected a dict"),
        (lambda: logistic_gd_step([[1.0, 2.2]], [2], [0.3, 0.1], 1.0, 0.1), ValueError, r"y: expected binary targets"),
        (
            lambda: logistic_gd_step([[1.0, 2.2]], [1], [0.3, 0.1, 0.0], 1.0, 0.1),
            ValueError,
            r"w: expected shape \(2,\)",
        ),
        (lambda: logistic_gd_step([[1.0, 2.2]], [1, 0], [0.3, 0.1], 1.0, 0.1), ValueError, r"y: expected shape \(1,\)"),
        (lambda: logistic_gd_step([[1.0, 2.2]], [1], [0.3, 0.1], [1.0], 0.1), TypeError, r"b: expected a real number"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, match):
    """Wrong learning rates, iteration counts, keys and shapes name the argument."""
    with pytest.raises(error, match=match):
        call()
