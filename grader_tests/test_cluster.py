"""Grading beyond one machine: the gradebook on a real PostgreSQL server and ``grade --cluster`` on a real Dask
cluster (a scheduler and two workers, separate processes on 127.0.0.1), checked cell by cell against the local
runner on SQLite, and ``serve --cluster``'s first step; the local runner into PostgreSQL, killed mid-run and
resumed, and nbgrader's formgrader reading that gradebook; and the clear errors of a cluster that cannot grade
(autograder/runner/cluster.py). One PostgreSQL server and one SQLite run of the class serve the whole module."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from nbgrader.utils import parse_utc

from autograder import cli, course, gradebook, specs, synth
from autograder.bench import compare
from autograder.outputs import export, feedback, report
from autograder.runner import cluster, cluster_boot, cluster_worker, run, summary_lines
from autograder.runner.resume import graded_state
from e2e import REPO_ROOT, TIMEOUT, copy_course, use_shared_banknote
from jupyter_app import NBGRADER_ONLY, get_json, jupyter_app

A = "02_losses"  # numpy only: a kernel starts in a second
# the smoke class without its warning student (four kinds of notebook: right, blank, crashing, a known mistake)
STUDENTS = [s for s in synth.smoke_class(specs.get(A)) if s.name != "warns"]
NAMES = sorted(s.name for s in STUDENTS)
HANDED_IN = "2026-12-03 09:00:00 UTC"  # when serve's student hands in again (the exchange's folder name)


def throwaway_or_skip():
    """The throw-away servers' module, or a skip that says what is missing."""
    pytest.importorskip("distributed", reason="Dask distributed is not installed (requirements.txt)")
    pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg is not installed (requirements.txt)")
    from autograder import throwaway

    try:
        throwaway.postgres_bin()
    except throwaway.Unavailable as exc:
        pytest.skip(str(exc))
    return throwaway


def use_database(root: Path, db_url: str) -> None:
    """Point the course copy's nbgrader_config.py at ``db_url`` (as an instructor would)."""
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("\nc.CourseDirectory.db_url = %r\n" % db_url)


def test_every_dask_process_of_the_environment_reads_the_grading_settings():
    """tools/dask-grading.yaml is in the environment's etc/dask/ (the Makefile puts it there): a Dask process started
    from this environment, as the tests' and the bench's clusters are, has each of its settings, and each differs
    from Dask's own default."""
    import yaml

    def leaves(tree: dict, prefix: str = ""):
        for key, value in tree.items():
            if isinstance(value, dict):
                yield from leaves(value, prefix + key + ".")
            else:
                yield prefix + key, value

    settings = dict(leaves(yaml.safe_load((REPO_ROOT / "tools" / "dask-grading.yaml").read_text())))
    assert len(settings) == 4
    probe = ("import dask.config, distributed, json, sys\n"
             "json.dump({k: dask.config.get(k) for k in sys.argv[1:]}, sys.stdout)")
    got = subprocess.run([sys.executable, "-c", probe, *settings], capture_output=True, text=True, check=True)
    assert json.loads(got.stdout) == settings
    import distributed

    defaults = dict(leaves(yaml.safe_load((Path(distributed.__file__).parent / "distributed.yaml").read_text())))
    assert all(defaults[key] != value for key, value in settings.items()), defaults


