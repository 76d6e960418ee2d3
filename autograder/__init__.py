"""The grading engine of the course: the kernel answers, the judge decides.

- ``probe``: the kernel side (injected as text; reports, never decides);
- ``spec`` and ``specs/``: what each question asks, its truth, its checks and known mistakes;
- ``judge``: verdicts outside the kernel; ``preprocessors``: their place in nbgrader's pipeline;
- ``grading``, ``feedback``, ``export``, ``synth``, ``demo``: the commands (``python -m autograder``).
"""
__version__ = "0.1.0"
