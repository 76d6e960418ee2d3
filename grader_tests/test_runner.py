"""The parallel runner (autograder/runner/): same grades as nbgrader's serial loop, a complete gradebook
written by one process, resumable runs, and faults that cost no other student a grade.

One small class (right, wrong, crashing, blank, a kernel that dies) is graded twice for the module: by the
runner with ``jobs=2`` and by nbgrader's own serial loop (``grading.grade``) in a second course copy that
shares the first one's grading secret, so both see the same probe inputs. Later tests regrade parts of the
runner's copy and check that it still matches the serial one.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import nbformat
import psutil
import pytest

from autograder import course, grading, specs, synth
from autograder.gradebook import (course_db, gradebook_dump, merge_submission, open_gradebook, rows_from_json,
                                  rows_to_json, sqlite_path, submission_rows)
from autograder.runner import RETRIES, run, summary_lines
from autograder.runner import env as runner_env
from autograder.runner import template as runner_template
from autograder.runner.env import THREAD_ENV, cores, worker_env
from autograder.runner.resume import graded_state
from autograder.runner.template import Template, TemplateGone
from autograder.runner.worker import WORKER_NAME, _engines_kept, _metadata_check_once, tree_rss
from e2e import REPO_ROOT, copy_course, starving, use_shared_banknote

A = "02_losses"  # numpy only: the runner's mechanics, not Keras's start-up, are what these tests time
SPEC = specs.get(A)
NB = SPEC.notebook + ".ipynb"
TIMEOUT = 30  # per cell, generous: under `make test` other tests' kernels share the two cores
_by_name = {s.name: s for s in synth.test_class(SPEC)}
SHOW_ENV = ("import os\nprint('GPU env:', os.environ.get('TF_FORCE_GPU_ALLOW_GROWTH'), "
            "os.environ.get('XLA_PYTHON_CLIENT_PREALLOCATE'))\n"
            "print('threads:', os.environ.get('TF_NUM_INTRAOP_THREADS'))\n")
STUDENTS = [_by_name["correct"], _by_name["blank"], _by_name["mistakes-1"],
            synth.Student("crash", cells={k: SHOW_ENV + v for k, v in _by_name["crash"].cells.items()}),
            synth.Student("dies", cells={"solution_softmax": "import os\nos._exit(1)\n"}, note="the kernel dies")]
NAMES = sorted(s.name for s in STUDENTS)


def dump(root, students=NAMES):
    rows = gradebook_dump(root, A)
    return {s: rows.get(s) for s in students}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded by the runner (--jobs 2) in ``par`` and by nbgrader's serial loop in ``ser``."""
    use_shared_banknote()
    base = tmp_path_factory.mktemp("runner")
    par, ser = copy_course(base / "par"), copy_course(base / "ser")
    course.secret(par)
    course.state_dir(ser)
    shutil.copy2(par / ".autograder" / "secret", ser / ".autograder" / "secret")
    for root in (par, ser):
        synth.build_class(root, A, STUDENTS)
    result = run(par, A, jobs=2, timeout=TIMEOUT, progress=False)
    grading.grade(ser, A, None, timeout=TIMEOUT)
    return SimpleNamespace(par=par, ser=ser, result=result)


# --------------------------------------------------------------------------------------------------
# fast


def test_worker_env_limits_gpu_memory_and_keeps_the_grading_env(tmp_path, monkeypatch):
    """Kernels sharing a GPU grow their memory instead of each taking all of it; the rest is grading_env."""
    monkeypatch.delenv("TF_FORCE_GPU_ALLOW_GROWTH", raising=False)
    monkeypatch.setenv("XLA_PYTHON_CLIENT_PREALLOCATE", "true")  # an explicit choice is kept
    monkeypatch.setattr(course, "keras_home", lambda root=None: tmp_path / "keras")
    env = worker_env(tmp_path)
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "true"
    assert "PYTHONPATH" not in env and env["AUTOGRADER_COURSE_ROOT"] == str(tmp_path)
    assert not any(k.startswith("PYTORCH") for k in env if k not in os.environ)


