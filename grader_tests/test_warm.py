"""Warm kernels (autograder/pipeline/warm.py): the live-feedback service's runs (``runner.run(warm=True)``) keep
a spare worker whose kernel is started in the sandbox, with the assignment's libraries imported, before the
next submission arrives.

On a course copy of 02_losses (numpy only): a first run grades one student in a fresh kernel and leaves a
spare; the next run takes the spare's warm kernel; a template told to keep one warm (the service, as it
starts) has it before any run. A warm kernel grades as a fresh one does (the same points as the session's
graded smoke class gave the same kinds of notebook under other names, so other inputs), a submission's own
files are in its folder, and a notebook that touches its environment gets a fresh kernel. When the process
lets its template go, the spare stops its kernel: no process and no folder of it is left. Which notebooks a
warm kernel may run, and which modules it imports, are checked in process.
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest

from autograder import specs, synth
from autograder.pipeline import warm
from autograder.runner import keep_warm, run
from autograder.runner import template as runner_template
from e2e import REPO_ROOT, copy_course, gradebook_scores, use_shared_banknote

A = "02_losses"
SPEC = specs.get(A)


def meta(root: Path, student: str) -> dict:
    nb = nbformat.read(str(root / "autograded" / student / A / (SPEC.notebook + ".ipynb")), 4)
    return nb.metadata["autograder_sandbox"]


def correct_with(root: Path, name: str, prefix: str) -> synth.Student:
    """The right notebook, with ``prefix`` run first in the first solution cell."""
    source = nbformat.read(str(root / "source" / A / (SPEC.notebook + ".ipynb")), 4)
    cell = next(c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution"))
    return synth.Student(name, cells={synth.grade_id(cell): prefix + synth.solved(cell.source)})


@pytest.mark.slow
def test_later_runs_grade_in_the_warm_kernel_as_in_a_fresh_one(tmp_path, graded_course):
    use_shared_banknote()
    root = copy_course(tmp_path / "course")
    kinds = {s.name: s for s in synth.smoke_class(SPEC)}
    files = correct_with(root, "files", "assert open('extra.txt').read() == 'handed in too'\n")
    env = correct_with(root, "env", "import os\nos.environ['KERAS_BACKEND'] = 'numpy'\n")
    synth.build_class(root, A, [kinds["mistakes-1"], kinds["correct"], files, env])
    (root / "submitted" / "files" / A / "extra.txt").write_text("handed in too")

    used = {}

    def grade(student):
        result = run(root, A, [student], jobs=1, force=True, progress=False, warm=True)
        assert result.outcomes[student].status == "graded", result.outcomes[student].error
        used[student] = meta(root, student).get("warm_kernel", False)

    runner_template.close_reusable()  # this process's template from now on: one that keeps a spare
    try:
        grade("mistakes-1")  # no spare yet: a fresh kernel; the run leaves a spare
        grade("correct")
        # the spare the last run left: its worker and its sandboxed kernel, and the kernel's folder
        spare = psutil.Process(runner_template._REUSABLE[0].proc.pid).children(recursive=True)
        folders = {m for p in spare for m in re.findall(r"/tmp/agk-\w+", " ".join(p.cmdline()))}
        assert spare and folders, "no spare worker with a kernel after a warm run"
        runner_template.close_reusable()
        time.sleep(0.5)
        assert not [p for p in spare if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert not [f for f in folders if Path(f).exists()], "the spare's kernel folder was left behind"

        keep_warm(root, A, 1)  # a new template, and a spare before any run (the service's first submission)
        grade("files")
        grade("env")
    finally:
        runner_template.close_reusable()
    # the environment-changing notebook got a fresh kernel
    assert used == {"mistakes-1": False, "correct": True, "files": True, "env": False}

    batch = graded_course(A)
    right = gradebook_scores(batch, A, "correct")
    assert gradebook_scores(root, A, "mistakes-1") == gradebook_scores(batch, A, "mistakes-1") != right
    for student in ("correct", "files", "env"):
        assert gradebook_scores(root, A, student) == right, student


class FakeKernel:
    def __init__(self, alive: bool = True):
        self.has_kernel = True
        self.provisioner = SimpleNamespace(process=SimpleNamespace(poll=lambda: None if alive else -9))


def test_a_warm_kernel_runs_only_notebooks_it_may_run():
    spec = {"uid": 1900000123, "limits": {"RLIMIT_CPU": 600}, "hidden": ["/course"], "readable": [],
            "env_unset": [], "workdir": "/tmp/agk-x/work"}
    kernel = warm.WarmKernel(FakeKernel(), spec, "bwrap", "python3")

    def nb(*sources, grade_cell=None):
        cells = [nbformat.v4.new_code_cell(s) for s in sources]
        if grade_cell is not None:  # a hidden-checks cell, whose probe reads sys.modules
            cell = nbformat.v4.new_code_cell(grade_cell)
            cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1}
            cells.append(cell)
        return nbformat.v4.new_notebook(cells=cells)

    plain = nb("import numpy as np\nx = np.ones(3)", grade_cell="import sys\nsys.modules.get('numpy')")
    assert kernel.fits(plain, "python3", "bwrap", dict(spec, workdir="/elsewhere")) is None
    for source in ("import os\nos.environ['KERAS_BACKEND'] = 'jax'", "%env KERAS_BACKEND=jax",
                   "import os\nos.putenv('A', '1')", "import sys\nsys.modules.pop('keras')"):
        assert kernel.fits(nb(source), "python3", "bwrap", spec) == "the notebook changes its environment", source
    assert kernel.fits(plain, "julia", "bwrap", spec) == "another sandbox or kernel"
    assert kernel.fits(plain, "python3", "none", spec) == "another sandbox or kernel"
    assert kernel.fits(plain, "python3", "bwrap", dict(spec, uid=1900000124)) == "another sandbox"
    assert kernel.fits(plain, "python3", "bwrap", dict(spec, limits={"RLIMIT_CPU": 60})) == "another sandbox"
    dead = warm.WarmKernel(FakeKernel(alive=False), spec, "bwrap", "python3")
    assert dead.fits(plain, "python3", "bwrap", spec) == "the warm kernel is gone"


def test_a_warm_kernel_imports_what_the_released_notebooks_import(tmp_path):
    assert warm.preload_modules(REPO_ROOT / "release" / "01_forward_pass") == [
        "numpy", "sympy", "matplotlib.pyplot", "keras"]
    cells = ["%matplotlib inline\nimport numpy as np, scipy.linalg\nfrom matplotlib import pyplot as plt",
             "from __future__ import annotations\nfrom . import sibling\nimport helpers\nimport tables.io",
             "def f():\n    import pandas\n    return pandas", "this is not python", "import numpy"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in cells]
                                  + [nbformat.v4.new_markdown_cell("import os")])
    nbformat.write(nb, str(tmp_path / "a.ipynb"))
    (tmp_path / "helpers.py").write_text("")
    (tmp_path / "tables").mkdir()
    # the top-level imports of code cells, once each, in order; not the assignment's own modules (helpers.py,
    # tables/), relative imports, __future__, or imports inside functions
    assert warm.preload_modules(tmp_path) == ["numpy", "scipy.linalg", "matplotlib"]


def test_kernel_folders_of_killed_processes_are_removed_by_the_next_kernel():
    """A kernel's folder (its sockets, its warm kernel's files) is removed with its kernel; a process killed
    with SIGKILL (a service, with its spare) cannot, so the next kernel folder made removes those whose lock
    nobody holds any more, and never one in use."""
    import os
    import signal
    import subprocess
    import sys

    from autograder.pipeline.kernel import OWNER, kernel_folder, sweep_kernel_folders

    holder = subprocess.Popen([sys.executable, "-c", "from autograder.pipeline.kernel import kernel_folder\n"
                               "print(kernel_folder()[0], flush=True)\nimport time\ntime.sleep(120)\n"],
                              cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        theirs = Path(holder.stdout.readline().strip())
        assert (theirs / OWNER).is_file()
        ours, fd = kernel_folder()  # sweeps first: theirs is in use
        assert theirs.is_dir() and ours.is_dir()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        sweep_kernel_folders()
        assert not theirs.exists(), "a dead process's kernel folder was left"
        assert ours.is_dir(), "a folder in use was removed"
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)
        holder.stdout.close()
    os.close(fd)
    sweep_kernel_folders()
    assert not ours.exists()


def test_staging_copies_links_as_links_and_leaves_the_notebooks_out(tmp_path):
    """The grader copies a submission into a warm kernel's folder as root: a link the student handed in stays a
    link (in the sandbox it points where it would from the submission's folder), never the file it names."""
    import os

    secret = tmp_path / "secret.txt"
    secret.write_text("the grader's own")
    sub, folder = tmp_path / "submission", tmp_path / "kernel"
    (sub / "data").mkdir(parents=True)
    folder.mkdir()
    (sub / "data" / "x.csv").write_text("1,2\n")
    (sub / "data" / "peek").symlink_to(secret)
    (sub / "top").symlink_to(secret)
    (sub / "losses.ipynb").write_text("{}")
    kernel = warm.WarmKernel(FakeKernel(), {"workdir": str(folder)}, "bwrap", "python3")
    kernel.stage(sub)
    assert (folder / "data" / "x.csv").read_text() == "1,2\n"
    for link in (folder / "data" / "peek", folder / "top"):
        assert link.is_symlink() and os.readlink(link) == str(secret)
    assert not (folder / "losses.ipynb").exists()
