"""The sandbox every student kernel runs in at grading time, and the execution step that survives faults.

``SafeExecute`` replaces nbgrader's ``Execute`` in the autograde pipeline (see ``nbgrader_config.py``):

* the kernel is started by :class:`SandboxKernelManager` inside bubblewrap (``bwrap``): the whole file
  system read-only, the course (answer key, engine, sources, gradebook, private state, other students'
  folders) and the grader's home hidden under empty tmpfs mounts, only the submission's own working copy
  writable, a private ``/tmp``, no network (the grader talks to the kernel over Unix sockets: jupyter's
  ``ipc`` transport), its own PID namespace, and, when the grader runs as root, an unprivileged user id of
  its own, so that the per-user process limit applies to it alone;
* resource limits (``setrlimit``) on memory, CPU seconds, processes and threads, file size, open files;
* a wall-clock limit for the whole notebook on top of nbgrader's per-cell ``timeout``, and caps on the
  size of the outputs the grader keeps;
* a kernel that dies, stops answering, or runs out of time does not abort the notebook: the cell where it
  happened gets an error output that says why (``KernelDied``, ``NotebookTimeout``, ``KernelUnresponsive``),
  every later code cell an error output ``NotRun`` that names that cell, and the judge gives each question
  left unanswered 0 points with that reason;
* a kernel that cannot be started at all (before any of the student's code has run) is the grader's
  trouble: ``KernelStartError`` is raised, no grade is saved, and the submission is reported as failed
  (the runner grades it again once);
* under the runner, so is a cell that ran out of time because the machine was too busy to run it: its
  processes spent more of the time limit waiting for a CPU than running (``/proc/*/task/*/schedstat``).
  ``MachineBusyError`` is raised, no grade is saved, and the runner grades the submission again; on that last
  try a time-out counts as the notebook's whatever the load (``busy_is_graders_fault``), so a notebook that
  starves itself of CPU on purpose is graded, not retried for ever.

Grading refuses to run where bubblewrap is not usable (``sandbox = "bwrap"``, the default), unless the
instructor opts out on purpose: ``sandbox = "none"`` (``--no-sandbox`` on the command line) keeps the limits
and drops the isolation. ``sandbox = "auto"`` (``make demo``) falls back to ``"none"`` with a banner; the log
and each notebook's metadata (``autograder_sandbox``) say which sandbox graded it.
"""
from __future__ import annotations

import json
import logging
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat.notebooknode import NotebookNode
from nbconvert.exporters import NotebookExporter
from nbgrader.preprocessors import Execute
from traitlets import Any, Bool, Enum, Integer, List, Unicode

log = logging.getLogger(__name__)

ENGINE_ROOT = Path(__file__).resolve().parent.parent
REPORT_MIME = "application/vnd.autograder.report+json"
METADATA_KEY = "autograder_sandbox"
DAMAGED_KEY = "autograder_damaged"
UID_BASE = 1_900_000_000  # sandbox user ids: far from any real account
MiB = 1024 * 1024

FALLBACK_WARNING = ("SANDBOX DISABLED: bubblewrap (bwrap) is not usable on this machine (%s). Student kernels "
                    "run WITHOUT file-system or network isolation: they can read the answer key, the gradebook "
                    "and other students' files. Only the resource limits apply. Install bubblewrap "
                    "(apt-get install bubblewrap) or set SafeExecute.sandbox = 'none' to accept this.")
HOW_TO_FIX = ("Install bubblewrap (as root: apt-get install bubblewrap; `make demo` and `make test` do it where "
              "they can), or grade without isolation on purpose: set c.SafeExecute.sandbox = \"none\" in "
              "nbgrader_config.py, or pass --no-sandbox to `python -m autograder grade`.")
MODES = ("bwrap", "none", "auto")


class SandboxUnavailable(RuntimeError):
    """Grading must run in the sandbox, and bubblewrap does not work on this machine."""


def resolve_mode(configured: str, as_uid: bool) -> tuple[str, str | None]:
    """("bwrap" or "none", a warning or None) for a configured ``SafeExecute.sandbox``.

    Raises :class:`SandboxUnavailable`, with what is wrong and how to fix it or opt out, when the
    sandbox is required ("bwrap") and bubblewrap does not work here."""
    if configured not in MODES:
        raise ValueError("SafeExecute.sandbox must be one of %s, not %r" % (", ".join(MODES), configured))
    if configured == "none":
        return "none", "sandbox disabled by configuration (SafeExecute.sandbox = 'none')"
    problem = bwrap_problem(as_uid)
    if problem is None:
        return "bwrap", None
    if configured == "bwrap":
        raise SandboxUnavailable("grading refused: student kernels must run in the sandbox, and bubblewrap is not "
                                 "usable here (%s). %s" % (problem, HOW_TO_FIX))
    return "none", FALLBACK_WARNING % problem


