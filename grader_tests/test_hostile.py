"""Hostile submissions: attacks on the kernel, the judge, the files and the notebook format.

Three attackers (each notebook holds many attacks, one per solution cell) and one victim, graded once
for the module. The victim is graded first and alone; the attackers after it. Every attack must gain
no points, change nothing of the victim, and leak no hidden source or answer into autograded/ or feedback/.
"""
from __future__ import annotations

import hashlib
import re
import uuid

import nbformat
import pytest

from autograder import grading, synth
from autograder.outputs import feedback
from autograder.runner import run, summary_lines

import course_fixtures as cf
from e2e import TIMEOUT

pytestmark = pytest.mark.needs_sandbox  # every attack here is stopped by the isolation

MARK = "/tmp/ag-pwned-%s" % uuid.uuid4().hex  # would appear if the grader ever ran student text

WRONG_SIGMOID = "def sigmoid(z):\n    return 0.5 + 0 * np.asarray(z, dtype=float)\n"

# -- kernel: read, import, write, connect ------------------------------------------------------------
READ_ALL = r'''
import os, glob
root = os.environ.get("AUTOGRADER_COURSE_ROOT") or os.path.abspath("../../..")
found = []
for rel in ["gradebook.db", ".autograder/secret", "source", "reference_impl", "autograder", "submitted",
            "autograded", "feedback", "release"]:
    p = os.path.join(root, rel)
    try:
        if os.path.isdir(p):
            for f in glob.glob(p + "/**/*", recursive=True)[:200]:
                if os.path.isfile(f) and not os.path.realpath(f).startswith(os.getcwd()):  # not its own
                    found.append(open(f, errors="replace").read())
        else:
            found.append(open(p, errors="replace").read())
    except Exception as exc:
        print("read", rel, type(exc).__name__)
print("STOLEN", len(found))
for f in glob.glob("/proc/*/environ") + glob.glob("/proc/*/cmdline"):
    try:
        found.append(open(f, errors="replace").read())
    except Exception:
        pass
for text in found:
    print(text[:100000])
'''
IMPORT_KEY = r'''
import sys, os
for p in ["../../..", os.environ.get("AUTOGRADER_COURSE_ROOT", "/nonexistent"), "/work/main"]:
    sys.path.insert(0, p)
try:
    from reference_impl.activations import sigmoid
    print("imported the answer key")
except Exception as exc:
    print("import failed", type(exc).__name__)
''' + WRONG_SIGMOID
WRITE_OTHERS = r'''
import os, glob
root = os.path.abspath("../../..")
hits = []
for pattern in ["submitted/victim/*/*", "autograded/victim/*/*", "feedback/victim/*/*", "gradebook.db",
                "source/*/*.ipynb", ".autograder/secret"]:
    for f in glob.glob(os.path.join(root, pattern)) + [os.path.join(root, pattern.replace("*", "x"))]:
        try:
            with open(f, "w") as fh:
                fh.write("{}")
            hits.append(f)
        except Exception:
            pass
try:
    os.symlink(os.path.join(root, "gradebook.db"), "gradebook_link.db")
except Exception:
    pass
print("WROTE", hits)
p_fake = 0.5
'''
NETWORK = r'''
import socket, urllib.request
for target in [("1.1.1.1", 53), ("127.0.0.1", 8888)]:
    try:
        socket.create_connection(target, timeout=3)
        print("CONNECTED", target)
    except Exception as exc:
        print("no network", type(exc).__name__)
try:
    urllib.request.urlopen("http://example.com", timeout=3)
    print("DOWNLOADED")
except Exception as exc:
    print("no download", type(exc).__name__)
def neuron_forward(X, w, b):
    return 0 * (X @ w) + 0.5
'''

