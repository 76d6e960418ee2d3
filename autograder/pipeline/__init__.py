"""How one notebook is graded, in the order nbgrader's autograde runs the steps (``nbgrader_config.py``):

1. :mod:`.restore` (sanitize): every cell's grading metadata from the gradebook, deleted grade cells put back;
   :mod:`.damaged` reads a file that is not a notebook as the released one, marked damaged;
2. :mod:`.inject`: the probe and this run's plan (inputs drawn from the course secret) into every grade cell;
3. :mod:`.execute` (``SafeExecute``): the cells run in a kernel started by :mod:`.kernel` inside the sandbox of
   :mod:`.bwrap`; a fault costs the questions it leaves unanswered and never the batch, and a cell that timed out
   on a busy machine (:mod:`.busy`) is tried again;
4. :mod:`.judge_cells`: the judge (:mod:`autograder.judging`) turns each grade cell's report into a verdict and
   points; nbgrader's ``SaveAutoGrades`` writes them to the gradebook.

What went wrong on the way is recorded as data: :mod:`autograder.faults`.
"""
