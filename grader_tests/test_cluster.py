"""Grading beyond one machine: the gradebook on a real PostgreSQL server and ``grade --cluster`` on a real Dask
cluster (a scheduler and two workers, separate processes on 127.0.0.1), checked cell by cell against the local
runner on SQLite; and the clear errors of a cluster that cannot grade (autograder/runner/cluster.py)."""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from autograder import cli, course, gradebook, specs, synth
from autograder.bench import compare
from autograder.outputs import export, feedback, report
from autograder.runner import cluster, cluster_boot, cluster_worker, run, summary_lines
from e2e import TIMEOUT, copy_course, use_shared_banknote

A = "02_losses"  # numpy only: a kernel starts in a second
# the smoke class without its warning student (four kinds of notebook: right, blank, crashing, a known mistake)
STUDENTS = [s for s in synth.smoke_class(specs.get(A)) if s.name != "warns"]


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
    monkeypatch.setattr(cluster_worker.tempfile, "mkdtemp", lambda prefix: str(tmp_path))
    envs = []
    monkeypatch.setattr(cluster_worker, "Worker", lambda root, argv, env, log: envs.append(env))
    worker = SimpleNamespace(address="tcp://10.0.0.5:4002", state=SimpleNamespace(nthreads=1))
    cluster_worker.prestart_here([], worker, slots)
    assert [e["OMP_NUM_THREADS"] for e in envs] == ["2"]  # 4 cores over the host's 2 slots
    cluster_worker._note_slots({"10.0.0.9": 8}, worker)  # a list that does not name this host changes nothing
    assert cluster_worker._HOST_SLOTS == [2]


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


@pytest.mark.slow
def test_cluster_into_postgresql_matches_the_local_runner(tmp_path, capsys):
    """A class graded through --cluster into PostgreSQL, one of the two Dask workers killed mid-run, gets the same
    points cell by cell as the local runner on SQLite with the same grading secret; export, report and feedback
    read the PostgreSQL gradebook; a second run skips every submission (resuming)."""
    throwaway = throwaway_or_skip()
    use_shared_banknote()
    names = sorted(s.name for s in STUDENTS)
    local = copy_course(tmp_path / "local")
    synth.build_class(local, A, STUDENTS)
    result = run(local, A, jobs=1, timeout=TIMEOUT, progress=False)  # one worker: the fewest start-ups
    assert not result.failed, summary_lines(result, local)

    root = copy_course(tmp_path / "cluster")
    course.state_dir(root)
    shutil.copy2(local / ".autograder" / "secret", root / ".autograder" / "secret")
    shutil.copytree(local / "submitted", root / "submitted")
    with throwaway.postgres_server() as db_url:
        use_database(root, db_url)
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
