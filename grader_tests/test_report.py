"""The class report: `python -m autograder report ASSIGNMENT` (autograder/outputs/report.py)."""
from __future__ import annotations

import csv
import re
import statistics
from pathlib import Path

import nbformat
import pytest

from autograder.faults import Fault, FaultRecord
from autograder import cli, grading, specs, synth
from autograder.outputs import report
from browser import chromium_page, shot
from e2e import TIMEOUT

A = specs.get("01_forward_pass")
STUDENTS = [s.name for s in synth.smoke_class(A)]


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# --------------------------------------------------------------------------------------
# pieces (fast)


def test_faults_are_counted_by_their_recorded_kind_not_their_wording(tmp_path):
    """The report reads each fault's kind from its record (autograder.faults), whatever its message says; a bare
    message (an older engine's notebook) counts as "other"; each kind has the report's name for it."""
    import nbformat

    from autograder.faults import LABELS
    from autograder.outputs import report_page

    folder = tmp_path / "autograded" / "ada" / "01_forward_pass"
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["autograder"] = {"verdicts": [], "faults": [
        FaultRecord(Fault.STUB, "cell 'solution_p_fake' raised NotImplementedError", "solution_p_fake").to_json(),
        FaultRecord(Fault.CELL_ERROR, "the words 'timed out' do not make this a time-out", "solution_c11").to_json(),
        "timed out after 30 s in cell 'x'"]}
    nb.metadata["autograder_sandbox"] = {"fault": FaultRecord(Fault.KERNEL_DIED, "the kernel died in cell 'x'",
                                                              "x").to_json()}
    nbformat.write(nb, str(folder / "forward_pass.ipynb"))
    sub = report.read_submission(tmp_path, "01_forward_pass", "ada")
    assert [kind for kind, _ in sub.faults] == ["stub left in", "error in a cell", "other", "kernel died"]
    assert set(LABELS) == set(Fault) and set(report_page.FAULT_KINDS) == set(LABELS.values())


def test_cell_time_span_reads_nbclient_timestamps():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1"), nbformat.v4.new_code_cell("2"),
                                         nbformat.v4.new_markdown_cell("text")])
    nb.cells[0].metadata.execution = {"iopub.status.busy": "2026-11-20T12:00:00.000000Z",
                                      "shell.execute_reply": "2026-11-20T12:00:01.500000Z"}
    nb.cells[1].metadata.execution = {"iopub.status.busy": "2026-11-20T12:00:01.600000Z",
                                      "shell.execute_reply": "2026-11-20T12:00:04.250000Z"}
    assert report.cell_time_span(nb) == 4.25
    assert report.cell_time_span(nbformat.v4.new_notebook()) is None


def verdict(qid: str, points: float, max_points: float, status: str, mistake: str | None = None) -> dict:
    return {"question": qid, "title": qid.split(".")[1], "points": points, "max_points": max_points,
            "status": status, "checks": [], "message": "m",
            "mistake": {"id": mistake, "title": "the %s mistake" % mistake, "hint": "h"} if mistake else None}


def autograded(root: Path, student: str, verdicts: list[dict], *, faults=(), seconds=None, timestamps=None) -> None:
    """An autograded notebook as the grading pipeline leaves it: verdicts in grade cells, faults, timing."""
    cells = []
    for v in verdicts:
        cell = nbformat.v4.new_code_cell("# graded")
        cell.metadata.autograder = {"verdict": v}
        if timestamps:
            cell.metadata.execution = {"iopub.status.busy": timestamps[0], "shell.execute_reply": timestamps[1]}
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.autograder = {"verdicts": [], "faults": list(faults)}
    if seconds is not None:
        nb.metadata.autograder_sandbox = {"seconds": seconds}
    folder = root / "autograded" / student / A.name
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / (A.notebook + ".ipynb")))
    (root / "submitted" / student / A.name).mkdir(parents=True)


@pytest.fixture
def handmade(tmp_path) -> Path:
    """A course folder without a gradebook: three autograded notebooks, one submission nbgrader left ungraded."""
    q1, q2 = "forward_pass.sigmoid", "forward_pass.p_fake"
    autograded(tmp_path, "ann", [verdict(q1, 2, 2, "correct"), verdict(q2, 1, 1, "correct")], seconds=8.5)
    autograded(tmp_path, "ben", [verdict(q1, 0.5, 2, "partial", "sigmoid.sign"),
                                 verdict(q2, 0, 1, "incorrect", "p_fake.z")],
               timestamps=("2026-11-20T12:00:00Z", "2026-11-20T12:00:03Z"))
    autograded(tmp_path, "cat", [verdict(q1, 0.5, 2, "partial", "sigmoid.sign"), verdict(q2, 0, 1, "no answer")],
               faults=[FaultRecord(Fault.CELL_TIMEOUT, "timed out after 30 s in cell 'solution_p_fake'",
                                   "solution_p_fake").to_json()], seconds=31.0)
    (tmp_path / "submitted" / "dan" / A.name).mkdir(parents=True)
    return tmp_path


