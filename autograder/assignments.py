"""What an assignment of a course holds, read from its source notebooks: every assignment in ``source/``, with
a spec or without one.

The commands, the synthetic classes, the report and the pre-release check all need the same picture: which
notebooks, which graded cells in which order, and for each whether the judge decides it (a question of the
spec), nbgrader's own rules decide it (a plain grade cell: its asserts run in the student's kernel), or a person
does (a hand-graded answer or task). The source notebooks are the truth for that; the spec adds the judged
questions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import specs
from .judging.spec import Assignment
from .pipeline.plain import heading_title, title_of

JUDGED, PLAIN, MANUAL = "judged", "plain", "manual"


class UnknownAssignment(ValueError):
    """An assignment name that is not a folder of notebooks under ``source/``."""


@dataclass(frozen=True)
class Item:
    """One graded cell of an assignment's source notebooks."""

    notebook: str
    grade_id: str
    kind: str  # JUDGED, PLAIN or MANUAL
    points: float
    qid: str  # what verdicts and exports call it: <key>.<grade_id>
    title: str


@dataclass
class Layout:
    """An assignment as the course holds it: its notebooks, its spec (None: plain nbgrader) and graded cells."""

    name: str
    notebooks: list[str]
    spec: Assignment | None
    items: list[Item] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.spec.key if self.spec else self.name

    def auto(self) -> list[Item]:
        """The cells graded when a notebook is autograded (judged and plain), in notebook order."""
        return [i for i in self.items if i.kind != MANUAL]

    @property
    def points(self) -> float:
        return sum(i.points for i in self.items)

    def as_spec(self) -> Assignment:
        """The spec, or an empty one for an assignment that has none (every grade cell then plain)."""
        if self.spec is not None:
            return self.spec
        return Assignment(name=self.name, key=self.name, notebook=self.notebooks[0] if self.notebooks else "",
                          questions=())


def names(root: Path) -> list[str]:
    """Every assignment of the course: the folders of ``source/`` that hold a notebook."""
    base = root / "source"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def known(root: Path, name: str) -> str:
    """``name`` if it is an assignment of the course, else :class:`UnknownAssignment` listing the ones there are."""
    if name not in names(root):
        raise UnknownAssignment("unknown assignment %r: no notebook in %s; the course's assignments: %s" % (
            name, root / "source" / name, ", ".join(names(root)) or "none"))
    return name


def notebooks(root: Path, name: str) -> list[str]:
    return sorted(p.stem for p in (root / "source" / name).glob("*.ipynb"))


def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_plain_candidate(cell) -> bool:
    """An autograded cell as nbgrader counts one: a code grade cell that is not a solution."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def from_spec(spec: Assignment) -> Layout:
    """An assignment as its spec alone describes it (its judged questions, then its hand-graded answers): for a
    course folder that holds the grading's output but not the source notebooks."""
    items = [Item(spec.notebook, q.name, JUDGED, float(q.points), spec.qid(q), q.title) for q in spec.questions]
    items += [Item(spec.notebook, gid, MANUAL, float(p), "%s.%s" % (spec.key, gid), gid)
              for gid, p in spec.manual.items()]
    return Layout(name=spec.name, notebooks=[spec.notebook], spec=spec, items=items)


def layout(root: Path, name: str) -> Layout:
    """The assignment's layout from its source notebooks (raises :class:`specs.SpecError` for a broken spec)."""
    known(root, name)
    spec = specs.get(name)
    out = Layout(name=name, notebooks=notebooks(root, name), spec=spec)
    judged = {q.name: q for q in spec.questions} if spec else {}
    key = out.key
    for nb_name in out.notebooks:
        nb = nbformat.read(str(root / "source" / name / (nb_name + ".ipynb")), as_version=4)
        heading = None  # a hand-graded answer is called by the heading above it
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                heading = heading_title(cell.source) or heading
            meta = nbgrader_meta(cell)
            gid = meta.get("grade_id")
            if not gid or not (meta.get("grade") or meta.get("task")):
                continue
            points = float(meta.get("points", 0) or 0)
            qid = "%s.%s" % (key, gid)
            if is_plain_candidate(cell) and gid in judged:
                out.items.append(Item(nb_name, gid, JUDGED, points, qid, judged[gid].title))
            elif is_plain_candidate(cell):
                out.items.append(Item(nb_name, gid, PLAIN, points, qid, title_of(cell.source, gid)))
            else:
                out.items.append(Item(nb_name, gid, MANUAL, points, qid, heading or gid))
    return out
