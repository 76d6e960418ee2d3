"""Robustness of the judge on assignment 01: student-written right answers get full marks, wrong ones
get what the spec says (see ``robustness/__init__.py`` for the rules, ``robustness/forward_pass.py`` for
the variants). Function questions are asked on the inputs of several seeds."""
from __future__ import annotations

import numpy as np
import pytest

from robustness import assert_outcome, judged, judged_keras, keras_environment, param_id, params
from robustness import forward_pass as table
from autograder.judging.spec import FUNCTION, VALUE

A = "01_forward_pass"
NOT_SAID = {"p_fake": "0.820538", "c11": "14", "n_params": "42"}  # value questions' answers, never in a verdict


@pytest.mark.parametrize("variant, seed", params(A, table.RIGHT + table.WRONG, kinds=(FUNCTION, VALUE)), ids=param_id)
def test_variant(variant, seed):
    v = judged(A, variant, seed)
    assert_outcome(A, variant, v)
    if not variant.is_right and variant.question in NOT_SAID:
        text = v["message"] + " " + ((v["mistake"] or {}).get("hint") or "")
        assert NOT_SAID[variant.question] not in text, (str(variant), text)


@pytest.fixture(scope="module")
def keras_env():
    return keras_environment(A)


@pytest.mark.parametrize("variant", table.KERAS_RIGHT + table.KERAS_WRONG, ids=str)
def test_keras_variant(variant, keras_env):
    keras, data = keras_env
    v, model = judged_keras(A, variant, keras, data)
    if variant.question == "keras_trained" and variant.is_right:  # right only if its own notebook check passes
        outputs = model.predict(data["X_test"], verbose=0)[:, 0] > 0.5
        assert np.mean(outputs == data["y_test"]) >= 0.68
    assert_outcome(A, variant, v)
