"""Where things are in the course, and the grader's private state.

The repository root is the nbgrader course root. The grader keeps private state in
``<root>/.autograder/`` (never committed, never readable from a student's kernel once
kernels are sandboxed): the secret that seeds each run's probe inputs, and a cache of
the data set that grading kernels read through Keras' download cache.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def course_root() -> Path:
    """The course root: ``$AUTOGRADER_COURSE_ROOT`` if set (tests), else the repository root."""
    return Path(os.environ.get("AUTOGRADER_COURSE_ROOT", ROOT)).resolve()


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
    """The generator for one question of one submission: secret, reproducible (rule 3 and rule 8)."""
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
