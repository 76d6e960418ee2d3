"""What the run's workers and kernels get: the grading environment, the GPU memory settings, a share of the
cores per kernel, and the sandbox the run will grade in (decided before anything is graded)."""
from __future__ import annotations

import os
from pathlib import Path

from .. import grading
from ..gradebook import course_config
from ..pipeline import bwrap
from ..pipeline.execute import SafeExecute


GPU_ENV = {"TF_FORCE_GPU_ALLOW_GROWTH": "true", "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
# With jobs > 1, each kernel's thread pools get cores // jobs threads (unless these are set already): a kernel
# sized for the whole machine, next to others sized the same, spins and switches threads instead of working.
# TensorFlow reads the TF_ ones, PyTorch and OpenMP builds OMP_NUM_THREADS, numpy's BLAS the last two.
# 16 submissions on 2 cores, 3 workers, CPU-seconds per submission (3 runs each): 6.87 without, 6.69 with.
THREAD_ENV = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
              "MKL_NUM_THREADS")
def cores() -> int:
    """The cores this process may run on (all of them, by default)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def worker_env(root: Path, jobs: int = 1) -> dict[str, str]:
    """The grading environment (:func:`grading.grading_env`) plus the GPU memory settings and, when ``jobs``
    kernels run at once, a share of the cores for each kernel's math libraries (``THREAD_ENV``)."""
    env = grading.grading_env(root)
    for name, value in GPU_ENV.items():
        env.setdefault(name, value)
    if jobs > 1:
        share = str(max(1, cores() // jobs))
        for name in THREAD_ENV:
            env.setdefault(name, share)
    return env


def sandbox_preflight(root: Path, override: str | None = None) -> tuple[str, str, str | None]:
    """(mode, the summary's line, a warning or None) of the sandbox a run will grade in, decided before
    anything is graded: the course's ``SafeExecute.sandbox`` (default "bwrap"), or ``override`` ("none" for
    ``--no-sandbox``, "auto" for the demo). Raises :class:`autograder.pipeline.bwrap.SandboxUnavailable` when the
    sandbox is required and bubblewrap does not work here, so that a refused run writes no grade."""
    cfg = course_config(root).get("SafeExecute", {})
    configured = override or str(cfg.get("sandbox", SafeExecute.sandbox.default_value))
    as_uid = bwrap._sandbox_uid(int(cfg.get("sandbox_uid", -1))) is not None
    mode, warning = bwrap.resolve_mode(configured, as_uid)
    return mode, bwrap.describe_mode(mode, as_uid), warning
