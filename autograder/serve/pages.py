"""Feedback pages for the service: nbgrader's ``GenerateFeedback`` converter in the service's own process.

The service writes pages after every batch, for the students it graded: :func:`autograder.outputs.feedback.generate`
runs the converter in process, as ``nbgrader generate_feedback --student`` would (the course's
``nbgrader_config.py``, hence the same preprocessors and template), without starting a Python that imports
nbgrader and nbconvert each time. Should that fail for the service's own reasons, the command is run instead.
"""
from __future__ import annotations

from pathlib import Path

from .. import grading
from ..outputs import feedback


class FeedbackWriter:
    """Writes ``feedback/<student>/<assignment>/*.html`` for graded submissions of one course."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def write(self, assignment: str, students: list[str]) -> list[str]:
        """Write the students' pages; returns the students whose page could not be written in process (their
        pages are then written by the ``nbgrader generate_feedback`` command)."""
        left = []
        for student in students:
            try:
                if feedback.generate(self.root, assignment, student).returncode != 0:
                    left.append(student)
            except Exception:
                left.append(student)
        for student in left:
            grading.nbgrader(self.root, "generate_feedback", assignment, "--student=" + student, "--force",
                             check=False)
        return left
