"""Tests of reference_impl.gradcheck: centered differences and the relative error."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impl import numerical_gradient, relative_error

pytestmark = pytest.mark.filterwarnings("error")


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 2, 2)])
def test_numerical_gradient_of_a_quadratic(rng, shape):
    """grad of sum(a * x**2) is 2 a x (centered differences are exact up to round-off)."""
    a = rng.uniform(0.5, 2.0, size=shape)
    x = rng.normal(size=shape)
    grad = numerical_gradient(lambda v: np.sum(a * v**2), x)
    assert grad.shape == np.shape(x) and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * a * x, rtol=1e-8, atol=1e-10)


def test_numerical_gradient_of_a_scalar_function():
    """Scalar x works with a plain float function; d/dx sin(x) = cos(x)."""
    assert numerical_gradient(lambda v: np.sin(v), 0.3) == pytest.approx(np.cos(0.3), rel=1e-9)


def test_numerical_gradient_is_centered_not_one_sided():
    """For x**3 at 1 with h = 1e-2 the centered error is h**2 = 1e-4, the one-sided one 3h."""
    grad = numerical_gradient(lambda v: float(v[0] ** 3), np.array([1.0]), h=1e-2)
    assert grad[0] == pytest.approx(3.0 + 1e-4, rel=1e-9)


def test_numerical_gradient_does_not_mutate_x(rng):
    """x is left exactly as it was, and int input gives float64 output."""
    x = rng.normal(size=(3, 2))
    before = x.copy()
    numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_array_equal(x, before)
    assert numerical_gradient(lambda v: float(np.sum(v)), np.array([1, 2])).dtype == np.float64


def test_relative_error_definition():
    """max|a - b| / max(max(|a| + |b|), 1e-12), pinned on a hand-worked case."""
    assert relative_error([1.0, 2.0], [1.0, 2.5]) == pytest.approx(0.5 / 4.5, rel=1e-15)
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([0.0], [1e-13]) == pytest.approx(0.1, rel=1e-12)  # the 1e-12 floor
    assert relative_error(np.ones((2, 2)), np.ones((2, 2))) == 0.0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: numerical_gradient("f", np.zeros(2)), TypeError, r"f: expected a callable"),
        (lambda: numerical_gradient(lambda v: v, np.zeros(2)), ValueError, r"f: expected a scalar return value"),
        (lambda: numerical_gradient(np.sum, np.zeros(2), h=0.0), ValueError, r"h: expected a number > 0"),
        (lambda: numerical_gradient(np.sum, ["a"]), TypeError, r"x: expected real numbers"),
        (lambda: relative_error(np.zeros(2), np.zeros(3)), ValueError, r"b: expected shape \(2,\)"),
        (lambda: relative_error([np.nan], [0.0]), ValueError, r"a: expected finite values"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, match):
    """Non-callables, vector-valued f, h <= 0 and shape mismatches name the argument."""
    with pytest.raises(error, match=match):
        call()
