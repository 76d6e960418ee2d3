"""Throw-away servers on 127.0.0.1, for the tests and ``make bench-cluster``: a PostgreSQL server in a temporary
folder (Debian's ``postgresql`` binaries) and a Dask cluster of a scheduler and single-threaded workers, each a
process of its own, as ``dask scheduler`` and ``dask worker`` start them on real hosts. Both stop, and leave
nothing behind, when their ``with`` block ends, also on failure."""
from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_USER = "postgres"  # the OS user that runs the server when we are root (initdb refuses to run as root)


class Unavailable(RuntimeError):
    """What a throw-away server needs is missing here (the reason, for a test's skip)."""


def postgres_bin() -> Path:
    """The folder of ``initdb`` and ``pg_ctl`` (Debian puts them outside PATH)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[-3]))
    if not versions:
        raise Unavailable("no PostgreSQL server binaries (initdb): install Debian's postgresql package "
                          "(tools/system-packages.sh postgresql, as `make test` does)")
    return Path(versions[-1]).parent


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_server(database: str = "course"):
    """A fresh PostgreSQL server on 127.0.0.1 with an empty ``database``; yields its SQLAlchemy URL
    (``postgresql+psycopg://postgres@127.0.0.1:PORT/DATABASE``). Run as the ``postgres`` OS user when we are
    root; its folder (data, socket, log) is removed at the end."""
    bindir = postgres_bin()
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            pw = pwd.getpwnam(PG_USER)
        except KeyError:
            raise Unavailable("running as root and there is no %r OS user to run the server" % PG_USER) from None
        as_user = ["runuser", "-u", PG_USER, "--"]
    folder = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    if as_user:
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    data, port = folder / "data", free_port()
    started = False
    try:
        _run(as_user + [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--no-sync", "--no-instructions"], "initdb")
        opts = "-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c full_page_writes=off" % (port, folder)
        _run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(folder / "server.log"),
                        "-w", "-t", "60", "start"], "pg_ctl start", folder / "server.log")
        started = True
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE %s" % database)
        yield "postgresql+psycopg://postgres@127.0.0.1:%d/%s" % (port, database)
    finally:
        if started:
            subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(db_url: str, name: str) -> str:
    """Another empty database ``name`` on the server of ``db_url`` (a second course on one throw-away server);
    returns its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE %s" % name)
    return url.set(database=name).render_as_string(hide_password=False)


def _run(cmd: list[str], what: str, log: Path | None = None) -> None:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        extra = log.read_text()[-2000:] if log is not None and log.is_file() else ""
        raise RuntimeError("%s failed (exit %d): %s%s" % (what, proc.returncode, proc.stdout[-2000:], extra))


class LocalCluster:
    """A Dask scheduler and its workers, started as separate processes (see :func:`dask_cluster`)."""

    def __init__(self, address: str, scheduler: subprocess.Popen, workers: list[subprocess.Popen]):
        self.address, self.scheduler, self.workers = address, scheduler, workers

    def kill_worker(self, proc: subprocess.Popen) -> None:
        """Kill one worker at once (SIGKILL), as a lost host would go."""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


@contextlib.contextmanager
def dask_cluster(root: Path, workers: int = 2, env: dict | None = None, threads: int = 1):
    """A scheduler on 127.0.0.1 and ``workers`` workers of ``threads`` threads (``dask worker --nthreads 1``, no
    nanny: a killed worker stays dead), each started in the course ``root``; yields a :class:`LocalCluster` once
    every worker has joined. The kernels' thread pools share the cores among all the workers' threads, as
    docs/grading-a-class.md asks of several workers on one host. At the end the workers, then the scheduler, are
    stopped, and any process left over from a grading they started (it carries the course root in its
    environment) is killed."""
    from .runner.env import THREAD_ENV, cores

    dask = str(Path(sys.executable).parent / "dask")
    env = dict(os.environ if env is None else env)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    for name in THREAD_ENV:
        env.setdefault(name, str(max(1, cores() // (workers * threads))))
    folder = Path(tempfile.mkdtemp(prefix="autograder-dask-"))
    env["TMPDIR"] = str(folder)  # the workers' own scratch folders end up here
    procs: list[subprocess.Popen] = []
    try:
        info = folder / "scheduler.json"
        with open(folder / "scheduler.log", "wb") as log:
            procs.append(subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                           "--scheduler-file", str(info)], env=env, stdout=log, stderr=log))
        address = _wait_for_address(info, procs[0], folder / "scheduler.log")
        for k in range(workers):
            with open(folder / ("worker-%d.log" % k), "wb") as log:
                procs.append(subprocess.Popen(
                    [dask, "worker", address, "--nthreads", str(threads), "--no-nanny", "--no-dashboard", "--host",
                     "127.0.0.1", "--memory-limit", "0", "--local-directory", str(folder / ("w%d" % k))],
                    cwd=root, env=env, stdout=log, stderr=log))
        _wait_for_workers(address, workers)
        yield LocalCluster(address, procs[0], procs[1:])
    finally:
        for p in reversed(procs):  # the workers first
            with contextlib.suppress(ProcessLookupError):
                p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        kill_leftovers(root)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_address(info: Path, proc: subprocess.Popen, log: Path, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the Dask scheduler exited (%s): %s" % (proc.returncode, log.read_text()[-2000:]))
        with contextlib.suppress(OSError, ValueError):
            return json.loads(info.read_text())["address"]
        time.sleep(0.1)
    raise RuntimeError("the Dask scheduler wrote no address in %d s" % timeout)


def _wait_for_workers(address: str, n: int, timeout: float = 120) -> None:
    from distributed import Client

    with Client(address, timeout=timeout, set_as_default=False) as client:
        client.wait_for_workers(n, timeout=timeout)


def kill_leftovers(root: Path) -> None:
    """Kill the processes that graded in ``root`` for a killed worker (a grading worker or kernel whose parent
    died before it could stop them): they carry ``AUTOGRADER_COURSE_ROOT`` = ``root``."""
    import psutil

    for q in psutil.process_iter(["environ"]):
        if q.pid != os.getpid() and (q.info.get("environ") or {}).get("AUTOGRADER_COURSE_ROOT") == str(root):
            with contextlib.suppress(psutil.Error):
                q.kill()