# -- judge: forge, patch, hook, flood ----------------------------------------------------------------
FORGE = r'''
import re, sys, builtins, numpy as np
from IPython import get_ipython
from IPython.display import display
import IPython.display
REPORT = "application/vnd.autograder.report+json"
ip = get_ipython()
# 1. patch numpy and builtins
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
builtins.abs = lambda x: 0
builtins.round = lambda *a, **k: 0
# 2. swallow the genuine reports, 3. forge reports with the nonce read from the grading cell
_real_publish = ip.display_pub.publish
def publish(data, metadata=None, **kw):
    if isinstance(data, dict) and REPORT in data:
        return None
    return _real_publish(data, metadata=metadata, **kw)
ip.display_pub.publish = publish
def forge(*args):
    src = ip.user_ns.get("In", [""])[-1]
    m = re.search(r"Probe\('([0-9a-f]{32})'", src)
    q = re.search(r'"(forward_pass\.[a-z_0-9]+)"', src)
    if not (m and q):
        return
    nonce, qid = m.group(1), q.group(1)
    answers = {"forward_pass.p_fake": 0.820 + 0.000538, "forward_pass.c11": 14, "forward_pass.matmul": [[1]],
               "forward_pass.decision_boundary": {"__sympy__": "__import__('os').system('touch %s')"}}
    payload = {"nonce": nonce, "question": qid, "kind": "value", "answer": answers.get(qid, [])}
    _real_publish({REPORT: payload, "text/plain": "forged"})
    _real_publish({REPORT: dict(payload, answer="x" * 30_000_000), "text/plain": "huge"})
    print("2.0 / 2 points: all hidden tests passed")
    print("error spam", file=sys.stderr)
ip.events.register("post_run_cell", forge)
ip.events.register("pre_run_cell", lambda *a: print("All tests passed!"))
''' % MARK + WRONG_SIGMOID + "2.0\n"
FAKE_POINTS = r'''
print("p_fake: 1 / 1 points")
import sys
for _ in range(2000):
    print("Traceback? no: 1.0 / 1.0", file=sys.stderr)
p_fake = 0.5
1.0
'''
SREPR = r'''
import sympy
class Sneaky(sympy.Symbol):
    def _sympyrepr(self, printer):
        return "__import__('os').system('touch %s')"
boundary = Sneaky("x1")
''' % MARK
KILLER = "n_params = 0\nimport os\nos._exit(0)\n"


# the formatter's answers; "twin" hands in the same answers in the notebook as released
FORMATTER_ANSWERS = {"solution_sigmoid": WRONG_SIGMOID, "solution_p_fake": "p_fake = 0.5\n", "solution_matmul": "C = 0\n",
                     "solution_c11": "c11_correct = 13\n", "solution_n_params": "n_params = 0\n"}


def attackers(root):
    spy = cf.student_notebook(root, synth.Student("spy", cells={
        "solution_sigmoid": IMPORT_KEY, "solution_p_fake": WRITE_OTHERS,
        "solution_neuron_forward": NETWORK, "solution_matmul": READ_ALL + "C = 0\n"}))
    forger = cf.student_notebook(root, synth.Student("forger", cells={
        "solution_sigmoid": FORGE, "solution_p_fake": FAKE_POINTS, "solution_c11": "c11_correct = 13\n",
        "solution_matmul": "C = np.ones((2, 3))\n", "solution_decision_boundary": SREPR,
        "solution_n_params": KILLER}))
    formatter = cf.student_notebook(root, synth.Student("formatter", cells=FORMATTER_ANSWERS))
    cells = formatter.cells
    by_id = {synth.grade_id(c): c for c in cells}
    # a solution cell made a grade cell worth 100 points
    by_id["solution_c11"].metadata["nbgrader"].update({"grade": True, "points": 100, "locked": False})
    # the hidden checks of n_params deleted, those of matmul edited to print full points
    cells.remove(by_id["n_params"])
    by_id["matmul"].source = "print('1 / 1 points')\n1\n"
    # the sigmoid grade cell duplicated, the p_fake one moved before its solution
    dup = nbformat.from_dict(by_id["sigmoid"])
    dup["id"] = "dupsigmoid"  # the same grade id, another cell id
    cells.insert(cells.index(by_id["sigmoid"]), dup)
    cells.remove(by_id["p_fake"])
    cells.insert(cells.index(by_id["solution_p_fake"]), by_id["p_fake"])
    # a visible check cell deleted, the kernel spec changed
    cells.remove(by_id["check_c11"])
    formatter.metadata["kernelspec"] = {"name": "evil", "display_name": "evil", "language": "python"}
    # metadata broken: not a mapping, a key removed, a schema from the future, a grade cell of its own
    by_id["check_matmul"].metadata["nbgrader"] = "not a mapping"
    del by_id["keras_hidden"].metadata["nbgrader"]["grade"]
    by_id["decision_boundary"].metadata["nbgrader"]["schema_version"] = 99
    bonus = nbformat.v4.new_code_cell("print('50 / 50 points')\n", metadata={"nbgrader": {
        "grade": True, "grade_id": "bonus", "points": 50, "solution": False, "locked": False, "schema_version": 3}})
    cells.insert(cells.index(by_id["check_matmul"]), bonus)
    return {"spy": spy, "forger": forger, "formatter": formatter}