def describe_mode(mode: str, uid_per_kernel: bool) -> str:
    """One line for a run's summary: which sandbox graded the notebooks."""
    if mode == "bwrap":
        return "sandbox: bubblewrap (%s)" % ("kernels under a user id of their own" if uid_per_kernel
                                             else "kernels under the grader's user id")
    return "sandbox: NONE - kernels ran without isolation (resource limits only)"


# --------------------------------------------------------------------------------------------------
# limits and the sandbox command


def set_limits(limits: dict) -> None:
    """Apply resource limits to the calling process (run in the child before exec)."""
    for name, value in limits.items():
        if value is None or value <= 0:
            continue
        which = getattr(resource, name)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                resource.setrlimit(which, (min(value, hard), hard))


def gpu_devices() -> list[str]:
    """The device files of NVIDIA GPUs (and DRM render nodes) present on this machine, if any."""
    import glob

    return sorted(glob.glob("/dev/nvidia*") + glob.glob("/dev/dri/renderD*"))


# Set in every kernel's environment, whatever the grader's says: float32 matrix products at full float32
# precision on GPUs too, so that a Keras answer is judged the same on any device (the judge compares the
# model's predictions with a float64 forward pass). cuBLAS and cuDNN (TensorFlow, PyTorch) read the first,
# JAX the second; PyTorch already keeps float32 products exact by default.
KERNEL_ENV = {"NVIDIA_TF32_OVERRIDE": "0", "JAX_DEFAULT_MATMUL_PRECISION": "highest",
              # TensorFlow's own C++ log lines (after its logging starts) stay out of the kernel's output
              "TF_CPP_MIN_LOG_LEVEL": "2"}
# How every kernel is started, on top of its kernel spec: ipykernel leaves the process's own file descriptors
# 1 and 2 alone instead of copying what reaches them into cell outputs. What a student's code prints goes
# through Python's sys.stdout and sys.stderr and is shown as always; what the libraries' native code writes
# there at start-up (TensorFlow's CUDA and absl lines, written before any log level applies) stays in the
# grader's log and never reaches a student's page.
KERNEL_ARGS = ["--IPKernelApp.capture_fd_output=False"]

SANDBOX_USER = "student"  # the user name kernels see when they run under a user id of their own

SYSTEM_ROOTS = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "sys", "tmp", "usr"}


def data_roots() -> list[Path]:
    """Every top-level folder that is not the operating system's (/work, /home, /root, /opt, /srv, /var, ...).

    Hiding them all, not only the course, keeps other checkouts of the course on the same machine (a
    teaching assistant's copy, a CI clone) out of the kernel's reach; what the kernel needs from them
    (the interpreter, the Keras cache, its working copy) is bound back.
    """
    roots = []
    for name in sorted(os.listdir("/")):
        path = Path("/") / name
        if name not in SYSTEM_ROOTS and path.is_dir() and not path.is_symlink():
            roots.append(path)
    return roots


def _covered(path: Path, by: list[Path]) -> bool:
    return any(path == p or p in path.parents for p in by)


def bwrap_command(cmd: list[str], *, workdir: Path | None, private: Path, hidden: list[Path],
                  readable: list[Path], uid: int | None, env_unset: list[str],
                  setenv: dict | None = None) -> list[str]:
    """The bubblewrap command line that runs ``cmd`` in the sandbox.

    ``hidden`` paths get an empty tmpfs (folders) or /dev/null (files) over them; ``readable`` paths
    (the interpreter, the Keras cache) are bound back read-only, ``workdir`` and ``private`` read-write.
    With ``uid``, the command runs as that user id (the grader must be root).
    """
    args = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp",
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "sandbox",
            "--die-with-parent"]  # the launcher already starts a new session: interrupts (killpg) reach the kernel
    for device in gpu_devices():  # a minimal /dev has no GPU: bind the accelerator's device files back
        args += ["--dev-bind", device, device]
    hidden = sorted({Path(os.path.realpath(p)) for p in hidden if os.path.lexists(p)}, key=lambda p: len(p.parts))
    kept: list[Path] = [Path("/tmp")]
    for h in hidden:
        if _covered(h, kept) or str(h) == "/":
            continue
        if h.is_dir():
            args += ["--tmpfs", str(h)]
        else:
            args += ["--ro-bind", "/dev/null", str(h)]
        kept.append(h)
    binds = [(Path(os.path.realpath(p)), "--ro-bind") for p in readable if os.path.exists(p)]
    if workdir is not None:
        binds.append((Path(os.path.realpath(workdir)), "--bind"))
    binds.append((Path(os.path.realpath(private)), "--bind"))
    made: set[Path] = set()
    for path, how in sorted(binds, key=lambda b: len(b[0].parts)):
        if not _covered(path, kept):  # only what a tmpfs covers needs binding back
            continue
        top = max((k for k in kept if path == k or k in path.parents), key=lambda k: len(k.parts))
        for anc in reversed(path.parents):  # bwrap would make the folders on the way mode 700
            if top in anc.parents and anc not in made:
                args += ["--perms", "0755", "--dir", str(anc)]
                made.add(anc)
        args += [how, str(path), str(path)]
        made.add(path)
    if workdir is not None:
        # nbgrader writes the sanitized notebook (hidden tests restored) into the working copy before it
        # runs it: the kernel must not read it, nor any other notebook there
        for nb_file in sorted(Path(workdir).glob("*.ipynb")):
            if nb_file.is_file() and not nb_file.is_symlink():
                args += ["--ro-bind", "/dev/null", str(Path(os.path.realpath(workdir)) / nb_file.name)]
    for name in env_unset:
        args += ["--unsetenv", name]
    env = {"HOME": str(private), "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython"}
    if uid is not None:
        # the kernel's user id has no entry in /etc/passwd, so getpass.getuser() would raise KeyError unless a
        # name is in the environment (PyTorch's compiler asks for it when Keras imports it); the grader's own
        # name, passed on otherwise, is no business of the kernel's either
        env.update({name: SANDBOX_USER for name in ("LOGNAME", "USER", "LNAME", "USERNAME")})
    env.update(setenv or {})
    for name, value in env.items():
        args += ["--setenv", name, value]
    if workdir is not None:
        args += ["--chdir", str(workdir)]
    if uid is not None:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                 "setpriv", "--reuid", str(uid), "--regid", str(uid), "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    else:
        args += ["--"]
    return args + list(cmd)


