"""Same answer, same score: grading under other secrets gives every graded cell the same points.

Each course clone has its own grading secret, and the secret seeds the inputs a question is asked on
(``course.question_rng``). A score that depends on which inputs were drawn means a tolerance or an
input range is wrong, so these tests grade the same answers under five different secrets and require
the same points for every question, and the same diagnosis (a known mistake named under one secret and
not under another does not fit the answer).

**The demo class** (``synth.demo_class`` of each assignment: the answer key, the blank notebook, the
special students and every known mistake) is run in the test process, not in kernels
(``inprocess.grade_in_process``): each notebook's cells run once, in order, and each hidden grade
cell's ask goes through the real probe and ``judge.judge_question`` once per secret, with the inputs
``InjectProbes`` would draw under that secret. A kernel adds nothing to what is tested here, and five
kernel runs of three classes would take far too long for ``make test``. Left out:

* ``01_forward_pass/loop``: its ``c11`` cell never ends; that student is about the kernel's time limit,
  and every other cell of its notebook is the answer key, which the student ``correct`` covers;
* ``01_forward_pass/tamper``: it patches numpy and builtins of the process it runs in and registers
  IPython hooks; here that process is the test runner and the judge itself. It is about the sandbox.

Training the Keras models is most of the cost (about 8 CPU-seconds a notebook). So a Keras question is
asked of the answer key (``correct``), the blank notebook, and the students whose notebook changes that
question's cell (its known mistakes): the only notebooks whose answers to it differ. Elsewhere its
solution cell is not run (as if emptied) and it is not asked. Every other question of every student is
asked.

The answer key must get full points on every question under every secret: that also shows the
in-process run works (imports, data through Keras' download cache, trained models).

**The robustness suite** (``grader_tests/robustness``: student-written right and wrong answers to each
question) is judged under the same five secrets in the second part of this module: each variant's cell
runs once (as ``robustness.answer_object`` runs it, Keras models built from the same seed), and its
answer is asked and judged under each secret as above.

``STABILITY_SECRETS=30 pytest grader_tests/test_stability.py`` grades under 30 fresh random secrets
instead of the five fixed ones (a failure message shows each secret, to reproduce it).

Under the first fixed secret, each demo student's verdicts must equal the stored table in
``grader_tests/demo_grades/`` (points, status, known mistake, message): the engine's structure may change,
its grades may not, unless the table is rewritten on purpose (``UPDATE_DEMO_GRADES=1``).

The demo class takes over a minute on two cores (about 70 s: Keras' import and training, and the judge
five times per answer), so it is marked ``slow``; the robustness part takes under a minute.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import secrets
import shutil
from pathlib import Path

import pytest

import inprocess
import robustness
from autograder import specs, synth
from autograder.judging.spec import KERAS
from e2e import use_shared_banknote

# five fixed secrets, of course.secret's form; STABILITY_SECRETS=N grades under N fresh random ones instead
KEYS = [secrets.token_hex(32).encode() for _ in range(int(os.environ["STABILITY_SECRETS"]))] \
    if os.environ.get("STABILITY_SECRETS") else \
    [hashlib.sha256(b"stability secret %d" % i).hexdigest().encode() for i in range(5)]
# the verdicts of the demo class under the first fixed secret, as the engine gave them when the table was
# written: a change of the engine's structure must leave every one of them as it is (points, status, known
# mistake and message). `UPDATE_DEMO_GRADES=1` rewrites the table from the engine as it is now (then review
# the diff: every changed verdict must be one you meant to change).
DEMO_GRADES = Path(__file__).resolve().parent / "demo_grades"
NOT_IN_PROCESS = {  # (assignment, student): why its notebook cannot run in the test process
    ("01_forward_pass", "loop"): "an endless loop: about the kernel's time limit",
    ("01_forward_pass", "tamper"): "patches numpy and builtins of the process running it: about the sandbox",
}


@pytest.fixture(scope="module")
def keras_home(tmp_path_factory):
    """Keras' home, as grading kernels get it: its download cache holds the verified banknote file."""
    use_shared_banknote()
    from reference_impl.data import banknote_path

    home = tmp_path_factory.mktemp("keras_home")
    (home / "datasets").mkdir()
    shutil.copyfile(banknote_path(), home / "datasets" / banknote_path().name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KERAS_HOME", str(home))
        mp.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))
        keras = pytest.importorskip("keras")
        from keras.src.backend import config  # read KERAS_HOME when keras was first imported

        if getattr(config, "_KERAS_DIR", None) is not None:
            mp.setattr(config, "_KERAS_DIR", str(home))
        assert os.path.samefile(config.keras_home(), home), "keras does not use the test's home"
        yield home


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a notebook's files land beside it, as in a kernel's folder


def cells_of(q) -> set[str]:
    """The cells that answer a question: its solution cell and those its known mistakes replace."""
    return {"solution_" + q.name}.union(*(m.example for m in q.mistakes))


def keras_left_out(assignment, student: synth.Student) -> tuple[set[str], set[str]]:
    """(question ids, cells) of the Keras questions not asked of this student, and their cells not run."""
    if student.blank or not student.cells:
        return set(), set()
    questions, cells = set(), set()
    for q in assignment.questions:
        if q.kind == KERAS and not cells_of(q) & set(student.cells):
            questions.add(assignment.qid(q))
            cells |= cells_of(q)
    return questions, cells