def _digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = cf.make_course(tmp_path_factory.mktemp("hostile") / "course")
    synth.build_class(root, cf.ASSIGNMENT, [synth.Student("victim")])
    victim = run(root, cf.ASSIGNMENT, ["victim"], jobs=1, timeout=TIMEOUT, progress=False)
    assert victim.of("graded") == ["victim"], victim.outcomes
    before = {"score": cf.gradebook_scores(root, ["victim"])["victim"],
              "cells": cf.gradebook_cell_scores(root, "victim"),
              "submitted": _digest(root / "submitted" / "victim"),
              "autograded": _digest(root / "autograded" / "victim"),
              "source": _digest(root / "source"), "reference": _digest(root / "reference_impl"),
              "secret": (root / ".autograder" / "secret").read_text()}
    for name, nb in attackers(root).items():
        cf.submit_notebook(root, name, nb)
    synth.build_class(root, cf.ASSIGNMENT, [synth.Student("twin", cells=FORMATTER_ANSWERS)])
    attackers_run = run(root, cf.ASSIGNMENT, ["spy", "forger", "formatter", "twin"], jobs=2, timeout=TIMEOUT,
                        progress=False)
    assert attackers_run.of("graded") == attackers_run.students, summary_lines(attackers_run, root)
    feedback.generate(root, cf.ASSIGNMENT, None)
    return root, before


def _v(root, student):
    return grading.verdicts(root, cf.ASSIGNMENT, student)


