"""Faults as data: what went wrong while a notebook was graded, one record each.

The execution step (:mod:`autograder.pipeline.execute`) and the judging step
(:mod:`autograder.pipeline.judge_cells`) write :class:`FaultRecord` s; the judge, the feedback, the runner's
summary and the class report read their :class:`Fault` kind, never their message. A record is plain data in
the autograded notebook's metadata (``autograder.faults``, ``autograder_sandbox.fault``), and, for the grader's
own troubles, in the fault log a runner's worker names per submission (``SafeExecute.fault_log``).

Two owners:

* the notebook's: its cell raised, timed out, its kernel died or stopped answering, it ran past the notebook's
  time limit, the file was damaged. Recorded; the questions left unanswered get 0 with the reason;
* the grader's (:attr:`Fault.graders`): no kernel could be started, or the machine was too busy to run a cell
  in time. Raised as :class:`GraderTrouble`: no grade is saved, and the runner grades the submission again.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path


class Fault(str, enum.Enum):
    """The kinds of fault. Where a cell carries one as an error output, the value is its error name."""

    CELL_ERROR = "CellError"  # a solution cell raised (its own error name is in the message)
    STUB = "StubLeftIn"  # a solution cell still raises the release's NotImplementedError
    CELL_TIMEOUT = "CellTimeoutError"  # a cell ran past its time limit; the kernel was interrupted, the rest ran
    KERNEL_DIED = "KernelDied"
    KERNEL_FAILED = "KernelFailed"  # the kernel could not go on for another reason (the grader's log says which)
    UNRESPONSIVE = "KernelUnresponsive"  # it did not answer after a time-out: stopped
    NOTEBOOK_TIMEOUT = "NotebookTimeout"
    NOT_RUN = "NotRun"  # a cell after one of the above: never run
    DAMAGED = "SubmissionDamaged"  # the file is not a notebook this grader can read
    NOT_GRADED = "NotGraded"  # handed in, but there is no autograded notebook with verdicts
    KERNEL_START = "KernelStartError"  # the grader's: no kernel could be started
    MACHINE_BUSY = "MachineBusy"  # the grader's, except on a submission's last attempt
    UNKNOWN = "Unknown"  # a message a notebook graded by an older engine recorded, without its kind

    @property
    def ends_notebook(self) -> bool:
        """Nothing after this fault ran: every question left unanswered says why."""
        return self in ENDS_NOTEBOOK

    @property
    def graders(self) -> bool:
        return self in (Fault.KERNEL_START, Fault.MACHINE_BUSY)

    @property
    def label(self) -> str:
        """What the class report calls it."""
        return LABELS[self]

    @classmethod
    def of_error(cls, ename: str | None) -> Fault | None:
        """The fault an error output's name stands for, None for a student's own exception."""
        try:
            return cls(ename)
        except ValueError:
            return None


ENDS_NOTEBOOK = frozenset({Fault.KERNEL_DIED, Fault.KERNEL_FAILED, Fault.UNRESPONSIVE, Fault.NOTEBOOK_TIMEOUT,
                           Fault.NOT_RUN, Fault.DAMAGED})
LABELS = {Fault.CELL_ERROR: "error in a cell", Fault.STUB: "stub left in", Fault.CELL_TIMEOUT: "time-out",
          Fault.NOTEBOOK_TIMEOUT: "time-out", Fault.KERNEL_DIED: "kernel died", Fault.KERNEL_FAILED: "kernel died",
          Fault.UNRESPONSIVE: "kernel died", Fault.NOT_RUN: "kernel died", Fault.DAMAGED: "damaged file",
          Fault.NOT_GRADED: "not graded", Fault.KERNEL_START: "grader's trouble",
          Fault.MACHINE_BUSY: "machine busy", Fault.UNKNOWN: "other"}


@dataclass(frozen=True)
class FaultRecord:
    """One fault: its kind, what to tell the student and the TA, and the cell where it happened (if any)."""

    kind: Fault
    message: str
    cell: str | None = None

    def to_json(self) -> dict:
        return {"kind": self.kind.value, "message": self.message, "cell": self.cell}

    @classmethod
    def from_json(cls, data) -> FaultRecord | None:
        """The record ``to_json`` wrote (a bare message, as an older engine wrote it, is of kind ``UNKNOWN``);
        None for anything else."""
        if isinstance(data, str):
            return cls(Fault.UNKNOWN, data)
        if not isinstance(data, dict):
            return None
        kind = Fault.of_error(data.get("kind"))
        if kind is None or not isinstance(data.get("message"), str):
            return None
        cell = data.get("cell")
        return cls(kind, data["message"], cell if isinstance(cell, str) else None)


class KernelFault(Exception):
    """A fault of the notebook that ends its run (:attr:`Fault.ends_notebook`), carried to where it is recorded."""

    def __init__(self, record: FaultRecord):
        super().__init__(record.message)
        self.record = record


class GraderTrouble(RuntimeError):
    """Grading could not be done for a reason that is not the student's. Raised, not recorded in the notebook,
    so that no grade is saved for the submission: nbgrader reports it as failed, and the runner grades it
    again (:mod:`autograder.runner`)."""

    kind = Fault.KERNEL_START

    def __init__(self, record: FaultRecord | str):
        if isinstance(record, str):
            record = FaultRecord(self.kind, record)
        super().__init__(record.message)
        self.record = record


class KernelStartError(GraderTrouble):
    """No kernel could be started for a notebook (none of the student's code has run)."""

    kind = Fault.KERNEL_START


class MachineBusyError(GraderTrouble):
    """A cell ran out of time while its kernel spent most of that time waiting for a CPU, not running."""

    kind = Fault.MACHINE_BUSY


def append_to_log(path: str | Path | None, record: FaultRecord) -> None:
    """Add ``record`` to a fault log (one JSON line each); nothing when no log was asked for."""
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record.to_json()) + "\n")


def read_log(path: str | Path) -> list[FaultRecord]:
    """The records of a fault log, in order (a missing log holds none)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    records = [FaultRecord.from_json(json.loads(line)) for line in lines if line.strip()]
    return [r for r in records if r is not None]
