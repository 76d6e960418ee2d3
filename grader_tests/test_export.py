"""Grade export: this course's CSV, nbgrader's own, and the import files of Moodle and Canvas."""
from __future__ import annotations

import contextlib
import csv
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from autograder.outputs import export
from autograder import grading, specs, synth
from e2e import JOBS, copy_course, use_shared_banknote
from autograder.runner import run

LATE = specs.get("02_losses")  # the graded class of the late-policy tests
DUE = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


# --------------------------------------------------------------------------------------
# a gradebook written directly (fast): two notebooks' worth of cells, a late student, an absent one


@pytest.fixture(scope="module")
def small_gradebook(tmp_path_factory) -> Path:
    """A gradebook with assignment 01 (two grade cells, 3 + 2 points) and three students.

    ``ada`` is on time with 3 + 1.5; ``bob`` is late with 3 + 2 and a 2-point penalty; ``cy`` is on the
    roster and submitted nothing. A second assignment nobody handed in yet exists too.
    """
    root = tmp_path_factory.mktemp("gradebook")
    (root / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "dl-course"\n')
    with warnings.catch_warnings(), Gradebook("sqlite:///%s" % (root / "gradebook.db"), course_id="dl-course") as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader 0.9 on SQLAlchemy 2.1: "not in session", harmless
        gb.add_assignment("01_forward_pass", duedate=DUE.replace(tzinfo=None))
        gb.add_notebook("forward_pass", "01_forward_pass")
        gb.add_grade_cell("sigmoid", "forward_pass", "01_forward_pass", max_score=3, cell_type="code")
        gb.add_grade_cell("explain_boundary", "forward_pass", "01_forward_pass", max_score=2, cell_type="markdown")
        gb.add_assignment("02_losses")
        gb.add_student("ada", first_name="Ada", last_name="Lovelace", email="ada@example.org", lms_user_id="1001")
        gb.add_student("bob", first_name="Bob", last_name="Babbage", email="bob@example.org")
        gb.add_student("cy")
        scores = {"ada": (3.0, 1.5, DUE - timedelta(hours=1)), "bob": (3.0, 2.0, DUE + timedelta(days=1))}
        for student, (auto, manual, when) in scores.items():
            gb.add_submission("01_forward_pass", student, timestamp=when.replace(tzinfo=None))
            gb.find_grade("sigmoid", "forward_pass", "01_forward_pass", student).auto_score = auto
            gb.find_grade("explain_boundary", "forward_pass", "01_forward_pass", student).manual_score = manual
        gb.find_submission_notebook("forward_pass", "01_forward_pass", "bob").late_submission_penalty = 2.0
        gb.db.commit()
    return root


def test_rows_subtract_the_late_penalty_and_give_absent_students_zero(small_gradebook):
    """score = raw score - late penalty; a roster student without a submission gets 0 in every column."""
    columns, data = export.rows(small_gradebook)
    by = {r["student"]: r for r in data}
    assert [r["assignment"] for r in data] == ["01_forward_pass"] * 3, "an assignment nobody submitted is left out"
    assert by["ada"]["score"] == 4.5 and by["ada"]["late_penalty"] == 0.0
    assert (by["bob"]["raw_score"], by["bob"]["late_penalty"], by["bob"]["score"]) == (5.0, 2.0, 3.0)
    assert by["cy"]["submitted"] is False and by["cy"]["score"] == 0.0
    assert by["cy"]["forward_pass.sigmoid"] == 0.0 and by["cy"]["forward_pass.explain_boundary"] == 0.0
    assert by["ada"]["forward_pass.explain_boundary"] == 1.5
    assert columns[:len(export.BASE_COLUMNS)] == export.BASE_COLUMNS


def test_csv_keeps_the_write_csv_api(small_gradebook, tmp_path):
    n = export.write_csv(small_gradebook, tmp_path / "out" / "grades.csv")
    table = read(tmp_path / "out" / "grades.csv")
    assert n == 3 and len(table) == 4
    assert table[0][0] == "student" and "forward_pass.sigmoid" in table[0]


def test_moodle_has_an_identifier_and_one_column_per_assignment(small_gradebook, tmp_path):
    n = export.write(small_gradebook, tmp_path / "m.csv", "moodle")
    table = read(tmp_path / "m.csv")
    assert n == 3
    assert table[0] == ["Username", "Email address", "First name", "Last name", "01_forward_pass"]
    assert table[1:] == [["ada", "ada@example.org", "Ada", "Lovelace", "4.5"],
                         ["bob", "bob@example.org", "Bob", "Babbage", "3"],
                         ["cy", "", "", "", "0"]]


def test_canvas_has_the_identity_columns_and_the_points_possible_row(small_gradebook, tmp_path):
    n = export.write(small_gradebook, tmp_path / "c.csv", "canvas", canvas_ids={"01_forward_pass": "4711"})
    table = read(tmp_path / "c.csv")
    assert n == 3
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01_forward_pass (4711)"]
    assert table[1] == ["Points Possible", "", "", "", "", "5"]
    assert table[2:] == [["Lovelace, Ada", "1001", "ada", "ada", "", "4.5"],
                         ["Babbage, Bob", "", "bob", "bob", "", "3"],
                         ["cy", "", "cy", "cy", "", "0"]]


def test_canvas_column_without_a_known_id_is_the_plain_name(small_gradebook, tmp_path):
    export.write(small_gradebook, tmp_path / "c.csv", "canvas")
    assert read(tmp_path / "c.csv")[0][-1] == "01_forward_pass"


def test_an_assignment_asked_for_by_name_is_exported_even_without_submissions(small_gradebook, tmp_path):
    export.write(small_gradebook, tmp_path / "m.csv", "moodle", ["01_forward_pass", "02_losses"])
    table = read(tmp_path / "m.csv")
    assert table[0][-2:] == ["01_forward_pass", "02_losses"]
    assert [row[-1] for row in table[1:]] == ["0", "0", "0"]


@pytest.mark.parametrize("x, text", [(3.0, "3"), (4.5, "4.5"), (2.3333333, "2.33"), (0, "0"), (25.0, "25"),
                                     (0.005, "0.01")])
def test_numbers_are_plain_decimals(x, text):
    assert export.number(x) == text


def test_unknown_format_is_refused(small_gradebook, tmp_path):
    with pytest.raises(ValueError, match="moodle"):
        export.write(small_gradebook, tmp_path / "x.csv", "xlsx")


def test_default_paths(tmp_path):
    assert export.default_path(tmp_path, "csv") == tmp_path / "grades.csv"
    assert export.default_path(tmp_path, "canvas") == tmp_path / "reports" / "grades-canvas.csv"


def test_a_new_gradebook_is_the_one_nbgrader_makes(small_gradebook, tmp_path):
    """gradebook.create (the project's, before nbgrader's first command in a new course) makes the tables, the
    alembic revision and the course row that nbgrader makes (small_gradebook is nbgrader's own)."""
    import sqlite3

    from autograder import gradebook

    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "dl-course"\n')
    gradebook.create(tmp_path)

    def shape(path):
        with contextlib.closing(sqlite3.connect(path)) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            columns = {t: db.execute("PRAGMA table_info(%s)" % t).fetchall() for t in tables}
            return (columns, db.execute("SELECT * FROM alembic_version").fetchall(),
                    db.execute("SELECT id FROM course").fetchall())

    ours, theirs = shape(tmp_path / "gradebook.db"), shape(small_gradebook / "gradebook.db")
    assert ours == theirs and ours[1] and ours[2] == [("dl-course",)]
    stamp = (tmp_path / "gradebook.db").stat().st_mtime_ns
    gradebook.create(tmp_path)  # an existing gradebook is left as it is
    assert (tmp_path / "gradebook.db").stat().st_mtime_ns == stamp


# --------------------------------------------------------------------------------------
# the real pipeline: nbgrader autograde with a due date and a late-penalty policy (slow)


@pytest.fixture(scope="module")
def late_course(tmp_path_factory) -> Path:
    """Two graded submissions of 02 (numpy only: kernels start in a second), ``late`` a day after the due date,
    and ``absent`` only on the roster.

    The course's nbgrader_config.py gets nbgrader's stock "zero" late policy; the due date is set in the
    gradebook between ``generate_assignment`` and ``autograde``, as ``nbgrader db assignment add --duedate``
    would.
    """
    use_shared_banknote()
    root = copy_course(tmp_path_factory.mktemp("export02"))
    with open(root / "nbgrader_config.py", "a") as f:
        f.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    by = {s.name: s for s in synth.test_class(LATE)}
    synth.write_submission(root, LATE, by["correct"], timestamp="2026-11-20 12:00:00 UTC")
    late = synth.Student("late", cells=dict(by["mistakes-1"].cells), note="mistakes, handed in a day late")
    synth.write_submission(root, LATE, late, timestamp="2026-11-22 12:00:00 UTC")
    grading.ensure_generated(root, LATE.name)
    with Gradebook("sqlite:///%s" % (root / "gradebook.db"), course_id="dl-course") as gb:
        gb.update_or_create_assignment(LATE.name, duedate=DUE.replace(tzinfo=None))
        gb.add_student("absent", first_name="Ab", last_name="Sent", email="absent@example.org")
    assert not run(root, LATE.name, jobs=JOBS, timeout=15, progress=False).failed
    return root


@pytest.mark.slow
def test_late_submission_is_penalized_by_nbgrader_and_exported_after_the_penalty(late_course, tmp_path):
    """nbgrader's AssignLatePenalties stores the penalty; every export subtracts it; absent students get 0."""
    _, data = export.rows(late_course)
    by = {r["student"]: r for r in data}
    assert set(by) == {"correct", "late", "absent"}
    assert by["correct"]["late_penalty"] == 0.0 and by["correct"]["score"] == by["correct"]["raw_score"] > 0
    assert by["late"]["raw_score"] > 0, "the late submission was graded"
    assert by["late"]["late_penalty"] == by["late"]["raw_score"], "the 'zero' policy takes every point"
    assert by["late"]["score"] == 0.0
    assert by["absent"]["submitted"] is False and by["absent"]["score"] == 0.0

    assert export.write(late_course, tmp_path / "nb.csv", "nbgrader") == 3
    with open(tmp_path / "nb.csv", newline="") as f:
        nbgrader_csv = {r["student_id"]: r for r in csv.DictReader(f)}
    assert float(nbgrader_csv["late"]["late_submission_penalty"]) == by["late"]["raw_score"]
    assert float(nbgrader_csv["late"]["score"]) == 0.0
    assert float(nbgrader_csv["absent"]["score"]) == 0.0
    assert float(nbgrader_csv["correct"]["score"]) == by["correct"]["score"]

    export.write(late_course, tmp_path / "moodle.csv", "moodle")
    moodle = {row[0]: row for row in read(tmp_path / "moodle.csv")[1:]}
    assert moodle["late"][-1] == "0" and moodle["absent"][-1] == "0"
    assert moodle["correct"][-1] == export.number(by["correct"]["score"])
    assert moodle["absent"][1] == "absent@example.org"

    export.write(late_course, tmp_path / "canvas.csv", "canvas")
    canvas = read(tmp_path / "canvas.csv")
    assert canvas[1] == ["Points Possible", "", "", "", "", export.number(LATE.points)]
    rows = {row[2]: row for row in canvas[2:]}
    assert rows["late"][-1] == "0" and rows["absent"][-1] == "0" and rows["absent"][0] == "Sent, Ab"
    assert rows["correct"][-1] == export.number(by["correct"]["score"])


@pytest.mark.slow
def test_export_command_writes_each_format(late_course, tmp_path):
    """`python -m autograder export --format F` for every format."""
    from autograder import cli

    for fmt in export.FORMATS:
        out = tmp_path / ("grades-%s.csv" % fmt)
        assert cli.main(["--root", str(late_course), "export", "--format", fmt, "-o", str(out)]) == 0
        assert len(read(out)) >= 4


@pytest.mark.slow
def test_every_output_reads_the_gradebook_where_nbgrader_config_puts_it(late_course, tmp_path):
    """A course whose gradebook is elsewhere (``CourseDirectory.db_url``, not ``gradebook.db`` in the root): the
    export, the class report and the feedback pages all read it there (autograder/gradebook.py)."""
    import shutil

    from autograder import gradebook
    from autograder.outputs import feedback, report

    root = tmp_path / "course"
    shutil.copytree(late_course, root, symlinks=True,
                    ignore=shutil.ignore_patterns("feedback", "reports", "grades*.csv"))
    elsewhere = tmp_path / "databases" / "dl course grades.sqlite"
    elsewhere.parent.mkdir()
    (root / "gradebook.db").rename(elsewhere)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("\nc.CourseDirectory.db_url = %r\n" % ("sqlite:///" + str(elsewhere)))
    assert gradebook.course_db(root) == ("sqlite:///" + str(elsewhere), "dl-course")
    assert gradebook.sqlite_path(gradebook.course_db(root)[0]) == elsewhere and gradebook.exists(root)

    assert export.rows(root) == export.rows(late_course)
    page = report.write(root, LATE.name)
    with open(page.parent / "students.csv", newline="") as f:
        by = {r["student"]: r for r in csv.DictReader(f)}
    assert float(by["late"]["score"]) == 0.0 and float(by["correct"]["score"]) > 0  # the gradebook's scores
    feedback.generate(root, LATE.name)
    assert (root / "feedback" / "correct" / LATE.name / (LATE.notebook + ".html")).is_file()
    assert not (root / "gradebook.db").exists()  # nothing made a new, empty one in the root
