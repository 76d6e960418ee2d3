"""The robustness suite's bookkeeping: how many variants it holds, and that each names what exists.

The variants themselves are judged in ``test_robustness_<assignment>.py``; they live as data in
``robustness/<assignment>.py`` so that they are easy to count and to read.
"""
from __future__ import annotations

import re

import pytest

from autograder import specs
from robustness import SOME, forward_pass, gradient_descent, losses

TABLES = {"01_forward_pass": forward_pass, "02_losses": losses, "03_gradient_descent": gradient_descent}


def variants(assignment):
    t = TABLES[assignment]
    return t.RIGHT + t.WRONG + getattr(t, "KERAS_RIGHT", []) + getattr(t, "KERAS_WRONG", [])


ALL = [(a, v) for a in TABLES for v in variants(a)]


def test_the_suite_holds_at_least_60_right_and_60_wrong_variants():
    right = [v for _, v in ALL if v.is_right]
    wrong = [v for _, v in ALL if not v.is_right]
    assert len(right) >= 60 and len(wrong) >= 60, (len(right), len(wrong))
    assert len({(a, str(v)) for a, v in ALL}) == len(ALL), "variant names are unique"


@pytest.mark.parametrize("assignment", TABLES)
def test_every_question_has_right_and_wrong_variants(assignment):
    for q in specs.get(assignment).questions:
        mine = [v for v in variants(assignment) if v.question == q.name]
        assert any(v.is_right for v in mine) and any(not v.is_right for v in mine), q.name


@pytest.mark.parametrize("assignment, variant", ALL, ids=lambda x: str(x))
def test_each_variant_names_a_real_question_mistake_and_checks(assignment, variant):
    q = specs.get(assignment).question(variant.question)
    if variant.mistake is not None:
        assert variant.mistake in {m.id for m in q.mistakes}
    if variant.fails is not None and variant.fails != SOME:
        assert variant.fails and set(variant.fails) <= {c.name for c in q.checks}


def _normal(source):
    return re.sub(r"\s+", " ", source).strip()


def test_variants_are_not_the_specs_own_example_cells():
    """The suite is written from the student's side: no variant repeats a mistake's example cell."""
    examples = {_normal(src) for a in TABLES for q in specs.get(a).questions for m in q.mistakes
                for src in m.example.values()}
    assert not [str(v) for _, v in ALL if _normal(v.source) in examples]