def test_report_from_verdicts_alone(handmade):
    """Means, pass rates, mistakes, faults and times come out of the autograded notebooks."""
    index = report.write(handmade, A.name)
    assert index == handmade / "reports" / A.name / "index.html"
    questions = {r["question"]: r for r in read_csv(index.parent / "questions.csv")}
    sig = questions["forward_pass.sigmoid"]
    assert (float(sig["mean_points"]), float(sig["pass_rate"])) == (1.0, 0.333)
    assert (sig["correct"], sig["partial"]) == ("1", "2")
    assert sig["top_mistakes"] == "sigmoid.sign (2)"
    assert questions["forward_pass.p_fake"]["no_answer"] == "1"
    assert questions["forward_pass.neuron_forward"]["submissions"] == "0"
    students = {r["student"]: r for r in read_csv(index.parent / "students.csv")}
    assert (students["ann"]["seconds"], students["ann"]["timing"]) == ("8.5", "kernel run")
    assert (students["ben"]["seconds"], students["ben"]["timing"]) == ("3.0", "cell timestamps")
    assert students["cat"]["faults"].startswith("time-out: timed out after 30 s")
    assert students["dan"]["graded"] == "False" and students["dan"]["faults"].startswith("not graded")
    assert float(students["ann"]["score"]) == 3.0, "without a gradebook the score is the auto-graded points"
    page = index.read_text()
    assert page.count('src="data:image/png;base64,') == 4
    assert "the sigmoid.sign mistake" in page and "time-out" in page and "not graded" in page


def test_a_report_needs_something_to_report(tmp_path):
    with pytest.raises(ValueError, match="no submissions"):
        report.write(tmp_path, A.name)


# --------------------------------------------------------------------------------------
# a graded class (slow)


@pytest.fixture(scope="module")
def course(graded_course) -> Path:
    """The shared smoke class of 01 (conftest.graded_course), with its report written."""
    root = graded_course(A.name)
    assert cli.main(["--root", str(root), "report", A.name]) == 0
    return root


@pytest.mark.slow
def test_questions_csv_agrees_with_the_verdicts(course):
    """Per question: mean points and pass rate recomputed from every student's verdicts."""
    rows = {r["question"]: r for r in read_csv(course / "reports" / A.name / "questions.csv")}
    assert [q for q in rows if rows[q]["kind"] == "auto"] == [A.qid(q) for q in A.questions]
    assert [q for q in rows if rows[q]["kind"] == "manual"] == ["%s.%s" % (A.key, c) for c in A.manual]
    vs = {s: grading.verdicts(course, A.name, s) for s in STUDENTS}
    for q in A.questions:
        qid, row = A.qid(q), rows[A.qid(q)]
        got = [vs[s][qid] for s in STUDENTS]
        assert float(row["mean_points"]) == pytest.approx(statistics.fmean(v["points"] for v in got), abs=1e-3)
        assert float(row["pass_rate"]) == pytest.approx(sum(v["status"] == "correct" for v in got) / len(got),
                                                        abs=1e-3)
        assert int(row["submissions"]) == len(STUDENTS)


@pytest.mark.slow
def test_every_mistake_of_the_class_is_counted(course):
    rows = {r["question"]: r for r in read_csv(course / "reports" / A.name / "questions.csv")}
    made = next(s for s in synth.smoke_class(A) if s.name == "mistakes-1").mistakes
    for q in A.questions:
        for m in q.mistakes:
            if m.id in made:
                assert "%s (1)" % m.id in rows[A.qid(q)]["top_mistakes"]


@pytest.mark.slow
def test_failures_and_times_per_student(course):
    students = {r["student"]: r for r in read_csv(course / "reports" / A.name / "students.csv")}
    assert set(students) == set(STUDENTS)
    # each fault led by its question, as the feedback pages name it (autograder.outputs.pages.fault_text)
    assert re.search(r"time-out: Question \d+: .* — timed out after %d s in your answer \(an endless loop\?\)"
                     % TIMEOUT, students["loop"]["faults"]), students["loop"]["faults"]
    assert "solution_" not in students["blank"]["faults"]
    assert "stub left in" in students["blank"]["faults"]
    assert students["correct"]["faults"] == "" and students["correct"]["marks"] == "+" * len(A.questions)
    for r in students.values():
        assert r["timing"] == "kernel run" and float(r["seconds"]) > 0
    assert float(students["loop"]["seconds"]) >= TIMEOUT, "the endless loop ran until its cell timed out"
    assert float(students["correct"]["score"]) == sum(q.points for q in A.questions)


@pytest.mark.slow
def test_page_is_self_contained(course):
    page = (course / "reports" / A.name / "index.html").read_text()
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the page fetches nothing"
    assert page.count('<img alt="') == page.count('src="data:image/png;base64,') == 4
    for student in STUDENTS:
        assert ">%s<" % student in page


@pytest.mark.slow
def test_report_renders_in_chromium_with_every_plot(course):
    """No console errors, no page errors, and each plot decoded (naturalWidth > 0)."""
    errors = []
    with chromium_page() as page:
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((course / "reports" / A.name / "index.html").as_uri())
        page.wait_for_load_state("load")
        widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        assert len(widths) == 4 and all(w > 0 for w in widths), widths
        assert page.locator("h1").inner_text() == "%s: class report" % A.name
        shot(page, "report-%s.png" % A.name, full_page=True)
    assert errors == [] and page.blocked == []
