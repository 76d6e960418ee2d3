"""Tests of reference_impl.network: shapes, backward pass vs numerical gradients, training."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impl import (
    accuracy,
    binary_cross_entropy,
    forward_pass,
    init_two_layer,
    l2_penalty,
    numerical_gradient,
    relative_error,
    softmax_cross_entropy,
    train_two_layer,
    two_layer_backward,
    two_layer_forward,
    two_layer_loss,
    two_layer_predict,
)

pytestmark = pytest.mark.filterwarnings("error")

COMBOS = [("sigmoid", "softmax"), ("relu", "softmax"), ("sigmoid", "sigmoid"), ("relu", "sigmoid")]


def make_problem(rng, hidden, output, N=6, D=3, H=5):
    """Random data and parameters (scale 1, so gradients are not tiny); C = 1 for sigmoid output.

    For a ReLU hidden layer the draw is repeated until every hidden pre-activation is at
    least 1e-3 away from the kink at 0, so centered differences (h = 1e-5) never straddle it.
    """
    C = 4 if output == "softmax" else 1
    while True:
        params = init_two_layer(D, H, C, rng, scale=1.0)
        params["b1"] = rng.normal(size=H)
        params["b2"] = rng.normal(size=C)
        X = rng.normal(size=(N, D))
        y = rng.integers(0, C, size=N) if output == "softmax" else rng.integers(0, 2, size=N)
        if hidden != "relu" or np.all(np.abs(X @ params["W1"] + params["b1"]) > 1e-3):
            return X, y, params


def test_init_two_layer_shapes_and_seed(rng):
    """W1 (D, H), b1 (H,), W2 (H, C), b2 (C,), zero biases, reproducible with the same seed."""
    params = init_two_layer(2, 8, 2, rng)
    assert {k: v.shape for k, v in params.items()} == {"W1": (2, 8), "b1": (8,), "W2": (8, 2), "b2": (2,)}
    np.testing.assert_array_equal(params["b1"], 0.0)
    again = init_two_layer(2, 8, 2, np.random.default_rng(12345))
    for k in params:
        np.testing.assert_array_equal(params[k], again[k])
    assert 0.0 < np.std(params["W1"]) < 0.3  # scale 0.1


@pytest.mark.parametrize(("hidden", "output"), COMBOS)
def test_forward_shapes_and_agreement_with_forward_pass(rng, hidden, output):
    """out is (N, C) probabilities and equals the generic MLP forward pass."""
    X, _, params = make_problem(rng, hidden, output)
    out, cache = two_layer_forward(X, params, hidden=hidden, output=output)
    C = params["W2"].shape[1]
    assert out.shape == (6, C)
    assert np.all((out >= 0) & (out <= 1))
    if output == "softmax":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-14)
    layers = [(params["W1"], params["b1"]), (params["W2"], params["b2"])]
    np.testing.assert_allclose(out, forward_pass(X, layers, [hidden, output]), rtol=1e-14)
    assert cache["Z1"].shape == (6, 5) and cache["A1"].shape == (6, 5)


@pytest.mark.parametrize(("hidden", "output"), COMBOS)
def test_two_layer_loss_is_the_mean_data_loss(rng, hidden, output):
    """With reg = 0 the loss is the mean cross-entropy / BCE of the forward output."""
    X, y, params = make_problem(rng, hidden, output)
    loss, _ = two_layer_loss(X, y, params, hidden=hidden, output=output)
    out, cache = two_layer_forward(X, params, hidden=hidden, output=output)
    if output == "softmax":
        expected = softmax_cross_entropy(cache["Z2"], y)[0]
    else:
        expected = binary_cross_entropy(out, y)
    assert loss == pytest.approx(expected, rel=1e-12)
    reg_loss, _ = two_layer_loss(X, y, params, hidden=hidden, output=output, reg=0.3)
    assert reg_loss == pytest.approx(loss + 0.3 * (l2_penalty(params["W1"]) + l2_penalty(params["W2"])), rel=1e-14)


@pytest.mark.parametrize(("hidden", "output"), COMBOS)
@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_backward_matches_numerical_gradient(rng, hidden, output, reg):
    """dW1, db1, dW2, db2 agree with centered differences of the loss (relative error < 1e-7)."""
    X, y, params = make_problem(rng, hidden, output)
    _, grads = two_layer_loss(X, y, params, hidden=hidden, output=output, reg=reg)
    assert set(grads) == {"dW1", "db1", "dW2", "db2"}
    for name in ("W1", "b1", "W2", "b2"):

        def f(value, name=name):
            return two_layer_loss(X, y, {**params, name: value}, hidden=hidden, output=output, reg=reg)[0]

        num = numerical_gradient(f, params[name])
        assert grads["d" + name].shape == params[name].shape
        assert relative_error(grads["d" + name], num) < 1e-7, name


@pytest.mark.parametrize(("hidden", "output"), COMBOS)
def test_backward_alone_is_the_unregularized_gradient(rng, hidden, output):
    """two_layer_backward gives the data-loss gradients that two_layer_loss returns for reg = 0."""
    X, y, params = make_problem(rng, hidden, output)
    _, cache = two_layer_forward(X, params, hidden=hidden, output=output)
    _, grads = two_layer_loss(X, y, params, hidden=hidden, output=output)
    backward = two_layer_backward(y, cache)
    for k in grads:
        np.testing.assert_allclose(backward[k], grads[k], rtol=1e-14)


def make_blobs(rng, N=120):
    """Three well-separated Gaussian blobs in 2-D."""
    centers = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    y = rng.integers(0, 3, size=N)
    return centers[y] + 0.7 * rng.normal(size=(N, 2)), y


def test_training_learns_three_blobs(rng):
    """Full-batch training lowers the loss and separates three blobs."""
    X, y = make_blobs(rng)
    params = init_two_layer(2, 10, 3, rng, scale=0.5)
    before = {k: v.copy() for k, v in params.items()}
    trained, history = train_two_layer(X, y, params, lr=0.5, num_iters=300, hidden="relu")
    assert history.shape == (300,)
    assert history[-1] < 0.3 * history[0]
    assert accuracy(two_layer_predict(X, trained, hidden="relu"), y) > 0.95
    for k in params:  # the starting parameters are not modified
        np.testing.assert_array_equal(params[k], before[k])


def test_minibatch_training_is_reproducible(rng):
    """With batch_size the same seed gives the same result; a sigmoid output learns a line."""
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    params = init_two_layer(2, 6, 1, rng, scale=0.5)
    runs = [
        train_two_layer(X, y, params, 1.0, 200, output="sigmoid", batch_size=20, rng=np.random.default_rng(7))
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert accuracy(two_layer_predict(X, runs[0][0], output="sigmoid"), y) > 0.9


def test_saturated_network_gives_finite_loss(rng):
    """Huge weights saturate both layers; the loss from logits stays finite, with no warnings."""
    X, y, params = make_problem(rng, "sigmoid", "softmax")
    big = {k: 1e4 * v for k, v in params.items()}
    loss, grads = two_layer_loss(X, y, big)
    assert np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())


def test_accuracy():
    """accuracy is the fraction of equal entries."""
    assert accuracy(np.array([0, 1, 2, 1]), np.array([0, 1, 1, 1])) == 0.75


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda p, X, y: init_two_layer(2, 0, 3, np.random.default_rng(0)), ValueError, r"H: expected an integer >= 1"),
        (lambda p, X, y: init_two_layer(2, 4, 3, 0), TypeError, r"rng: expected a numpy.random.Generator"),
        (
            lambda p, X, y: two_layer_forward(X, {k: v for k, v in p.items() if k != "b2"}),
            ValueError,
            r"params: expected keys.*missing \['b2'\]",
        ),
        (
            lambda p, X, y: two_layer_forward(X, p, output="sigmoid"),
            ValueError,
            r"params\['W2'\]: expected shape \(5, 1\) for a sigmoid output",
        ),
        (lambda p, X, y: two_layer_forward(X, p, hidden="tanh"), ValueError, r"hidden: expected one of"),
        (lambda p, X, y: two_layer_forward(X[:, :2], p), ValueError, r"params\['W1'\]: expected shape \(2, 5\)"),
        (
            lambda p, X, y: two_layer_forward(X, {**p, "b1": np.zeros(4)}),
            ValueError,
            r"params\['b1'\]: expected shape \(5,\)",
        ),
        (lambda p, X, y: two_layer_loss(X, y + 4, p), ValueError, r"y: expected labels in 0\.\.3"),
        (lambda p, X, y: two_layer_loss(X, y, p, reg=-1.0), ValueError, r"reg: expected a number >= 0"),
        (lambda p, X, y: two_layer_backward(y, {"X": X}), TypeError, r"cache: expected the cache dict"),
        (
            lambda p, X, y: train_two_layer(X, y, p, 0.1, 5, batch_size=2),
            TypeError,
            r"rng: expected a numpy.random.Generator when batch_size",
        ),
        (
            lambda p, X, y: train_two_layer(X, y, p, 0.1, 5, batch_size=100, rng=np.random.default_rng(0)),
            ValueError,
            r"batch_size: expected at most N = 6",
        ),
        (lambda p, X, y: train_two_layer(X, y[:3], p, 0.1, 5), ValueError, r"y: expected shape \(6,\)"),
        (lambda p, X, y: accuracy([0, 1], [0, 1, 1]), ValueError, r"y: expected shape \(2,\)"),
    ],
)
def test_bad_input_raises_naming_the_argument(rng, call, error, match):
    """Missing keys, wrong shapes, bad labels and a missing rng name the argument."""
    X, y, params = make_problem(rng, "sigmoid", "softmax")
    with pytest.raises(error, match=match):
        call(params, X, y)


def test_sigmoid_output_rejects_non_binary_targets(rng):
    """A sigmoid output needs 0/1 targets."""
    X, y, params = make_problem(rng, "relu", "sigmoid")
    with pytest.raises(ValueError, match="y: expected binary targets 0 or 1"):
        two_layer_loss(X, y + 1, params, hidden="relu", output="sigmoid")
