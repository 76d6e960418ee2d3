"""The course's gradebook: the one place that knows where it is and how to open it.

Its location is nbgrader's own setting, read from the course's ``nbgrader_config.py``: ``CourseDirectory.db_url``
(any database nbgrader supports: SQLite by default, a PostgreSQL server for a large class) and
``CourseDirectory.course_id``. The runner, the exports, the class report and the feedback all open it here.

Also here: what autograde writes for one submission, as plain data (:func:`submission_rows`), and writing it
back in one transaction (:func:`merge_submission`), which is how the runner's workers hand their grades to the
one process that writes the course's gradebook.
"""
from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path



def course_config(root: Path):
    """The course's ``nbgrader_config.py`` as a traitlets Config (empty where the folder has none: nbgrader's
    defaults, as ``nbgrader`` run there would use)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not (Path(root) / "nbgrader_config.py").is_file():
        return Config()
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def converter_config(root: Path):
    """The course's settings for one of nbgrader's converters run in this process: the course root set, and a
    relative SQLite gradebook made absolute (nbgrader's command, run in the root, would open it there)."""
    config = course_config(root)
    config.CourseDirectory.root = str(root)
    path = sqlite_path(config.CourseDirectory.get("db_url") or sqlite_url(Path("gradebook.db")))
    if path is not None and not path.is_absolute():
        config.CourseDirectory.db_url = sqlite_url(Path(root) / path)
    return config


def course_db(root: Path) -> tuple[str, str]:
    """(db_url, course_id) of the course's gradebook, as nbgrader_config.py sets them."""
    cfg = course_config(root).get("CourseDirectory", {})
    url = cfg.get("db_url") or sqlite_url(root / "gradebook.db")
    return str(url), str(cfg.get("course_id") or "default_course")


def sqlite_url(path: Path) -> str:
    """The URL of an SQLite gradebook file."""
    return "sqlite:///" + str(path)


def sqlite_path(db_url: str) -> Path | None:
    """The file of an SQLite URL, None for a server database."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def opened(root: Path):
    """The course's gradebook, open (a context manager), wherever ``nbgrader_config.py`` puts it."""
    return open_gradebook(*course_db(root))


def exists(root: Path) -> bool:
    """Whether the course has a gradebook yet: its SQLite file exists, or it is on a server."""
    path = sqlite_path(course_db(root)[0])
    return path is None or path.is_file()


def create(root: Path) -> None:
    """Create the course's SQLite gradebook where its file does not exist yet, as nbgrader's first command there
    would: its tables, the alembic revision they are at and the course. nbgrader reads that revision from a
    subprocess (``alembic heads``: about 2 CPU-seconds for every new course); here it is read in this process,
    from the same migration scripts. A server database is left to nbgrader."""
    from sqlalchemy import create_engine, text

    db_url, course_id = course_db(root)
    path = sqlite_path(db_url)
    if path is None:
        return
    path = Path(root) / path  # (a relative file is in the course root, where nbgrader runs)
    if path.exists():
        return
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR

    revision = ScriptDirectory(ALEMBIC_DIR).get_current_head()
    engine = create_engine(sqlite_url(path))
    try:
        with engine.begin() as conn:
            Base.metadata.create_all(bind=conn)
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})
    finally:
        engine.dispose()
    with open_gradebook(sqlite_url(path), course_id):
        pass  # nbgrader adds the course


@contextlib.contextmanager
def open_gradebook(db_url: str, course_id: str):
    from nbgrader.api import Gradebook

    if sqlite_path(db_url) is not None and "?" not in db_url:
        db_url += "?timeout=60"  # wait for a formgrader's short write instead of failing
    gb = Gradebook(db_url, course_id=course_id)
    try:
        yield gb
    finally:
        gb.close()


def snapshot(db_url: str, dest: Path) -> None:
    """A consistent copy of an SQLite gradebook (SQLite's online backup)."""
    src = sqlite3.connect("file:%s?mode=ro" % sqlite_path(db_url), uri=True, timeout=60)
    dst = sqlite3.connect(str(dest))
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def submission_rows(gb, assignment: str, student: str) -> dict:
    """What autograde writes for one submission, as plain data (see :func:`merge_submission`)."""
    sub = gb.find_submission(assignment, student)
    return {"timestamp": sub.timestamp, "notebooks": {
        nb.name: {"late_submission_penalty": nb.late_submission_penalty,
                  "grades": {g.name: {"auto_score": g.auto_score, "manual_score": g.manual_score,
                                      "needs_manual_grade": g.needs_manual_grade} for g in nb.grades},
                  "comments": {c.name: c.auto_comment for c in nb.comments}}
        for nb in sub.notebooks}}


