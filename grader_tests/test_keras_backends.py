"""The same Keras checks on another backend: notebooks and judge are backend-agnostic (Keras 3)."""
from __future__ import annotations

import importlib.util

import pytest

from autograder import grading, specs, synth
from e2e import graded_class

A = specs.get("01_forward_pass")
KERAS_QUESTIONS = [q for q in A.questions if q.kind == "keras"]
STUDENTS = [s for s in synth.test_class(A) if s.name in ("correct", "mistakes-1")]


@pytest.fixture(scope="module")
def torch_course(tmp_path_factory):
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed here (pip install -r requirements-backends.txt); CI installs it")
    mp = pytest.MonkeyPatch()
    mp.setenv("KERAS_BACKEND", "torch")
    try:
        yield graded_class(tmp_path_factory.mktemp("course01_torch"), A.name, STUDENTS, timeout=60)
    finally:
        mp.undo()


@pytest.mark.slow
def test_keras_questions_are_judged_the_same_on_the_torch_backend(torch_course):
    correct = grading.verdicts(torch_course, A.name, "correct")
    mistaken = grading.verdicts(torch_course, A.name, "mistakes-1")
    for q in KERAS_QUESTIONS:
        v = correct[A.qid(q)]
        assert v["status"] == "correct", v["message"]
        assert v["environment"]["keras_backend"] == "torch" and v["environment"]["device"] == "CPU"
        m = q.mistakes[0]
        w = mistaken[A.qid(q)]
        assert w["mistake"]["id"] == m.id
        assert w["points"] == q.points - sum(c.points for c in q.checks if c.name in (m.fails or ()))
