"""Step 1 of grading, while nbgrader sanitizes a submission: ``RestoreCells`` sets every cell's nbgrader
metadata from the gradebook before nbgrader reads it, and puts back deleted grade cells: a student's notebook
decides nothing about which cells are graded or for how many points.
"""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor



class RestoreCells(NbGraderPreprocessor):
    """Set each cell's nbgrader metadata from the gradebook, and put back the grade cells a student deleted.

    nbgrader trusts the submitted metadata in places: a solution cell marked as a grade cell, a ``grade``
    key removed, metadata that is not a mapping, a schema version from the future each make one of its
    sanitizing steps raise, and the submission is not graded at all; so do a copied grade cell and a
    deleted grade cell whose neighbour above is a read-only cell (in ``add_missing_cells``). Here, before
    nbgrader's steps:

    * a cell whose grade id is one of the notebook's gets exactly the flags, points and schema of that cell
      in the gradebook; nbgrader metadata naming no cell of the notebook is removed (nbgrader would ignore
      such a cell anyway);
    * of cells sharing a grade id (a cell copied), the last keeps it, as nbgrader's ``DeduplicateIds``
      decides, and the others lose their nbgrader metadata (that step would empty it, and its
      ``CheckCellMetadata`` would then stop the submission as "an old version of the metadata format");
    * a grade or task cell missing from the notebook is put back, as the gradebook holds it, after the
      nearest cell above it in the released notebook that is still there (first, if none is).

    nbgrader's ``OverwriteCells`` then restores the cell types and the locked cells' sources as before.
    """

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources.get("nbgrader", {})
        try:
            with Gradebook(info["db_url"]) as gb:
                source = gb.find_notebook(info["notebook"], info["assignment"])
                order = [c.name for c in source.source_cells]
                sources = {c.name: (c.cell_type, c.source, c.checksum) for c in source.source_cells}
                meta = {c.name: {"cell_type": c.cell_type, "locked": bool(c.locked), "grade_id": c.name,
                                 "grade": False, "solution": False, "schema_version": 3}
                        for c in source.source_cells}
                for c in source.solution_cells:
                    meta[c.name]["solution"] = True
                for c in source.grade_cells:
                    meta[c.name].update(grade=True, points=_points(c.max_score))
                for c in source.task_cells:
                    meta[c.name].update(task=True, points=_points(c.max_score))
        except (KeyError, MissingEntry):  # not a notebook of the gradebook: nbgrader says so itself
            return nb, resources
        for index, cell in enumerate(nb.cells):
            if "nbgrader" in cell.metadata:
                self._restore(cell, index, meta)
        last = {grade_id: index for index, grade_id in enumerate(_grade_ids(nb))}
        for index, (cell, grade_id) in enumerate(zip(nb.cells, _grade_ids(nb))):
            if grade_id is not None and last[grade_id] != index:
                self.log.warning("cell %d repeats the grade id '%s'; only its last copy is graded", index, grade_id)
                del cell.metadata["nbgrader"]
        for name in order:
            if (meta[name]["grade"] or meta[name].get("task")) and name not in _grade_ids(nb):
                self._put_back(nb, name, order, sources[name], meta[name])
        return nb, resources

    def _restore(self, cell, index, meta):
        given = cell.metadata["nbgrader"]
        grade_id = given.get("grade_id") if isinstance(given, dict) else None
        if not isinstance(grade_id, str) or grade_id not in meta:
            self.log.warning("cell %d has nbgrader metadata naming no cell of this notebook; removed", index)
            del cell.metadata["nbgrader"]
            return
        restored = dict(meta[grade_id])
        if isinstance(given.get("checksum"), str):
            restored["checksum"] = given["checksum"]  # nbgrader's OverwriteCells compares and resets it
        if _flags(given) != _flags(restored):
            self.log.warning("the nbgrader metadata of cell '%s' differed from the gradebook's; restored", grade_id)
        cell.metadata["nbgrader"] = restored

    def _put_back(self, nb, name, order, source, meta):
        from nbformat.v4 import new_code_cell, new_markdown_cell

        cell_type, text, checksum = source
        make = new_code_cell if cell_type == "code" else new_markdown_cell
        cell = make(text, metadata={"deletable": False, "editable": False,
                                    "nbgrader": dict(meta, checksum=checksum)})
        present = {grade_id: index for index, grade_id in enumerate(_grade_ids(nb)) if grade_id is not None}
        above = [present[n] for n in order[:order.index(name)] if n in present]
        nb.cells.insert(max(above) + 1 if above else 0, cell)
        self.log.warning("grade cell '%s' was missing from the submission; put back from the gradebook", name)


def _grade_ids(nb) -> list[str | None]:
    """The grade id of each cell (None for a cell without nbgrader metadata), once the metadata is restored."""
    return [cell.metadata["nbgrader"]["grade_id"] if "nbgrader" in cell.metadata else None for cell in nb.cells]


def _flags(meta: dict) -> dict:
    """nbgrader metadata as far as grading goes: no checksum (nbgrader checks that), no ``task: false``."""
    return {k: v for k, v in meta.items() if k != "checksum" and not (k == "task" and not v)}


def _points(score) -> int | float:
    return int(score) if float(score).is_integer() else float(score)
