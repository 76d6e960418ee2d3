"""Tests of reference_impl.neuron: the banknote neuron, matrix products, MLP forward pass vs Keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow's C++ start-up log
import keras  # noqa: E402  (the independent library oracle)

from reference_impl import (  # noqa: E402
    count_params,
    dense_forward,
    forward_pass,
    get_activation,
    neuron_forward,
    relu,
    sigmoid,
    softmax,
)

pytestmark = pytest.mark.filterwarnings("error")

BANKNOTE_X = np.array([[1.0, 2.2]])  # x1 = 1, x2 = 2.2
BANKNOTE_W = np.array([0.3, 0.1])
BANKNOTE_B = 1.0


def test_banknote_neuron_logit_and_probability():
    """z = 0.3*1 + 0.1*2.2 + 1 = 1.52 and P(fake) = sigmoid(1.52) = 0.820538."""
    z = neuron_forward(BANKNOTE_X, BANKNOTE_W, BANKNOTE_B, activation="linear")
    p = neuron_forward(BANKNOTE_X, BANKNOTE_W, BANKNOTE_B)
    assert z.shape == (1,) and p.shape == (1,)
    assert z[0] == pytest.approx(1.52, rel=1e-15)
    assert p[0] == pytest.approx(0.820538, rel=1e-6)


def test_neuron_forward_accepts_names_and_callables(rng):
    """activation may be a name or a function; both give sigmoid(X @ w + b)."""
    X, w = rng.normal(size=(5, 3)), rng.normal(size=3)
    expected = sigmoid(X @ w - 0.5)
    np.testing.assert_allclose(neuron_forward(X, w, -0.5, "sigmoid"), expected, rtol=1e-15)
    np.testing.assert_allclose(neuron_forward(X, w, -0.5, sigmoid), expected, rtol=1e-15)
    np.testing.assert_allclose(neuron_forward(X, w, -0.5, relu), relu(X @ w - 0.5), rtol=1e-15)


def test_matrix_product_of_slides_has_c11_14():
    """A (2x2) @ B (2x3) = [[14, 4, 18], [24, 6, 12]]; the slide's c11 = 11 is a deck error."""
    A = np.array([[2, 1], [0, 3]])
    B = np.array([[3, 1, 7], [8, 2, 4]])
    C = dense_forward(A, B, np.zeros(3))
    np.testing.assert_array_equal(C, [[14, 4, 18], [24, 6, 12]])
    assert C[0, 0] == 14 and C[0, 0] != 11
    assert C.dtype == np.float64


def test_dense_forward_broadcasts_the_bias(rng):
    """dense_forward(X, W, b)[i] = X[i] @ W + b for every row."""
    X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    out = dense_forward(X, W, b)
    assert out.shape == (4, 2)
    for i in range(4):
        np.testing.assert_allclose(out[i], X[i] @ W + b, rtol=1e-14)


@pytest.mark.parametrize(("D", "H", "expected"), [(2, 1, 3), (2, 8, 24), (8, 1, 9), (8, 2, 18)])
def test_parameter_counts_of_dense_layers(D, H, expected):
    """Dense(1) on 2 inputs: 3, Dense(8) on 2: 24, Dense(1) on 8: 9, Dense(2) on 8: 18."""
    assert count_params([(np.zeros((D, H)), np.zeros(H))]) == expected


def test_forward_pass_chains_dense_layers(rng):
    """forward_pass equals the layers applied by hand, with names or callables."""
    X = rng.normal(size=(6, 2))
    W1, b1 = rng.normal(size=(2, 4)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(4, 3)), rng.normal(size=3)
    expected = softmax(relu(X @ W1 + b1) @ W2 + b2)
    out = forward_pass(X, [(W1, b1), (W2, b2)], ["relu", "softmax"])
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    np.testing.assert_allclose(forward_pass(X, [(W1, b1), (W2, b2)], [relu, softmax]), expected, rtol=1e-14)
    np.testing.assert_allclose(forward_pass(X, [(W1, b1)], ["linear"]), X @ W1 + b1, rtol=1e-14)


