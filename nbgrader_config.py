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

# Execution limits: per cell (nbgrader has no per-notebook limit of its own; SafeExecute adds one below).
c.Execute.timeout = 30
c.Execute.startup_timeout = 120

# ---------------------------------------------------------------------------------------------------
# Sandbox and limits (autograder/pipeline/bwrap.py and execute.py; what they guarantee: docs/sandbox.md)
# ---------------------------------------------------------------------------------------------------
# "bwrap": every student kernel in bubblewrap; grading refuses to start where bubblewrap does not work.
# "none": the instructor's explicit opt-out, no isolation, resource limits only (the same as --no-sandbox on
# `python -m autograder grade`). "auto": bubblewrap where it works, else no isolation with a loud warning (the
# demo's choice). Each autograded notebook's metadata ("autograder_sandbox") and each run's summary say which.
c.SafeExecute.sandbox = "bwrap"
# Wall-clock seconds for a whole notebook, on top of the per-cell Execute.timeout above.
c.SafeExecute.notebook_timeout = 300
# Memory: RLIMIT_DATA (heap + anonymous mappings) in MiB. RLIMIT_AS stays off (0): address space also counts
# reservations that use no memory (thread stacks, malloc arenas), which grow with the cores and threads.
# Not below 8192: PyTorch's CUDA build maps about 4.2 GiB of writable memory when Keras imports it (little of
# it resident), and at 4096 the kernel dies before the first Keras cell.
c.SafeExecute.memory_limit_mb = 8192
c.SafeExecute.address_space_limit_mb = 0
# CPU seconds per kernel process (RLIMIT_CPU; SIGXCPU, then SIGKILL). Several threads spend it faster than
# the wall clock runs.
c.SafeExecute.cpu_time_limit = 600
# Processes + threads (RLIMIT_NPROC). It counts per user, and root is exempt: when grading as root every
# grading process runs its kernels as a user id of its own (SafeExecute.sandbox_uid = -1), where it applies.
# A TensorFlow kernel uses about 40-100 threads, depending on the cores.
c.SafeExecute.max_tasks = 512
# Largest file the kernel may write (RLIMIT_FSIZE, MiB), open files (RLIMIT_NOFILE).
c.SafeExecute.max_file_size_mb = 256
c.SafeExecute.max_open_files = 1024
# Output the grader keeps per notebook: student output (streams, displays) and probe reports (the judge's input).
c.SafeExecute.max_output_bytes = 8 * 1024 * 1024
c.SafeExecute.max_report_bytes = 64 * 1024 * 1024
# Seconds a kernel has to answer after a cell timed out before it is stopped and the rest is not run.
c.SafeExecute.unresponsive_grace = 10
# Once the last cell has run (every output is in), the kernel is killed rather than asked to exit: its exit
# cannot change a grade, and tearing a TensorFlow interpreter down costs about a second of CPU per submission.
c.SafeExecute.shutdown_kernel = "immediate"

# A submitted file that is not a readable notebook is graded as the released notebook with every question at 0
# and the reason ("the notebook is not valid JSON"); the submitted file is left as it is (autograder/pipeline/damaged.py).
c.Autograde.exporter_class = "autograder.pipeline.damaged.SafeNotebookExporter"

# Students who are not yet in the gradebook are created when their first submission is graded.
c.Autograde.create_student = True

# Sanitizing a submission: nbgrader's steps, with each cell's grading metadata first set from the gradebook
# and deleted grade cells put back (a notebook that marks a solution cell as a grade cell, breaks the
# metadata or deletes a grade cell is graded as released; see autograder/pipeline/restore.py).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "autograder.pipeline.restore.RestoreCells",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# The grading pipeline: fresh probes before execution, the judge after it (see autograder/pipeline/restore.py).
c.Autograde.autograde_preprocessors = [
    "autograder.pipeline.inject.InjectProbes",
    "autograder.pipeline.execute.SafeExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.pipeline.judge_cells.JudgeCells",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Plain nbgrader grade cells (asserts that run in the student's kernel, scored by nbgrader's rule; see
# autograder/pipeline/plain.py): a failing hidden assert's verdict names its exception only. True: its message too
# (write such messages for students to read: an assert's message may state the expected value).
c.JudgeCells.show_hidden_messages = False

# Pages in HTML (feedback and the formgrader's submission view): formulas turned into MathML when the page is made,
# and nbconvert's MathJax loader (a CDN) replaced by the course's template folder, so nothing is fetched
# (autograder/outputs/mathml.py). The formgrader reads this file too, after its own settings: its templates'
# folder stays on the list.
import nbgrader  # noqa: E402

# Each graded cell is named by its question number and title, on every page (autograder/outputs/pages.py).
NBGRADER_TEMPLATES = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")
# The formgrader's submission view opens with the feedback page's summary table (autograder/outputs/feedback.py).
c.HTMLExporter.preprocessors = ["autograder.outputs.mathml.RenderMath",
                                "autograder.outputs.feedback.FormgraderSummary", "autograder.outputs.pages.PageView"]
c.HTMLExporter.extra_template_basedirs = [os.path.join(ROOT, "autograder", "outputs", "templates"), NBGRADER_TEMPLATES]
# The formgrader's submission view: nbgrader's "formgrade" template, extended by the course so that each panel names
# its cell by question number and title, not by its cell id (autograder/outputs/templates/autograder_formgrade).
c.HTMLExporter.template_name = "autograder_formgrade"
c.HTMLExporter.extra_template_paths = [NBGRADER_TEMPLATES]  # where it finds "formgrade/index.html.j2" to extend
# Feedback pages only (the formgrader keeps its own template): nbgrader's feedback template, extended by the course
# (autograder/outputs/templates/autograder_feedback); the paths are nbgrader's stylesheet's and its templates'.
c.GenerateFeedback.HTMLExporter.template_name = "autograder_feedback"
c.GenerateFeedback.HTMLExporter.extra_template_paths = [
    os.path.join(os.path.dirname(NBGRADER_TEMPLATES), "static", "node_modules", "bootstrap", "dist", "css"),
    NBGRADER_TEMPLATES,
]

# Feedback pages: the verdict summary first (see autograder/outputs/feedback.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograder.outputs.feedback.FeedbackSummary",
]