def test_kernels_running_side_by_side_share_the_cores(tmp_path, monkeypatch):
    """With jobs > 1 each kernel's thread pools get cores // jobs threads (at least one), unless set already;
    one job at a time leaves the libraries' own choice alone."""
    for name in THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    monkeypatch.setattr(runner_env, "cores", lambda: 8)
    monkeypatch.setattr(course, "keras_home", lambda root=None: tmp_path / "keras")
    assert not set(THREAD_ENV[:-1]) & set(worker_env(tmp_path, 1))
    four = worker_env(tmp_path, 4)
    assert [four[n] for n in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")] == ["2"] * 3
    assert four["MKL_NUM_THREADS"] == "3"
    assert worker_env(tmp_path, 16)["OMP_NUM_THREADS"] == "1"


def test_worker_checks_the_metadata_schema_once_with_the_same_verdicts(monkeypatch):
    """The worker's nbgrader checks cell metadata against a validator built once, and says what stock
    ``jsonschema.validate`` says: nothing for good metadata, the same error for bad."""
    import jsonschema
    from nbformat.v4 import new_code_cell
    from nbgrader.nbgraderformat import MetadataValidator, common

    def cell(**meta):
        base = {"grade": True, "solution": False, "locked": True, "grade_id": "c1", "points": 2,
                "schema_version": 3}
        return new_code_cell("x = 1", metadata={"nbgrader": {**base, **meta}})

    bad = [cell(points="two"), cell(grade_id=7), cell(locked="yes")]
    stock = []
    for c in bad:
        with pytest.raises(jsonschema.ValidationError) as err:
            MetadataValidator().validate_cell(c)
        stock.append((str(err.value), list(err.value.path)))
    monkeypatch.setattr(common, "jsonschema", common.jsonschema)  # undone after the test
    checks = []
    kind = jsonschema.validators.validator_for(MetadataValidator().schema)
    monkeypatch.setattr(kind, "check_schema", classmethod(lambda cls, schema: checks.append(schema)))
    _metadata_check_once()
    assert common.jsonschema is not jsonschema and common.jsonschema.ValidationError is jsonschema.ValidationError
    for _ in range(3):  # a new validator (and a new schema dict) per notebook, as nbgrader makes them
        MetadataValidator().validate_nb(SimpleNamespace(cells=[cell(), cell(grade_id="c2", points=0.5),
                                                               cell(grade_id="c3", grade=False)]))
    assert len(checks) == 1
    for c, (message, path) in zip(bad, stock):
        with pytest.raises(jsonschema.ValidationError) as err:
            MetadataValidator().validate_cell(c)
        assert (str(err.value), list(err.value.path)) == (message, path)
    other = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
             "properties": {"points": {"type": "number"}}}
    common.jsonschema.validate({"points": 1}, other)  # another schema is checked in its own right
    with pytest.raises(jsonschema.ValidationError):
        common.jsonschema.validate({"points": "1"}, other)
    assert len(checks) == 2 and checks[1] == other


