"""Running nbgrader's own apps on the course, with the environment grading kernels need.

The apps that grade run as subprocesses (``python -m nbgrader ...``) from the course root, so that
``nbgrader_config.py`` wires in the probe and the judge; the converters that only write files and the gradebook
(``generate_assignment``, ``generate_feedback``) run in this process with the same settings (:func:`convert`). Grading kernels get:
``KERAS_HOME`` pointing at a cache that holds the verified banknote file (they have no
network), ``PATH`` led by this interpreter's folder (the
``python3`` kernel resolves to this environment), and no ``PYTHONPATH``, so the engine
and the answer key are not importable from a student's kernel.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import course, gradebook


class GradingError(RuntimeError):
    """An nbgrader app failed in a way that is not a student's fault."""


def grading_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["KERAS_HOME"] = str(course.keras_home(root))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    env["AUTOGRADER_COURSE_ROOT"] = str(root)
    return env


def nbgrader(root: Path, *args: str, quiet: bool = True, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course root; raise :class:`GradingError` with its log on failure."""
    gradebook.create(root)  # (nbgrader would start `alembic` for a new one)
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=root, env=grading_env(root), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if not quiet:
        sys.stdout.write(proc.stdout)
    if check and proc.returncode != 0:
        raise GradingError("`nbgrader %s` failed (exit %d):\n%s" % (" ".join(args), proc.returncode,
                                                                    proc.stdout[-4000:]))
    return proc


def ensure_generated(root: Path, assignment: str) -> None:
    """Generate the assignment (:func:`generate`) unless the gradebook (wherever it is) knows its notebooks and
    cells."""
    from nbgrader.api import MissingEntry

    if gradebook.exists(root):
        with gradebook.opened(root) as gb:
            try:
                if gb.find_assignment(assignment).notebooks:
                    return
            except MissingEntry:
                pass
    generate(root, assignment)


def generate(root: Path, assignment: str) -> None:
    """What ``nbgrader generate_assignment ASSIGNMENT --force`` does (release/, and the notebooks and cells in
    the gradebook), with the course's settings, by nbgrader's own converter in this process (:func:`convert`).
    Raises :class:`GradingError` with nbgrader's log where the converter fails."""
    from nbgrader.converters import GenerateAssignment

    convert(root, GenerateAssignment, assignment)


def convert(root: Path, converter_class, assignment: str, student: str | None = None) -> str:
    """Run one of nbgrader's converters (``GenerateAssignment``, ``GenerateFeedback``) on the course in this
    process, as its command does with ``--force`` (and ``--student``): the course's ``nbgrader_config.py``, the
    same preprocessors and templates. The command would start a Python that imports nbgrader's apps first: 2 of
    its 3 CPU-seconds. Returns nbgrader's log; raises :class:`GradingError` with it where the converter fails."""
    import io
    import logging

    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    gradebook.create(root)
    config = gradebook.converter_config(root)
    config.CourseDirectory.assignment_id = assignment
    if student:
        config.CourseDirectory.student_id = student
    converter = converter_class(coursedir=CourseDirectory(config=config), config=config)
    converter.force = True
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    level = converter.log.level
    converter.log.addHandler(handler)
    converter.log.setLevel(logging.INFO)
    try:
        converter.start()
    except NbGraderException as exc:
        raise GradingError("%s of %s failed: %s\n%s" % (converter_class.__name__, assignment, exc,
                                                         log.getvalue()[-4000:])) from exc
    finally:
        converter.log.removeHandler(handler)
        converter.log.setLevel(level)
    return log.getvalue()


def submissions(root: Path, assignment: str) -> list[str]:
    """The students with a submission of the assignment, sorted."""
    base = root / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())


def grade(root: Path, assignment: str, students: list[str] | None = None, *, force: bool = True,
          timeout: int | None = None, quiet: bool = True, sandbox: str | None = None
          ) -> list[subprocess.CompletedProcess]:
    """Autograde the submissions of the students (all when None), one after another.

    nbgrader goes on past a notebook that fails; the caller reads the gradebook for the result.
    ``sandbox``: "none" or "auto" instead of the course's ``SafeExecute.sandbox``.
    """
    ensure_generated(root, assignment)
    args = ["autograde", assignment] + (["--force"] if force else [])
    if timeout is not None:
        args.append("--Execute.timeout=%d" % timeout)
    if sandbox is not None:
        args.append("--SafeExecute.sandbox=%s" % sandbox)
    if students is None:
        return [nbgrader(root, *args, quiet=quiet, check=False)]
    return [nbgrader(root, *args, "--student=" + s, quiet=quiet, check=False) for s in students]


def verdicts(root: Path, assignment: str, student: str) -> dict:
    """The judge's verdicts of one student's autograded notebooks: {question id: verdict}."""
    import nbformat

    out = {}
    folder = root / "autograded" / student / assignment
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            v = cell.get("metadata", {}).get("autograder", {}).get("verdict")
            if v:
                out[v["question"]] = v
    return out


def faults(root: Path, assignment: str, student: str, terse: bool = False) -> list[str]:
    """The faults of the student's notebooks, notebook by notebook: as recorded, those of their own cells
    (time-outs, errors); ``terse``, all of them, the end of the run too (a kernel that died), each led by its
    question's number as the pages number it ("Q6: the kernel died in the answer (exit code 1)")."""
    import nbformat

    from .outputs.pages import fault_text
    from .pipeline.judge_cells import recorded

    found = []
    for path in sorted((root / "autograded" / student / assignment).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        found += [fault_text(nb, f.message, f.cell, terse=True) if terse else f.message
                  for f in recorded(nb, run=terse)]
    return found

