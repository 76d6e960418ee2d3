"""Every assignment end to end: the real nbgrader apps grade its synthetic smoke class in a temporary course.

The smoke class (synth.smoke_class) holds the special students and one who makes the first known mistake of
each question; every known mistake is judged in process, against the same assertions, by test_spec_*.py."""
from __future__ import annotations

import re

import nbformat
import pytest

from autograder import grading, specs, synth
from autograder.outputs import feedback
from autograder.gradebook import opened
from e2e import REPO_ROOT, copy_course, gradebook_scores, hidden_regions

ASSIGNMENTS = sorted(specs.ASSIGNMENTS)
MISTAKES = [(a, q.name, m.id) for a in ASSIGNMENTS for q in specs.get(a).questions for m in q.mistakes
            if any(m.id in s.mistakes for s in synth.smoke_class(specs.get(a)))]


def notebook_path(base, a):
    return base / a / (specs.get(a).notebook + ".ipynb")


def verdicts(root, a, student):
    return grading.verdicts(root, a, student)


def generated_cells(root, a):
    """{notebook: [(cell, kind, points, checksum)]}: what generating the assignment put in the gradebook."""
    with opened(root) as gb:
        return {nb.name: sorted((c.name, type(c).__name__, getattr(c, "max_score", None),
                                 getattr(c, "checksum", None))
                                for c in nb.grade_cells + nb.solution_cells + nb.source_cells)
                for nb in gb.find_assignment(a).notebooks}


# --------------------------------------------------------------------------------------
# source and release (fast)


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_release_equals_what_generate_assignment_produces(a, tmp_path):
    """release/ is exactly what nbgrader generate_assignment makes of source/ now, and so is what the runner's
    in-process generation makes (release/ and the gradebook's cells)."""
    root = copy_course(tmp_path / "c")
    grading.nbgrader(root, "generate_assignment", a, "--force")
    made = nbformat.read(str(notebook_path(root / "release", a)), 4)
    committed = nbformat.read(str(notebook_path(REPO_ROOT / "release", a)), 4)
    assert made == committed, "release/%s is stale: run `make release` and commit the result" % a
    # what the runner and `release` use: nbgrader's converter run in process, with the same result
    again = copy_course(tmp_path / "d")
    grading.generate(again, a)
    assert nbformat.read(str(notebook_path(again / "release", a)), 4) == committed
    assert generated_cells(again, a) == generated_cells(root, a) != {}


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_source_equals_what_its_build_script_writes(a, tmp_path, monkeypatch):
    """source/ is exactly what tools/build_<assignment>.py writes now (a build script changed without
    `make notebooks` would leave source/, and so release/, behind it)."""
    import runpy

    tools = REPO_ROOT / "tools"
    monkeypatch.syspath_prepend(str(tools))
    script = runpy.run_path(str(tools / ("build_%s.py" % a)), run_name="build_check")
    out = tmp_path / "nb.ipynb"
    script["write"](script["cells"], out)
    made = nbformat.read(str(out), 4)
    committed = nbformat.read(str(notebook_path(REPO_ROOT / "source", a)), 4)
    assert made == committed, "source/%s is stale: run `make notebooks`, then `make release`, and commit" % a


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_release_holds_no_solution_no_hidden_source_no_answer_key(a):
    release = notebook_path(REPO_ROOT / "release", a).read_text()
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "_autograder", "reference_impl", "autograder."):
        assert marker not in release
    source = nbformat.read(str(notebook_path(REPO_ROOT / "source", a)), 4)
    for cell in source.cells:
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
            for line in region.strip().splitlines():
                if len(line.strip()) > 12:
                    assert line.strip() not in release, "solution line leaked into release: %r" % line


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_hidden_cells_only_name_the_question_and_what_to_ask(a):
    """Every hidden region is one `_autograder.ask(question id, expression)` call: no expected value."""
    spec = specs.get(a)
    asked = []
    for region in hidden_regions(a):
        m = re.fullmatch(r"_autograder\.ask\('([\w.]+)', ([^\n]+)\)\n", region)
        assert m, "hidden region holds more than a question: %r" % region
        assert not re.search(r"\d\.\d", m.group(2)), "an expected value in a hidden cell: %r" % region
        asked.append(m.group(1))
    assert asked == [spec.qid(q) for q in spec.questions]


@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_spec_and_notebook_agree_on_cells_and_points(a):
    spec = specs.get(a)
    nb = nbformat.read(str(notebook_path(REPO_ROOT / "source", a)), 4)
    meta = [c.get("metadata", {}).get("nbgrader", {}) for c in nb.cells]
    graded = {m["grade_id"]: m["points"] for m in meta if m.get("grade")}
    assert graded == {q.name: q.points for q in spec.questions} | dict(spec.manual)
    solution_ids = {m["grade_id"] for m in meta if m.get("solution")}
    for q in spec.questions:
        for mistake in q.mistakes:
            assert set(mistake.example) <= solution_ids, mistake.id


