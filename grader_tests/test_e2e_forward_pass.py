"""Assignment 01 end to end: the real nbgrader apps grade a synthetic class in a temporary course."""
from __future__ import annotations

import re

import nbformat
import pytest

from autograder import grading, specs, synth
from e2e import REPO_ROOT, copy_course, gradebook_scores, graded_class, hidden_regions

A = specs.get("01_forward_pass")
NB = A.notebook + ".ipynb"
STUDENTS = synth.test_class(A)
BY_NAME = {s.name: s for s in STUDENTS}
AUTO_POINTS = sum(q.points for q in A.questions)
MISTAKES = [(q, m) for q in A.questions for m in q.mistakes]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return graded_class(tmp_path_factory.mktemp("course01"), A.name, STUDENTS, timeout=15)


def verdicts(course, student):
    return grading.verdicts(course, A.name, student)


def auto_total(course, student):
    return sum(v["points"] for v in verdicts(course, student).values())


# --------------------------------------------------------------------------------------
# the released notebook (fast)


def test_release_equals_what_generate_assignment_produces(tmp_path):
    """release/ is exactly what nbgrader generate_assignment makes of source/ now."""
    root = copy_course(tmp_path / "c")
    grading.nbgrader(root, "generate_assignment", A.name, "--force")
    made = nbformat.read(str(root / "release" / A.name / NB), 4)
    committed = nbformat.read(str(REPO_ROOT / "release" / A.name / NB), 4)
    assert made == committed, "release/ is stale: run `make release` and commit the result"


def test_release_holds_no_solution_no_hidden_source_no_answer_key():
    """Students get stubs: no solution text, no hidden checks, no mention of the answer key."""
    release = (REPO_ROOT / "release" / A.name / NB).read_text()
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "_autograder", "reference_impl", "autograder."):
        assert marker not in release
    source = nbformat.read(str(REPO_ROOT / "source" / A.name / NB), 4)
    for cell in source.cells:
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
            for line in region.strip().splitlines():
                if len(line.strip()) > 12:
                    assert line.strip() not in release, "solution line leaked into release: %r" % line


def test_hidden_cells_only_name_the_question_and_what_to_ask():
    """Every hidden region is one `_autograder.ask(question id, name)` call: no expected value in it."""
    regions = hidden_regions(A.name)
    assert len(regions) == len(A.questions)
    asked = []
    for region in regions:
        m = re.fullmatch(r"_autograder\.ask\('([\w.]+)', (\w+)\)\n", region)
        assert m, "hidden region holds more than a question: %r" % region
        asked.append(m.group(1))
    assert asked == [A.qid(q) for q in A.questions]