def _sandbox_uid(configured: int) -> int | None:
    if os.geteuid() != 0 or configured == 0:
        return None
    if configured > 0:
        return configured
    return UID_BASE + os.getpid() % 1_000_000  # one id per grading process: its own process count


@lru_cache(maxsize=None)
def bwrap_problem(as_uid: bool) -> str | None:
    """None when bubblewrap works here (as we will call it), else why it does not."""
    if shutil.which("bwrap") is None:
        return "the bwrap program is not installed"
    if as_uid and shutil.which("setpriv") is None:
        return "the setpriv program is not installed"
    private = Path(tempfile.mkdtemp(prefix="agprobe-"))
    try:
        uid = UID_BASE if as_uid else None
        if uid is not None:
            os.chown(private, uid, uid)
        cmd = bwrap_command([sys.executable, "-c", "import tempfile; tempfile.mkdtemp(); open('ok', 'w').write('1')"],
                            workdir=private, private=private, hidden=[], readable=_interpreter_paths(),
                            uid=uid, env_unset=[])
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if proc.returncode != 0 or not (private / "ok").exists():
            return "bwrap failed: %s" % (proc.stderr.strip()[-300:] or "exit %d" % proc.returncode)
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        return "bwrap failed: %s" % exc
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _interpreter_paths() -> list[Path]:
    paths = {Path(os.path.realpath(p)) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    paths.add(Path(os.path.realpath(sys.executable)).parent.parent)
    paths.add(Path(os.path.dirname(sys.executable)).parent)
    return sorted(paths)


def _chown_tree(top: Path, uid: int, gid: int, drop_links: bool = False) -> list[str]:
    """lchown everything under ``top`` (never following links); optionally remove symbolic links."""
    dropped = []
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if drop_links and os.path.islink(p):
                os.unlink(p)
                dropped.append(os.path.relpath(p, top))
                continue
            try:
                os.lchown(p, uid, gid)
            except OSError:
                pass
    os.lchown(top, uid, gid)
    return dropped


def describe_exit(code: int | None) -> str:
    if code is None:
        return "exit status unknown"
    if code < 0 or code > 128:
        signum = -code if code < 0 else code - 128
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = "signal %d" % signum
        why = {"SIGKILL": ": out of memory or a resource limit", "SIGSEGV": ": a crash in native code",
               "SIGXCPU": ": the CPU time limit", "SIGABRT": ": aborted", "SIGXFSZ": ": the file size limit"}
        return "killed by %s%s" % (name, why.get(name, ""))
    return "exit code %d" % code


# --------------------------------------------------------------------------------------------------
# the kernel manager


def _font_cache(root: Path) -> Path | None:
    """The course's font list for kernels (:func:`autograder.course.font_cache`); None if it cannot be had."""
    from . import course

    try:
        return course.font_cache(root)
    except Exception as exc:  # the kernels build their own, as without the cache
        log.warning("no font list for the kernels: %s", exc)
        return None


class SandboxKernelManager(AsyncKernelManager):
    """An async kernel manager that starts its kernel in the sandbox described by ``sandbox_spec``."""

    sandbox_spec = Any(None, allow_none=True)

    def _private_dir(self) -> Path:
        if getattr(self, "_sbx_private", None) is None:
            self._sbx_private = Path(tempfile.mkdtemp(prefix="agk-"))  # short: Unix socket paths are <108 bytes
        return self._sbx_private

    async def _async_pre_start_kernel(self, **kw):
        spec = self.sandbox_spec or {}
        # Unix sockets in the kernel's own folder, in every mode: TCP ports are picked free by one process and
        # bound later by the kernel, and a kernel started meanwhile by another worker can take the same one
        private = self._private_dir()
        self.transport = "ipc"
        self.ip = str(private / "k")
        self.connection_file = str(private / "kernel.json")
        if spec.get("mode") == "bwrap":
            if self.kernel_spec is not None:
                # SIGINT to the process group reaches the kernel twice (bwrap's init passes it on as well),
                # which can break the kernel; the control channel's interrupt_request delivers it once.
                self.kernel_spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments=extra_arguments) + KERNEL_ARGS
        spec = self.sandbox_spec or {}
        if spec.get("mode") != "bwrap":
            return cmd
        private = self._private_dir()
        uid = spec.get("uid")
        setenv = {}
        keras = spec.get("keras_home")
        if keras and os.path.isdir(keras):
            # Keras falls back to /tmp/.keras when its home is not writable, so each kernel gets its own
            # writable copy of the cache (a few KiB): no kernel can change what the next one reads.
            shutil.copytree(keras, private / "keras", symlinks=False, dirs_exist_ok=True)
            setenv["KERAS_HOME"] = str(private / "keras")
        fonts = spec.get("font_cache")
        if fonts and os.path.isdir(fonts):
            # matplotlib's font list, built once for the course: without it every kernel scans the
            # system's fonts (Keras imports pyplot). A copy of its own, as for Keras' cache; without one
            # (a copy that failed), the kernel builds its own list in its /tmp, as it would anyway.
            try:
                shutil.copytree(fonts, private / "matplotlib", symlinks=False, dirs_exist_ok=True)
                setenv["MPLCONFIGDIR"] = str(private / "matplotlib")
            except OSError as exc:
                log.warning("kernel starts without the course's font list: %s", exc)
        if uid is not None:
            _chown_tree(private, uid, uid)
            os.chmod(private, 0o700)
        return bwrap_command(cmd, workdir=spec.get("workdir"), private=private, hidden=spec["hidden"],
                             readable=spec["readable"], uid=uid, env_unset=spec.get("env_unset", []),
                             setenv=setenv)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        spec = self.sandbox_spec or {}
        limits = dict(spec.get("limits", {}))
        if os.geteuid() == 0 and spec.get("uid") is None:
            limits.pop("RLIMIT_NPROC", None)  # root is exempt from it anyway
        env = dict(kw.get("env") or os.environ)
        if spec.get("mode") != "bwrap":  # bwrap unsets these itself (--unsetenv)
            for name in spec.get("env_unset", []):
                env.pop(name, None)
        env.update(KERNEL_ENV)
        kw["env"] = env
        kw["preexec_fn"] = lambda: set_limits(limits)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        private = getattr(self, "_sbx_private", None)
        if private is not None and not restart:
            shutil.rmtree(private, ignore_errors=True)
            self._sbx_private = None

    def exit_status(self) -> int | None:
        proc = getattr(self.provisioner, "process", None)
        if proc is None:
            return None
        try:
            return proc.wait(timeout=5)
        except Exception:
            return proc.poll()


