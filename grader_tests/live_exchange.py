"""A real nbgrader exchange with real OS users as students, for the live-feedback test and ``make bench-serve``.

Everything lives in one temporary folder: the course (root's, mode 700), the exchange (as on a shared
JupyterHub server) and each student's home (theirs, mode 700). Students are OS users made with ``useradd``
(unique temporary names) and removed again, whatever happens; they act through ``runuser`` with nbgrader's own
commands, as on the server. Needs root, ``useradd`` and ``runuser``.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from e2e import copy_course, use_shared_banknote

COURSE_ID = "dl-course"


def missing() -> str | None:
    """Why OS users cannot be students here, or None."""
    if os.geteuid() != 0:
        return "making OS users for the students needs root"
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            return "no %s on this machine" % tool
    return None


@dataclass
class Student:
    name: str
    home: Path

    def command(self, python_args: list[str]) -> tuple[list[str], dict]:
        """(argv, environment) that run ``python PYTHON_ARGS`` as this OS user."""
        python, extra = student_python(self.name)
        env = dict(extra, HOME=str(self.home), USER=self.name, LOGNAME=self.name, LANG="C.UTF-8",
                   PATH="/usr/bin:/bin")
        return [shutil.which("runuser"), "-u", self.name, "--", python, *python_args], env

    def nbgrader(self, exchange: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """``nbgrader ARGS --course dl-course`` as this OS user, in their home."""
        cmd, env = self.command(["-m", "nbgrader", *args, "--course", COURSE_ID, "--Exchange.root=%s" % exchange])
        proc = subprocess.run(cmd, cwd=self.home, env=env, text=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError("`%s` as %s failed:\n%s" % (" ".join(args), self.name, proc.stdout[-3000:]))
        return proc

    def hand_in(self, exchange: Path, assignment: str, notebooks: dict[str, object]) -> None:
        """Put ``notebooks`` ({file name: notebook}) in the fetched assignment as the student, and submit it."""
        folder = self.home / assignment
        for name, nb in notebooks.items():
            nbformat.write(nb, str(folder / name))
            os.chown(folder / name, *self.ids())
        self.nbgrader(exchange, "submit", assignment)

    def ready_to_submit(self, exchange: Path, assignment: str, go: Path) -> subprocess.Popen:
        """A process of this student's that has imported nbgrader (as their running Jupyter server has) and
        runs ``nbgrader submit`` as soon as the file ``go`` exists; it prints "ready" once it waits."""
        argv = ["submit", assignment, "--course", COURSE_ID, "--Exchange.root=%s" % exchange]
        cmd, env = self.command(["-c", SUBMIT_ON_GO, str(go), json.dumps(argv)])
        proc = subprocess.Popen(cmd, cwd=self.home, env=env, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        return proc

    def ids(self) -> tuple[int, int]:
        st = self.home.stat()
        return st.st_uid, st.st_gid

    def feedback(self, exchange: Path, assignment: str) -> dict[str, str]:
        """``nbgrader fetch_feedback`` as the student: {timestamp folder/notebook.html: page text}."""
        self.nbgrader(exchange, "fetch_feedback", assignment)
        base = self.home / assignment / "feedback"
        return {str(p.relative_to(base)): p.read_text() for p in sorted(base.glob("*/*.html"))}


SUBMIT_ON_GO = """
import json, os, sys, time
from nbgrader.apps.nbgraderapp import NbGraderApp
import nbgrader.apps.submitapp, nbgrader.exchange.default.submit
print("ready", flush=True)
while not os.path.exists(sys.argv[1]):
    time.sleep(0.02)
