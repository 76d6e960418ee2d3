"""Assignments of any kind through ``python -m autograder``: nbgrader's own example ps1 (no spec, plain grade
cells only, a hidden block of ours added) graded as stock nbgrader grades it, and a plain hidden-assert cell
beside the judged questions of 02. Both in temporary course copies; ps1 is numpy-free, 02 imports no Keras."""
from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder import cli, grading, synth
from autograder.pipeline.plain import plain_verdict
from e2e import copy_course, gradebook_scores, use_shared_banknote

SENTINEL = "hidden-sentinel-7f3a"
HIDDEN_CELL = ('"""squares on a case you do not see"""\n### BEGIN HIDDEN TESTS\n# %s comment\n'
               'assert squares(3) == [1, 4, 9], "%s message"\n### END HIDDEN TESTS\n' % (SENTINEL, SENTINEL))
PARTIAL_CELL = ('"""Partial credit: the share of three checks that pass"""\n# BEGIN HIDDEN TESTS\n'
                'checks = [squares(2) == [1, 4], sum_of_squares(2) == 5]\ntry:\n    squares(0)\n'
                '    checks.append(False)\nexcept ValueError:\n    checks.append(True)\n'
                'sum(checks) / len(checks) * 3\n# END HIDDEN TESTS\n')
WRONG = synth.Student("wrong", cells={
    "squares": "def squares(n):\n    return [i ** 2 for i in range(1, n + 1)][:2]\n",
    "sum_of_squares": "def sum_of_squares(n):\n    return sum(i * i for i in range(1, n + 1))\n"})
PS1_STUDENTS = [synth.Student("correct"), synth.Student("blank", blank=True), WRONG]


def grade_meta(grade_id: str, points: float) -> dict:
    return {"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": grade_id, "points": points,
                         "schema_version": 3}}


def ps1_folder() -> Path:
    import nbgrader

    return Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide" / "source" / "ps1"


def add_ps1(root: Path) -> None:
    """nbgrader's documentation example, with a hidden block and a partial-credit cell of ours in problem1."""
    shutil.copytree(ps1_folder(), root / "source" / "ps1")
    path = root / "source" / "ps1" / "problem1.ipynb"
    nb = nbformat.read(str(path), 4)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") ==
              "squares_invalid_input")
    nb.cells.insert(at + 1, new_code_cell(HIDDEN_CELL, metadata=grade_meta("hidden_squares", 1)))
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") ==
              "sum_of_squares_uses_squares")
    nb.cells.insert(at + 1, new_code_cell(PARTIAL_CELL, metadata=grade_meta("partial_checks", 3)))
    for cell in nb.cells:  # ps1 is written in nbformat 4.1, whose cells have no ids
        cell.pop("id", None)
    nbformat.write(nb, str(path))


def autograder(root: Path, *args: str) -> int:
    return cli.main(["--root", str(root), *args])


def stock_course(dest: Path, ours: Path) -> Path:
    """A plain nbgrader course: the same source and submissions, nbgrader's default pipeline."""
    dest.mkdir()
    (dest / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'dl-course'\nc.CourseDirectory.root = %r\n"
        "c.CourseDirectory.db_url = 'sqlite:///%s'\nc.Autograde.create_student = True\n"
        % (str(dest), dest / "gradebook.db"))
    shutil.copytree(ours / "source" / "ps1", dest / "source" / "ps1")
    shutil.copytree(ours / "submitted", dest / "submitted")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    for args in (["generate_assignment", "ps1", "--force"], ["autograde", "ps1", "--force"]):
        proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=dest, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.returncode == 0, proc.stdout[-3000:]
    return dest


