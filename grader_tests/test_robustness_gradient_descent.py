"""Robustness of the judge on assignment 03: student-written right answers get full marks, wrong ones
get what the spec says (see ``robustness/__init__.py`` for the rules, ``robustness/gradient_descent.py``
for the variants). Function questions are asked on the inputs of several seeds."""
from __future__ import annotations

import pytest

from robustness import assert_outcome, judged, judged_keras, keras_environment, param_id, params
from robustness import gradient_descent as table
from autograder.judging.spec import FUNCTION, VALUE

A = "03_gradient_descent"


@pytest.mark.parametrize("variant, seed", params(A, table.RIGHT + table.WRONG, kinds=(FUNCTION, VALUE)), ids=param_id)
def test_variant(variant, seed):
    assert_outcome(A, variant, judged(A, variant, seed))


@pytest.fixture(scope="module")
def keras_env():
    return keras_environment(A)


@pytest.mark.parametrize("variant", table.KERAS_RIGHT + table.KERAS_WRONG, ids=str)
def test_keras_variant(variant, keras_env):
    keras, data = keras_env
    v, _ = judged_keras(A, variant, keras, data)
    assert_outcome(A, variant, v)
