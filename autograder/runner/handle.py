"""The parent's handle on one worker process: a fork of the run's template, or a process of its own."""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from .template import Template, TemplateGone
from .worker import WORKER_BOOT, die_with_parent

MAX_TASKS_PER_WORKER = 200  # a worker is replaced after this many submissions (bounds slow leaks)


class WorkerDied(Exception):
    pass


def log_tail(path: Path, n: int = 4000) -> str:
    """The last ``n`` bytes of a worker's log, as text ("" where it cannot be read)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - n))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


class Worker:
    """The parent's handle on one worker process: a fork of the run's template, or (without one, or when
    it is gone) a process of its own. ``warm``: have the template keep a spare worker, its kernel warm with
    these modules imported, for the next worker asked for (:meth:`Template.fork`)."""

    def __init__(self, root: Path, argv: list[str], env: dict, log_path: Path,
                 tpl: Template | None = None, warm: list[str] | None = None):
        self.log_path = log_path
        # Every process the worker starts inherits this mark, so that kill() finds its kernels even once they
        # are orphans (a worker killed while its kernel's sandbox was still starting up leaves one behind).
        self.mark = secrets.token_hex(8)
        self.tasks = 0
        self._buf = b""
        self.proc = None
        self.template = None
        with open(log_path, "ab") as log:
            if tpl is not None:
                req_r, req_w = os.pipe()
                rep_r, rep_w = os.pipe()
                try:
                    # a spare worker of the template's, started earlier, has a mark of its own
                    self.pid, self.mark = tpl.fork([req_r, rep_w, log.fileno()], self.mark, list(argv), cwd=root,
                                                   env=env, warm=warm)
                    self.template = tpl
                except TemplateGone as exc:
                    log.write(("%s: starting this worker directly\n" % exc).encode())
                    os.close(req_w)
                    os.close(rep_r)
                else:
                    self._requests = os.fdopen(req_w, "wb")
                    self._replies = os.fdopen(rep_r, "rb")
                finally:
                    os.close(req_r)
                    os.close(rep_w)
            if self.template is None:
                self.proc = subprocess.Popen(
                    [sys.executable, "-c", WORKER_BOOT, *argv], cwd=root, env=dict(env, AUTOGRADER_WORKER=self.mark),
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, preexec_fn=die_with_parent)
                self.pid = self.proc.pid
                self._requests, self._replies = self.proc.stdin, self.proc.stdout

    def alive(self) -> bool:
        return self.proc.poll() is None if self.proc is not None else not self.template.ended(self.pid)

    def exit_code(self, timeout: float) -> int | None:
        if self.proc is not None:
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return None
        return self.template.exit_code(self.pid, timeout)

    def grade(self, task: dict, timeout: float, stop: threading.Event) -> dict:
        self.tasks += 1
        try:
            self._requests.write((json.dumps(task) + "\n").encode())
            self._requests.flush()
        except (BrokenPipeError, OSError):
            raise WorkerDied(self.why_dead())
        deadline = time.monotonic() + timeout
        fd = self._replies.fileno()
        while b"\n" not in self._buf:
            if stop.is_set():
                raise WorkerDied("the run was stopped")
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerDied("the worker took more than %d s on this submission and was stopped" % timeout)
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise WorkerDied(self.why_dead())
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def why_dead(self) -> str:
        from ..pipeline.kernel import describe_exit

        return "the grading worker died (%s)" % describe_exit(self.exit_code(5))

    def kill(self) -> None:
        """Stop the worker and every process it started (its kernels, orphaned or not)."""
        import psutil

        try:
            p = psutil.Process(self.pid)
            procs = [p] + p.children(recursive=True)
        except psutil.Error:
            procs = []
        for q in psutil.process_iter(["environ"]):
            if (q.info.get("environ") or {}).get("AUTOGRADER_WORKER") == self.mark:
                procs.append(q)
        for q in procs:
            with contextlib.suppress(psutil.Error):
                q.kill()
        self.exit_code(10)
        self._close()

    def close(self, timeout: float = 30) -> None:
        """Let the worker finish (end of its input), or kill it."""
        with contextlib.suppress(OSError):
            self._requests.close()
        if self.exit_code(timeout) is None:
            self.kill()
        self._close()

    def _close(self):
        for f in (self._requests, self._replies):
            with contextlib.suppress(Exception):
                f.close()