def rows_to_json(rows: dict) -> dict:
    """:func:`submission_rows` as JSON data (the worker sends them to the parent); :func:`rows_from_json`
    gives back an equal dict."""
    stamp = rows["timestamp"]
    return dict(rows, timestamp=None if stamp is None else stamp.isoformat())


def rows_from_json(data: dict) -> dict:
    import datetime

    stamp = data["timestamp"]
    return dict(data, timestamp=None if stamp is None else datetime.datetime.fromisoformat(stamp))


def merge_submission(gb, assignment: str, student: str, rows: dict) -> None:
    """Write one graded submission into ``gb`` in a single transaction; idempotent.

    ``rows`` is :func:`submission_rows` of the worker's private gradebook. Missing rows (a new student,
    a first submission, a notebook added since) are created the way ``Gradebook.add_submission`` does;
    existing ones are updated in place, so nothing is ever duplicated. A manual score is never touched;
    where a grader entered one while the run went on, ``needs_manual_grade`` is decided the way
    nbgrader's ``SaveAutoGrades`` does (a manual score or no automatic score: review it).
    """
    db = gb.db
    try:
        with db.no_autoflush:
            sub = _submission_skeleton(gb, assignment, student)
            have = {nb.name: nb for nb in sub.notebooks}
            for name, data in rows["notebooks"].items():
                nb = have.get(name)
                if nb is None:
                    raise ValueError("notebook %r of %s/%s is not in the gradebook" % (name, student, assignment))
                nb.late_submission_penalty = data["late_submission_penalty"]
                grades = {g.name: g for g in nb.grades}
                for cell, new in data["grades"].items():
                    g = grades[cell]
                    g.auto_score = new["auto_score"]
                    if g.manual_score == new["manual_score"]:
                        g.needs_manual_grade = new["needs_manual_grade"]
                    else:  # a grader scored this cell while the run went on
                        g.needs_manual_grade = g.manual_score is not None or g.auto_score is None
                comments = {c.name: c for c in nb.comments}
                for cell, text in data["comments"].items():
                    comments[cell].auto_comment = text
            if rows["timestamp"] is not None:
                sub.timestamp = rows["timestamp"]
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _submission_skeleton(gb, assignment: str, student: str):
    """The student's submission in ``gb`` with a row for every notebook, grade and comment, made where
    missing (as ``Gradebook.add_submission`` would) and added to the session, not committed."""
    from nbgrader import api

    db = gb.db
    person = db.get(api.Student, student)
    if person is None:
        person = api.Student(id=student)
        db.add(person)
    try:
        sub = gb.find_submission(assignment, student)
    except api.MissingEntry:
        sub = api.SubmittedAssignment(assignment=gb.find_assignment(assignment), student=person)
        db.add(sub)
    have = {nb.notebook_id: nb for nb in sub.notebooks}
    for notebook in sub.assignment.notebooks:
        nb = have.get(notebook.id)
        if nb is None:
            nb = api.SubmittedNotebook(notebook=notebook, assignment=sub)
            db.add(nb)
        grades = {g.cell_id for g in nb.grades}
        comments = {c.cell_id for c in nb.comments}
        for cell in list(notebook.grade_cells) + list(notebook.task_cells):
            if cell.id not in grades:
                db.add(api.Grade(cell=cell, notebook=nb))
        for cell in list(notebook.solution_cells) + list(notebook.task_cells):
            if cell.id not in comments:
                db.add(api.Comment(cell=cell, notebook=nb))
    return sub


def gradebook_dump(root: Path, assignment: str) -> dict:
    """{student: rows} of every submission of the assignment in the course's gradebook (for comparisons)."""
    from nbgrader import api

    url, course_id = course_db(root)
    with open_gradebook(url, course_id) as gb:
        try:
            subs = gb.find_assignment(assignment).submissions
        except api.MissingEntry:
            return {}
        return {s.student.id: submission_rows(gb, assignment, s.student.id) for s in subs}