def test_worker_reuses_engines_but_no_connection_outlives_a_gradebook(tmp_path, monkeypatch):
    """The worker's nbgrader gets back the engine it made for a URL (its compiled SQL kept), while each
    closed gradebook leaves no connection open: a copy replaced between submissions is read afresh."""
    from nbgrader import api

    monkeypatch.setattr(api, "create_engine", api.create_engine)  # undone after the test
    monkeypatch.setattr(api.Gradebook, "close", api.Gradebook.close)
    compiled = []
    import sqlalchemy.sql.compiler as sql_compiler

    real_init = sql_compiler.SQLCompiler.__init__
    monkeypatch.setattr(sql_compiler.SQLCompiler, "__init__",
                        lambda self, *a, **k: compiled.append(1) or real_init(self, *a, **k))
    first, second = tmp_path / "first.db", tmp_path / "slot.db"
    for path, who in ((first, "ada"), (second, "bob")):
        with api.Gradebook("sqlite:///%s" % path) as gb:
            gb.add_student(who)

    def students(path):
        with api.Gradebook("sqlite:///%s" % path) as gb:
            return gb.engine, [s.id for s in gb.students]

    _engines_kept(limit=2)
    engine, names = students(second)
    assert names == ["bob"]
    before = len(compiled)
    again, names = students(second)
    assert again is engine and names == ["bob"] and len(compiled) == before  # nothing compiled anew
    assert engine.pool.checkedout() == 0
    second.unlink()
    shutil.copyfile(first, second)  # the parent's fresh copy for the slot's next submission
    again, names = students(second)
    assert again is engine and names == ["ada"]
    other, _ = students(first)
    assert other is not engine
    third = tmp_path / "third.db"
    shutil.copyfile(first, third)
    students(third)
    assert students(second)[0] is not engine  # only the two most recent are kept

def test_course_db_reads_the_configured_gradebook(tmp_path):
    """The runner writes where nbgrader_config.py says (db_url), and knows a server database from SQLite."""
    root = copy_course(tmp_path / "c")
    url, course_id = course_db(root)
    assert sqlite_path(url) == root / "gradebook.db" and course_id == "dl-course"
    assert sqlite_path("postgresql://grader@db.example/course") is None


def test_tree_rss_counts_a_process_and_its_descendants_only():
    """A parent whose child holds 200 MB: counted under the parent, and not under a process beside it."""
    child = "import time; b = bytearray(200 * 2 ** 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(60)"
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                               "p = subprocess.Popen([sys.executable, '-c', %r]); time.sleep(60)" % child])
    beside = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        deadline = time.monotonic() + 30
        while True:
            sizes = tree_rss([parent.pid, beside.pid])
            if sizes[parent.pid] > 200 * 2 ** 20 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert sizes[parent.pid] > 200 * 2 ** 20, sizes
        assert sizes[beside.pid] < 100 * 2 ** 20, sizes
        assert tree_rss([12345678]) == {12345678: 0}  # a process that is not there
    finally:
        for p in (parent, beside):
            with contextlib.suppress(psutil.Error):
                for q in psutil.Process(p.pid).children(recursive=True):
                    q.kill()
            p.kill()
            p.wait()


# --------------------------------------------------------------------------------------------------
# one class, graded in parallel and serially


@pytest.mark.slow
def test_parallel_grades_equal_serial_grades(graded):
    """Per student, notebook and cell: the same scores, review flags, comments, timestamps and penalties."""
    assert graded.result.of("graded") == [s for s in graded.result.students], graded.result.outcomes
    par, ser = dump(graded.par), dump(graded.ser)
    assert par == ser
    for s in NAMES:
        assert grading.verdicts(graded.par, A, s).keys() == grading.verdicts(graded.ser, A, s).keys()
    assert par["correct"]["notebooks"][SPEC.notebook]["grades"]  # not trivially equal
    assert any(g["auto_score"] == 0 for g in par["dies"]["notebooks"][SPEC.notebook]["grades"].values())
    assert graded.result.peak_rss > 100 * 2 ** 20  # a worker (nbgrader imported) and its kernel were measured


