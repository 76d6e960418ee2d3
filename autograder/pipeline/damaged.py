"""Reading a submitted notebook that may be damaged: a file that is not a notebook still gets a verdict per
question (0, with the reason), never a crash of the batch."""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from nbconvert.exporters import NotebookExporter

from ..faults import GraderTrouble

DAMAGED_KEY = "autograder_damaged"  # the reason, in the notebook's metadata, when the file was damaged


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