# --------------------------------------------------------------------------------------
# grading each assignment's smoke class (slow: one runner run per assignment)


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_the_source_solutions_score_full_marks(a, graded_course):
    spec = specs.get(a)
    root = graded_course(a)
    vs = verdicts(root, a, "correct")
    assert {q: v["status"] for q, v in vs.items()} == {spec.qid(q): "correct" for q in spec.questions}
    scores = gradebook_scores(root, a, "correct")
    assert sum(scores[q.name] for q in spec.questions) == sum(q.points for q in spec.questions)


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_the_released_notebook_scores_zero(a, graded_course):
    spec = specs.get(a)
    root = graded_course(a)
    scores = gradebook_scores(root, a, "blank")
    assert all(scores[q.name] == 0 for q in spec.questions), scores
    stub = [v for v in verdicts(root, a, "blank").values() if "NotImplementedError" in v["message"]]
    assert stub, "a blank notebook's verdicts say that the stubs are still there"


@pytest.mark.slow
@pytest.mark.parametrize("a,question,mistake", MISTAKES, ids=[m for _, _, m in MISTAKES])
def test_each_known_mistake_is_named_and_costs_its_checks(a, question, mistake, graded_course):
    spec = specs.get(a)
    root = graded_course(a)
    q = spec.question(question)
    m = next(x for x in q.mistakes if x.id == mistake)
    student = next(s for s in synth.smoke_class(spec) if mistake in s.mistakes)
    v = verdicts(root, a, student.name)[spec.qid(q)]
    assert v["mistake"] is not None and v["mistake"]["id"] == mistake, v["message"]
    failing = {c["name"] for c in v["checks"] if not c["passed"]}
    assert failing == set(m.fails or [c.name for c in q.checks])
    lost = sum(c.points for c in q.checks if c.name in failing)
    assert gradebook_scores(root, a, student.name)[q.name] == q.points - lost
    page = (root / "feedback" / student.name / a / (spec.notebook + ".html")).read_text()
    assert m.title.replace("'", "&#x27;") in page or m.title in page


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_questions_without_a_mistake_keep_their_points(a, graded_course):
    spec = specs.get(a)
    root = graded_course(a)
    for student in synth.smoke_class(spec):
        if not student.mistakes:
            continue
        mistaken = {q.name for q in spec.questions for m in q.mistakes if m.id in student.mistakes}
        scores = gradebook_scores(root, a, student.name)
        for q in spec.questions:
            if q.name not in mistaken:
                assert scores[q.name] == q.points, (student.name, q.name)


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_a_right_answer_that_warns_keeps_its_points(a, graded_course):
    spec = specs.get(a)
    root = graded_course(a)
    assert sum(v["points"] for v in verdicts(root, a, "warns").values()) == sum(q.points for q in spec.questions)


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_no_hidden_source_or_engine_internals_reach_students(a, graded_course):
    """Autograded notebooks and feedback pages show verdicts, never hidden checks or the probe."""
    spec = specs.get(a)
    root = graded_course(a)
    hidden = [r.strip() for r in hidden_regions(a)]
    for student in synth.smoke_class(spec):
        for path in (root / "autograded" / student.name / a / (spec.notebook + ".ipynb"),
                     root / "feedback" / student.name / a / (spec.notebook + ".html")):
            text = path.read_text()
            for snippet in hidden + ["class Probe", "_autograder", "autograder/judging/judge.py", "REPORT_MIME"]:
                assert snippet not in text, (student.name, path.name, snippet)


@pytest.mark.slow
def test_feedback_pages_written_in_process_are_the_commands(graded_course, tmp_path):
    """feedback.generate runs nbgrader's converter in this process: the pages are the ones `nbgrader
    generate_feedback` writes, for the whole class and for one student."""
    import shutil

    a = "02_losses"
    graded = graded_course(a)
    root = copy_course(tmp_path / "c")
    shutil.copytree(graded / "autograded", root / "autograded")
    shutil.copy(graded / "gradebook.db", root / "gradebook.db")
    pages = lambda: {p.relative_to(root).as_posix(): p.read_text() for p in (root / "feedback").rglob("*.html")}
    grading.nbgrader(root, "generate_feedback", a, "--force")
    by_command = pages()
    assert sorted(by_command) == sorted("feedback/%s/%s/%s.html" % (s.name, a, specs.get(a).notebook)
                                        for s in synth.smoke_class(specs.get(a)))
    shutil.rmtree(root / "feedback")
    assert feedback.generate(root, a).returncode == 0
    assert pages() == by_command
    shutil.rmtree(root / "feedback")
    assert feedback.generate(root, a, "blank").returncode == 0
    assert pages() == {k: v for k, v in by_command.items() if k.startswith("feedback/blank/")}
    proc = feedback.generate(root, a, "nobody")
    assert proc.returncode == 1 and "nobody" in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("a", ASSIGNMENTS)
def test_feedback_leads_with_points_verdict_and_hint(a, graded_course):
    spec = specs.get(a)
    root = graded_course(a)
    student = next(s for s in synth.smoke_class(spec) if s.mistakes)
    page = (root / "feedback" / student.name / a / (spec.notebook + ".html")).read_text()
    first_mistake = next(m for q in spec.questions for m in q.mistakes if m.id == student.mistakes[0])
    assert page.index("Your results:") < page.index(first_mistake.title.replace("'", "&#x27;"))
    assert page.index("Your results:") < page.index("Assignment 0")