@pytest.mark.slow
def test_kernels_get_the_gpu_settings(graded):
    """The settings (GPU memory, threads per kernel) reach the student's kernel in the sandbox: its own output
    shows them."""
    import nbformat

    nb = nbformat.read(str(graded.par / "autograded" / "crash" / A / NB), as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "GPU env: true false" in printed
    # the run had jobs=2: cores // 2 threads, unless the environment set them already (`make test` sets 1)
    assert "threads: %s" % (os.environ.get("TF_NUM_INTRAOP_THREADS") or max(1, cores() // 2)) in printed


@pytest.mark.slow
def test_gradebook_is_complete_each_grade_once_never_locked(graded):
    """Every grade cell of every submission has exactly one row with an automatic score; one submission each."""
    with gradebook(graded.par) as gb:
        cells = {c.id for nb in gb.find_assignment(A).notebooks for c in list(nb.grade_cells) + list(nb.task_cells)}
    db = sqlite3.connect(str(graded.par / "gradebook.db"))
    try:
        subs = db.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id").fetchall()
        rows = db.execute("SELECT sa.student_id, g.cell_id, COUNT(*) FROM grade g "
                          "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
                          "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
                          "WHERE g.auto_score IS NOT NULL OR g.needs_manual_grade "
                          "GROUP BY sa.student_id, g.cell_id").fetchall()
    finally:
        db.close()
    assert sorted(subs) == [(s, 1) for s in NAMES]
    assert len(cells) > 10
    assert sorted((s, c) for s, c, _ in rows) == sorted((s, c) for s in NAMES for c in cells)
    assert all(n == 1 for _, _, n in rows)
    logs = "".join(o.log + (o.error or "") for o in graded.result.outcomes.values())
    assert "database is locked" not in logs
    # each submission's log holds nbgrader's lines at its own level (INFO), not nbclient's debug chatter
    assert all("| INFO] Autograding" in graded.result.outcomes[s].log for s in ("correct", "blank"))
    assert "| DEBUG]" not in logs
    with gradebook(graded.par) as gb:
        assert all(graded_state(graded.par, A, s, gb) is None for s in NAMES)


def gradebook(root):
    url, course_id = course_db(root)
    return open_gradebook(url, course_id)


@pytest.mark.slow
def test_second_run_skips_graded_submissions(graded):
    """Nothing changed: nothing is regraded, and the gradebook stays as it was."""
    before = dump(graded.par)
    result = run(graded.par, A, jobs=2, timeout=TIMEOUT, progress=False)
    assert result.of("skipped") == result.students and result.seconds < 30
    assert dump(graded.par) == before


@pytest.mark.slow
def test_force_regrades_and_changed_submissions_are_regraded(graded):
    """--force regrades; a submission handed in again or a gradebook out of step with autograded/ is regraded."""
    result = run(graded.par, A, ["correct"], jobs=1, force=True, timeout=TIMEOUT, progress=False,
                        direct=True)  # the workers write the gradebook themselves, as with a server database
    assert result.of("graded") == ["correct"]
    # handed in again: newer than its autograded notebook (now, not in the future: the regrade's own notebook
    # must then be newer still, and grading this notebook takes a second or two)
    os.utime(graded.par / "submitted" / "crash" / A / NB)
    with gradebook(graded.par) as gb:  # a grade lost from the gradebook
        gb.find_grade("softmax", SPEC.notebook, A, "mistakes-1").auto_score = None
        gb.db.commit()
        assert graded_state(graded.par, A, "mistakes-1", gb) is not None
    result = run(graded.par, A, jobs=2, timeout=TIMEOUT, progress=False)
    assert result.of("graded") == ["crash", "mistakes-1"]
    assert sorted(result.of("skipped")) == ["blank", "correct", "dies"]
    assert dump(graded.par) == dump(graded.ser)


@pytest.mark.slow
def test_killed_worker_loses_no_grade(graded):
    """A worker killed mid-submission is replaced and that submission retried; every grade is recorded."""
    import psutil

    box = {}
    students = ["blank", "correct", "mistakes-1"]
    thread = threading.Thread(target=lambda: box.update(result=run(
        graded.par, A, students, jobs=2, force=True, timeout=TIMEOUT, progress=False)))
    thread.start()
    killed = parent = None
    deadline = time.monotonic() + 180
    while killed is None and thread.is_alive() and time.monotonic() < deadline:
        for p in psutil.Process().children(recursive=True):
            try:
                busy = p.name() == WORKER_NAME and p.children(recursive=True)
                parent = p.parent().name()
            except psutil.Error:
                continue
            if busy:  # it is grading: its kernel (or the sandbox probe) is up
                p.kill()
                killed = p.pid
                break
        time.sleep(0.1)
    thread.join(600)
    result = box["result"]
    assert killed is not None
    assert parent == "autograder-tpl"  # a fork of the run's template, not a process of its own
    assert result.of("graded") == students, result.outcomes
    assert sorted(o.attempts for o in result.outcomes.values()) == [1, 1, 2]
    assert dump(graded.par) == dump(graded.ser)
    time.sleep(1)
    assert not leftovers(graded.par), "the killed worker's kernel (or its sandbox) outlived it"


@pytest.mark.slow
def test_workers_start_directly_when_the_template_is_gone(graded, monkeypatch):
    """The template dies before it forks anything: each worker is then started as a process of its own, and
    every grade is recorded all the same."""

    started = []

    class Dying(Template):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.proc.kill()
            started.append(self)

    monkeypatch.setattr(runner_template, "Template", Dying)
    runner_template.close_reusable()  # the one kept from the earlier runs of this process
    students = ["blank", "correct"]
    try:
        result = run(graded.par, A, students, jobs=2, force=True, timeout=TIMEOUT, progress=False)
    finally:
        runner_template.close_reusable()
    assert started and started[0].proc.returncode is not None
    assert result.of("graded") == students, result.outcomes
    assert dump(graded.par, students) == dump(graded.ser, students)


@pytest.mark.slow
def test_a_later_run_forks_from_the_same_template_into_its_own_course(graded, tmp_path):
    """A process keeps its template from one run to the next: the next run, of another course, forks its
    workers from it, and they grade in that course, with its environment."""
    run(graded.par, A, ["blank"], jobs=1, force=True, timeout=TIMEOUT, progress=False)
    [tpl] = runner_template._REUSABLE
    other = copy_course(tmp_path / "other")
    shutil.copy2(graded.par / ".autograder" / "secret", course.state_dir(other) / "secret")
    synth.build_class(other, A, [s for s in STUDENTS if s.name == "correct"])
    before = dump(graded.par)
    result = run(other, A, jobs=1, timeout=TIMEOUT, progress=False)
    assert result.of("graded") == ["correct"], result.outcomes
    assert runner_template._REUSABLE == [tpl] and tpl.alive()
    assert dump(other, ["correct"]) == dump(graded.ser, ["correct"])
    assert dump(graded.par) == before


def test_template_forks_workers_and_reports_how_they_end(tmp_path):
    """The template's protocol: a pid and mark per request, in order; a worker whose requests end exits 0, one that
    is sent garbage exits 1, one that is killed reports its signal; all are children of the template and named
    as workers. Closing the template ends it."""
    import json
    import psutil


    root = copy_course(tmp_path / "c")
    tpl = Template(root, worker_env(root), tmp_path / "template.log")
    try:
        pids, ends = [], []
        for k, feed in enumerate([b"", b"not json\n", None]):
            req_r, req_w = os.pipe()
            rep_r, rep_w = os.pipe()
            with open(tmp_path / ("worker-%d.log" % k), "ab") as log:
                pid, mark = tpl.fork([req_r, rep_w, log.fileno()], "mark-%d" % k, [])
            assert mark == "mark-%d" % k  # no spare asked for: a worker of its own, with the mark it was given
            pids.append(pid)
            os.close(req_r)
            os.close(rep_w)
            ends.append((req_w, rep_r))
            if feed is not None:
                os.write(req_w, feed)
                os.close(req_w)
        assert len(set(pids)) == 3
        live = psutil.Process(pids[2])
        deadline = time.monotonic() + 10  # it names itself right after the fork
        while live.name() != WORKER_NAME and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live.name() == WORKER_NAME
        assert live.parent().pid == tpl.proc.pid and live.parent().name() == "autograder-tpl"
        assert tpl.exit_code(pids[0], timeout=60) == 0
        assert tpl.exit_code(pids[1], timeout=60) == 1
        assert "JSONDecodeError" in (tmp_path / "worker-1.log").read_text()
        assert not tpl.ended(pids[2])
        live.kill()
        assert tpl.exit_code(pids[2], timeout=30) == -9 and tpl.ended(pids[2])
        for req_w, rep_r in ends:
            with contextlib.suppress(OSError):
                os.close(req_w)
            os.close(rep_r)
    finally:
        tpl.close()
    assert tpl.proc.returncode is not None
    with pytest.raises(TemplateGone):
        tpl.fork([], "late", [])


def leftovers(root) -> list:
    """Processes still running in the course (the runner's workers and kernels work there)."""
    import psutil

    found = []
    for p in psutil.process_iter(["cwd", "cmdline"]):
        if p.pid != os.getpid() and str(root) in (p.info.get("cwd") or ""):
            found.append((p.pid, (p.info.get("cmdline") or [""])[:3]))
    return found


@pytest.mark.slow
def test_merge_is_idempotent_and_keeps_manual_scores(graded):
    """Merging a submission twice changes nothing; a grader's manual score survives and is flagged for review."""
    with gradebook(graded.par) as gb:
        rows = submission_rows(gb, A, "correct")
        assert rows["timestamp"] is not None
        assert rows_from_json(json.loads(json.dumps(rows_to_json(rows)))) == rows  # worker to parent
        gb.find_grade("svm_loss_naive", SPEC.notebook, A, "correct").manual_score = 1.0
        gb.db.commit()
        merge_submission(gb, A, "correct", rows)
        merge_submission(gb, A, "correct", rows)
        g = gb.find_grade("svm_loss_naive", SPEC.notebook, A, "correct")
        assert g.manual_score == 1.0 and g.needs_manual_grade
        g.manual_score = None
        merge_submission(gb, A, "correct", rows)
        assert submission_rows(gb, A, "correct") == rows
    assert dump(graded.par) == dump(graded.ser)


@pytest.mark.slow
def test_command_line_grade_with_jobs(graded):
    """`python -m autograder grade A --jobs 2` resumes (all graded already) and prints the table."""
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([sys.executable, "-m", "autograder", "--root", str(graded.par), "grade", A, "--jobs", "2"],
                          cwd=REPO_ROOT, env=env, text=True,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "skipped %d" % len(NAMES) in proc.stdout
    for s in NAMES:
        assert s in proc.stdout


@pytest.mark.slow
def test_failing_submission_keeps_every_other_grade(graded):
    """nbgrader failing on one submission (a broken timestamp.txt) is reported; nothing else changes."""
    before = dump(graded.par)
    bad = synth.Student("badstamp")
    synth.write_submission(graded.par, SPEC, bad, timestamp="yesterday-ish")
    result = run(graded.par, A, jobs=2, timeout=TIMEOUT, progress=False)
    assert result.of("failed") == ["badstamp"]
    assert "Unknown string format" in result.outcomes["badstamp"].error
    assert sorted(result.of("skipped")) == NAMES
    assert dump(graded.par) == before
    assert gradebook_dump(graded.par, A).get("badstamp") is None
    assert not (graded.par / "autograded" / "badstamp" / A / NB).exists()
    assert any("badstamp" in line for line in summary_lines(result, graded.par))


@pytest.mark.slow
def test_a_kernel_that_will_not_start_costs_no_grade_and_is_tried_again(graded):
    """No kernel can be started (here: the course names a kernel that does not exist): the grader's trouble,
    so the submission is tried once more, then reported with the reason, and its earlier grades stay.
    Graded again once kernels start, it gets the serial loop's grades."""
    before = dump(graded.par)
    config = graded.par / "nbgrader_config.py"
    text = config.read_text()
    config.write_text(text + '\nc.SafeExecute.kernel_name = "no-such-kernel"\n')
    try:
        result = run(graded.par, A, ["correct"], jobs=2, force=True, timeout=TIMEOUT, progress=False)
    finally:
        config.write_text(text)
    failed = result.outcomes["correct"]
    assert failed.status == "failed" and failed.attempts == 1 + RETRIES, failed
    assert "no kernel could be started" in failed.error and "no-such-kernel" in failed.error, failed.error
    assert dump(graded.par) == before
    again = run(graded.par, A, ["correct"], jobs=2, timeout=TIMEOUT, progress=False)
    assert again.of("graded") == ["correct"], again.outcomes
    assert dump(graded.par) == dump(graded.ser)


HEAVY = "spent = 0\nfor i in range(6_000_000):\n    spent += i * i\n"  # about a second of CPU here


@pytest.mark.slow
@pytest.mark.starving
def test_a_machine_too_busy_for_the_time_limits_costs_a_retry_then_is_named(tmp_path):
    """A cell that runs out of time while its kernel mostly waits for a CPU is the machine's doing, not the
    student's: the submission is graded again. When the second try is just as starved its time-outs count
    (a notebook must not starve itself into endless retries), and the run's summary names the submission to
    grade again on a quiet machine, which gives it the grades it got on a quiet machine before.

    A class of its own (one right notebook whose first answer spends a second of CPU first), graded with its
    processes capped to a tenth of a CPU (`e2e.starving`): the cap starves only them, so `make test` runs this
    beside the in-process files."""
    use_shared_banknote()
    root = copy_course(tmp_path / "c")
    src = nbformat.read(str(root / "source" / A / NB), 4)
    [cell] = [c for c in src.cells if synth.grade_id(c) == "solution_svm_loss_naive"]
    synth.build_class(root, A, [synth.Student("heavy", cells={synth.grade_id(cell): HEAVY + synth.solved(cell.source)})])
    quiet = run(root, A, jobs=1, timeout=TIMEOUT, progress=False)
    assert quiet.of("graded") == ["heavy"], quiet.outcomes
    expected = dump(root, ["heavy"])
    assert expected["heavy"]["notebooks"][SPEC.notebook]["grades"]["svm_loss_naive"]["auto_score"] == 2
    with starving():
        result = run(root, A, ["heavy"], jobs=1, force=True, timeout=3, progress=False)
    out = result.outcomes["heavy"]
    assert out.status == "graded" and out.attempts == 1 + RETRIES and out.busy_timeouts >= 1, out
    assert "too busy to run it" in out.log and "counted as the notebook's time-out (last attempt)" in out.log
    [named] = [line for line in summary_lines(result, root) if "too busy" in line]
    assert named.endswith("--force --student heavy"), named
    assert dump(root, ["heavy"]) != expected  # its time-outs cost points
    again = run(root, A, ["heavy"], jobs=1, force=True, timeout=TIMEOUT, progress=False)
    assert again.of("graded") == ["heavy"] and not again.outcomes["heavy"].busy_timeouts
    assert dump(root, ["heavy"]) == expected


def test_the_kept_template_ends_with_its_process_and_leaves_no_empty_log():
    """A process's kept template (``template.reusable``) ends when the process does, and its log goes with it
    when nothing was written there (every `grade` command used to leave one in /tmp)."""
    code = ("import os, sys\nfrom autograder.runner import template\n"
            "tpl = template.reusable(dict(os.environ))\nprint(tpl.log_path, tpl.proc.pid)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=str(REPO_ROOT), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    log, pid = out.stdout.split()
    assert "autograder-template-" in log and not os.path.exists(log)
    assert not psutil.pid_exists(int(pid)) or psutil.Process(int(pid)).status() == psutil.STATUS_ZOMBIE
