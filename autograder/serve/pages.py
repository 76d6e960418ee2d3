"""Feedback pages for the service: nbgrader's ``generate_feedback`` kept loaded in the service's own process.

``python -m autograder feedback`` starts nbgrader as a command (importing nbgrader and nbconvert, reading the
configuration: most of its seconds); the service writes pages after every batch, so it keeps one initialized
``GenerateFeedbackApp`` (the course's ``nbgrader_config.py``, hence the same preprocessors and template) and runs
nbgrader's ``GenerateFeedback`` converter for each graded student, as the command does with ``--student``.
Should that fail for the service's own reasons, the command is run instead.
"""
from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path

from .. import grading


class FeedbackWriter:
    """Writes ``feedback/<student>/<assignment>/*.html`` for graded submissions of one course."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.app = None

    def _app(self):
        if self.app is None:
            from nbgrader.apps.generatefeedbackapp import GenerateFeedbackApp

            with contextlib.chdir(self.root):  # nbgrader reads nbgrader_config.py from the working folder
                app = GenerateFeedbackApp.instance()
                app.initialize([])
            app.log.setLevel(logging.ERROR)
            self.app = app
        return self.app

    def write(self, assignment: str, students: list[str]) -> list[str]:
        """Write the students' pages; returns the students whose page could not be written in process (their
        pages are then written by the ``nbgrader generate_feedback`` command)."""
        from nbgrader.converters import GenerateFeedback

        left = []
        for student in students:
            try:
                app = self._app()
                with contextlib.chdir(self.root), warnings.catch_warnings():
                    # nbconvert warns, once per page, that the probes' report output has no HTML form (it is
                    # meant for the judge, not the page): the command's log hides it too
                    warnings.simplefilter("ignore", UserWarning)
                    app.coursedir.assignment_id = assignment
                    app.coursedir.student_id = student
                    converter = GenerateFeedback(coursedir=app.coursedir, parent=app)
                    converter.force = True
                    converter.start()
            except (Exception, SystemExit):
                left.append(student)
        for student in left:
            grading.nbgrader(self.root, "generate_feedback", assignment, "--student=" + student, "--force",
                             check=False)
        return left
