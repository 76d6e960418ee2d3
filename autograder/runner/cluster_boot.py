"""The first code a Dask worker runs for a grading task; it travels with the task, by value.

A Dask worker started with ``dask worker tcp://HOST:PORT`` does not have the course root on its import path, and
the scheduler reads every task too, so this function is sent as code, not as a name to import
(:func:`autograder.runner.cluster.boot_by_value`); it imports nothing of the engine at the top. It checks that the
worker runs in a course root, puts that root first on the import path, and hands the task to
:func:`autograder.runner.cluster_worker.grade_here`, the engine the worker's host holds.
"""
from __future__ import annotations


def grade_on_worker(task: dict, argv: list, timeout: float) -> dict:
    """Grade one submission on this Dask worker (see :func:`autograder.runner.cluster_worker.grade_here`)."""
    import os
    import socket
    import sys

    root = os.getcwd()
    if not os.path.isfile(os.path.join(root, "nbgrader_config.py")):
        return {"student": task["student"], "died": "the Dask worker on %s runs in %s, which is not a course root "
                "(no nbgrader_config.py): start `dask worker` in the course root" % (socket.gethostname(), root)}
    if root not in sys.path:
        sys.path.insert(0, root)
    from autograder.runner.cluster_worker import grade_here

    return grade_here(task, argv, timeout)


def prestart_on_worker(argv: list, slots: dict | None = None, dask_worker=None) -> int:
    """Start this Dask worker's grading workers ahead (:func:`autograder.runner.cluster_worker.prestart_here`); nothing
    outside a course root (its tasks will say why)."""
    import os
    import sys

    root = os.getcwd()
    if not os.path.isfile(os.path.join(root, "nbgrader_config.py")):
        return 0
    if root not in sys.path:
        sys.path.insert(0, root)
    from autograder.runner.cluster_worker import prestart_here

    return prestart_here(argv, dask_worker, slots)
