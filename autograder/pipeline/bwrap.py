"""The sandbox itself: bubblewrap's command line, the resource limits, and whether this machine can sandbox.

Every kernel runs inside bubblewrap: the whole file system read-only, the course (answer key, engine, sources,
gradebook, private state, other students' folders) and the grader's home hidden under empty tmpfs mounts, only
the submission's own working copy writable, a private ``/tmp``, no network (the grader talks to the kernel over
Unix sockets), its own PID namespace, and, when the grader runs as root, an unprivileged user id of its own, so
that the per-user process limit applies to it alone. Resource limits (``setrlimit``) bound memory, CPU seconds,
processes and threads, file size and open files.

Grading refuses to run where bubblewrap is not usable (``sandbox = "bwrap"``, the default) unless the
instructor opts out on purpose (``sandbox = "none"``, ``--no-sandbox``); ``"auto"`` (the demo) falls back to
``"none"`` with a banner.
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path



ENGINE_ROOT = Path(__file__).resolve().parents[2]  # the checkout: the engine and its course
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


def gpu_devices() -> list[str]:
    """The device files of NVIDIA GPUs (and DRM render nodes) present on this machine, if any."""
    import glob

    return sorted(glob.glob("/dev/nvidia*") + glob.glob("/dev/dri/renderD*"))



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
