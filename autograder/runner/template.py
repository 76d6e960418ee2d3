"""The runner's worker template: one process that imports nbgrader and the engine once, then forks a worker
for each request.

A grading worker spends about 2.4 CPU-seconds importing nbgrader, nbconvert, the kernel machinery, the
engine and the answer key before its first submission. On a machine whose cores are all grading, that is
time taken from the kernels. The runner therefore starts one *template* per run, in the course root with the
grading environment, while it reads the class; each worker is then a fork of it (copy-on-write, a few
milliseconds) that starts with everything loaded. The template itself never runs a notebook, opens a
gradebook or starts a thread: it only forks, and reaps its children so it can say how each one ended.

Protocol (a ``SOCK_SEQPACKET`` socket pair, one JSON message each way per event):

* runner -> template: ``{"mark": ..., "argv": [...], "cwd": ..., "env": {...}, "warm": [...] or null}`` with
  three file descriptors attached (the worker's requests pipe, its replies pipe, its log file); the worker works
  in ``cwd`` (its course root) with ``env`` (its run's grading environment), so that one template serves every
  run of its process; the same with ``"prime": true`` and no descriptors asks for a spare only (below);
* template -> runner: ``{"started": PID, "mark": MARK}`` in answer to each request but a prime, in order, and
  ``{"exited": PID, "code": CODE}`` whenever a worker ends (``CODE`` as :attr:`subprocess.Popen.returncode`
  gives it).

A request with ``warm`` (the live-feedback service's runs) also has the template fork a *spare* worker for the
next request started with the same settings: it starts its kernel at once, with those modules imported
(:mod:`autograder.pipeline.warm`), and waits for that request's descriptors; the reply then names the spare
and its own mark. A request with other settings retires the spare.

When the runner goes away (the socket closes), the template tells its spare to stop its kernel and exits; its
workers are killed with it (``PR_SET_PDEATHSIG``), as a worker started directly is killed with the runner.

A process that grades run after run (the demo's three assignments, the tests) keeps its template between runs
(:func:`reusable`): the imports are paid once per process, not once per run.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from .worker import ENGINE, WORKER_NAME, die_with_parent, name_process, worker_main

SPARE_STOP_WAIT = 15  # seconds the template gives its spare worker to stop its warm kernel when the runner goes
START_TIMEOUT = 120  # seconds to wait for the template to fork a worker (it may still be importing)
BOOT = ("import sys; sys.path.insert(0, %r); from autograder.runner.template import template_main; "
        "sys.exit(template_main(int(sys.argv[1])))" % ENGINE)


class TemplateGone(Exception):
    """The template is not running (it failed to start, or died); workers must be started directly."""


def without_iri_grammars() -> None:
    """Keep jsonschema from importing its optional ``rfc3987_syntax`` (for the "iri" formats), which compiles
    38 grammars when imported: 0.8 CPU-seconds, a third of the template's preload, while every worker waits,
    and as much again in the grading process. Grading never checks formats (nbformat and nbgrader validate
    without a format checker); jsonschema treats the module as not installed."""
    sys.modules.setdefault("rfc3987_syntax", None)


def preload() -> None:
    """What every worker needs before its first submission (never a deep-learning framework: that is the
    kernels' business, and the template must stay a plain process that is safe to fork)."""
    without_iri_grammars()
    import jupyter_client  # noqa: F401
    import nbclient  # noqa: F401
    import nbconvert  # noqa: F401
    import nbformat  # noqa: F401
    import zmq  # noqa: F401
    from nbgrader.apps.autogradeapp import AutogradeApp  # noqa: F401
    from nbgrader.converters import Autograde  # noqa: F401

    from ..pipeline import damaged, execute, inject, judge_cells, restore  # noqa: F401


# --------------------------------------------------------------------------------------------------
# in the template process


def template_main(ctrl_fd: int) -> int:
    import selectors

    die_with_parent()
    name_process("autograder-tpl")
    ctrl = socket.socket(fileno=ctrl_fd)
    preload()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the loop through wake_w
    sel = selectors.DefaultSelector()
    sel.register(ctrl, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    spare: Spare | None = None
    while True:
        for key, _ in sel.select():
            if key.fileobj is ctrl:
                msg, fds, _, _ = socket.recv_fds(ctrl, 1 << 20, 8)
                if not msg:  # the runner is gone
                    if spare is not None:
                        spare.retire(wait=SPARE_STOP_WAIT)
                    return 0
                req = json.loads(msg)
                if req.get("prime"):  # a spare for the next request, and no worker now (Template.prime)
                    if spare is None or spare.key != _spare_key(req):
                        if spare is not None:
                            spare.retire()
                        spare = Spare(req, [sel, ctrl], [wake_r, wake_w])
                    continue
                if spare is not None and spare.key == _spare_key(req) and spare.hand(msg, fds):
                    pid, mark = spare.pid, spare.mark  # the spare worker, its kernel warm, serves this request
                else:
                    if spare is not None:
                        spare.retire()
                    pid, mark = _fork(lambda: _worker(req, fds), [sel, ctrl], [wake_r, wake_w]), req["mark"]
                spare = None
                for fd in fds:
                    os.close(fd)
                ctrl.send(json.dumps({"started": pid, "mark": mark}).encode())
                if req.get("warm") is not None:  # the next request's worker, started now
                    spare = Spare(req, [sel, ctrl], [wake_r, wake_w])
            else:
                while True:
                    try:
                        if not os.read(wake_r, 512):
                            break
                    except BlockingIOError:
                        break
                _reap(ctrl)


def _fork(child, close: list, fds: list[int]) -> int:
    """Fork; the child closes ``close`` (sockets, selectors) and ``fds``, restores the signals the template
    watches, runs ``child()`` and exits with what it returns. Returns the child's pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for obj in close:
                obj.close()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd in fds:
                os.close(fd)
            code = child()
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    return pid


def _spare_key(req: dict) -> str:
    """What a request's worker must have been started with: its course, environment and settings."""
    return json.dumps([req.get("cwd"), req.get("env"), req.get("argv"), req.get("warm")], sort_keys=True)


class Spare:
    """The worker for the next request, forked ahead of it (``warm`` in a request asks for one): it starts its
    kernel at once, warm for the first notebook (:mod:`autograder.pipeline.warm`), then waits on a socket of
    its own for the request's file descriptors. A request started with other settings gets a worker of its
    own, and the spare is told to go (the socket closes): it stops its kernel and exits."""

    def __init__(self, req: dict, close: list, fds: list[int]):
        self.key, self.mark = _spare_key(req), secrets.token_hex(8)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        spare_req = dict(req, mark=self.mark)
        self.pid = _fork(lambda: _spare(spare_req, theirs), close + [ours], fds)
        theirs.close()
        self.sock = ours

    def hand(self, msg: bytes, fds: list[int]) -> bool:
        """Pass a request to the spare; False if it is gone."""
        try:
            socket.send_fds(self.sock, [msg], fds)
        except OSError:
            self.retire()
            return False
        self.sock.close()
        return True

    def retire(self, wait: float = 0) -> None:
        """Tell the spare to go; with ``wait``, give it that long to stop its kernel (the template's end)."""
        self.sock.close()
        t_end = time.monotonic() + wait
        while time.monotonic() < t_end:
            try:
                if os.waitpid(self.pid, os.WNOHANG)[0]:
                    return
            except ChildProcessError:
                return
            time.sleep(0.05)


def _spare(req: dict, sock: socket.socket) -> int:
    """The spare worker: set up as its request will need, its kernel started; then wait for that request."""
    from .worker import prepare, warm_up

    _settle(req)
    app = prepare(req["argv"])
    warm_up(app, req["warm"])
    msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, 8)
    sock.close()
    if not msg:  # told to go
        from ..pipeline import warm

        warm.release()
        return 0
    return _serve(dict(json.loads(msg), mark=req["mark"]), fds, app)


def _reap(ctrl: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        ctrl.send(json.dumps({"exited": pid, "code": os.waitstatus_to_exitcode(status)}).encode())


def _settle(req: dict) -> None:
    """A forked worker's course, environment and mark (which the kernels it starts carry)."""
    if req.get("env") is not None:  # its run's environment, not the one the template was started with
        os.environ.clear()
        os.environ.update(req["env"])
    if req.get("cwd"):
        os.chdir(req["cwd"])
    os.environ["AUTOGRADER_WORKER"] = req["mark"]
    die_with_parent()
    name_process(WORKER_NAME)


def _worker(req: dict, fds: list[int]) -> int:
    """The forked worker: settled, then serve."""
    _settle(req)
    return _serve(req, fds)


def _serve(req: dict, fds: list[int], app=None) -> int:
    """Serve the requests of the runner's worker handle: its pipes and log in place."""
    requests_fd, replies_fd, log_fd = fds
    os.dup2(log_fd, 1)  # anything printed goes to the worker's log
    os.dup2(log_fd, 2)
    os.close(log_fd)
    with os.fdopen(requests_fd, "r") as requests, os.fdopen(replies_fd, "w", buffering=1) as replies:
        return worker_main(requests, replies, req["argv"], app)


# --------------------------------------------------------------------------------------------------
# in the runner


class Template:
    """The runner's handle on its template process."""

    def __init__(self, root: Path, env: dict, log_path: Path):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", BOOT, str(theirs.fileno())], cwd=root, env=env, pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=die_with_parent)
        theirs.close()
        self.log_path = log_path
        self._ctrl = ours
        self._lock = threading.Lock()  # one request at a time: answers come back in order
        self._started: queue.Queue = queue.Queue()
        self._exits: dict[int, int] = {}
        self._ended = threading.Condition()
        self._gone = False
        self.spares = False  # whether a request asked for a spare worker
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                msg = self._ctrl.recv(1 << 16)
            except OSError:
                msg = b""
            if not msg:
                break
            event = json.loads(msg)
            if "started" in event:
                self._started.put(event)
            else:
                with self._ended:
                    self._exits[event["exited"]] = event["code"]
                    self._ended.notify_all()
        with self._ended:
            self._gone = True
            self._ended.notify_all()
        self._started.put(None)

    def alive(self) -> bool:
        return not self._gone and self.proc.poll() is None

    def fork(self, fds: list[int], mark: str, argv: list[str], cwd: Path | None = None,
             env: dict | None = None, warm: list[str] | None = None) -> tuple[int, str]:
        """Start a worker whose requests, replies and log are ``fds``, in ``cwd`` with ``env`` (by default the
        template's own), marked ``mark``; (its pid, its mark). ``warm``: keep a spare worker for the next request
        whose kernel has imported these modules (:class:`Spare`); the next request started with the same
        settings is served by it, and has the spare's mark."""
        msg = {"mark": mark, "argv": argv, "cwd": str(cwd) if cwd else None, "env": env, "warm": warm}
        if warm is not None:
            self.spares = True
        with self._lock:
            if self._gone:
                raise TemplateGone("the worker template is not running")
            try:
                socket.send_fds(self._ctrl, [json.dumps(msg).encode()], fds)
            except OSError as exc:
                raise TemplateGone("the worker template is not running (%s)" % exc)
            try:
                event = self._started.get(timeout=START_TIMEOUT)
            except queue.Empty:
                raise TemplateGone("the worker template did not answer in %d s" % START_TIMEOUT)
            if event is None:
                raise TemplateGone("the worker template ended")
            return event["started"], event["mark"]

    def prime(self, argv: list[str], cwd: Path, env: dict, warm: list[str]) -> None:
        """Have a spare worker ready for the next request started with these settings (as :meth:`fork`'s
        ``warm`` leaves one after a request), before any request: the live-feedback service's first submission."""
        msg = {"mark": "", "argv": argv, "cwd": str(cwd), "env": env, "warm": warm, "prime": True}
        self.spares = True
        with self._lock:
            if self._gone:
                return
            with contextlib.suppress(OSError):
                self._ctrl.send(json.dumps(msg).encode())

    def exit_code(self, pid: int, timeout: float = 0) -> int | None:
        """How worker ``pid`` ended (None while it runs, or when that cannot be known)."""
        with self._ended:
            self._ended.wait_for(lambda: pid in self._exits or self._gone, timeout=timeout)
            return self._exits.get(pid)

    def ended(self, pid: int) -> bool:
        """Whether worker ``pid`` has ended."""
        if self.exit_code(pid) is not None:
            return True
        if self._gone:  # nobody reaps it any more: look for it
            import psutil

            try:
                return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
            except psutil.Error:
                return True
        return False

    def close(self) -> None:
        """End the template. The runner has closed its workers first; the template holds nothing else but a
        spare worker, which it stops, so it is then simply stopped (it may still be importing, when the run
        found nothing to grade)."""
        with contextlib.suppress(OSError):
            self._ctrl.shutdown(socket.SHUT_RDWR)
        if self.spares:  # its spare worker stops its warm kernel first
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=SPARE_STOP_WAIT + 5)
        self.proc.kill()
        self.proc.wait()
        self._reader.join(timeout=5)
        self._ctrl.close()


_REUSABLE: list[Template] = []  # this process's template, kept from one run to the next
_REUSABLE_LOCK = threading.Lock()


def reusable(env: dict) -> Template:
    """This process's template, started now (with ``env``; each worker gets its own run's) unless one still
    runs. It works in no course (its workers go to theirs) and logs to a file of its own in the system's
    temporary folder; it ends with the process, or with :func:`close_reusable`."""
    import tempfile

    with _REUSABLE_LOCK:
        if _REUSABLE and _REUSABLE[0].alive():
            return _REUSABLE[0]
        if _REUSABLE:
            _REUSABLE.pop().close()
        _sweep_logs(Path(tempfile.gettempdir()))
        fd, log = tempfile.mkstemp(prefix="autograder-template-%d-" % os.getpid(), suffix=".log")
        os.close(fd)
        tpl = Template(Path(tempfile.gettempdir()), env, Path(log))
        _REUSABLE.append(tpl)
        return tpl


def _sweep_logs(folder: Path) -> None:
    """Remove the empty template logs of processes that are gone (killed: their exit could not remove them)."""
    for log in folder.glob("autograder-template-*-*.log"):
        try:
            pid = int(log.name.split("-")[2])
            if log.stat().st_size == 0 and not os.path.exists("/proc/%d" % pid):
                log.unlink()
        except (ValueError, OSError):
            continue


def close_reusable(keep_told: bool = False) -> None:
    """End this process's kept template (the benches time each run as the command runs it: a template of its
    own) and remove its log; ``keep_told`` (at the process's exit) keeps a log that holds something."""
    with _REUSABLE_LOCK:
        while _REUSABLE:
            tpl = _REUSABLE.pop()
            tpl.close()
            if not keep_told or not tpl.log_path.exists() or tpl.log_path.stat().st_size == 0:
                tpl.log_path.unlink(missing_ok=True)


def _at_exit(pid: int = os.getpid()) -> None:
    """The process's exit ends its kept template (not the exit of a child forked from it, which does not own it)."""
    if os.getpid() == pid:
        close_reusable(keep_told=True)


atexit.register(_at_exit)
