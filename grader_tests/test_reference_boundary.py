"""Tests of reference_impl.boundary: the decision lines of the week-1 slides, exactly."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from reference_impl import X1, X2, decision_boundary, decision_line, sigmoid

pytestmark = pytest.mark.filterwarnings("error")


def test_symbols_are_x1_and_x2():
    """X1 and X2 are the sympy symbols x1 and x2."""
    assert X1 == sympy.Symbol("x1") and X2 == sympy.Symbol("x2")


def test_banknote_neuron_boundary():
    """b = 1, w = (0.3, 0.1): the boundary p = 0.5 is x2 = -10 - 3 x1, exactly."""
    expr = decision_boundary(1.0, 0.3, 0.1)
    assert sympy.simplify(expr - (-10 - 3 * X1)) == 0
    assert expr.free_symbols == {X1}
    assert all(c.is_Rational for c in sympy.Poly(expr, X1).all_coeffs())


def test_log_odds_separation_line():
    """ln(p / (1 - p)) = 1 + 2 x1 + 0.5 x2 separates along x2 = -2 - 4 x1."""
    expr = decision_boundary(1, 2, 0.5)
    assert sympy.simplify(expr - (-2 - 4 * X1)) == 0


def test_p_is_one_half_on_the_line_and_larger_above():
    """On the line b + w.x = 0, so p = 0.5; above it (w2 > 0) p > 0.5."""
    b, w1, w2 = 1.0, 2.0, 0.5
    slope, intercept = decision_line(b, w1, w2)
    for x1 in (-3.0, 0.0, 2.5):
        x2 = slope * x1 + intercept
        assert sigmoid(b + w1 * x1 + w2 * x2) == pytest.approx(0.5, abs=1e-12)
        assert sigmoid(b + w1 * x1 + w2 * (x2 + 0.1)) > 0.5
        assert sigmoid(b + w1 * x1 + w2 * (x2 - 0.1)) < 0.5


@pytest.mark.parametrize(("args", "expected"), [((1.0, 0.3, 0.1), (-3.0, -10.0)), ((1, 2, 0.5), (-4.0, -2.0))])
def test_decision_line_floats(args, expected):
    """Slope -w1/w2 and intercept -b/w2 as floats."""
    slope, intercept = decision_line(*args)
    assert isinstance(slope, float) and isinstance(intercept, float)
    np.testing.assert_allclose((slope, intercept), expected, rtol=1e-14)


def test_numpy_and_sympy_inputs():
    """NumPy floats (also float32) become exact decimals; sympy symbols stay symbolic."""
    assert sympy.simplify(decision_boundary(np.float64(1.0), np.float32(0.3), np.float64(0.1)) - (-10 - 3 * X1)) == 0
    b, w1, w2 = sympy.symbols("b w1 w2")
    assert sympy.simplify(decision_boundary(b, w1, w2) - (-(b + w1 * X1) / w2)) == 0


@pytest.mark.parametrize("fn", [decision_boundary, decision_line])
@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((1.0, 0.3, 0.0), ValueError, r"w2: expected a nonzero weight"),
        ((1.0, 0.3, 0), ValueError, r"w2: expected a nonzero weight"),
        (("1", 0.3, 0.1), TypeError, r"b: expected a real number"),
        ((1.0, [0.3], 0.1), TypeError, r"w1: expected a real number"),
        ((1.0, 0.3, float("nan")), ValueError, r"w2: expected a finite number"),
    ],
)
def test_bad_input_raises_naming_the_argument(fn, args, error, match):
    """w2 = 0 (a vertical boundary), strings, lists and NaN are rejected by name."""
    with pytest.raises(error, match=match):
        fn(*args)
