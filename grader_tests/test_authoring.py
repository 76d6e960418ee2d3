"""docs/authoring.md, followed literally in a temporary course copy: its notebook cells become the notebook (with
the metadata JupyterLab's Create Assignment toolbar writes), its files are written, its commands are run."""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from e2e import REPO_ROOT, copy_course, gradebook_scores, use_shared_banknote

PAGE = REPO_ROOT / "docs" / "authoring.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
CELL = re.compile(r'^(?:# |<!-- )cell "([\w-]+)": ([^,>]+?)(?:, ([\d.]+) points?)?(?: -->)?\s*$')
TYPES = {  # what the Create Assignment toolbar writes for each cell type
    "Read-only": dict(grade=False, solution=False, locked=True),
    "Autograded answer": dict(grade=False, solution=True, locked=False),
    "Autograder tests": dict(grade=True, solution=False, locked=True),
    "Manually graded answer": dict(grade=True, solution=True, locked=False),
}


def blocks() -> list[tuple[str, str]]:
    return BLOCK.findall(PAGE.read_text())


def tutorial_notebook():
    """(path, notebook) that the page's cell blocks make, in order."""
    path = re.search(r"^\*\*(source/[^*]+\.ipynb)\*\*$", PAGE.read_text(), re.M).group(1)
    cells = []
    for lang, text in blocks():
        first, _, body = text.partition("\n")
        m = CELL.match(first)
        if not m:
            continue
        grade_id, kind, points = m.groups()
        meta = dict(TYPES[kind.strip()], grade_id=grade_id, schema_version=3)
        if points:
            meta["points"] = float(points) if "." in points else int(points)
        make = new_markdown_cell if lang == "markdown" else new_code_cell
        cells.append(make(body.rstrip("\n"), metadata={"nbgrader": meta}))
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    return path, nb


def files() -> dict[str, str]:
    out = {}
    for lang, text in blocks():
        m = re.match(r"# file: (\S+)\n", text)
        if lang == "python" and m:
            out[m.group(1)] = text
    return out


def commands() -> list[str]:
    return [line.strip() for lang, text in blocks() if lang == "bash" for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_the_page_has_what_the_tutorial_promises():
    path, nb = tutorial_notebook()
    kinds = [c.metadata["nbgrader"] for c in nb.cells]
    assert path == "source/04_relu/relu.ipynb"
    assert sum(k["grade"] and not k["solution"] for k in kinds) == 3
    assert list(files()) == ["autograder/specs/relu.py"]
    assert [c.split()[3] for c in commands()] == ["check", "release", "demo", "grade", "feedback", "report",
                                                   "export"]


@pytest.mark.slow
def test_the_tutorial_runs_as_written(tmp_path):
    use_shared_banknote()
    root = copy_course(tmp_path / "course")
    path, nb = tutorial_notebook()
    (root / path).parent.mkdir(parents=True)
    nbformat.write(nb, str(root / path))
    for rel, text in files().items():
        (root / rel).write_text(text)
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("PYTHONPATH", None)
    env.pop("AUTOGRADER_COURSE_ROOT", None)
    for command in commands():
        argv = command.split()
        assert argv[0] == "python"
        proc = subprocess.run([sys.executable] + argv[1:], cwd=root, env=env, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=900)
        assert proc.returncode == 0, (command, proc.stdout[-4000:])
        if argv[3] == "check":
            assert "FAIL" not in proc.stdout and "each of the 1 known mistakes is diagnosed" in proc.stdout
    assert gradebook_scores(root, "04_relu", "correct") == {"relu": 2.0, "out": 1.0, "relu_keeps_positives": 1.0}
    assert gradebook_scores(root, "04_relu", "blank") == {"relu": 0.0, "out": 0.0, "relu_keeps_positives": 0.0}
    mistaken = gradebook_scores(root, "04_relu", "student-01")
    assert mistaken == {"relu": 0.5, "out": 0.0, "relu_keeps_positives": 0.0}  # out is computed with its relu
    pages = sorted((root / "feedback").glob("*/04_relu/relu.html"))
    assert len(pages) == 5
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        assert "should be [3.5, 0]" not in text and "_autograder.ask" not in text and "HIDDEN TESTS" not in text
    student = html.unescape((root / "feedback" / "student-01" / "04_relu" / "relu.html").read_text())
    assert "absolute value instead of the ReLU" in student
    assert (root / "reports" / "04_relu" / "index.html").is_file() and (root / "grades.csv").is_file()
