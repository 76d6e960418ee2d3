"""The service's durable memory: an append-only journal of what happened to each submission.

Every step the service takes on a submission is one JSON line appended to ``.autograder/serve/journal.jsonl``
and flushed to disk (``fsync``) before the next step starts, so that a service killed at any moment (SIGKILL
included) reads back, on restart, exactly where each submission stood: one still queued, or whose grading had
started but not ended, is graded again; one whose feedback was released is never touched again. A line cut
short by the kill is the only one that can be incomplete; it is skipped on reading.

A submission is named by its folder in the exchange's ``inbound/`` (``student+assignment+timestamp+random``,
nbgrader's own name), which nbgrader never reuses.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

# What a submission can be waiting for or have reached, in the order a graded one passes through them.
QUEUED, GRADING, RELEASED = "queued", "grading", "released"
REFUSED, SUPERSEDED, FAILED = "refused", "superseded", "failed"  # ends other than a graded page
PENDING = (QUEUED, GRADING)
FINAL = (RELEASED, REFUSED, SUPERSEDED, FAILED)


@dataclass
class Record:
    """One submission as the journal knows it."""

    key: str  # its inbound folder's name
    student: str
    assignment: str
    submitted: float  # the submission's time (nbgrader's timestamp), seconds since the epoch
    seen: float  # when the service first saw it
    state: str = QUEUED
    attempts: int = 0  # gradings started
    points: float | None = None
    max_points: float | None = None
    released: float | None = None  # when its feedback page was put in the exchange
    why: str = ""  # a refusal's or failure's message, as the student reads it
    errors: list[str] = field(default_factory=list)  # the grader's own troubles, newest last
    retry_at: float = 0.0  # a failed attempt waits until then

    @property
    def latency(self) -> float | None:
        """Seconds from the submission to its released feedback."""
        return None if self.released is None else self.released - self.submitted


class Journal:
    """The journal file and the records it replays into."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = self.folder / "journal.jsonl"
        self.records: dict[str, Record] = {}
        self.order: list[str] = []  # keys in the order they were first seen
        self._replay()

    def _replay(self) -> None:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    event = json.loads(line)
                except ValueError:  # the one line a kill can cut short
                    continue
                self._apply(event)

    def _apply(self, event: dict) -> None:
        kind, key = event["event"], event["key"]
        if kind == "seen":
            fields = {k: v for k, v in event.items() if k not in ("event", "at")}
            self.records[key] = Record(**fields)
            self.order.append(key)
            return
        rec = self.records.get(key)
        if rec is None:
            return
        if kind == "started":
            rec.state, rec.attempts = GRADING, rec.attempts + 1
        elif kind == "graded":
            rec.points, rec.max_points = event.get("points"), event.get("max_points")
        elif kind == "released":
            rec.state, rec.released, rec.why = RELEASED, event["at"], event.get("why", "")
        elif kind == "requeued":  # the service stopped while grading it: this attempt does not count
            rec.state, rec.attempts = QUEUED, max(0, rec.attempts - 1)
        elif kind == "retry":
            rec.state, rec.retry_at = QUEUED, event.get("retry_at", 0.0)
            rec.errors.append(event["error"])
        elif kind in (REFUSED, SUPERSEDED, FAILED):
            rec.state, rec.why = kind, event.get("why", "")
            if kind == FAILED:
                rec.errors.append(event.get("error", rec.why))
            if event.get("released"):
                rec.released = event["at"]

    def append(self, event: str, key: str, **data) -> None:
        """Write one event, durably, then apply it to the records."""
        entry = dict(data, event=event, key=key, at=data.get("at", time.time()))
        line = json.dumps(entry, sort_keys=True) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        self._apply(entry)

    def add(self, rec: Record) -> Record:
        """Journal a newly seen submission; returns the journal's own record of it (the one later events change)."""
        data = asdict(rec)
        for name in ("state", "attempts", "points", "max_points", "released", "why", "errors", "retry_at"):
            data.pop(name)
        key = data.pop("key")
        self.append("seen", key, **data)
        return self.records[key]

    def __contains__(self, key: str) -> bool:
        return key in self.records

    def in_order(self, *states: str) -> list[Record]:
        """The records in one of ``states`` (all when none), oldest seen first."""
        return [self.records[k] for k in self.order if not states or self.records[k].state in states]

    def history(self, student: str, assignment: str) -> list[Record]:
        """The student's submissions of the assignment, oldest seen first."""
        return [r for r in self.in_order() if r.student == student and r.assignment == assignment]

    def counts(self, key: str, event: str) -> int:
        """How many ``event`` lines the file holds for ``key`` (the tests' check that nothing is doubled)."""
        n = 0
        if self.path.exists():
            with open(self.path, encoding="utf-8") as f:
                for line in f:
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    n += e.get("key") == key and e.get("event") == event
        return n
