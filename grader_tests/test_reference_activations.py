"""Tests of reference_impl.activations: values, derivatives, stability, input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reference_impl import (
    log_softmax,
    numerical_gradient,
    relative_error,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
)

pytestmark = pytest.mark.filterwarnings("error")

ELEMENTWISE = [sigmoid, sigmoid_derivative, relu, relu_derivative]


def test_sigmoid_of_banknote_logit_matches_slides():
    """sigmoid(1.52) = 0.820538, the week-1 P(fake)."""
    assert sigmoid(1.52) == pytest.approx(0.820538, rel=1e-6)
    assert sigmoid(1.52) == pytest.approx(0.8205384805926733, rel=1e-15)


@pytest.mark.parametrize("fn", ELEMENTWISE)
def test_scalar_input_gives_python_float(fn):
    """A number in gives a float out; an array keeps its shape."""
    assert type(fn(0.3)) is float
    assert fn(np.zeros((2, 3, 4))).shape == (2, 3, 4)
    assert fn(np.zeros((2, 3), dtype=np.float32)).dtype == np.float64


def test_sigmoid_matches_formula_and_symmetry(rng):
    """sigmoid(z) = 1/(1 + exp(-z)) on moderate z, and sigmoid(-z) = 1 - sigmoid(z)."""
    z = rng.normal(scale=5.0, size=(4, 5))
    np.testing.assert_allclose(sigmoid(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-14)
    np.testing.assert_allclose(sigmoid(-z), 1.0 - sigmoid(z), rtol=1e-12, atol=1e-15)
    assert sigmoid(0.0) == 0.5


def test_sigmoid_extremes_do_not_overflow():
    """z = +-1e4 gives exactly 1 and 0 with no numpy warning (warnings are errors here)."""
    out = sigmoid(np.array([-1e4, -800.0, 800.0, 1e4]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 1.0, 1.0])
    assert sigmoid_derivative(1e4) == 0.0 and sigmoid_derivative(-1e4) == 0.0


def test_sigmoid_derivative_matches_numerical(rng):
    """s(1 - s) agrees with centered differences of the sigmoid."""
    z = rng.normal(scale=3.0, size=(3, 4))
    num = numerical_gradient(lambda v: np.sum(sigmoid(v)), z)  # elementwise: d/dz_k sum = s'(z_k)
    assert relative_error(sigmoid_derivative(z), num) < 1e-7
    assert sigmoid_derivative(0.0) == 0.25


def test_relu_and_derivative():
    """relu = max(0, z); its derivative is [z > 0], 0 at the kink."""
    z = np.array([-2.0, 0.0, 3.5])
    np.testing.assert_array_equal(relu(z), [0.0, 0.0, 3.5])
    np.testing.assert_array_equal(relu_derivative(z), [0.0, 0.0, 1.0])


def test_relu_derivative_matches_numerical_away_from_zero(rng):
    """[z > 0] agrees with centered differences where z is not near 0."""
    z = rng.normal(size=(5, 3))
    z = np.where(np.abs(z) < 1e-3, 0.5, z)
    num = numerical_gradient(lambda v: np.sum(relu(v)), z)
    assert relative_error(relu_derivative(z), num) < 1e-7


@pytest.mark.parametrize("shape", [(3,), (4, 5), (2, 3, 4)])
def test_softmax_rows_sum_to_one_and_match_naive_formula(rng, shape):
    """On moderate scores softmax equals exp(s)/sum(exp(s)) along the last axis."""
    s = rng.normal(scale=3.0, size=shape)
    p = softmax(s)
    naive = np.exp(s) / np.exp(s).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(p, naive, rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)


def test_softmax_axis_and_shift_invariance(rng):
    """axis=0 is the transpose of axis=1; adding a constant per row changes nothing."""
    s = rng.normal(size=(4, 3))
    np.testing.assert_allclose(softmax(s, axis=0), softmax(s.T, axis=1).T, rtol=1e-14)
    np.testing.assert_allclose(softmax(s + 100.0), softmax(s), rtol=1e-12)


def test_softmax_extremes_are_finite():
    """Scores of +-1e4 give exact 0/1 probabilities (the naive formula would overflow)."""
    s = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4]])
    np.testing.assert_allclose(softmax(s), [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]], atol=0)
    logp = log_softmax(s)
    assert np.all(np.isfinite(logp))
    np.testing.assert_allclose(logp[0], [0.0, -2e4, -1e4], rtol=1e-15)


def test_log_softmax_matches_log_of_softmax(rng):
    """log_softmax(s) = log(softmax(s)) on moderate scores."""
    s = rng.normal(scale=2.0, size=(6, 4))
    np.testing.assert_allclose(log_softmax(s), np.log(softmax(s)), rtol=1e-12)
    np.testing.assert_allclose(log_softmax(s.T, axis=0), np.log(softmax(s.T, axis=0)), rtol=1e-12)


def test_inputs_are_not_mutated(rng):
    """Activations return new arrays and leave their input alone."""
    z = rng.normal(size=(3, 3))
    before = z.copy()
    for fn in (*ELEMENTWISE, softmax, log_softmax):
        fn(z)
    np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize("fn", ELEMENTWISE)
@pytest.mark.parametrize(
    ("z", "error", "match"),
    [
        ("1.0", TypeError, r"z: expected a number or an array"),
        (["a", "b"], TypeError, r"z: expected real numbers, got an array of dtype <U1"),
        ([1.0, np.nan], ValueError, r"z: expected finite values, got 1 NaN"),
        ([np.inf, -np.inf], ValueError, r"z: expected finite values, got 2 NaN or infinite entries"),
        ([[1.0], [2.0, 3.0]], TypeError, r"z: expected a rectangular array"),
        (1 + 2j, TypeError, r"z: expected real numbers"),
    ],
)
def test_bad_input_raises_naming_z(fn, z, error, match):
    """Strings, NaN/inf, ragged lists and complex numbers are rejected with the argument name."""
    with pytest.raises(error, match=match):
        fn(z)


@pytest.mark.parametrize(
    ("scores", "kwargs", "error", "match"),
    [
        (3.0, {}, ValueError, r"scores: expected an array with at least 1 dimension"),
        (np.zeros((2, 3)), {"axis": 2}, ValueError, r"axis: expected an axis of scores"),
        (np.zeros((2, 3)), {"axis": 1.0}, TypeError, r"axis: expected an integer"),
        (["x", "y"], {}, TypeError, r"scores: expected real numbers"),
        ([0.0, math.nan], {}, ValueError, r"scores: expected finite values"),
    ],
)
@pytest.mark.parametrize("fn", [softmax, log_softmax])
def test_bad_softmax_input_raises(fn, scores, kwargs, error, match):
    """softmax and log_softmax name `scores` or `axis` in their errors."""
    with pytest.raises(error, match=match):
        fn(scores, **kwargs)
