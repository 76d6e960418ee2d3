"""Every fault gets a clear verdict and the batch goes on (docs/design.md, rule 7).

One class, graded once for the module (one nbgrader run): kernels that die, hang, loop, exhaust their
limits, print too much, notebooks that are not notebooks, a missing notebook. Per-cell limit 10 s and
notebook limit 40 s here, so that the time-outs cost little.
"""
from __future__ import annotations

import json
import os
import time

import nbformat
import pytest

from autograder import grading, synth

import course_fixtures as cf

CELL_TIMEOUT = 10
NOTEBOOK_TIMEOUT = 40
LATER = ["forward_pass.decision_boundary", "forward_pass.forward_one_hidden", "forward_pass.binary_cross_entropy",
         "forward_pass.keras_neuron", "forward_pass.keras_trained", "forward_pass.keras_hidden",
         "forward_pass.n_params"]
EARLY = {"forward_pass.sigmoid": 2, "forward_pass.p_fake": 1, "forward_pass.neuron_forward": 2,
         "forward_pass.matmul": 1}

KERNEL_STUDENTS = {
    "dies-exit": {"solution_c11": "import os\nos._exit(1)\n"},
    "dies-segv": {"solution_c11": "import ctypes\nctypes.string_at(0)\n"},
    "loops": {"solution_c11": "while True:\n    pass\n"},
    "deaf": {"solution_c11": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n"},

    # code of its own for the kernel's exit: with the course's immediate stop it never runs
    "exits": {"solution_c11": "import atexit\nopen('hello.txt', 'w').write('written by a cell')\n"
                              "atexit.register(lambda: open('goodbye.txt', 'w').write('written at exit'))\n"
                              "c11_correct = 2 * 3 + 1 * 8\n"},

    "resources": {
        # 40 MB of output, then the right answer
        "solution_sigmoid": "print('x' * 1000 * 1000 * 40)\n"
                            "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n",
        # more memory than the limit
        "solution_p_fake": "big = bytearray(32 * 1024 ** 3)\np_fake = 0.82\n",
        # a process storm: children sleep, the limit stops it
        "solution_matmul": "import os, time\nkids = 0\nwhile True:\n    pid = os.fork()\n    if pid == 0:\n"
                           "        time.sleep(600)\n        os._exit(0)\n    kids += 1\n",
        # a file larger than the limit
        "solution_n_params": "with open('huge.bin', 'wb') as f:\n    f.write(b'0' * (300 * 1024 * 1024))\n"
                             "n_params = 42\n",
        # a thread storm
        "solution_c11": "import threading, time\nthreads = []\nwhile True:\n"
                        "    t = threading.Thread(target=time.sleep, args=(600,), daemon=True)\n"
                        "    t.start()\n    threads.append(t)\n",
    },
}


def _unbounded() -> set[str]:
    """Students left out of the class where nothing would bound them: as root without bubblewrap, kernels keep
    root's user id, which the process limit does not apply to, and the process and thread storms of ``resources``
    would fill the machine's memory (docs/sandbox.md). Their test is skipped there, with the reason."""
    from e2e import sandbox_problem

    return {"resources"} if os.geteuid() == 0 and sandbox_problem() else set()


def _slow_cells(root):
    """Five solution cells that each sleep 9 s before the right answer: past the 40 s notebook limit."""
    src = nbformat.read(str(root / "source" / cf.ASSIGNMENT / cf.NOTEBOOK), 4)
    cells = {}
    for cell in src.cells:
        gid = synth.grade_id(cell)
        if gid in ("solution_sigmoid", "solution_p_fake", "solution_neuron_forward", "solution_matmul",
                   "solution_c11", "solution_decision_boundary"):
            cells[gid] = "import time\ntime.sleep(9)\n" + synth.solved(cell.source)
    return cells


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = cf.make_course(tmp_path_factory.mktemp("faults") / "course")
    students = [synth.Student(name, cells=cells) for name, cells in KERNEL_STUDENTS.items()
                if name != "slow" and name not in _unbounded()]
    students.append(synth.Student("slow", cells=_slow_cells(root)))
    synth.build_class(root, cf.ASSIGNMENT, students)
    if "resources" not in _unbounded():
        (root / "submitted" / "resources" / cf.ASSIGNMENT / "junk").mkdir()
        for i in range(200):
            (root / "submitted" / "resources" / cf.ASSIGNMENT / "junk" / ("f%03d.txt" % i)).write_text("junk\n")
        with open(root / "submitted" / "resources" / cf.ASSIGNMENT / "huge.dat", "wb") as f:
            f.truncate(150 * 1024 * 1024)  # sparse: costs no disk here

    good = cf.student_notebook(root, synth.Student("v3"))
    cf.submit_bytes(root, "v3", nbformat.writes(nbformat.convert(good, 3)).encode())
    cf.submit_bytes(root, "notjson", b'{"cells": [ this is not json')
    cf.submit_bytes(root, "notnotebook", json.dumps([1, 2, 3]).encode())
    cf.submit_bytes(root, "empty", b"")
    cf.submit_bytes(root, "binary", bytes(range(256)) * 10)
    cf.submit_bytes(root, "future", json.dumps({"nbformat": 5, "nbformat_minor": 0, "cells": [],
                                                "metadata": {}}).encode())
    missing = root / "submitted" / "missing" / cf.ASSIGNMENT
    missing.mkdir(parents=True)
    (missing / "timestamp.txt").write_text("2026-11-20 12:00:00 UTC\n")
    (missing / "my_notes.txt").write_text("I forgot the notebook\n")

    grading.ensure_generated(root, cf.ASSIGNMENT)
    start = time.monotonic()
    proc = grading.nbgrader(root, "autograde", cf.ASSIGNMENT, "--force", "--Execute.timeout=%d" % CELL_TIMEOUT,
                            "--SafeExecute.notebook_timeout=%d" % NOTEBOOK_TIMEOUT, check=False)
    return root, proc, time.monotonic() - start


def _v(root, student):
    return grading.verdicts(root, cf.ASSIGNMENT, student)


def _sandbox_meta(root, student):
    nb = nbformat.read(str(root / "autograded" / student / cf.ASSIGNMENT / cf.NOTEBOOK), 4)
    return nb.metadata.get("autograder_sandbox", {})


def _assert_early_full_later_zero(v, reason):
    for q, pts in EARLY.items():
        assert v[q]["points"] == pts, (q, v[q]["message"])
    for q in ["forward_pass.c11"] + LATER:
        assert v[q]["points"] == 0, q
        assert v[q]["status"] == "no answer"
        assert reason in v[q]["message"], (q, v[q]["message"])


@pytest.mark.slow
def test_batch_goes_on(graded):
    root, proc, seconds = graded
    everyone = [s for s in KERNEL_STUDENTS if s not in _unbounded()] + ["v3", "notjson", "notnotebook", "empty",
                                                                          "binary", "future"]
    scores = cf.gradebook_scores(root, everyone)
    assert all(scores[s] is not None for s in everyone), scores
    assert seconds < 400, seconds


@pytest.mark.slow
def test_os_exit(graded):
    root = graded[0]
    _assert_early_full_later_zero(_v(root, "dies-exit"), "the kernel died in cell 'solution_c11' (exit code 1)")
    assert "exit code 1" in _sandbox_meta(root, "dies-exit")["fault"]
    assert cf.gradebook_scores(root, ["dies-exit"])["dies-exit"] == 6


@pytest.mark.slow
def test_segfault(graded):
    root = graded[0]
    _assert_early_full_later_zero(_v(root, "dies-segv"), "the kernel died in cell 'solution_c11' (killed by SIGSEGV")
    assert cf.gradebook_scores(root, ["dies-segv"])["dies-segv"] == 6


@pytest.mark.slow
def test_endless_loop_is_interrupted_and_the_rest_runs(graded):
    root = graded[0]
    v = _v(root, "loops")
    assert v["forward_pass.c11"]["points"] == 0
    assert "timed out after %d s in cell 'solution_c11'" % CELL_TIMEOUT in v["forward_pass.c11"]["message"]
    assert v["forward_pass.sigmoid"]["points"] == 2 and v["forward_pass.n_params"]["points"] == 1
    assert cf.gradebook_scores(root, ["loops"])["loops"] == 22


@pytest.mark.slow
def test_kernel_that_ignores_the_interrupt_is_stopped(graded):
    root = graded[0]
    _assert_early_full_later_zero(_v(root, "deaf"), "timed out after %d s in cell 'solution_c11' and the kernel "
                                                    "did not respond" % CELL_TIMEOUT)
    assert cf.gradebook_scores(root, ["deaf"])["deaf"] == 6


@pytest.mark.slow
def test_kernel_is_stopped_once_the_last_cell_has_run(graded):
    """SafeExecute.shutdown_kernel = 'immediate' (the course's setting): the student's code ran and every
    question got its points, and what the student left for the kernel's exit never ran."""
    root = graded[0]
    work = root / "autograded" / "exits" / cf.ASSIGNMENT
    assert (work / "hello.txt").read_text() == "written by a cell"
    assert not (work / "goodbye.txt").exists()
    v = _v(root, "exits")
    assert v and all(q["points"] == q["max_points"] for q in v.values()), v
    assert "fault" not in _sandbox_meta(root, "exits")


@pytest.mark.slow
def test_notebook_time_limit(graded):
    root = graded[0]
    v = _v(root, "slow")
    meta = _sandbox_meta(root, "slow")
    assert "ran past its time limit of %d s" % NOTEBOOK_TIMEOUT in meta["fault"]
    assert meta["seconds"] < NOTEBOOK_TIMEOUT + 15
    zero = [q for q, x in v.items() if x["points"] == 0]
    assert "forward_pass.n_params" in zero and "forward_pass.keras_hidden" in zero
    for q in zero:
        assert "not graded: the notebook ran past its time limit of %d s in cell '" % NOTEBOOK_TIMEOUT \
            in v[q]["message"], v[q]["message"]
    assert v["forward_pass.sigmoid"]["points"] == 2


@pytest.mark.slow
def test_resource_limits(graded):
    root = graded[0]
    if "resources" in _unbounded() or (_sandbox_meta(root, "resources").get("mode") == "none" and os.geteuid() == 0):
        pytest.skip("graded as root without bubblewrap: root is exempt from the process limit, so nothing but the "
                    "time limits stops the process storm (docs/sandbox.md); `make test` installs bubblewrap where it can")
    v = _v(root, "resources")
    assert v["forward_pass.sigmoid"]["points"] == 2  # huge output dropped, answer still judged
    for q in ("forward_pass.p_fake", "forward_pass.matmul", "forward_pass.c11", "forward_pass.n_params"):
        assert v[q]["points"] == 0, (q, v[q]["message"])
    for q in ("forward_pass.neuron_forward", "forward_pass.forward_one_hidden"):
        assert v[q]["points"] == v[q]["max_points"], (q, v[q]["message"])
    # the storms' sleeping processes and threads still hold the task limit: TensorFlow may then fail to
    # start its thread pools and abort the kernel; that is a clear verdict too
    keras = v["forward_pass.keras_neuron"]
    assert keras["points"] == 3 or "the kernel died in cell" in keras["message"], keras["message"]
    nb = nbformat.read(str(root / "autograded" / "resources" / cf.ASSIGNMENT / cf.NOTEBOOK), 4)
    errors = {synth.grade_id(c): [o.get("ename") for o in c.outputs if o.get("output_type") == "error"]
              for c in nb.cells if c.cell_type == "code"}
    assert errors["solution_p_fake"] == ["MemoryError"]
    # the storm stops at the task limit (or, on a loaded machine, at the cell time limit before it)
    assert errors["solution_matmul"] in (["BlockingIOError"], ["CellTimeoutError"])
    # EFBIG: file too large (test_sandbox.py checks the limit on its own); NotRun when TensorFlow, short of
    # threads after the storms, aborted the kernel in an earlier Keras cell
    assert errors["solution_n_params"] in (["OSError"], ["NotRun"])
    assert errors["solution_c11"] in (["RuntimeError"], ["CellTimeoutError"])  # can't start new thread
    size = (root / "autograded" / "resources" / cf.ASSIGNMENT / cf.NOTEBOOK).stat().st_size
    assert size < 20 * 1024 * 1024
    folder = root / "autograded" / "resources" / cf.ASSIGNMENT
    # extra files (200 small ones, a 150 MiB one) do not stop grading; nbgrader's autograde copies them all
    # into autograded/ (it does not apply CourseDirectory.max_file_size there): a known limit, docs/sandbox.md
    assert (folder / "junk").is_dir() and len(v) == 12
    assert not (folder / "huge.bin").exists() or (folder / "huge.bin").stat().st_size <= 256 * 1024 * 1024


@pytest.mark.slow
@pytest.mark.parametrize("student, reason", [
    ("notjson", "the notebook is not valid JSON"),
    ("notnotebook", "the file is not a Jupyter notebook"),
    ("empty", "the notebook file is empty"),
    ("binary", "the notebook is not valid JSON"),
    ("future", "newer than this grader reads"),
])
def test_damaged_file(graded, student, reason):
    root = graded[0]
    v = _v(root, student)
    assert len(v) == 12
    for q, x in v.items():
        assert x["points"] == 0 and reason in x["message"], (q, x["message"])
    assert cf.gradebook_scores(root, [student])[student] == 0
    original = (root / "submitted" / student / cf.ASSIGNMENT / cf.NOTEBOOK)
    assert original.exists()  # nothing is lost


@pytest.mark.slow
def test_old_format_is_upgraded_and_graded(graded):
    root = graded[0]
    v = _v(root, "v3")
    assert sum(x["points"] for x in v.values()) >= 20, {q: x["message"] for q, x in v.items()}


@pytest.mark.slow
def test_missing_notebook(graded):
    root = graded[0]
    scores = cf.gradebook_scores(root, ["missing"])
    assert scores["missing"] in (None, 0), scores
    assert grading.verdicts(root, cf.ASSIGNMENT, "missing") == {}
