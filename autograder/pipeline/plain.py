"""Plain nbgrader grade cells: asserts the instructor wrote, run in the student's kernel, scored by nbgrader's rules.

An assignment may hold grade cells that no spec judges (every grade cell of an assignment without a spec, and
any cell a spec does not name). Their points are exactly nbgrader's (:func:`nbgrader.utils.determine_grade` on
the outputs the kernel gave: an error or anything on stderr scores 0, a number as the cell's result is partial
credit, anything else full points); this module only turns that into a verdict the student can read, without
the hidden tests' source (docs/design.md, rule 6): the traceback of a failing hidden assert would quote its
lines, so the verdict names the exception, and its message only where the course allows it
(``c.JudgeCells.show_hidden_messages``). The verdict says that the tests ran inside the student's own kernel,
where the student's code could have interfered with them: these points are not the judge's.
"""
from __future__ import annotations

import re

from nbgrader.utils import determine_grade

from ..faults import Fault
from ..judging import judge

IN_KERNEL = "checked by the instructor's tests inside your notebook's kernel, as nbgrader checks them"


def title_of(source: str, fallback: str) -> str:
    """A plain grade cell's title: the first line of its docstring or leading comment, else its grade id."""
    text = source.lstrip()
    m = re.match(r'^(?:[rRuU]?("""|\'\'\'|"|\'))\s*(.+?)\s*$', text.splitlines()[0] if text else "")
    if m:
        return m.group(2).rstrip("\"'").strip() or fallback
    m = re.match(r"^#\s*(?!#)(.+)$", text.splitlines()[0] if text else "")
    if m and "BEGIN HIDDEN" not in m.group(1):
        return m.group(1).strip()
    return fallback


def heading_title(source: str) -> str | None:
    """A markdown heading cell's text without its ``#`` marks and leading number ("3." or "3)"); None if the cell
    does not open with a heading."""
    first = source.lstrip().splitlines()[0] if source.strip() else ""
    if not first.startswith("#"):
        return None
    return re.sub(r"^\d+[.)]\s*", "", first.lstrip("#").strip()) or None


def has_hidden(source: str) -> bool:
    return judge.HIDDEN_REGION.search(source) is not None


def _status(points: float, max_points: float) -> str:
    return "correct" if points >= max_points else ("partial" if points > 0 else "incorrect")


def _why(cell, source: str, show_messages: bool, timeout) -> tuple[str, bool]:
    """(what happened, whether it was a fault of the run rather than the tests' own verdict)."""
    outputs = cell.get("outputs", [])
    err = judge.cell_error(outputs)
    if err and judge.ends_notebook(err[0]):
        return "not graded: %s" % err[1], True
    if err and err[0] == Fault.CELL_TIMEOUT.value:
        return "the tests timed out after %s s: your code may loop forever or be very slow" % (timeout or "?"), False
    if err:
        if has_hidden(source) and not show_messages:
            return ("the tests raised %s (the hidden tests' message is not shown)%s"
                    % (err[0], judge.hint_for_error(*err)), False)
        return "the tests raised %s%s" % (judge.error_text(*err), judge.hint_for_error(*err)), False
    if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outputs):
        return "the cell wrote to stderr (a warning or an error message), which nbgrader counts as failing", False
    results = [o for o in outputs if o.get("output_type") == "execute_result"]
    if results:
        return "the tests gave this cell's score as their result", False
    return "all tests passed", False


def plain_verdict(cell, qid: str, title: str, source: str, show_messages: bool, timeout=None) -> dict:
    """The verdict on a plain grade cell after execution, with nbgrader's points for it.

    ``source`` is the cell as the instructor wrote it (hidden tests included), to know whether it has any."""
    points, max_points = determine_grade(cell)
    points = float(points or 0.0)
    message, fault = _why(cell, source, show_messages, timeout)
    return {"question": qid, "title": title, "points": round(points, 6), "max_points": float(max_points),
            "status": "no answer" if fault else _status(points, max_points), "checks": [], "mistake": None,
            "message": "%s (%s)" % (message, IN_KERNEL), "checked_in": "kernel"}
