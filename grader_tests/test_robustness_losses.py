"""Robustness of the judge on assignment 02: student-written right answers get full marks, wrong ones
get what the spec says (see ``robustness/__init__.py`` for the rules, ``robustness/losses.py`` for the
variants). Function questions are asked on the inputs of several seeds."""
from __future__ import annotations

import pytest

from robustness import assert_outcome, judged, param_id, params
from robustness import losses as table

A = "02_losses"


@pytest.mark.parametrize("variant, seed", params(A, table.RIGHT + table.WRONG), ids=param_id)
def test_variant(variant, seed):
    assert_outcome(A, variant, judged(A, variant, seed))
