"""Known mistakes recognised from their example cells (``autograder/judging/derived.py``).

The spec tests hold every example to its own mistake; these hold the derivation to what makes it fair: it asks
what the hidden cell asks, an example it derives from is wrong where it compares (so that a right answer is never
named a mistake), and each example cell runs once per process.
"""
from __future__ import annotations

import numpy as np
import pytest

import robustness
from autograder import specs
from autograder.judging import derived
from autograder.judging.checks import close
from autograder.judging.spec import FUNCTION, KERAS, Check, Mistake, Outcome, Question

SEEDS = (0, 1, 2)
DERIVED = [pytest.param(name, q, m, id=m.id) for name in sorted(specs.ASSIGNMENTS)
           for q in specs.get(name).questions for m in q.mistakes if m.matches is None]


@pytest.mark.parametrize("name", sorted(specs.ASSIGNMENTS))
def test_a_derived_matcher_asks_what_the_hidden_cell_asks(name):
    for q in specs.get(name).questions:
        assert (q.asked or q.name) == robustness.asked(name)[q.name], q.name


@pytest.mark.parametrize("name, q, mistake", [p for p in DERIVED if p.values[1].kind == FUNCTION])
def test_an_example_is_wrong_where_its_matcher_compares(name, q, mistake):
    """On the cases of its groups the example's results differ from the truth, or it changes its inputs: its
    matcher cannot name the mistake for an answer that is right there."""
    fn = derived.example_object(q, mistake)
    for seed in SEEDS:
        ctx = q.context(np.random.default_rng(seed))
        rows = [(case, got, want) for case, got, want in zip(ctx.cases, derived.reported(fn, ctx), ctx.expected)
                if case.group in mistake.groups]
        assert rows, "no case of the groups %s" % (mistake.groups,)
        assert any(got["mutated"] for _, got, _ in rows) or not all(close(got["out"], want) for _, got, want in rows)


def test_an_example_cell_runs_once_per_process():
    name, q, mistake = DERIVED[0].values
    assert derived.example_object(q, mistake) is derived.example_object(q, mistake)


def test_a_keras_mistake_has_its_own_matcher():
    check = Check("all", 1, lambda answer, ctx: Outcome(True, ""))
    with pytest.raises(ValueError, match="hand-written matcher"):
        Question("net", "A net", KERAS, 1, checks=[check], mistakes=[Mistake("net.x", "x", "x", {"solution_net": ""})])


def test_most_mistakes_are_written_once():
    every = [m for name in specs.ASSIGNMENTS for q in specs.get(name).questions for m in q.mistakes]
    assert len(DERIVED) >= 0.8 * len(every), (len(DERIVED), len(every))
