"""The service's side of nbgrader's exchange: what is in ``inbound/``, copying a submission into
``submitted/`` (as ``nbgrader collect --update`` does, one student at a time), and putting a page in
``feedback/`` under the name only the submitting student's ``nbgrader fetch_feedback`` looks for (nbgrader's
hash of the submission's secret and the notebook's name, as ``nbgrader release_feedback`` does).

The service reads the exchange only: never a student's home.
"""
from __future__ import annotations

import html
import os
import pwd
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

SECRET_LEN = 128  # nbgrader's submission secret: 64 random bytes in hex, written last by `nbgrader submit`


@dataclass
class Inbound:
    """One submission folder in the exchange's ``inbound/``."""

    path: Path
    student: str
    assignment: str
    timestamp: str  # as nbgrader wrote it in the name

    @property
    def key(self) -> str:
        return self.path.name

    def owner(self) -> str | None:
        try:
            return pwd.getpwuid(self.path.stat().st_uid).pw_name
        except (KeyError, OSError):
            return None

    def secret(self) -> str:
        return (self.path / "submission_secret.txt").read_text().strip()

    def notebooks(self) -> list[str]:
        return sorted(p.stem for p in self.path.glob("*.ipynb"))


def parse(name: str) -> tuple[str, str, str] | None:
    """(student, assignment, timestamp) from an inbound folder's name, as ``nbgrader collect`` splits it."""
    parts = name.rsplit("+", 3)
    if len(parts) == 4:
        return parts[0], parts[1], parts[2]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return None


class Exchange:
    """A course's folders in nbgrader's exchange (``c.Exchange.root``/``course_id``)."""

    def __init__(self, root: Path, course_id: str):
        self.course = Path(root) / course_id
        self.inbound = self.course / "inbound"
        self.outbound = self.course / "outbound"
        self.feedback = self.course / "feedback"

    def problem(self) -> str | None:
        """Why the service cannot watch this exchange, or None."""
        if not self.inbound.is_dir():
            return ("no inbound folder %s: release an assignment first (`nbgrader release_assignment A`) with "
                    "this c.Exchange.root" % self.inbound)
        return None

    def released(self) -> set[str]:
        """The assignments released to students (a folder in ``outbound/``)."""
        return {p.name for p in self.outbound.iterdir() if p.is_dir()} if self.outbound.is_dir() else set()

    def complete(self) -> list[Inbound]:
        """The submissions whose upload has finished (their secret, written last, is whole), oldest first."""
        found = []
        released = self.released()
        for path in self.inbound.iterdir() if self.inbound.is_dir() else []:
            parsed = parse(path.name)
            if parsed is None or parsed[1] not in released or not path.is_dir():
                continue
            try:
                if len((path / "submission_secret.txt").read_text().strip()) != SECRET_LEN:
                    continue
            except OSError:
                continue
            found.append(Inbound(path, *parsed))
        return sorted(found, key=lambda s: (s.timestamp, s.key))

    def find(self, key: str) -> Inbound | None:
        parsed = parse(key)
        path = self.inbound / key
        return Inbound(path, *parsed) if parsed and path.is_dir() else None

    def collect(self, sub: Inbound, course_root: Path, ignore: list[str]) -> Path:
        """Copy the submission to ``submitted/<student>/<assignment>/`` (replacing what was there), whole or not
        at all."""
        dest = Path(course_root) / "submitted" / sub.student / sub.assignment
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.parent / (".%s.collecting" % sub.assignment)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(sub.path, tmp, ignore=shutil.ignore_patterns(*ignore))
        if dest.exists():
            shutil.rmtree(dest)
        os.rename(tmp, dest)
        return dest

    def release(self, sub: Inbound, pages: dict[str, bytes]) -> None:
        """Put each notebook's page where the submitting student's ``fetch_feedback`` finds it."""
        from nbgrader.utils import notebook_hash

        if not self.feedback.is_dir():  # as release_feedback makes it: others may enter, not list
            self.feedback.mkdir(parents=True)
            os.chmod(self.feedback, stat.S_IRWXU | stat.S_IXGRP | stat.S_IXOTH)
        secret = sub.secret()
        for notebook, data in pages.items():
            name = notebook_hash(secret=secret, notebook_id=notebook)
            tmp = self.feedback / ("%s-tmp.html" % name)
            tmp.write_bytes(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.feedback / ("%s.html" % name))


def notice_page(title: str, message: str, rows: list[tuple[str, str]] = ()) -> bytes:
    """A small page for what is not nbgrader's feedback: a refusal, a failure, or results without points."""
    e = html.escape
    table = ""
    if rows:
        table = ('<table style="border-collapse:collapse"><tr><th style="text-align:left;padding:4px 10px">Question'
                 '</th><th style="text-align:left;padding:4px 10px">Verdict</th></tr>%s</table>' % "".join(
                     '<tr><td style="padding:4px 10px">%s</td><td style="padding:4px 10px">%s</td></tr>'
                     % (e(a), e(b)) for a, b in rows))
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s</title></head>'
            '<body style="font-family:sans-serif;max-width:60em;margin:2em auto"><h2>%s</h2><p>%s</p>%s</body></html>'
            % (e(title), e(title), e(message), table)).encode("utf-8")