def test_cluster_refuses_an_sqlite_gradebook(tmp_path, capsys):
    """--cluster with the course's SQLite gradebook stops before anything is graded, and says what to set."""
    root = copy_course(tmp_path / "course")
    synth.build_class(root, A, STUDENTS[:1])
    assert cli.main(["--root", str(root), "grade", A, "--cluster", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "needs the gradebook on a database server" in err and str(root / "gradebook.db") in err
    assert "postgresql+psycopg://" in err
    assert not (root / "autograded").exists() and not (root / "gradebook.db").exists()


def test_cluster_unreachable_is_a_clear_error():
    pytest.importorskip("distributed", reason="Dask distributed is not installed (requirements.txt)")
    from autograder.throwaway import free_port

    address = "tcp://127.0.0.1:%d" % free_port()
    with pytest.raises(cluster.ClusterError, match="cannot reach the Dask scheduler at %s" % address):
        cluster.connect(address, timeout=2)


def test_a_dask_worker_outside_a_course_root_says_so(tmp_path, monkeypatch):
    """The task's first code refuses a worker started elsewhere than a course root, and one that cannot see the
    submission (no shared storage), naming the folder."""
    task = {"assignment": A, "student": "ada"}
    monkeypatch.chdir(tmp_path)
    reply = cluster_boot.grade_on_worker(task, [], 60)
    assert "not a course root" in reply["died"] and str(tmp_path) in reply["died"]
    (tmp_path / "nbgrader_config.py").write_text("")
    reply = cluster_worker.grade_here(task, [], 60)
    assert "finds no submitted/ada/02_losses under %s" % tmp_path in reply["died"]


def test_require_server_db():
    cluster.require_server_db("postgresql+psycopg://grader@db.example/course", "tcp://h:8786")
    with pytest.raises(cluster.ClusterError, match="SQLite file /srv/c/gradebook.db"):
        cluster.require_server_db("sqlite:////srv/c/gradebook.db", "tcp://h:8786")


def test_kernels_share_a_hosts_cores_among_every_dask_worker_on_it(tmp_path, monkeypatch):
    """Two single-threaded Dask workers on a host grade two submissions at once there: each kernel's math
    libraries get the host's cores over the host's slots, as with the local runner's jobs, not all the cores."""
    from types import SimpleNamespace

    from autograder.runner import env as runner_env

    class Client:
        def nthreads(self):
            return {"tcp://10.0.0.5:4001": 1, "tcp://10.0.0.5:4002": 1, "tcp://10.0.0.6:4001": 4}

    slots = cluster.slots_by_host(Client())
    assert slots == {"10.0.0.5": 2, "10.0.0.6": 4}
    for name in runner_env.THREAD_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(runner_env, "cores", lambda: 4)
    monkeypatch.setattr(course, "keras_home", lambda root=None: tmp_path / "keras")
    monkeypatch.setattr(cluster_worker, "_HOST_SLOTS", [0])
    monkeypatch.setattr(cluster_worker, "_IDLE", [])
    folder = tmp_path / "grading-worker"
    monkeypatch.setattr(cluster_worker.tempfile, "mkdtemp", lambda prefix: folder.mkdir() or str(folder))
    envs, closed = [], []
    monkeypatch.setattr(cluster_worker, "Worker", lambda root, argv, env, log: envs.append(env) or SimpleNamespace(
        close=lambda: closed.append(True)))
    worker = SimpleNamespace(address="tcp://10.0.0.5:4002", state=SimpleNamespace(nthreads=1))
    cluster_worker.prestart_here([], worker, slots)
    assert [e["OMP_NUM_THREADS"] for e in envs] == ["2"]  # 4 cores over the host's 2 slots
    cluster_worker._note_slots({"10.0.0.9": 8}, worker)  # a list that does not name this host changes nothing
    assert cluster_worker._HOST_SLOTS == [2]
    cluster_worker._discard_idle()  # as the Dask worker ends: the idle grading worker closed, its folder gone
    assert closed == [True] and not folder.exists() and cluster_worker._IDLE == []


class WorkerKiller(threading.Thread):
    """Kills the first Dask worker seen grading a submission, a second into its task."""

    def __init__(self, local_cluster):
        super().__init__(daemon=True)
        self.cluster, self.killed, self.error = local_cluster, None, None
        self.stop = threading.Event()

    def run(self):
        from distributed import Client

        try:
            with Client(self.cluster.address, set_as_default=False) as client:
                pids = client.run(os.getpid)
                while not self.stop.is_set():
                    busy = [addr for addr, keys in client.processing().items() if keys]
                    if busy:
                        time.sleep(1.0)  # its grading worker is starting or grading
                        proc = next(p for p in self.cluster.workers if p.pid == pids[busy[0]])
                        self.killed = (busy[0], client.processing().get(busy[0]))
                        self.cluster.kill_worker(proc)
                        return
                    time.sleep(0.05)
        except Exception as exc:  # reported by the test
            self.error = exc


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> Path:
    """The class graded by the local runner into the course's SQLite gradebook: what the other runs must match."""
    use_shared_banknote()
    root = copy_course(tmp_path_factory.mktemp("local"))
    synth.build_class(root, A, STUDENTS)
    result = run(root, A, jobs=1, timeout=TIMEOUT, progress=False)  # one worker: the fewest start-ups
    assert not result.failed, summary_lines(result, root)
    return root


@pytest.fixture(scope="module")
def postgres():
    """(the throw-away servers' module, the URL of a database on one PostgreSQL server for the whole module)."""
    throwaway = throwaway_or_skip()
    with throwaway.postgres_server() as db_url:
        yield throwaway, db_url


def twin(local: Path, dest: Path, db_url: str) -> Path:
    """A copy of the course with the local class's submissions and grading secret, its gradebook at ``db_url``."""
    root = copy_course(dest)
    course.state_dir(root)
    shutil.copy2(local / ".autograder" / "secret", root / ".autograder" / "secret")
    shutil.copytree(local / "submitted", root / "submitted")
    use_database(root, db_url)
    return root


@pytest.mark.slow
def test_cluster_into_postgresql_matches_the_local_runner(postgres, local, tmp_path, capsys):
    """A class graded through --cluster into PostgreSQL, one of the two Dask workers killed mid-run, gets the same
    points cell by cell as the local runner on SQLite with the same grading secret; export, report and feedback
    read the PostgreSQL gradebook; a second run skips every submission (resuming); `serve --cluster` grades a
    submission handed in again on the cluster and releases its page, points from PostgreSQL."""
    throwaway, db_url = postgres
    names = NAMES
    root = twin(local, tmp_path / "cluster", db_url)
    with throwaway.dask_cluster(root, workers=2) as dask:
        killer = WorkerKiller(dask)
        killer.start()
        try:
            code = cli.main(["--root", str(root), "grade", A, "--cluster", dask.address,
                             "--timeout", str(TIMEOUT)])
        finally:
            killer.stop.set()
            killer.join(timeout=30)
        out = capsys.readouterr().out
        assert killer.error is None and killer.killed is not None, (killer.error, out)
        assert code == 0, out
        assert "graded %d, skipped 0" % len(names) in out
        assert "graded on the Dask cluster at %s" % dask.address in out
        again = run(root, A, cluster=dask.address, progress=False)
        assert again.of("skipped") == names, summary_lines(again, root)
        assert not (root / "gradebook.db").exists()
        assert gradebook.sqlite_path(gradebook.course_db(root)[0]) is None
        assert compare(local, root, A, names) == []
        assert gradebook.gradebook_dump(root, A)["correct"]["notebooks"]  # read from PostgreSQL
        assert export.rows(root, [A]) == export.rows(local, [A])
        assert (report.write(root, A)).is_file()
        feedback.generate(root, A)
        pages = sorted(p.parent.parent.name for p in (root / "feedback").glob("*/%s/*.html" % A))
        assert pages == sorted(names)
        student = "mistakes-1"  # some points, not all
        rec, released, written = serve_once(root, student, dask.address, tmp_path / "exchange")
    # serve --cluster: graded on the cluster, its points and page read from PostgreSQL
    notebook = specs.get(A).notebook
    with gradebook.opened(local) as gb:
        sub, nb = gb.find_submission(A, student), gb.find_submission_notebook(notebook, A, student)
        assert (rec.state, rec.points, rec.max_points) == ("released", sub.score, sub.max_score), rec
        assert 0 < sub.score < sub.max_score
        heading = "%s (Score: %s / %s)" % (notebook, round(float(nb.score), 2), round(float(nb.max_score), 2))
    assert released.read_bytes() == written.read_bytes() and heading in released.read_text()
    with gradebook.opened(root) as gb:  # graded anew by the service: the time of its hand-in through the exchange
        assert gb.find_submission(A, student).timestamp == parse_utc(HANDED_IN)


def serve_once(root: Path, student: str, cluster_address: str, exchange: Path) -> tuple:
    """``serve --cluster``'s first step, in process: the student hands the same notebook in again through the
    exchange; the service grades it on the Dask cluster into the course's gradebook and releases its page. Returns
    (the service's record of it, the released page, the feedback page nbgrader wrote)."""
    from nbgrader.utils import notebook_hash

    from autograder.serve.service import Service

    secret, notebook = "c" * 128, specs.get(A).notebook
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("\nc.Exchange.root = %r\nc.LiveFeedback.check_owner = False\nc.LiveFeedback.gather_s = 0\n"
                % str(exchange))
    service = Service(root, log=lambda line: None, cluster=cluster_address)
    (service.exchange.outbound / A).mkdir(parents=True)
    inbound = service.exchange.inbound / ("%s+%s+%s+r1" % (student, A, HANDED_IN))
    shutil.copytree(root / "submitted" / student / A, inbound)
    (inbound / "submission_secret.txt").write_text(secret)
    (inbound / "timestamp.txt").write_text(HANDED_IN)  # as nbgrader submit writes it
    assert service.step()
    [rec] = service.journal.records.values()
    page = service.exchange.feedback / (notebook_hash(secret=secret, notebook_id=notebook) + ".html")
    return rec, page, root / "feedback" / student / A / (notebook + ".html")


def graded_now(root: Path) -> list[str]:
    """The students whose submission is graded and recorded in the course's gradebook (the runner's resume test)."""
    with gradebook.opened(root) as gb:
        return [s for s in NAMES if graded_state(root, A, s, gb) is None]


def grade_then_crash(root: Path, log: Path, throwaway) -> tuple[int, list[str]]:
    """``python -m autograder grade`` one submission at a time, killed with everything it started (SIGKILL to its
    process group, as a machine that goes down) once a submission is graded and recorded; returns its exit status
    and the students graded by then."""
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "autograder", "--root", str(root), "grade", A, "--jobs", "1",
                                 "--timeout", str(TIMEOUT)], cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            # the gradebook's tables are made by the run: read it once a notebook is graded
            if list((root / "autograded").glob("*/%s/*.ipynb" % A)) and graded_now(root):
                break
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        throwaway.kill_leftovers(root)
    return proc.returncode, graded_now(root)


@pytest.fixture(scope="module")
def local_pg(postgres, local, tmp_path_factory):  # postgres first: its skip before any grading
    """The same class graded by the local runner (no --cluster) into a second database of the module's server, the
    hard way: a first run is killed once one submission is recorded (:func:`grade_then_crash`); a second grades what
    is left with jobs=2, its workers writing PostgreSQL at once (direct, the runner's default for a server
    database); a third finds nothing to do. Returns (the course root, what each step gave)."""
    throwaway, db_url = postgres
    folder = tmp_path_factory.mktemp("pg-local")
    root = twin(local, folder / "course", throwaway.create_database(db_url, "local_runner"))
    rc, first = grade_then_crash(root, folder / "crashed-run.log", throwaway)
    steps = {"crash_rc": rc, "graded_at_crash": first, "log": (folder / "crashed-run.log").read_text()[-3000:],
             "resumed": run(root, A, jobs=2, timeout=TIMEOUT, progress=False)}
    steps["again"] = run(root, A, progress=False)
    return root, steps


def row_counts(root: Path) -> dict[str, int]:
    """Rows of each table a grading run writes, in the course's gradebook."""
    from nbgrader import api

    with gradebook.opened(root) as gb:
        return {t.__tablename__: gb.db.query(t).count()
                for t in (api.Student, api.SubmittedAssignment, api.SubmittedNotebook, api.Grade, api.Comment)}


@pytest.mark.slow
def test_local_runner_into_postgresql_resumes_after_a_crash(local_pg, local):
    """The local runner grading into PostgreSQL: a run killed mid-way, then run again without --force, loses no
    grade and doubles none; its workers write the gradebook at the same time; the points are the SQLite run's,
    cell by cell."""
    root, steps = local_pg
    first, resumed, again = steps["graded_at_crash"], steps["resumed"], steps["again"]
    assert steps["crash_rc"] == -signal.SIGKILL and 1 <= len(first) < len(NAMES), steps
    assert resumed.of("skipped") == first, summary_lines(resumed, root)
    assert resumed.of("graded") == [s for s in NAMES if s not in first], summary_lines(resumed, root)
    spans = sorted(resumed.outcomes[s].span for s in resumed.of("graded"))
    assert resumed.workers >= 2 and any(b[0] < a[1] for a, b in zip(spans, spans[1:])), spans  # at the same time
    assert again.of("skipped") == NAMES, summary_lines(again, root)
    assert gradebook.sqlite_path(gradebook.course_db(root)[0]) is None and not (root / "gradebook.db").exists()
    assert compare(local, root, A, NAMES) == []
    assert row_counts(root) == row_counts(local)


def test_a_grading_worker_keeps_one_postgresql_connection_for_every_opening(postgres, monkeypatch):
    """nbgrader opens the gradebook about ten times per submission; a grading worker (``_engines_kept``) does it
    over one PostgreSQL connection, kept in its engine's pool between openings, not a new one each time."""
    from nbgrader import api
    from sqlalchemy import text

    from autograder.runner.worker import _engines_kept

    throwaway, db_url = postgres
    url = throwaway.create_database(db_url, "kept_connection")
    monkeypatch.setattr(api, "create_engine", api.create_engine)  # both undone after the test
    monkeypatch.setattr(api.Gradebook, "close", api.Gradebook.close)

    def backend() -> tuple:
        with api.Gradebook(url) as gb:
            return gb.engine, gb.db.execute(text("SELECT pg_backend_pid()")).scalar()

    assert backend()[1] != backend()[1]  # nbgrader's own: a connection per opening
    _engines_kept()
    (engine, first), (again, second) = backend(), backend()
    assert again is engine and first == second and engine.pool.checkedout() == 0
    engine.dispose()


def scores(rows: list[dict]) -> dict[str, tuple]:
    """{student: its scores} of the formgrader's (or nbgrader's) submission rows."""
    keys = ("score", "max_score", "code_score", "max_code_score", "written_score", "needs_manual_grade")
    return {r["student"]: tuple(r[k] for k in keys) for r in rows}


@pytest.mark.slow
def test_formgrader_lists_the_postgresql_grades(local_pg, local, tmp_path):
    """nbgrader's formgrader, started on the course whose db_url is PostgreSQL, lists every graded submission with
    the SQLite gradebook's scores, by submission and by notebook (its own HTTP API, which its pages read)."""
    pytest.importorskip("jupyter_server", reason="jupyter_server (the formgrader's server) is not installed")
    root, _ = local_pg
    notebook = specs.get(A).notebook
    with gradebook.opened(local) as gb:
        want = scores(gb.submission_dicts(A)), scores(gb.notebook_submission_dicts(notebook, A))
    with jupyter_app("server", root, tmp_path / "jupyter", NBGRADER_ONLY) as server:
        got = (scores(get_json(server, "/formgrader/api/submissions/%s" % A)),
               scores(get_json(server, "/formgrader/api/submitted_notebooks/%s/%s" % (A, notebook))))
    assert sorted(got[0]) == NAMES
    assert got == want



FAKE_SBATCH = """#!/bin/sh
# sbatch as a compute node would take it: the job script runs here, in a session of its own, with a scratch folder
# of its own (as SLURM sites set TMPDIR per job); the job id is its pid
set -e
cp "$1" "{jobs}/job-$$.sh"
export TMPDIR="{jobs}"
setsid bash "{jobs}/job-$$.sh" > "{jobs}/job-$$.log" 2>&1 < /dev/null &
echo $! > "{jobs}/job-$$.id"
echo "Submitted batch job $!"
"""
FAKE_SCANCEL = """#!/bin/sh
kill -TERM -- "-$1" 2>/dev/null || true
"""


def slurm_example() -> str:
    """The Python of docs/grading-a-class.md's worked example for SLURM, as the docs give it."""
    import re

    text = (REPO_ROOT / "docs" / "grading-a-class.md").read_text()
    return re.search(r"A worked example: SLURM.*?```python\n(.*?)```", text, re.S).group(1)


@pytest.mark.slow
def test_the_slurm_example_grades_through_the_job_script_it_writes(postgres, local, tmp_path, monkeypatch):
    """docs/grading-a-class.md's SLURM example, run as written but for where things are: the course root and its
    environment (this course copy, this venv), one host instead of 10, the scheduler on 127.0.0.1. SLURM's two
    commands are stood in for: `sbatch` runs on this machine the job script dask-jobqueue wrote (its #SBATCH lines,
    its prologue, its `dask worker` line), `scancel` stops it. While the example waits at its prompt, `grade
    --cluster` at the address it printed grades a student into PostgreSQL, with the local runner's points."""
    pytest.importorskip("dask_jobqueue", reason="dask-jobqueue is not installed (requirements.txt)")
    throwaway, db_url = postgres
    root = twin(local, tmp_path / "course", throwaway.create_database(db_url, "slurm_example"))
    jobs, bin_dir = tmp_path / "jobs", tmp_path / "bin"
    jobs.mkdir()
    bin_dir.mkdir()
    for name, text in (("sbatch", FAKE_SBATCH), ("scancel", FAKE_SCANCEL)):
        (bin_dir / name).write_text(text.format(jobs=jobs))
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", "%s%s%s" % (bin_dir, os.pathsep, os.environ["PATH"]))
    code = slurm_example()
    for written, here in (("/shared/courses/dl-course", str(root)), (".venv/bin/activate", sys.prefix + "/bin/activate"),
                          ("jobs=10", "jobs=1"), ('"0.0.0.0"', '"127.0.0.1"')):
        assert written in code, written
        code = code.replace(written, here)
    students, printed, graded = ["mistakes-1"], [], {}  # some points, not all

    def at_the_prompt(_prompt: str) -> str:
        from distributed import Client

        address = printed[0]
        with Client(address, timeout=120, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=120)
        graded["code"] = cli.main(["--root", str(root), "grade", A, "--cluster", address, "--timeout", str(TIMEOUT)]
                                  + [arg for s in students for arg in ("--student", s)])
        return ""

    try:
        exec(compile(code, "grading-a-class.md", "exec"), {"input": at_the_prompt, "print": lambda *a, **k:
                                                             printed.append(" ".join(map(str, a)))})
    finally:
        for job in jobs.glob("job-*.id"):  # a job the example did not cancel (it failed first): its session
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.killpg(int(job.read_text()), signal.SIGKILL)
        throwaway.kill_leftovers(root)
    (script,) = jobs.glob("job-*.sh")
    text = script.read_text()
    assert "#SBATCH -p compute" in text and "#SBATCH -A dl-course" in text and "--nthreads 16" in text
    assert text.index("cd %s" % root) < text.index("distributed.cli.dask_worker"), text
    assert graded.get("code") == 0, [p.read_text()[-3000:] for p in jobs.glob("*.log")]
    assert compare(local, root, A, students) == []
    assert not (root / "gradebook.db").exists()