def page_text(path: Path) -> str:
    """What a reader of an HTML page sees (tags dropped, entities decoded), so highlighting cannot hide a line."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def ps1_course(tmp_path_factory):
    use_shared_banknote()
    root = copy_course(tmp_path_factory.mktemp("ps1") / "course")
    add_ps1(root)
    assert autograder(root, "check", "ps1") == 0
    assert autograder(root, "release", "ps1") == 0
    synth.build_class(root, "ps1", PS1_STUDENTS)
    assert autograder(root, "grade", "ps1", "--jobs", "2") == 0
    assert autograder(root, "feedback", "ps1") == 0
    return root


@pytest.mark.slow
def test_ps1_gets_stock_nbgraders_points_cell_by_cell(ps1_course, tmp_path):
    stock = stock_course(tmp_path / "stock", ps1_course)
    for s in PS1_STUDENTS:
        ours, theirs = gradebook_scores(ps1_course, "ps1", s.name), gradebook_scores(stock, "ps1", s.name)
        assert ours == theirs, s.name
    assert sum(v for v in gradebook_scores(ps1_course, "ps1", "correct").values() if v) == 7.0  # the auto-graded cells; 5 more points are graded by hand
    wrong = gradebook_scores(ps1_course, "ps1", "wrong")
    assert wrong["partial_checks"] == 2.0 and wrong["hidden_squares"] == 0 and wrong["correct_squares"] == 0


@pytest.mark.slow
def test_ps1_feedback_shows_no_hidden_line(ps1_course):
    pages = sorted((ps1_course / "feedback").glob("*/ps1/*.html"))
    assert len(pages) == 2 * len(PS1_STUDENTS)
    for page in pages:
        text = page_text(page)
        assert SENTINEL not in text and "BEGIN HIDDEN TESTS" not in text and "checks.append" not in text, page
    for path in (ps1_course / "autograded").glob("*/ps1/*.ipynb"):
        assert SENTINEL not in path.read_text() and "checks.append" not in path.read_text(), path
    verdicts = grading.verdicts(ps1_course, "ps1", "wrong")
    v = verdicts["ps1.hidden_squares"]
    assert v["points"] == 0 and "AssertionError" in v["message"] and "inside your notebook's kernel" in v["message"]
    assert verdicts["ps1.partial_checks"]["status"] == "partial"
    assert verdicts["ps1.correct_squares"]["title"] == "Check that squares returns the correct output for several inputs"


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_ps1_report_and_export(ps1_course, tmp_path):
    assert autograder(ps1_course, "report", "ps1") == 0
    rows = read_csv(ps1_course / "reports" / "ps1" / "questions.csv")
    assert [r["question"] for r in rows if r["kind"] == "auto"][:3] == [
        "ps1.correct_squares", "ps1.squares_invalid_input", "ps1.hidden_squares"]
    out = tmp_path / "grades.csv"
    assert autograder(ps1_course, "export", "ps1", "-o", str(out)) == 0
    grades = {r["student"]: r for r in read_csv(out)}
    assert float(grades["correct"]["ps1.partial_checks"]) == 3.0 and float(grades["blank"]["score"]) == 0.0


@pytest.mark.slow
def test_a_plain_cell_beside_judged_questions(tmp_path, graded_course):
    """A hidden-assert grade cell added to 02: the solution gets its point, the release none, and every judged
    question grades as it does in the course as it is (the smoke class, graded once per run)."""
    use_shared_banknote()
    root = copy_course(tmp_path / "course")
    path = root / "source" / "02_losses" / "losses.ipynb"
    nb = nbformat.read(str(path), 4)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") ==
              "svm_loss_naive")
    nb.cells.insert(at + 1, new_code_cell(
        '"""svm_loss_naive is zero when every margin is met"""\n### BEGIN HIDDEN TESTS\n'
        'assert np.all(svm_loss_naive(np.eye(3) * 10, np.arange(3)) == 0), "%s"\n'
        '### END HIDDEN TESTS\n' % SENTINEL, metadata=grade_meta("plain_svm_zero", 1)))
    nbformat.write(nb, str(path))
    assert autograder(root, "check", "02_losses") == 0  # in process: the solution gets it, the release does not
    assert autograder(root, "release", "02_losses") == 0
    students = [synth.Student("correct"), synth.Student("blank", blank=True)]
    synth.build_class(root, "02_losses", students)
    assert autograder(root, "grade", "02_losses", "--jobs", "2") == 0
    before = graded_course("02_losses")
    for s in students:
        now, then = gradebook_scores(root, "02_losses", s.name), gradebook_scores(before, "02_losses", s.name)
        assert now.pop("plain_svm_zero") == (1.0 if s.name == "correct" else 0.0)
        assert now == then, s.name
    assert SENTINEL not in (root / "autograded" / "blank" / "02_losses" / "losses.ipynb").read_text()


def test_synthetic_students_for_an_assignment_without_a_spec(tmp_path):
    from autograder import bench

    root = copy_course(tmp_path / "course")
    add_ps1(root)
    students = synth.demo_class(synth.spec_of(root, "ps1"), root)
    assert [s.name for s in students] == ["correct", "blank", "crash", "warns"]
    assert students[2].cells["squares"].startswith("raise RuntimeError") and "def squares" in students[2].cells["squares"]
    assert "BEGIN SOLUTION" not in students[3].cells["squares"]
    assert [s.name for s in bench.bench_class("ps1", 6, root)] == [
        "r1-correct", "r1-blank", "r1-crash", "r1-warns", "r2-correct", "r2-blank"]


def test_hidden_regions_are_found_as_nbgrader_finds_them():
    from autograder.judging.judge import public_source

    for source in ("x = 1\n# BEGIN HIDDEN TESTS\nassert x == 1\n# END HIDDEN TESTS\n",
                   "x = 1\n    ### BEGIN HIDDEN TESTS\nassert x == 1\n### END HIDDEN TESTS",
                   "x = 1\n## BEGIN HIDDEN TESTS\nassert x == 1\n"):  # never closed: hidden to the end
        public = public_source(source)
        assert public.startswith("x = 1\n") and "assert" not in public and "HIDDEN TESTS" not in public, public


def fake_cell(outputs, points=2):
    return nbformat.from_dict({"cell_type": "code", "source": "", "metadata": grade_meta("c", points),
                               "outputs": outputs, "execution_count": 1})


HIDDEN_SOURCE = "### BEGIN HIDDEN TESTS\nassert f(1) == 2, 'f(1) should be 2'\n### END HIDDEN TESTS\n"
FAILED = [{"output_type": "error", "ename": "AssertionError", "evalue": "f(1) should be 2", "traceback": []}]


def test_a_plain_verdict_hides_the_hidden_asserts_message_unless_allowed():
    hidden = plain_verdict(fake_cell(FAILED), "a.c", "c", HIDDEN_SOURCE, show_messages=False)
    assert hidden["points"] == 0 and "f(1)" not in hidden["message"] and "AssertionError" in hidden["message"]
    shown = plain_verdict(fake_cell(FAILED), "a.c", "c", HIDDEN_SOURCE, show_messages=True)
    assert "f(1) should be 2" in shown["message"]
    visible = plain_verdict(fake_cell(FAILED), "a.c", "c", "assert f(1) == 2, 'f(1) should be 2'\n", False)
    assert "f(1) should be 2" in visible["message"]  # nothing hidden: the message is the student's to read


@pytest.mark.parametrize("outputs, points, status", [
    ([], 2.0, "correct"),
    ([{"output_type": "execute_result", "data": {"text/plain": "0.5"}, "metadata": {}, "execution_count": 1}],
     0.5, "partial"),
    ([{"output_type": "stream", "name": "stderr", "text": "a warning\n"}], 0.0, "incorrect"),
    (FAILED, 0.0, "incorrect"),
])
def test_a_plain_cell_gets_nbgraders_points(outputs, points, status):
    v = plain_verdict(fake_cell(outputs), "a.c", "c", HIDDEN_SOURCE, show_messages=False)
    assert (v["points"], v["max_points"], v["status"]) == (points, 2.0, status)
    assert v["checked_in"] == "kernel" and "inside your notebook's kernel" in v["message"]