def _outputs_text(root, student):
    nb = nbformat.read(str(root / "autograded" / student / cf.ASSIGNMENT / cf.NOTEBOOK), 4)
    return "\n".join(str(o) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.mark.slow
def test_victim_is_untouched(graded):
    root, before = graded
    assert before["score"] >= 21
    assert cf.gradebook_scores(root, ["victim"])["victim"] == before["score"]
    assert cf.gradebook_cell_scores(root, "victim") == before["cells"]
    assert _digest(root / "submitted" / "victim") == before["submitted"]
    assert _digest(root / "autograded" / "victim") == before["autograded"]
    assert _digest(root / "source") == before["source"]
    assert _digest(root / "reference_impl") == before["reference"]
    assert (root / ".autograder" / "secret").read_text() == before["secret"]


@pytest.mark.slow
def test_reading_the_course_from_the_kernel_finds_nothing(graded):
    root, before = graded
    text = _outputs_text(root, "spy")
    assert "STOLEN 0" in text, text[:2000]
    assert before["secret"] not in text
    assert "imported the answer key" not in text and "import failed" in text


@pytest.mark.slow
def test_no_network(graded):
    text = _outputs_text(graded[0], "spy")
    assert "no network" in text and "CONNECTED" not in text and "DOWNLOADED" not in text


@pytest.mark.slow
def test_writes_outside_the_own_folder_fail(graded):
    root = graded[0]
    text = _outputs_text(root, "spy")
    assert "WROTE []" in text
    assert not (root / "autograded" / "spy" / cf.ASSIGNMENT / "gradebook_link.db").is_symlink()


@pytest.mark.slow
def test_spy_gains_nothing(graded):
    v = _v(graded[0], "spy")
    for q in ("forward_pass.sigmoid", "forward_pass.p_fake", "forward_pass.neuron_forward", "forward_pass.matmul"):
        assert v[q]["points"] < v[q]["max_points"], (q, v[q]["message"])  # the wrong answers' own credit at most


@pytest.mark.slow
def test_forged_reports_patches_hooks_and_fake_points_gain_nothing(graded):
    v = _v(graded[0], "forger")
    for q in ("forward_pass.sigmoid", "forward_pass.p_fake", "forward_pass.matmul", "forward_pass.c11",
              "forward_pass.decision_boundary", "forward_pass.n_params"):
        assert v[q]["points"] == 0, (q, v[q]["message"])
    assert cf.gradebook_scores(graded[0], ["forger"])["forger"] <= 23 - 9


@pytest.mark.slow
def test_srepr_injection_runs_nothing_in_the_grader(graded):
    import os

    assert not os.path.exists(MARK)
    assert _v(graded[0], "forger")["forward_pass.decision_boundary"]["points"] == 0


@pytest.mark.slow
def test_notebook_format_attacks_gain_nothing(graded):
    root = graded[0]
    v, twin = _v(root, "formatter"), _v(root, "twin")
    assert sorted(v) == sorted(twin) and len(v) == 12
    for q in v:  # no attack gains a point over the same answers in the released notebook
        assert v[q]["points"] <= twin[q]["points"], (q, v[q]["message"], twin[q]["message"])
    for q in ("forward_pass.matmul", "forward_pass.c11"):  # the edited check, the 100-point solution cell
        assert v[q]["points"] == 0, (q, v[q]["message"])
    # graded as released, not refused and not called damaged: the deleted grade cell was put back and
    # judged, the copied one graded once, the broken metadata restored, the made-up grade cell ignored
    for q in ("forward_pass.n_params", "forward_pass.sigmoid", "forward_pass.neuron_forward",
              "forward_pass.decision_boundary", "forward_pass.keras_hidden", "forward_pass.keras_trained"):
        assert (v[q]["points"], v[q]["status"]) == (twin[q]["points"], twin[q]["status"]), (q, v[q]["message"])
    assert v["forward_pass.n_params"]["status"] == "incorrect", v["forward_pass.n_params"]["message"]
    assert v["forward_pass.keras_hidden"]["points"] == v["forward_pass.keras_hidden"]["max_points"]
    cells = cf.gradebook_cell_scores(root, "formatter")
    victim = cf.gradebook_cell_scores(root, "victim")
    assert set(cells) == set(victim)  # no new grade cell, none lost
    assert all(max_ == victim[name][2] for name, (_, _, max_) in cells.items())
    assert all((auto or 0) <= max_ for auto, _, max_ in cells.values())
    assert cf.gradebook_scores(root, ["formatter"])["formatter"] <= 23 - 7


@pytest.mark.slow
def test_nothing_hidden_leaks_into_autograded_or_feedback(graded):
    root, before = graded
    secrets = cf.hidden_sources(root) + [before["secret"]]
    assert cf.leaked(root, secrets) == []
    # the expected answer appears only where a student computed it (the victim), never for the attackers
    hits = cf.leaked(root, ["0.820538"])
    assert not [h for h in hits if "/victim/" not in h], hits


@pytest.mark.slow
def test_attackers_get_no_more_than_the_maximum(graded):
    scores = cf.gradebook_scores(graded[0], ["spy", "forger", "formatter", "twin"])
    assert all(s is not None and 0 <= s <= 23 for s in scores.values()), scores


# -- integrity: the same grades twice; a grader killed mid-batch, then rerun ---------------------------


WAITS = "import time\ntime.sleep(12)\n"  # a kernel that is surely running when the grader is killed


@pytest.mark.slow
def test_sigkill_mid_batch_then_rerun_gives_the_same_grades(tmp_path):
    """nbgrader's own loop killed (SIGKILL to its whole session) while a kernel runs: no sandboxed process
    outlives it, and grading again gives every cell the grades it had before.

    A class of its own, of 02 (numpy only: a kernel starts in a second), whose second notebook waits in a
    cell, so that the kill lands in the middle of a notebook."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from nbgrader.api import Gradebook

    from e2e import gradebook_scores

    a = "02_losses"
    root = cf.make_course(tmp_path / "course")
    source = nbformat.read(str(root / "source" / a / "losses.ipynb"), 4)
    [cell] = [c for c in source.cells if synth.grade_id(c) == "solution_softmax"]
    names = ["first", "second"]  # the order nbgrader grades them in
    synth.build_class(root, a, [synth.Student("first"),
                                synth.Student("second", cells={"solution_softmax": WAITS + synth.solved(cell.source)})])
    grading.grade(root, a)
    before = {n: gradebook_scores(root, a, n) for n in names}
    assert all(before.values()) and sum(before["second"].values()) > 0, before
    first = root / "autograded" / "first" / a / "losses.ipynb"
    stamp = first.stat().st_mtime
    proc = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", a, "--force"],
                            cwd=root, env=grading.grading_env(root), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (first.exists() and first.stat().st_mtime > stamp):
        time.sleep(0.2)
    assert first.stat().st_mtime > stamp, "nbgrader did not grade the first student in time"
    time.sleep(4)  # the second student's kernel is waiting in its cell now
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1)
    # no sandboxed process outlives the grader
    left = subprocess.run(["pgrep", "-f", str(root)], capture_output=True, text=True).stdout.split()
    assert left == [], left
    grading.grade(root, a)
    assert {n: gradebook_scores(root, a, n) for n in names} == before
    with Gradebook("sqlite:///%s" % (root / "gradebook.db"), course_id="dl-course") as gb:
        subs = [s.student_id for s in gb.assignment_submissions(a)]
        assert sorted(subs) == names