NbGraderApp.launch_instance(argv=json.loads(sys.argv[2]))
"""


def submit_together(users: list[Student], exchange: Path, assignment: str, go: Path) -> float:
    """Every student submits at the same moment (each from a process that already imported nbgrader); returns
    that moment (``time.time()``)."""
    procs = [u.ready_to_submit(exchange, assignment, go) for u in users]
    try:
        for u, p in zip(users, procs):
            line = p.stdout.readline()
            if line.strip() != "ready":
                raise AssertionError("%s could not get ready to submit: %s%s" % (u.name, line, p.stdout.read()))
        t_go = time.time()
        go.touch()
        for u, p in zip(users, procs):
            out = p.communicate(timeout=300)[0]
            if p.returncode != 0:
                raise AssertionError("`nbgrader submit` as %s failed:\n%s" % (u.name, out[-3000:]))
        return t_go
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def student_python(user: str) -> tuple[str, dict]:
    """The interpreter a student runs nbgrader with, and its environment: this one where the user may run it,
    else the system's Python of the same version with this environment's packages (this interpreter may sit
    in a folder only root may enter, such as /root/.pyenv)."""
    ok = subprocess.run([shutil.which("runuser"), "-u", user, "--", sys.executable, "-c", "import nbgrader"],
                        capture_output=True, cwd="/").returncode == 0
    if ok:
        return sys.executable, {}
    import sysconfig

    system = "/usr/bin/python%d.%d" % sys.version_info[:2]
    if not os.access(system, os.X_OK):
        raise AssertionError("students cannot run %s and there is no %s" % (sys.executable, system))
    return system, {"PYTHONPATH": sysconfig.get_paths()["purelib"]}


@contextlib.contextmanager
def live_course(n_students: int, config: str = ""):
    """(course root, exchange root, students): a course copy whose ``nbgrader_config.py`` points at a fresh
    exchange (plus ``config``), and ``n_students`` new OS users; all removed on the way out."""
    use_shared_banknote()
    base = Path(tempfile.mkdtemp(prefix="live-feedback-"))
    os.chmod(base, 0o711)
    users: list[Student] = []
    try:
        root = copy_course(base / "course")
        os.chmod(root, 0o700)
        exchange = base / "exchange"
        exchange.mkdir(mode=0o755)
        os.chmod(exchange, 0o755)
        with open(root / "nbgrader_config.py", "a") as f:
            f.write("\nc.Exchange.root = %r\n%s\n" % (str(exchange), config))
        (base / "home").mkdir(mode=0o711)
        tag = secrets.token_hex(3)
        for k in range(n_students):
            name = "lf%s%02d" % (tag, k)
            home = base / "home" / name
            subprocess.run(["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh",
                            "--no-user-group", name], check=True, capture_output=True)
            users.append(Student(name, home))
            home.mkdir(mode=0o700)
            shutil.chown(home, user=name)
        yield root, exchange, users
    finally:
        for u in users:
            for _ in range(50):  # userdel refuses while the user's last processes are exiting
                subprocess.run(["pkill", "-KILL", "-u", u.name], capture_output=True)  # only that user's processes
                if subprocess.run(["userdel", u.name], capture_output=True).returncode in (0, 6):  # 6: no such user
                    break
                time.sleep(0.2)
        shutil.rmtree(base, ignore_errors=True)


def release(root: Path, assignment: str) -> None:
    """``nbgrader release_assignment`` by the instructor (root), into the course's exchange."""
    from autograder import grading

    grading.ensure_generated(root, assignment)
    grading.nbgrader(root, "release_assignment", assignment, "--force")


def start_service(root: Path, log: Path, *args: str) -> subprocess.Popen:
    """``python -m autograder serve ARGS`` in the course, as its own process group, its lines in ``log``."""
    env = dict(os.environ, AUTOGRADER_COURSE_ROOT=str(root))
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "autograder", "--root", str(root), "serve", *args],
                                cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop_everything(root: Path, proc: subprocess.Popen | None) -> None:
    """Kill the service's process group and every process left that grades in this course (a killed service's
    kernels may outlive it)."""
    import psutil

    if proc is not None and proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    for p in psutil.process_iter(["environ"]):
        with contextlib.suppress(psutil.Error):
            if (p.info.get("environ") or {}).get("AUTOGRADER_COURSE_ROOT") == str(root):
                p.kill()


def journal_events(root: Path) -> list[dict]:
    path = root / ".autograder" / "serve" / "journal.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(ValueError):
            out.append(json.loads(line))
    return out


def wait_for(predicate, timeout: float, what: str, poll: float = 0.2):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        got = predicate()
        if got:
            return got
        time.sleep(poll)
    raise AssertionError("waited %.0f s for %s" % (timeout, what))