def test_and_network_of_the_fhws_author():
    """The 2->3->1 sigmoid net (AND of x1 > 0.5 and x2 > 0.5) and its x10 sharpened version.

    The slides write Theta (units x inputs); in row layout W = Theta transposed.
    """
    theta1 = np.array([[10.0, 0.0], [0.0, 10.0], [0.0, 0.0]])
    theta2 = np.array([[10.0, 10.0, 0.0]])
    b1, b2 = np.array([-5.0, -5.0, 0.0]), np.array([-18.0])
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    p = forward_pass(X, [(theta1.T, b1), (theta2.T, b2)], ["sigmoid", "sigmoid"])[:, 0]
    np.testing.assert_array_equal(p > 0.5, [False, False, False, True])
    p10 = forward_pass(X, [(10 * theta1.T, 10 * b1), (10 * theta2.T, 10 * b2)], ["sigmoid", "sigmoid"])[:, 0]
    np.testing.assert_array_equal(p10 > 0.5, [False, False, False, True])
    assert np.all(np.abs(p10 - 0.5) >= np.abs(p - 0.5))  # sharper: further from 0.5


def test_forward_pass_equals_keras_sequential_predict(rng):
    """Dense(8, sigmoid) -> Dense(2, softmax) with the same weights predicts the same as Keras.

    Keras runs in float32, so the weights are drawn in float32 and the outputs (probabilities
    in [0, 1]) agree to float32 round-off: atol 1e-6.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=(2,)),
            keras.layers.Dense(8, activation="sigmoid"),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    weights = [
        rng.normal(size=(2, 8)).astype(np.float32),
        rng.normal(size=8).astype(np.float32),
        rng.normal(size=(8, 2)).astype(np.float32),
        rng.normal(size=2).astype(np.float32),
    ]
    model.set_weights(weights)
    X = rng.normal(scale=3.0, size=(32, 2)).astype(np.float32)
    expected = model.predict(X, verbose=0)
    params = [(layer.kernel.numpy(), layer.bias.numpy()) for layer in model.layers]
    out = forward_pass(X, params, ["sigmoid", "softmax"])
    assert out.shape == (32, 2) and out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6)
    assert count_params(params) == model.count_params() == 24 + 18


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: neuron_forward([1.0, 2.2], BANKNOTE_W, 1.0), ValueError, r"X: expected a 2-D array"),
        (lambda: neuron_forward(BANKNOTE_X, [0.3, 0.1, 0.0], 1.0), ValueError, r"w: expected shape \(2,\)"),
        (lambda: neuron_forward(BANKNOTE_X, BANKNOTE_W, [1.0, 2.0]), ValueError, r"b: expected a single number"),
        (lambda: neuron_forward(BANKNOTE_X, BANKNOTE_W, 1.0, "tanh"), ValueError, r"activation: expected one of"),
        (lambda: neuron_forward(BANKNOTE_X, BANKNOTE_W, 1.0, 3), TypeError, r"activation: expected one of"),
        (lambda: dense_forward(np.zeros((4, 3)), np.zeros((2, 5)), np.zeros(5)), ValueError, r"W: expected 3 rows"),
        (
            lambda: dense_forward(np.zeros((4, 3)), np.zeros((3, 5)), np.zeros(4)),
            ValueError,
            r"b: expected shape \(5,\)",
        ),
        (lambda: dense_forward(np.zeros((4, 3)), np.zeros((3, 5)), np.zeros((1, 5))), ValueError, r"b: expected a 1-D"),
        (lambda: dense_forward([["a"]], np.zeros((1, 1)), np.zeros(1)), TypeError, r"X: expected real numbers"),
        (
            lambda: forward_pass(np.zeros((4, 2)), [(np.zeros((2, 3)), np.zeros(3))], []),
            ValueError,
            r"activations: expected one activation per \(W, b\) pair in params \(1\), got 0",
        ),
        (
            lambda: forward_pass(np.zeros((4, 2)), [(np.zeros((2, 3)), np.zeros(3))], "relu"),
            TypeError,
            r"activations: expected a sequence",
        ),
        (lambda: forward_pass(np.zeros((4, 2)), [], []), ValueError, r"params: expected at least one"),
        (
            lambda: forward_pass(np.zeros((4, 2)), [(np.zeros((3, 3)), np.zeros(3))], ["relu"]),
            ValueError,
            r"params\[0\]\[0\] \(W\): expected 2 rows",
        ),
        (
            lambda: forward_pass(np.zeros((4, 2)), [(np.zeros((2, 3)), np.zeros(3))], ["soft"]),
            ValueError,
            r"activations\[0\]: expected one of",
        ),
        (lambda: count_params([(np.zeros((2, 3)), np.zeros(2))]), ValueError, r"params\[0\]: expected W of shape"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, match):
    """Shape mismatches, unknown activations and wrong types name the offending argument."""
    with pytest.raises(error, match=match):
        call()


def test_get_activation_resolves_names():
    """Names map to the package's functions; 'linear' is the identity."""
    assert get_activation("sigmoid") is sigmoid
    np.testing.assert_array_equal(get_activation("linear")(np.array([-1.0, 2.0])), [-1.0, 2.0])