def demo_students() -> list:
    return [pytest.param(name, student, id="%s-%s" % (name, student.name))
            for name in sorted(specs.ASSIGNMENTS) for student in synth.demo_class(specs.get(name))
            if (name, student.name) not in NOT_IN_PROCESS]


def differences(verdicts: dict[str, list[dict]]) -> list[str]:
    """The questions whose points or diagnosis differ between secrets: each secret's verdict."""
    found = []
    for qid, per_key in sorted(verdicts.items()):
        if len({(v["points"], mistake_of(v)) for v in per_key}) > 1:
            found.append("%s:\n%s" % (qid, "\n".join("  secret %s: %g/%g %s (known mistake: %s)" % (
                key.decode(), v["points"], v["max_points"], v["message"][:400], mistake_of(v))
                for key, v in zip(KEYS, per_key))))
    return found


def mistake_of(v: dict) -> str | None:
    return (v["mistake"] or {}).get("id")


def test_the_left_out_students_are_in_the_demo_class():
    """The students this module leaves out exist (a renamed one would otherwise slip in or out unseen)."""
    for name, student in NOT_IN_PROCESS:
        assert student in [s.name for s in synth.demo_class(specs.get(name))], (name, student)


@pytest.mark.slow
@pytest.mark.parametrize("assignment_name, student", demo_students())
def test_demo_student_scores_the_same_under_every_secret(keras_home, in_tmp, assignment_name, student):
    a = specs.get(assignment_name)
    skip, skip_cells = keras_left_out(a, student)
    verdicts = inprocess.grade_in_process(a, student, KEYS, skip=skip, skip_cells=skip_cells)
    assert set(verdicts) == {a.qid(q) for q in a.questions} - skip, "a hidden grade cell did not ask"
    assert all(len(per_key) == len(KEYS) for per_key in verdicts.values())
    differ = differences(verdicts)
    assert not differ, "%s/%s scores differently under other secrets:\n%s" % (
        assignment_name, student.name, "\n".join(differ))
    if not student.cells and not student.blank:  # the answer key
        lost = ["%s: %s" % (qid, v["message"]) for qid, per_key in verdicts.items() for v in per_key
                if v["points"] != v["max_points"]]
        assert not lost, "the answer key lost points in-process:\n" + "\n".join(lost)
    if not os.environ.get("STABILITY_SECRETS"):
        assert_as_stored(assignment_name, student.name, {qid: per_key[0] for qid, per_key in verdicts.items()})


def stored_form(v: dict) -> dict:
    return {"points": v["points"], "max_points": v["max_points"], "status": v["status"],
            "mistake": mistake_of(v), "message": v["message"]}


def assert_as_stored(assignment_name: str, student: str, verdicts: dict[str, dict]) -> None:
    """Every verdict equal to the stored table's (``DEMO_GRADES``), question by question."""
    path = DEMO_GRADES / assignment_name / (student + ".json")
    now = {qid: stored_form(v) for qid, v in sorted(verdicts.items())}
    if os.environ.get("UPDATE_DEMO_GRADES"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(now, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    assert path.is_file(), "no stored verdicts for %s/%s (%s): UPDATE_DEMO_GRADES=1 writes them" % (
        assignment_name, student, path)
    stored = json.loads(path.read_text())
    changed = ["%s:\n  stored: %s\n  now:    %s" % (qid, stored.get(qid), now.get(qid))
               for qid in sorted(set(stored) | set(now)) if stored.get(qid) != now.get(qid)]
    assert not changed, "%s/%s is graded differently from the stored table:\n%s" % (
        assignment_name, student, "\n".join(changed))


# --------------------------------------------------------------------------------------
# the robustness suite under five secrets


def robustness_variants(keras: bool) -> list:
    """pytest parameters (assignment, variant) of the robustness suite: its Keras variants, or the others."""
    out = []
    for name in sorted(specs.ASSIGNMENTS):
        table = importlib.import_module("robustness." + specs.get(name).key)
        lists = ("KERAS_RIGHT", "KERAS_WRONG") if keras else ("RIGHT", "WRONG")
        found = [variant for listed in lists for variant in getattr(table, listed, [])]  # 02 has no Keras
        out += [pytest.param(name, variant, id="%s-%s" % (name, variant)) for variant in found]
    return out


def scored_under_every_key(assignment_name, variant, obj) -> None:
    """The variant's answer asked and judged under each secret: the same points under all of them."""
    a = specs.get(assignment_name)
    qid = a.qid(a.question(variant.question))
    asker = inprocess.Asker(a, str(variant), KEYS)
    asker.ask(qid, obj)
    differ = differences(asker.verdicts)
    assert not differ, "%s scores differently under other secrets:\n%s" % (variant, "\n".join(differ))


@pytest.mark.parametrize("assignment_name, variant", robustness_variants(keras=False))
def test_robustness_variant_scores_the_same_under_every_secret(in_tmp, assignment_name, variant):
    scored_under_every_key(assignment_name, variant, robustness.answer_object(assignment_name, variant))


@pytest.mark.parametrize("assignment_name, variant", robustness_variants(keras=True))
def test_robustness_keras_variant_scores_the_same_under_every_secret(keras_home, assignment_name, variant):
    keras, data = robustness.keras_environment(assignment_name)
    keras.utils.set_random_seed(0)  # as the robustness suite builds it
    model = robustness.answer_object(assignment_name, variant, keras, data)
    scored_under_every_key(assignment_name, variant, model)
