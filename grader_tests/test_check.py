"""``python -m autograder check`` on every assignment of the course, in process; specs found by their file name,
and a broken spec that stops only its own assignment, naming its file and question."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder import assignments, check, specs
from e2e import REPO_ROOT, copy_course, use_shared_banknote


@pytest.mark.parametrize("name", assignments.names(REPO_ROOT))
def test_every_course_assignment_passes_its_pre_release_check(name):
    use_shared_banknote()
    ok, problems = check.check(REPO_ROOT, name)
    assert problems == []
    assert any("the solution gets every" in line for line in ok) and "the release gets 0" in ok


def test_a_spec_is_found_by_the_assignments_name():
    assert [specs.module_name(n) for n in ("01_forward_pass", "ps1", "2-intro to nets", "10_")] == [
        "forward_pass", "ps1", "intro_to_nets", "_10_"]
    assert specs.path_of("01_forward_pass") == REPO_ROOT / "autograder" / "specs" / "forward_pass.py"
    assert specs.path_of("02_losses") == REPO_ROOT / "autograder" / "specs" / "losses" / "__init__.py"  # a package
    assert specs.shown_path("02_losses") == "autograder/specs/losses/__init__.py"
    assert specs.get("no_such_assignment") is None
    assert sorted(specs.ASSIGNMENTS) == ["01_forward_pass", "02_losses", "03_gradient_descent"]


def test_the_check_finds_what_is_wrong_with_an_assignment(monkeypatch):
    """A question without its cell and points that disagree, each named with the file."""
    layout = assignments.layout(REPO_ROOT, "02_losses")
    spec = layout.spec
    cells = [i for i in layout.items if i.grade_id != "softmax"]
    cells = [assignments.Item(i.notebook, i.grade_id, i.kind, i.points + (1 if i.grade_id == "l1_penalty" else 0),
                              i.qid, i.title) for i in cells]
    broken = assignments.Layout(layout.name, layout.notebooks, spec, cells)
    problems = check.static_problems(REPO_ROOT, broken)
    assert any("question 'softmax'" in p and "has no grade cell" in p for p in problems), problems
    assert any("question 'l1_penalty'" in p and "gives 2 points, the spec 1" in p for p in problems), problems


BROKEN_SPEC = '''from ..judging.checks import equals
from ..judging.spec import VALUE, Assignment, Check, Question

Q = Question(name="answer", title="The answer", kind=VALUE, points=2, checks=[Check("value", 1, equals(42))])
ASSIGNMENT = Assignment(name="05_broken", key="broken", notebook="broken", questions=[Q])
'''


@pytest.mark.slow
def test_a_broken_spec_stops_only_its_own_assignment(tmp_path):
    use_shared_banknote()
    root = copy_course(tmp_path / "course")
    (root / "source" / "05_broken").mkdir()
    meta = {"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": "answer", "points": 2,
                         "schema_version": 3}}
    nbformat.write(new_notebook(cells=[new_code_cell("x = 42"), new_code_cell(
        "### BEGIN HIDDEN TESTS\n_autograder.ask('broken.answer', x)\n### END HIDDEN TESTS", metadata=meta)]),
        str(root / "source" / "05_broken" / "broken.ipynb"))
    (root / "autograder" / "specs" / "broken.py").write_text(BROKEN_SPEC)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("AUTOGRADER_COURSE_ROOT", None)

    def autograder(*args):
        return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=root, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)

    checked = autograder("check", "05_broken", "02_losses")
    assert checked.returncode == 1
    failures = [line for line in checked.stdout.splitlines() if "FAIL" in line]
    assert len(failures) == 1, checked.stdout
    assert "broken.py" in failures[0] and "question 'answer'" in failures[0], failures
    assert "the solution gets every auto-graded point (18)" in checked.stdout
    graded = autograder("grade", "05_broken")
    assert graded.returncode == 2 and "broken.py" in graded.stdout and "question 'answer'" in graded.stdout
    released = autograder("release", "02_losses")
    assert released.returncode == 0, released.stdout