def test_spec_and_notebook_agree_on_cells_and_points():
    nb = nbformat.read(str(REPO_ROOT / "source" / A.name / NB), 4)
    graded = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
              for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")}
    expected = {q.name: q.points for q in A.questions} | dict(A.manual)
    assert graded == expected
    solution_ids = {c.metadata.nbgrader["grade_id"] for c in nb.cells
                    if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for q in A.questions:
        for m in q.mistakes:
            assert set(m.example) <= solution_ids, m.id


# --------------------------------------------------------------------------------------
# grading a class (slow: one nbgrader run over ten notebooks)


@pytest.mark.slow
def test_the_source_solutions_score_full_marks(course):
    vs = verdicts(course, "correct")
    assert {q: v["status"] for q, v in vs.items()} == {A.qid(q): "correct" for q in A.questions}
    scores = gradebook_scores(course, A.name, "correct")
    assert sum(scores[q.name] for q in A.questions) == AUTO_POINTS


@pytest.mark.slow
def test_the_released_notebook_scores_zero(course):
    scores = gradebook_scores(course, A.name, "blank")
    assert all(scores[q.name] == 0 for q in A.questions)
    stub = [v for v in verdicts(course, "blank").values() if "NotImplementedError" in v["message"]]
    assert stub, "a blank notebook's verdicts say that the stubs are still there"


@pytest.mark.slow
@pytest.mark.parametrize("question,mistake", MISTAKES, ids=[m.id for _, m in MISTAKES])
def test_each_known_mistake_is_named_and_costs_its_checks(course, question, mistake):
    student = next(s for s in STUDENTS if mistake.id in s.mistakes)
    v = verdicts(course, student.name)[A.qid(question)]
    assert v["mistake"] is not None and v["mistake"]["id"] == mistake.id, v["message"]
    failing = {c["name"] for c in v["checks"] if not c["passed"]}
    assert failing == set(mistake.fails or [c.name for c in question.checks])
    lost = sum(c.points for c in question.checks if c.name in failing)
    assert gradebook_scores(course, A.name, student.name)[question.name] == question.points - lost
    page = (course / "feedback" / student.name / A.name / (A.notebook + ".html")).read_text()
    assert mistake.title.replace("'", "&#x27;") in page or mistake.title in page


@pytest.mark.slow
def test_questions_without_a_mistake_keep_their_points(course):
    for student in STUDENTS:
        if not student.mistakes:
            continue
        mistaken = {q.name for q in A.questions for m in q.mistakes if m.id in student.mistakes}
        scores = gradebook_scores(course, A.name, student.name)
        for q in A.questions:
            if q.name not in mistaken:
                assert scores[q.name] == q.points, (student.name, q.name)


@pytest.mark.slow
def test_tampering_with_numpy_builtins_and_outputs_gains_nothing(course):
    """Patched numpy and print, fake reports, fake printed points: wrong answers still get 0."""
    scores = gradebook_scores(course, A.name, "tamper")
    for wrong in ("sigmoid", "p_fake", "neuron_forward", "matmul", "forward_one_hidden", "c11"):
        assert scores[wrong] == 0, wrong
    for right in ("binary_cross_entropy", "keras_neuron", "keras_hidden", "n_params"):
        assert scores[right] == A.question(right).points, right
    vs = verdicts(course, "tamper")
    assert "ModuleNotFoundError" in " ".join(grading.faults(course, A.name, "tamper")), \
        "the answer key must not be importable from the kernel"
    nb = nbformat.read(str(course / "autograded" / "tamper" / A.name / NB), 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            texts = [o.get("text", "") for o in cell.outputs if o["output_type"] == "stream"]
            assert not any("all hidden tests passed" in t for t in texts), "student output survived in a grade cell"
            assert cell.outputs[-1]["output_type"] == "execute_result"
            assert float(cell.outputs[-1]["data"]["text/plain"]) == vs[A.qid(A.question(cell.metadata.nbgrader["grade_id"]))]["points"]


@pytest.mark.slow
def test_a_right_answer_that_warns_keeps_its_points(course):
    assert auto_total(course, "warns") == AUTO_POINTS


@pytest.mark.slow
def test_an_endless_loop_times_out_with_a_clear_verdict(course):
    v = verdicts(course, "loop")[A.qid(A.question("c11"))]
    assert v["points"] == 0 and "timed out after 15 s in cell 'solution_c11'" in v["message"]
    assert auto_total(course, "loop") == AUTO_POINTS - A.question("c11").points


@pytest.mark.slow
def test_a_crashing_cell_is_named_and_the_rest_is_graded(course):
    v = verdicts(course, "crash")[A.qid(A.question("sigmoid"))]
    assert v["status"] == "no answer" and "cell 'solution_sigmoid' raised RuntimeError" in v["message"]
    assert verdicts(course, "crash")[A.qid(A.question("keras_neuron"))]["status"] == "correct"


@pytest.mark.slow
def test_no_hidden_source_or_engine_internals_reach_students(course):
    """Autograded notebooks and feedback pages show verdicts, never hidden checks or the probe."""
    hidden = [r.strip() for r in hidden_regions(A.name)]
    for student in STUDENTS:
        files = [course / "autograded" / student.name / A.name / NB,
                 course / "feedback" / student.name / A.name / (A.notebook + ".html")]
        for path in files:
            text = path.read_text()
            for snippet in hidden + ["class Probe", "_autograder", "autograder/judge.py", "REPORT_MIME"]:
                assert snippet not in text, (student.name, path.name, snippet)


@pytest.mark.slow
def test_feedback_leads_with_points_verdict_and_hint(course):
    page = (course / "feedback" / "mistakes-1" / A.name / (A.notebook + ".html")).read_text()
    assert "Your results:" in page
    assert page.index("Your results:") < page.index("Assignment 01")
