"""Judging one question of a spec in-process, shared by the spec test modules of 02 and 03.

An answer goes through the probe's own encoding (``encode`` then ``decode``), as it would arrive from a
student's kernel, and then through the judge's checks. Nothing here knows an assignment: the callers pass
their spec module (for ``ASKED``, the expression the hidden cell asks) and their right answers to the value
questions.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy

from autograder.judging import judge
from autograder.judging.probe import Probe, decode, describe_keras_model, encode
from autograder.judging.spec import FUNCTION, KERAS, VALUE


def reported(q, ctx, obj):
    """What the kernel-side probe reports for ``obj``, decoded as the judge reads it."""
    plan = q.plan(ctx)
    if q.kind == FUNCTION:
        return decode(Probe("test", json.dumps({"q": plan}))._call_each(obj, plan["cases"]))
    if q.kind == KERAS:
        return decode(encode(describe_keras_model(obj, decode(plan["inputs"]))))
    assert q.kind == VALUE
    return decode(encode(obj))


def function_answer(ctx):
    """A function question's answer as the answer key's outputs would be reported (inputs left alone)."""
    return decode(encode([{"out": out, "mutated": False} for out in ctx.expected]))


def example_answer(spec, q, ctx, mistake, keras=None):
    """Run a mistake's example cell in a fresh namespace and ask its answer as the hidden cell does."""
    (source,) = mistake.example.values()
    ns = {"np": np, "sympy": sympy, "keras": keras}
    exec(compile(source, "<example %s>" % mistake.id, "exec"), ns)
    with np.errstate(all="ignore"):
        return reported(q, ctx, eval(spec.ASKED[q.name], ns))


def assert_full_points(assignment, q, ctx, answer):
    v = judge.run_checks(q, assignment.qid(q), ctx, answer)
    assert v["points"] == q.points, v["message"]
    assert v["status"] == "correct" and v["mistake"] is None
    return v


def assert_recognised(assignment, q, ctx, mistake, answer):
    """The answer fails exactly the checks its mistake names, and the verdict names the mistake."""
    v = judge.run_checks(q, assignment.qid(q), ctx, answer)
    failed = {c["name"] for c in v["checks"] if not c["passed"]}
    assert failed == set(mistake.fails or [c.name for c in q.checks]), (mistake.id, v["message"])
    assert v["mistake"] is not None and v["mistake"]["id"] == mistake.id, (mistake.id, v["message"])
    assert v["points"] == pytest.approx(q.points - sum(c.points for c in q.checks if c.name in failed))
    return v


def assert_stub_gets_nothing(assignment, q, ctx):
    """A function that still raises NotImplementedError earns nothing, not even for leaving its inputs alone."""
    def stub(*args, **kwargs):
        raise NotImplementedError()

    v = judge.run_checks(q, assignment.qid(q), ctx, reported(q, ctx, stub))
    assert v["points"] == 0 and v["mistake"] is None, v["message"]
    return v