# --------------------------------------------------------------------------------------------------
# the execution step


class GraderTrouble(RuntimeError):
    """Grading could not be done for a reason that is not the student's. Raised, not recorded as a fault, so
    that no grade is saved for the submission: nbgrader reports it as failed, and the runner grades it again
    (``autograder.runner``)."""


class KernelStartError(GraderTrouble):
    """No kernel could be started for a notebook (none of the student's code has run)."""


class MachineBusyError(GraderTrouble):
    """A cell ran out of time while its kernel spent most of that time waiting for a CPU, not running."""


# GraderTroubles raised in this process: nbgrader logs the exception and raises its own, so a runner's
# worker learns from this count, not from the text of the log, that a submission failed for the grader's reason
grader_troubles = 0

# Whether a cell that timed out on a busy machine is the grader's trouble (MachineBusyError) or, as on an idle
# machine, the notebook's time-out. Off by default: `nbgrader autograde` alone never tries a submission again,
# and a notebook that starves itself of CPU must still get a grade. The runner turns it on for every attempt
# at a submission but the last.
busy_is_graders_fault = False

# Time-outs on a busy machine counted as the notebook's all the same (the last attempt): the runner's worker
# reports them, so that the run's summary can name the submissions to grade again on a quiet machine
busy_timeouts_counted = 0

# A time-out is the machine's when the kernel's processes waited for a CPU longer than they ran, and for at
# least this share of the cell's time.
BUSY_WAIT_SHARE = 0.5


