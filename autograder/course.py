"""Where things are in the course, and the grader's private state.

The repository root is the nbgrader course root. The grader keeps private state in
``<root>/.autograder/`` (never committed, never readable from a student's kernel once
kernels are sandboxed): the secret that seeds each run's probe inputs, a cache of
the data set that grading kernels read through Keras' download cache, and matplotlib's list
of the system's fonts, which every grading kernel would otherwise build for itself.
"""
from __future__ import annotations

import hashlib
import hmac
import importlib.metadata
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def course_root() -> Path:
    """The course root: ``$AUTOGRADER_COURSE_ROOT`` if set (tests), else the repository root."""
    return Path(os.environ.get("AUTOGRADER_COURSE_ROOT", ROOT)).resolve()


def root_of(args) -> Path:
    """The course root a command works in: its ``--root``, else :func:`course_root`."""
    return Path(args.root).resolve() if getattr(args, "root", None) else course_root()


def state_dir(root: Path | None = None) -> Path:
    d = (root or course_root()) / ".autograder"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def secret(root: Path | None = None) -> bytes:
    """The course's grading secret, created on first use (32 random bytes, mode 600)."""
    path = state_dir(root) / "secret"
    if not path.exists():
        tmp = path.with_suffix(".tmp%d" % os.getpid())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # first writer wins, so concurrent graders share one secret
        except FileExistsError:
            pass
        os.unlink(tmp)
    return path.read_text().strip().encode()


def question_rng(key: bytes, assignment: str, student: str, qid: str) -> np.random.Generator:
    """The generator for one question of one submission: secret, reproducible (docs/design.md, rules 3 and 8)."""
    digest = hmac.new(key, f"{assignment}\0{student}\0{qid}".encode(), hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def keras_home(root: Path | None = None) -> Path:
    """A Keras home whose download cache holds the verified banknote file, for grading kernels."""
    from reference_impl.data import banknote_path

    home = state_dir(root) / "keras"
    datasets = home / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    src = banknote_path()
    dest = datasets / src.name
    if not dest.exists() or dest.stat().st_size != src.stat().st_size:
        tmp = datasets / (src.name + ".tmp%d" % os.getpid())
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    return home


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/var/cache/fontconfig")  # changed when fonts are
# installed or removed


def font_cache(root: Path | None = None) -> Path | None:
    """A folder holding matplotlib's font list (``fontlist-*.json``) for grading kernels, or None.

    Keras imports matplotlib.pyplot, and a kernel whose matplotlib folder is empty (the sandbox gives each
    kernel a fresh one) first scans the system's fonts and writes the list there. Measured in the sandbox,
    that costs a kernel 0.1 CPU-seconds when its notebook imports pyplot before Keras, and 0.9 when Keras
    comes first. The list is built here once per course, by this interpreter with an empty home (as a
    kernel's), and each kernel gets its own copy (:class:`autograder.pipeline.kernel.SandboxKernelManager`). The
    folder's name carries matplotlib's version, the interpreter and the font folders' times, so a new
    matplotlib or newly installed fonts get a new list. None when matplotlib is not installed or the list
    cannot be built: kernels then build their own, as before.
    """
    try:
        version = importlib.metadata.version("matplotlib")
    except importlib.metadata.PackageNotFoundError:
        return None
    stamp = [version, sys.prefix] + ["%s %d" % (d, os.stat(d).st_mtime_ns) for d in FONT_DIRS if os.path.isdir(d)]
    state = state_dir(root)
    home = state / ("fonts-" + hashlib.sha256("\n".join(stamp).encode()).hexdigest()[:12])
    if any(home.glob("fontlist-*.json")):
        return home
    tmp = Path(tempfile.mkdtemp(prefix="fonts-build-", dir=state))
    try:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(MPLCONFIGDIR=str(tmp), HOME=str(tmp))
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], cwd=tmp, env=env, timeout=300,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        for extra in [p for p in tmp.iterdir() if not p.name.startswith("fontlist-")]:
            shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
        if not any(tmp.glob("fontlist-*.json")):
            return None
        try:
            os.rename(tmp, home)  # whole, or not at all: a grader running beside this one may have won
        except OSError:
            pass
        return home if any(home.glob("fontlist-*.json")) else None
    except (OSError, subprocess.SubprocessError):
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
