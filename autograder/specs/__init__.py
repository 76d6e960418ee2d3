"""The question specs, found by convention: one module per assignment, named after it.

The spec of assignment ``01_forward_pass`` is the module ``autograder/specs/forward_pass.py`` (or the package
``autograder/specs/forward_pass/``, when one file would be too long): the assignment's
name without its leading number (``01_``, ``2-``) and with any other character that Python names cannot hold
turned into ``_``; a name that does not start with a number is its own module name (``ps1`` -> ``ps1.py``). The
module defines ``ASSIGNMENT``, an :class:`autograder.judging.spec.Assignment` whose ``name`` is the assignment's.
Nothing else lists the specs: adding one is adding its file (docs/authoring.md).

An assignment without a spec module is graded as nbgrader grades it (every grade cell is a plain one). Each
spec is imported only when its assignment is asked for, so a broken spec stops only its own assignment, with a
:class:`SpecError` that names its file and, when the spec says so, the question.
"""
from __future__ import annotations

import importlib
import re
import traceback
from pathlib import Path

from ..judging.spec import Assignment

FOLDER = Path(__file__).resolve().parent
_loaded: dict[str, Assignment | None] = {}


class SpecError(RuntimeError):
    """A spec module that exists but cannot be used: it does not import, or its ``ASSIGNMENT`` is wrong."""


def module_name(assignment: str) -> str:
    """The spec module's name for an assignment (the convention above)."""
    name = re.sub(r"^\d+[_\-. ]*", "", assignment) or assignment
    name = re.sub(r"\W", "_", name)
    return "_" + name if name[0].isdigit() else name


def path_of(assignment: str) -> Path:
    """Where the spec of an assignment is (its module, or its package's ``__init__.py``), or would be."""
    package = FOLDER / module_name(assignment) / "__init__.py"
    return package if package.is_file() else FOLDER / (module_name(assignment) + ".py")


def shown_path(assignment: str) -> str:
    """:func:`path_of` as a message names it: from the engine's folder on (``autograder/specs/...``)."""
    return str(path_of(assignment).relative_to(FOLDER.parent.parent))


def _module_of(path: Path) -> str:
    return path.parent.name if path.name == "__init__.py" else path.stem


def get(name: str) -> Assignment | None:
    """The spec of an assignment, or None if it has none (then nbgrader's rules grade its cells).

    Raises :class:`SpecError` when its module is there but broken."""
    if name not in _loaded:
        _loaded[name] = _load(name)
    return _loaded[name]


def _load(name: str) -> Assignment | None:
    path = path_of(name)
    if not path.is_file():
        return None
    where = "the spec of %s (%s)" % (name, path)
    try:
        module = importlib.import_module("%s.%s" % (__name__, _module_of(path)))
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1]
        raise SpecError("%s cannot be loaded: %s: %s (at %s, line %s)" % (
            where, type(exc).__name__, exc, last.filename, last.lineno)) from exc
    spec = getattr(module, "ASSIGNMENT", None)
    if not isinstance(spec, Assignment):
        raise SpecError("%s defines no ASSIGNMENT = Assignment(...)" % where)
    if spec.name != name:
        raise SpecError("%s is for assignment %r: its ASSIGNMENT.name must be %r" % (where, spec.name, name))
    return spec


def names() -> list[str]:
    """The assignments that have a spec module, by the name each spec gives (broken specs are left out)."""
    found = []
    for path in sorted(list(FOLDER.glob("*.py")) + list(FOLDER.glob("*/__init__.py"))):
        stem = _module_of(path)
        if stem.startswith("__"):
            continue
        try:
            module = importlib.import_module("%s.%s" % (__name__, stem))
        except Exception:
            continue
        spec = getattr(module, "ASSIGNMENT", None)
        if isinstance(spec, Assignment) and module_name(spec.name) == stem:
            found.append(spec.name)
    return sorted(found)


def __getattr__(attr):
    if attr == "ASSIGNMENTS":  # {name: spec} of every working spec, for the tests that go through them all
        return {n: get(n) for n in names()}
    raise AttributeError(attr)