def process_tree(pid: int) -> list[int] | None:
    """Process ``pid`` and all its descendants; None if it is gone."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return [pid] + [child.pid for child in proc.children(recursive=True)]
    except psutil.Error:
        return None


def sched_times(pids: list[int] | None) -> dict[str, tuple[float, float]] | None:
    """{thread: (seconds run on a CPU, seconds spent runnable but waiting for one)} for every thread of these
    processes, from ``/proc/<pid>/task/<tid>/schedstat``; None where none can be read. (Threads that have
    ended are not listed: the kernel keeps no such count for them.)"""
    times = {}
    for pid in pids or ():
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    on_cpu, on_queue = f.read().split()[:2]
            except (OSError, ValueError):
                continue
            times[tid] = (int(on_cpu) / 1e9, int(on_queue) / 1e9)
    return times or None


def sched_delta(before: dict, after: dict) -> tuple[float, float]:
    """(seconds run, seconds waited) between two :func:`sched_times`, by the threads alive at the second."""
    ran = waited = 0.0
    for tid, (r, w) in after.items():
        r0, w0 = before.get(tid, (0.0, 0.0))
        ran, waited = ran + max(r - r0, 0.0), waited + max(w - w0, 0.0)
    return ran, waited


class KernelFault(Exception):
    def __init__(self, ename: str, message: str):
        super().__init__(message)
        self.ename, self.message = ename, message


def error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=["%s: %s" % (ename, evalue)])


def cell_name(cell, index: int) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or "cell %d" % (index + 1)


class SafeExecute(Execute):
    """nbgrader's Execute in a sandbox, with limits, and faults recorded instead of raised."""

    sandbox = Enum(list(MODES), "bwrap",
                   help="'bwrap': sandbox every kernel (refuse to grade if bubblewrap does not work); 'none': no "
                        "isolation (limits only), the instructor's explicit opt-out; 'auto': bwrap when usable, "
                        "else 'none' with a loud warning (the demo)").tag(config=True)
    notebook_timeout = Integer(300, help="wall-clock seconds for a whole notebook (0: none)").tag(config=True)
    memory_limit_mb = Integer(8192, help="RLIMIT_DATA of the kernel, MiB (heap and anonymous memory; 0: none)"
                              ).tag(config=True)
    address_space_limit_mb = Integer(0, help="RLIMIT_AS, MiB (0: none; TensorFlow reserves far more virtual "
                                             "memory than it uses, so leave it off)").tag(config=True)
    cpu_time_limit = Integer(600, help="RLIMIT_CPU of each kernel process, seconds (0: none)").tag(config=True)
    max_tasks = Integer(512, help="RLIMIT_NPROC: processes plus threads of the sandbox user (0: none)"
                        ).tag(config=True)
    max_file_size_mb = Integer(256, help="RLIMIT_FSIZE: largest file the kernel may write, MiB (0: none)"
                               ).tag(config=True)
    max_open_files = Integer(1024, help="RLIMIT_NOFILE (0: unchanged)").tag(config=True)
    max_output_bytes = Integer(8 * MiB, help="bytes of student output kept per notebook; the rest is dropped"
                               ).tag(config=True)
    max_report_bytes = Integer(64 * MiB, help="bytes of probe reports kept per notebook").tag(config=True)
    unresponsive_grace = Integer(10, help="seconds a kernel has to answer after a cell timed out").tag(config=True)
    sandbox_uid = Integer(-1, help="user id of sandboxed kernels when grading as root (-1: one per grading "
                                   "process, from %d; 0: keep root)" % UID_BASE).tag(config=True)
    hidden_paths = List(Unicode(), [], help="more paths to hide from kernels").tag(config=True)
    readable_paths = List(Unicode(), [], help="more paths under hidden ones that kernels may read").tag(config=True)
    fail_on_fallback = Bool(False, help="refuse to grade when the sandbox is not usable").tag(config=True)
    # nbclient's own setting, with another default: every output of the last cell is in when the kernel is
    # stopped, so nothing it could do on its way out counts for grades; a graceful exit would cost about a
    # second of CPU per submission (the interpreter tearing TensorFlow, sympy and IPython down).
    shutdown_kernel = Enum(["graceful", "immediate"], "immediate",
                           help="'immediate': kill the kernel once the last cell has run; 'graceful': ask it "
                                "to shut down and wait for it to exit").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(*args, **kwargs)

    # -- the sandbox --------------------------------------------------------------------------------

    def sandbox_mode(self) -> tuple[str, str | None]:
        required = "bwrap" if self.fail_on_fallback and self.sandbox == "auto" else self.sandbox
        return resolve_mode(required, _sandbox_uid(self.sandbox_uid) is not None)

    def limits(self) -> dict:
        return {"RLIMIT_DATA": self.memory_limit_mb * MiB, "RLIMIT_AS": self.address_space_limit_mb * MiB,
                "RLIMIT_CPU": self.cpu_time_limit, "RLIMIT_NPROC": self.max_tasks,
                "RLIMIT_FSIZE": self.max_file_size_mb * MiB, "RLIMIT_NOFILE": self.max_open_files,
                "RLIMIT_CORE": 0}

    def sandbox_spec(self, workdir: Path | None, mode: str) -> dict:
        root = Path(os.environ.get("AUTOGRADER_COURSE_ROOT") or self.coursedir_root() or ENGINE_ROOT)
        hidden = [root, ENGINE_ROOT, Path.home()] + [Path(p) for p in self.hidden_paths] + data_roots()
        # a virtual environment inside a checkout of the course (its answer key): hide the checkout too
        venv_parent = Path(sys.prefix).resolve().parent
        if sys.prefix != sys.base_prefix and any((venv_parent / n).exists() for n in
                                                 ("nbgrader_config.py", "reference_impl", "autograder")):
            hidden.append(venv_parent)
        try:
            from jupyter_core.paths import jupyter_runtime_dir
            hidden.append(Path(jupyter_runtime_dir()))
        except Exception:
            pass
        keras = Path(os.environ["KERAS_HOME"]) if os.environ.get("KERAS_HOME") else root / ".autograder" / "keras"
        readable = _interpreter_paths() + [keras] + [Path(p) for p in self.readable_paths]
        return {"mode": mode, "workdir": workdir, "hidden": hidden, "readable": readable, "keras_home": keras,
                "font_cache": _font_cache(root) if mode == "bwrap" else None,
                "uid": _sandbox_uid(self.sandbox_uid) if mode == "bwrap" else None, "limits": self.limits(),
                "env_unset": ["AUTOGRADER_COURSE_ROOT", "PYTHONPATH", "JPY_PARENT_PID"]}

    def coursedir_root(self) -> str | None:
        try:
            return str(self.config.CourseDirectory.root) or None
        except Exception:
            return None

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, SandboxKernelManager):
            km.sandbox_spec = self._spec
        return km

    # -- execution ----------------------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        path = (resources or {}).get("metadata", {}).get("path") or None
        workdir = Path(path).resolve() if path else None
        mode, warning = self.sandbox_mode()
        if warning:
            self.log.warning("!" * 20 + " " + warning + " " + "!" * 20)
        self._spec = self.sandbox_spec(workdir, mode)
        self._out_bytes = self._report_bytes = 0
        self._truncated = set()
        self._deadline = time.monotonic() + self.notebook_timeout if self.notebook_timeout > 0 else None
        uid = self._spec["uid"]
        if uid is not None and workdir is not None:
            _chown_tree(workdir, uid, uid)
        started = time.monotonic()
        fault = None
        try:
            fault = self._run_cells(nb, resources)
        finally:
            if uid is not None and workdir is not None:
                dropped = _chown_tree(workdir, os.getuid(), os.getgid(), drop_links=True)
                if dropped:
                    self.log.warning("removed symbolic links the kernel made in %s: %s", workdir, dropped[:10])
        meta = {"mode": mode, "uid": uid, "limits": {k: v for k, v in self._spec["limits"].items() if v},
                "notebook_timeout": self.notebook_timeout, "cell_timeout": self.timeout,
                "seconds": round(time.monotonic() - started, 2)}
        if warning:
            meta["warning"] = warning
        if fault:
            meta["fault"] = fault
        if self._truncated:
            meta["output_truncated_cells"] = sorted(self._truncated)
        self.nb.metadata[METADATA_KEY] = meta
        return self.nb, self.resources

    def _run_cells(self, nb, resources) -> str | None:
        cells = self.nb.cells
        fault: KernelFault | None = None
        where = None
        damaged = self.nb.metadata.get(DAMAGED_KEY)
        try:
            if damaged:
                raise KernelFault("SubmissionDamaged", str(damaged)[:300])
            with self.setup_kernel():
                info_msg = self.wait_for_reply(self.kc.kernel_info())
                if info_msg:
                    self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
                for index, cell in enumerate(cells):
                    if cell.cell_type != "code":
                        continue
                    where = index
                    if self._deadline is not None and time.monotonic() >= self._deadline:
                        raise KernelFault("NotebookTimeout", self._notebook_timeout_msg(cell, index))
                    before = self._sched_times()
                    try:
                        self.preprocess_cell(cell, resources, index)
                    except CellTimeoutError:  # no output end after the interrupt (nbclient's IOPub wait)
                        if not any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
                            cell.setdefault("outputs", []).append(NotebookNode(self.error_on_timeout,
                                                                               output_type="error"))
                    except DeadKernelError:
                        raise KernelFault("KernelDied", "the kernel died in cell '%s' (%s)"
                                          % (cell_name(cell, index), describe_exit(self._exit_status())))
                    timed_out = any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError"
                                    for o in cell.get("outputs", []))
                    if timed_out:
                        if self._deadline is not None and time.monotonic() >= self._deadline - 0.5:
                            cell.outputs = [o for o in cell.outputs if o.get("ename") != "CellTimeoutError"]
                            raise KernelFault("NotebookTimeout", self._notebook_timeout_msg(cell, index))
                        self._busy_check(before, cell, index)
                        if not self._responsive():
                            raise KernelFault("KernelUnresponsive",
                                              "timed out after %s s in cell '%s' and the kernel did not respond "
                                              "to the interrupt; it was stopped" % (self.timeout, cell_name(cell, index)))
        except KernelFault as exc:
            fault = exc
        except GraderTrouble:  # not the notebook's doing: no fault recorded, nothing graded
            raise
        except DeadKernelError:
            if where is None:
                self._start_failed("the kernel died before it was ready (%s)" % describe_exit(self._exit_status()))
            fault = KernelFault("KernelDied", "the kernel died in cell '%s' (%s)" % (
                cell_name(cells[where], where), describe_exit(self._exit_status())))
        except Exception as exc:  # the kernel would not start, or the connection broke
            why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            if where is None:
                self._start_failed("%s: %s" % (type(exc).__name__, why))
            self.log.exception("kernel failure")
            fault = KernelFault("KernelFailed", "the kernel could not run the notebook (in cell '%s') (%s)"
                                % (cell_name(cells[where], where), why))
        if fault is None:
            return None
        self.log.warning("%s: %s", fault.ename, fault.message)
        first = where if where is not None else 0
        for index, cell in enumerate(cells):
            if cell.cell_type != "code" or index < first:
                continue
            if index == first:
                cell.setdefault("outputs", []).append(error_output(fault.ename, fault.message))
            else:
                cell.outputs = [error_output("NotRun", fault.message)]
        return fault.message

    def _start_failed(self, why: str):
        """No cell has run: nothing here is the student's doing, so nothing is graded (:class:`KernelStartError`)."""
        global grader_troubles
        grader_troubles += 1
        self.log.warning("no kernel could be started: %s", why)
        raise KernelStartError("no kernel could be started for this notebook, so it was not graded (%s); "
                               "grade it again" % why) from None

    def _sched_times(self, look_again: bool = False):
        """(:func:`sched_times` of the kernel's processes, monotonic time). Before each cell it reads the
        processes found the first time (a few files, no scan of the process table); after a time-out it looks
        for the kernel's processes again, and a process started since counts from its start."""
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        if proc is None:
            return None, time.monotonic()
        if look_again or getattr(self, "_kernel_pids", None) is None or self._kernel_pids[0] != proc.pid:
            self._kernel_pids = process_tree(proc.pid) or [proc.pid]
        return sched_times(self._kernel_pids), time.monotonic()

    def _busy_check(self, before, cell, index) -> None:
        """After a time-out: raise :class:`MachineBusyError` if the machine, not the cell, used up the time."""
        global grader_troubles, busy_timeouts_counted
        (start, t0), (end, t1) = before, self._sched_times(look_again=True)
        if start is None or end is None:
            return
        (ran, waited), wall = sched_delta(start, end), t1 - t0
        if waited <= ran or waited < BUSY_WAIT_SHARE * wall:
            self.log.warning("cell '%s' timed out after %.1f s; its kernel ran %.1f s and waited %.1f s for a CPU",
                             cell_name(cell, index), wall, ran, waited)
            return
        why = ("cell '%s' ran out of its %s s while the machine was too busy to run it: the kernel ran %.1f s "
               "and waited %.1f s for a CPU" % (cell_name(cell, index), self.timeout, ran, waited))
        if not busy_is_graders_fault:
            busy_timeouts_counted += 1
            self.log.warning("%s; counted as the notebook's time-out (last attempt)", why)
            return
        grader_troubles += 1
        self.log.warning(why)
        raise MachineBusyError("%s, so it was not graded; grade it again" % why)

    def _notebook_timeout_msg(self, cell, index) -> str:
        return "the notebook ran past its time limit of %d s in cell '%s'" % (self.notebook_timeout,
                                                                              cell_name(cell, index))

    def _exit_status(self):
        try:
            return self.km.exit_status() if isinstance(self.km, SandboxKernelManager) else None
        except Exception:
            return None

    def _responsive(self) -> bool:
        """Whether the kernel answers a kernel_info request within ``unresponsive_grace`` seconds."""
        async def ask():
            msg_id = self.kc.kernel_info()
            deadline = time.monotonic() + self.unresponsive_grace
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                try:
                    msg = await self.kc.shell_channel.get_msg(timeout=left)
                except Exception:
                    return False
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
        try:
            return run_sync(ask)()
        except Exception:
            return False

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if self._deadline is None or cell is None:
            return timeout
        left = max(1, int(self._deadline - time.monotonic() + 0.999))
        return left if timeout is None else min(timeout, left)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(json.dumps(content.get("data", content.get("text", content)), default=str))
        if REPORT_MIME in (content.get("data") or {}):
            self._report_bytes += size
            over = self._report_bytes > self.max_report_bytes
        else:
            self._out_bytes += size
            over = self.max_output_bytes > 0 and self._out_bytes > self.max_output_bytes
        if over:
            if cell_index not in self._truncated:
                self._truncated.add(cell_index)
                outs.append(NotebookNode(output_type="display_data", metadata={}, data={
                    "text/plain": "[output truncated: this notebook printed more than the grader keeps "
                                  "(%d MiB)]" % (self.max_output_bytes // MiB)}))
            return None
        return super().output(outs, msg, display_id, cell_index)


# --------------------------------------------------------------------------------------------------
# damaged submissions


class SafeNotebookExporter(NotebookExporter):
    """Reads a submitted notebook; one that cannot be read becomes the released notebook, marked damaged.

    nbgrader reads each submitted notebook before any preprocessor runs, and a file that is not JSON, not
    a notebook, empty, or of a format it cannot upgrade aborts that submission (and leaves no grade). Here
    such a file is replaced, in memory only, by the released notebook with ``autograder_damaged`` in its
    metadata; ``SafeExecute`` then runs no kernel and every question gets 0 with the reason. The submitted
    file itself is never changed.

    Only the file's own faults count as damage: a file that cannot be read, or one that breaks the notebook
    schema when read and then cannot be graded. Any other exception while grading (the gradebook, a kernel
    that will not start, a bug in a preprocessor) is the grader's: it is raised, nbgrader saves no grade for
    the submission and reports it, and the next run grades it again.
    """

    def from_filename(self, filename, resources=None, **kw):
        try:
            with open(filename, "rb") as f:
                raw = f.read()
            reason = damage(raw)
        except OSError as exc:
            reason = "the notebook could not be read (%s)" % exc.strerror
        if reason is None:
            self._invalid = None  # set by from_file when the notebook breaks the schema
            try:
                return super().from_filename(filename, resources, **kw)
            except _Unreadable as exc:
                reason = str(exc)
            except Exception as exc:
                if self._invalid is None or isinstance(exc, GraderTrouble):
                    raise  # a valid notebook, or the grader's trouble (no kernel, a machine too busy)
                reason = self._invalid
        import nbformat

        info = (resources or {}).get("nbgrader", {})
        root = Path(getattr(getattr(self.parent, "coursedir", None), "root", None) or os.getcwd())
        release = root / "release" / str(info.get("assignment", "")) / (str(info.get("notebook", "")) + ".ipynb")
        if release.is_file():
            nb = nbformat.read(str(release), as_version=4)
        else:
            nb = nbformat.v4.new_notebook()
        nb.metadata[DAMAGED_KEY] = reason
        logging.getLogger("autograder").warning("%s: %s", filename, reason)
        if resources is not None:
            resources.setdefault("metadata", {})["path"] = os.path.dirname(os.path.abspath(filename))
        return self.from_notebook_node(nb, resources, **kw)

    def from_file(self, file_stream, resources=None, **kw):
        import nbformat

        try:
            nb = nbformat.read(file_stream, as_version=4)
        except Exception as exc:  # anything nbformat cannot read or upgrade
            raise _Unreadable("the notebook could not be read (%s)" % _first_line(exc)) from exc
        try:
            nbformat.validate(nb, relax_add_props=True)  # the check nbconvert makes after each preprocessor
        except nbformat.ValidationError as exc:
            self._invalid = "the notebook is not a valid Jupyter notebook (%s)" % _first_line(exc)
        return self.from_notebook_node(nb, resources, **kw)


class _Unreadable(Exception):
    """A submitted file that nbformat could not read; its message is the reason given to the student."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def damage(raw: bytes) -> str | None:
    """Why ``raw`` is not a notebook nbformat 4 can grade, or None when it looks like one."""
    if not raw.strip():
        return "the notebook file is empty"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "the notebook is not valid JSON (it is not UTF-8 text)"
    except (ValueError, RecursionError) as exc:
        return "the notebook is not valid JSON (%s)" % str(exc)[:120]
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        return "the file is not a Jupyter notebook (no nbformat version)"
    if data["nbformat"] < 4:
        return None if data["nbformat"] == 3 else "the notebook format %s is too old to grade" % data["nbformat"]
    if data["nbformat"] > 4:
        return "the notebook format %s is newer than this grader reads" % data["nbformat"]
    if not isinstance(data.get("cells"), list):
        return "the file is not a Jupyter notebook (it has no list of cells)"
    return None
