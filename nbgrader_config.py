"""nbgrader settings of the course. The repository root is the course root."""
import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
if ROOT not in sys.path:  # the grading process imports the engine; student kernels never do
    sys.path.insert(0, ROOT)

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.root = ROOT
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".autograder"]

# Released notebooks: the stub every solution cell gets.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execution limits: per cell (nbgrader has no per-notebook limit of its own).
c.Execute.timeout = 30
c.Execute.startup_timeout = 120

# Students who are not yet in the gradebook are created when their first submission is graded.
c.Autograde.create_student = True

# The grading pipeline: fresh probes before execution, the judge after it (see autograder/preprocessors.py).
c.Autograde.autograde_preprocessors = [
    "autograder.preprocessors.InjectProbes",
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.preprocessors.JudgeCells",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback pages: the verdict summary first (see autograder/feedback.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograder.feedback.FeedbackSummary",
]
