"""The kernel manager that starts each student kernel in the sandbox, and the environment kernels get."""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any

from .bwrap import _chown_tree, bwrap_command, set_limits

log = logging.getLogger(__name__)


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


def user_processes(uid: int) -> list[int]:
    """The processes whose real user id is ``uid`` (zombies included: they hold their place in the user's
    process count until they are reaped)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info.get("uids")
        if uids is not None and uids.real == uid:
            found.append(proc.pid)
    return found


def clear_user(uid: int, wait: float = 20.0) -> int:
    """Stop what is left of the previous kernel under the sandbox user ``uid`` and wait until it is gone.

    A grading process runs its kernels one after another under one user id of its own, whose process limit
    (``SafeExecute.max_tasks``) counts every process and thread of that user. A kernel that filled it (a fork
    storm) is stopped with its whole PID namespace, but the kernel tears hundreds of processes down after the
    stop returns: the next notebook's kernel, started meanwhile, could not start a process and that notebook
    went ungraded. Returns how many processes were found (0 almost always)."""
    found = left = user_processes(uid)
    deadline = time.monotonic() + wait
    while left and time.monotonic() < deadline:
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
        left = user_processes(uid)
    if found:
        log.warning("%d processes of the sandbox user %d were left from the previous kernel: stopped%s", len(found),
                    uid, "" if not left else "; %d still there after %.0f s" % (len(left), wait))
    return len(found)


# --------------------------------------------------------------------------------------------------
# the kernel manager


def _font_cache(root: Path) -> Path | None:
    """The course's font list for kernels (:func:`autograder.course.font_cache`); None if it cannot be had."""
    from .. import course

    try:
        return course.font_cache(root)
    except Exception as exc:  # the kernels build their own, as without the cache
        log.warning("no font list for the kernels: %s", exc)
        return None


KERNEL_FOLDER = "agk-"  # short: Unix socket paths are <108 bytes
KERNEL_OUTPUT = "output.log"  # a kernel started before its worker had a log (warm.py) writes here
OWNER = ".owner"  # a kernel folder's lock, held by the process that made the folder for as long as it lives


def kernel_folder() -> tuple[Path, int]:
    """A new kernel folder in the system's temporary folder, and the descriptor of its lock (:data:`OWNER`), held
    until the folder is removed. A process killed with SIGKILL (a service, a test that kills a run) cannot
    remove its kernels' folders, but its locks go with it: each new folder first removes those left so."""
    sweep_kernel_folders()
    folder = Path(tempfile.mkdtemp(prefix=KERNEL_FOLDER))
    fd = os.open(folder / (OWNER + ".new"), os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(folder / (OWNER + ".new"), folder / OWNER)  # never an unlocked OWNER that a sweep could take
    return folder, fd


def sweep_kernel_folders() -> int:
    """Remove the kernel folders whose lock nobody holds (their process is gone); how many."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(KERNEL_FOLDER + "*"):
        try:
            fd = os.open(folder / OWNER, os.O_RDWR | os.O_NOFOLLOW)
        except OSError:  # being made, or not ours
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # in use
            continue
        else:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
        finally:
            os.close(fd)
    return removed


def _pass_on_output(path: Path) -> None:
    """A warm kernel's output file, into this process's log (stderr): its first MiB, if it is a plain file (the
    kernel could have put a link there)."""
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return
    with os.fdopen(fd, "rb") as f:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.buffer.write(f.read(1 << 20))
                sys.stderr.flush()


class SandboxKernelManager(AsyncKernelManager):
    """An async kernel manager that starts its kernel in the sandbox described by ``sandbox_spec``."""

    sandbox_spec = Any(None, allow_none=True)

    def _private_dir(self) -> Path:
        if getattr(self, "_sbx_private", None) is None:
            self._sbx_private, self._sbx_owner = kernel_folder()
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
        if spec.get("mode") == "bwrap" and spec.get("uid") is not None and spec.get("uid_of_process"):
            clear_user(spec["uid"])  # the grading process's own user id: nothing but its previous kernel runs as it
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
            _pass_on_output(private / KERNEL_OUTPUT)
            shutil.rmtree(private, ignore_errors=True)
            os.close(self._sbx_owner)
            self._sbx_private = None

    # nbclient cleans up a kernel that died with ``cleanup_resources``, which jupyter_client binds to its own
    # ``_async_cleanup_resources``, not this one: without this, every dead kernel's folder stayed in /tmp
    cleanup_resources = _async_cleanup_resources

    def exit_status(self) -> int | None:
        proc = getattr(self.provisioner, "process", None)
        if proc is None:
            return None
        try:
            return proc.wait(timeout=5)
        except Exception:
            return proc.poll()
