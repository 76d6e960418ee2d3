"""What the pages make of a notebook, in process (autograder/outputs/mathml.py, pages.py, feedback.py): formulas as
MathML, one numbering, cells named as students know them, answers awaiting grading left out of the points."""
from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder import specs
from autograder.judging import judge
from autograder.outputs import feedback, mathml, pages
from autograder.pipeline.judge_cells import STATE_KEY
from e2e import REPO_ROOT

A = specs.get("02_losses")


def release_notebook():
    return nbformat.read(str(REPO_ROOT / "release" / A.name / (A.notebook + ".ipynb")), as_version=4)


@pytest.mark.parametrize("text, block", [(r"the sigmoid $\sigma(z) = \dfrac{1}{1 + e^{-z}}$ here", False),
                                         ("$$L = \\frac{1}{N}\\sum_i L_i$$", True)])
def test_a_formula_becomes_one_mathml_element(text, block):
    """Inline and display formulas become <math> elements (display="block" for $$), with no $ left."""
    out = mathml.render_math(text)
    assert out.count("<math") == 1 and "$" not in out
    assert ('display="block"' in out) == block and "<mfrac>" in out


def test_code_and_prices_keep_their_dollars_and_unreadable_latex_stays_visible():
    """Dollars inside code spans and fences are code; "$5 and $6" is no formula; LaTeX latex2mathml cannot read
    is shown as its text, not dropped."""
    text = "`a = '$x$'` and\n```\nprint('$y$')\n```\ncosts $5 and $6, broken $\\frac{1}{$ end"
    out = mathml.render_math(text)
    assert "`a = '$x$'`" in out and "print('$y$')" in out and "costs $5 and $6" in out
    assert '<code class="latex">$\\frac{1}{$</code>' in out and "<math" not in out


def test_mathml_text_is_safe_from_markdown():
    """Underscores and stars inside a formula cannot turn into emphasis when the cell's markdown is rendered."""
    out = mathml.to_mathml(r"\text{a_b_c} * x")
    assert not re.search(r">[^<]*[_*][^<]*<", out)


def test_render_math_turns_markdown_and_latex_outputs_into_mathml():
    """Markdown cells and sympy's text/latex outputs both get MathML (an HTML version the page shows first)."""
    nb = new_notebook(cells=[new_markdown_cell("loss $L_i$"), new_code_cell("x", outputs=[nbformat.from_dict(
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/latex": "$\\displaystyle \\frac{x}{2}$", "text/plain": "x/2"}})])])
    nb, _ = mathml.RenderMath().preprocess(nb, {})
    assert "<math" in nb.cells[0].source and "<mfrac>" in nb.cells[1].outputs[0].data["text/html"]


def test_graded_cells_are_numbered_once_in_notebook_order_and_solution_cells_named_by_their_question():
    """The release notebook: 10 judged questions and one hand-graded answer, numbered 1-11 in notebook order; the
    hand-graded answer takes the heading above it as its title; a solution cell is "your answer to Question n"."""
    nb = release_notebook()
    for cell in nb.cells:  # the verdicts grading would add, titled as the spec titles them
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in {q.name for q in A.questions}:
            cell.metadata[STATE_KEY] = {"verdict": {"title": A.question(gid).title}}
    items = pages.graded_cells(nb)
    names = [i["grade_id"] for i in items]
    assert [i["number"] for i in items] == list(range(1, 12))
    assert names.index("explain_mouse") == names.index("mouse_change") + 1
    assert items[names.index("explain_mouse")]["title"] == "Check your understanding"
    cells = pages.cell_names(nb)
    assert cells["solution_softmax"] == "your answer to Question 3" and cells["softmax"] == "Question 3"
    assert pages.readable("timed out after 30 s in cell 'solution_softmax'", cells) == \
        "timed out after 30 s in your answer to Question 3"
    assert pages.readable("<div>cell &#x27;solution_softmax&#x27; raised</div>", cells) == \
        "<div>your answer to Question 3 raised</div>"  # the verdict's HTML quotes the id escaped
    nb, _ = pages.PageView().preprocess(nb, {})
    assert nb.cells[[c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells].index("softmax")] \
        .metadata[STATE_KEY]["label"] == "Question 3: A numerically stable softmax"


def test_an_answer_awaiting_grading_is_named_and_not_counted():
    """16 auto-graded points of 18 and a 2-point answer no one has graded: "16 of 18 points so far, 2 points
    awaiting grading"; once graded, the plain total."""
    auto = {"status": "partial", "title": "Q", "points": 16.0, "max_points": 18.0, "message": "", "checks": [],
            "number": 1, "anchor": "q"}
    waiting = {"manual": True, "number": 2, "anchor": "m", "title": "In your own words", "score": None,
               "points": 2.0, "comment": None}
    page = feedback.summary_markdown([auto, waiting], [], total=16.0, max_total=20.0)
    assert "Your results: 16 of 18 points so far, 2 points awaiting grading" in page
    assert 'data-status="pending"' in page and "&ndash; / 2" in page
    graded = feedback.summary_markdown([auto, dict(waiting, score=1.5)], [], total=17.5, max_total=20.0)
    assert "Your results: 17.5 / 20 points" in graded and "graded by hand 1.5 / 2" in graded
    assert "awaiting" not in graded


def test_the_formgrader_summary_is_for_the_formgrader_only():
    """An HTML exporter step both kinds of page go through: the formgrader's (its resources name a submission) opens
    with the table, its hand-graded row a link to the score box; a feedback page is left to FeedbackSummary."""
    nb = release_notebook()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in {q.name for q in A.questions}:
            q = A.question(gid)
            cell.metadata[STATE_KEY] = {"verdict": {"title": q.title, "status": "correct", "points": q.points,
                                                    "max_points": q.points, "message": "", "checks": []}}
    before = len(nb.cells)
    nb, _ = feedback.FormgraderSummary().preprocess(nb, {})
    assert len(nb.cells) == before
    nb, _ = feedback.FormgraderSummary().preprocess(nb, {"submission_id": "s1"})
    table = nb.cells[0].source
    assert "Auto-graded: 18 / 18 points" in table and '<a href="#explain_mouse">grade this answer</a>' in table
    assert "display:none" not in table  # nbgrader's own formgrader page is left as it is


def verdict(q, status: str, mistake: dict | None = None) -> dict:
    return {"question": A.qid(q), "title": q.title, "status": status, "max_points": q.points,
            "points": q.points if status == "correct" else 0.0, "message": "checked", "checks": [], "mistake": mistake}


def test_what_a_question_builds_on_is_declared_once_and_named_where_it_explains_a_failure():
    """02's spec: the mean cross-entropy builds on the per-example one. When that one failed, a named mistake of the
    mean keeps its name and says the earlier answer may be the cause; a visible check of the mean that raised says
    which answer to fix; a visible check of a question whose earlier answers passed gets no such note."""
    from nbformat.v4 import new_output

    from autograder.judging.judge import render_html
    from autograder.pipeline.judge_cells import add_dependency_hints

    nb = release_notebook()
    status = {"cross_entropy_per_example": "incorrect", "cross_entropy_loss": "partial", "svm_loss_naive": "partial"}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in {q.name for q in A.questions} and not cell.metadata["nbgrader"].get("solution"):
            mistake = {"id": "m", "title": "a mistake", "hint": "a hint"} if gid == "cross_entropy_loss" else None
            cell.metadata[STATE_KEY] = {"verdict": verdict(A.question(gid), status.get(gid, "correct"), mistake)}
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    checks = {gid: next(c for c in reversed(nb.cells[:ids.index(gid)]) if c.cell_type == "code"
                        and not c.metadata.get("nbgrader", {}).get("solution")) for gid in status}
    for check in checks.values():  # each visible check raised
        check.outputs = [new_output("error", ename="AssertionError", evalue="", traceback=[])]
    add_dependency_hints(nb, A)

    v = nb.cells[ids.index("cross_entropy_loss")].metadata[STATE_KEY]["verdict"]
    assert v["builds_on"] == ["the softmax cross-entropy of each example"] and v["message"] == "checked"
    assert "may come from there" in render_html(v)
    notes = [o for o in checks["cross_entropy_loss"].outputs if o.output_type == "display_data"]
    assert len(notes) == 1 and notes[0].data["text/plain"] == (
        "This check also runs an earlier answer that did not pass its own checks (the softmax cross-entropy of each "
        "example): fix that one first.")
    assert [o.output_type for o in checks["svm_loss_naive"].outputs] == ["error"]
    assert [o.output_type for o in checks["cross_entropy_per_example"].outputs] == ["error"]


def faulty_notebook():
    """02's notebook as grading leaves it for a student whose softmax timed out and whose kernel was killed in the
    L1 penalty's answer: the L1, L2 and regularized loss questions never ran; every other answer is right."""
    from autograder.faults import Fault, FaultRecord
    from autograder.pipeline.execute import METADATA_KEY, error_output
    from autograder.pipeline.judge_cells import answer_cells, own_faults

    nb = release_notebook()
    timeout = FaultRecord(Fault.CELL_TIMEOUT, "timed out after 30 s in cell 'solution_softmax' (an endless loop?)",
                          "solution_softmax")
    died = FaultRecord(Fault.KERNEL_DIED, "the kernel died in cell 'solution_l1_penalty' (killed by SIGKILL)",
                       "solution_l1_penalty")
    nb.metadata[STATE_KEY] = {"verdicts": [], "faults": [timeout.to_json()]}
    nb.metadata[METADATA_KEY] = {"fault": died.to_json()}
    answers, never_ran = answer_cells(nb), {"l1_penalty", "l2_penalty", "regularized_loss"}
    ran = True
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == died.cell:
            cell.outputs, ran = [error_output(died)], False
        elif gid == timeout.cell:  # as nbclient leaves a cell it interrupted
            cell.outputs = [new_output("stream", name="stdout", text="searching...\n"),
                            new_output("error", ename="KeyboardInterrupt", evalue="",
                                       traceback=["KeyboardInterrupt: "]),
                            new_output("error", ename="CellTimeoutError", evalue="",
                                       traceback=["CellTimeoutError: No reply from kernel before timeout"])]
        elif cell.cell_type == "code" and not ran:
            cell.outputs = [error_output(FaultRecord(Fault.NOT_RUN, died.message, died.cell))]
        if gid not in {q.name for q in A.questions}:
            continue
        v = verdict(A.question(gid), "correct")
        if gid == "softmax" or gid in never_ran:
            v.update(status="no answer", message="no answer could be read: NameError: name 'softmax' is not defined")
        if gid in never_ran:
            v["message"] = "not graded: " + died.message
        own_faults(v, cell, [f for f in [timeout] if f.cell in answers[gid]], died)
        cell.metadata[STATE_KEY] = {"verdict": v}
        cell.outputs = judge.verdict_outputs(v)
    return nb


def test_a_fault_is_stated_once_led_by_its_question_and_the_rows_it_left_ungraded_point_to_it():
    """Deliver 4, one cause stated once: the list of problems names each fault with its question's number and
    title; each row it left ungraded says so in a few words and points to it; the grading cell's own verdict
    states its own cause only (not every fault of the notebook)."""
    import html

    nb = faulty_notebook()
    own = {c.metadata.nbgrader["grade_id"]: c.metadata[STATE_KEY]["verdict"] for c in nb.cells
           if STATE_KEY in c.metadata}
    assert own["softmax"]["message"] == "timed out after 30 s in cell 'solution_softmax' (an endless loop?)"
    assert own["softmax"]["cause"]["kind"] == "CellTimeoutError"
    assert own["l2_penalty"]["cause"]["kind"] == "KernelDied" and "timed out" not in own["l2_penalty"]["message"]
    assert "cause" not in own["svm_loss_naive"]
    nb, _ = feedback.FeedbackSummary().preprocess(nb, {})
    table = html.unescape(nb.cells[0].source)
    problems = re.search(r"Problems while running your notebook:</b><ul[^>]*>(.*?)</ul>", table).group(1)
    assert re.findall(r"<li>(.*?)</li>", problems) == [
        "Question 3: A numerically stable softmax — timed out after 30 s in your answer (an endless loop?)",
        "Question 9: %s — the kernel died in your answer (killed by SIGKILL)" % A.question("l1_penalty").title]
    assert table.count("timed out after 30 s") == 1 and table.count("killed by SIGKILL") == 1
    rows = re.findall(r'<tr data-status="no answer">(.*?)</tr>', table)
    assert len(rows) == 4 and all("(see the problem above)" in r for r in rows)
    assert "not graded: your answer timed out" in rows[0] and "NameError" not in table
    assert "not graded: the kernel died in your answer" in rows[1]  # Question 9, in whose answer it happened
    assert all("not graded: the notebook's run ended before this question" in r for r in rows[2:])
    assert "solution_" not in table and "cell '" not in table


def test_the_end_of_a_run_is_stated_where_it_happened_and_only_pointed_to_after():
    """Deliver 4, one cause stated once, on the page's cells too: the cell where the kernel died says so, naming
    the question by number; every later cell says only that it did not run, and every later question only that
    the run ended before it; no cell id anywhere. The autograded notebook itself keeps its records."""
    import html

    nb = faulty_notebook()
    kept = nbformat.writes(nb)
    page, _ = pages.PageView().preprocess(faulty_notebook(), {})
    texts = [html.unescape(str(o.get("evalue", "")) + "".join(o.get("traceback", [])) +
                           str(o.get("data", {}).get("text/html", "")))
             for c in page.cells for o in c.get("outputs", [])]
    died = [t for t in texts if "SIGKILL" in t]
    assert len(died) == 2, died  # where it happened, and Question 9's own verdict
    assert all("the kernel died in your answer to Question 9 (killed by SIGKILL)" in t for t in died)
    assert "solution_" not in "".join(texts) and "cell '" not in "".join(texts)
    later = [c for c in page.cells[[c.metadata.get("nbgrader", {}).get("grade_id") for c in page.cells].index(
        "solution_l1_penalty") + 1:] if c.cell_type == "code"]
    graded = [c for c in later if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(graded) == 3 and len(later) > len(graded)
    for cell in later:
        (out,) = [o for o in cell.outputs if o.output_type != "execute_result"]
        if cell in graded[1:]:
            assert "not graded: the notebook's run ended before this question (see the problem above)" in \
                html.unescape(out.data["text/html"])
        elif cell not in graded:
            assert out.traceback == ["Not run: the notebook's run ended before this cell (see the problem above)"]
    assert nbformat.writes(nb) == kept and "cell 'solution_l1_penalty'" in kept


def test_a_time_out_says_what_happened_not_how():
    """Deliver 4: a cell the grader stopped shows its own output, then "Timed out: ...", not the interrupt's trace
    and nbclient's "No reply from kernel"; its question's verdict gives the time-out alone, not the NameError
    its unread answer left."""
    page, _ = pages.PageView().preprocess(faulty_notebook(), {})
    (cell,) = [c for c in page.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "solution_softmax"]
    assert [o.output_type for o in cell.outputs] == ["stream", "error"]
    assert cell.outputs[1].traceback == [
        "Timed out: this cell ran past its time limit, so the grader stopped it (an endless loop, or very slow code?)"]
    (graded,) = [c for c in page.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax"]
    assert "NameError" not in str(graded.outputs) and "(an endless loop?)" in str(graded.outputs)


def test_an_error_is_its_type_and_message_not_its_trace():
    """Deliver 4: a TensorFlow error carries the graph's Python trace inside its message; a fault states the
    error's type, its first line and the line that says what went wrong, and a fault recorded with a cut-off
    trace (an older engine's) loses the trace."""
    from autograder.judging.judge import error_message

    trace = ("Graph execution error:\n\nDetected at node compile_loss/binary_crossentropy/Mean defined at (most "
             "recent call last):\n  File \"<frozen runpy>\", line 198, in _run_module_as_main\n\n  File \"/x/keras/"
             "src/trainers/trainer.py\", line 10, in fit\n    return self._fit(x)\n\nIncompatible shapes: [8,1] vs. "
             "[8,3]\n\t [[{{node compile_loss/binary_crossentropy/Mean}}]] [Op:__inference_one_step_612]")
    assert error_message(trace) == "Graph execution error: Incompatible shapes: [8,1] vs. [8,3]"
    assert error_message("name 'x' is not defined") == "name 'x' is not defined"
    assert error_message("x" * 500, 100) == "x" * 99 + "…"
    nb = faulty_notebook()
    cut = "cell 'solution_softmax' raised InvalidArgumentError: " + trace[:160]
    assert pages.fault_text(nb, cut, "solution_softmax") == (
        "Question 3: A numerically stable softmax — your answer raised InvalidArgumentError: Graph execution error")


def faulty_course(root):
    """A course folder holding one graded student, kim, with :func:`faulty_notebook`."""
    folder = root / "autograded" / "kim" / A.name
    folder.mkdir(parents=True)
    nbformat.write(faulty_notebook(), str(folder / (A.notebook + ".ipynb")))
    (root / "submitted" / "kim" / A.name).mkdir(parents=True)
    (root / "source" / A.name).mkdir(parents=True)  # the numbering of the course's notebook, as on the page
    nbformat.write(release_notebook(), str(root / "source" / A.name / (A.notebook + ".ipynb")))
    return root


def test_the_graders_terminal_numbers_questions_as_the_pages_do_and_names_no_cell(tmp_path, capsys):
    """``python -m autograder grade``'s table: its columns are numbered as the pages number the questions (the
    hand-graded one among them, named in the legend), and its notes give every fault, the kernel's death too, by
    question number, never by cell id."""
    from autograder import cli

    cli.print_summary(faulty_course(tmp_path), A.name, ["kim"])
    header, row, legend, _ = capsys.readouterr().out.splitlines()
    assert header.split()[2:-1] == [str(n) for n, i in enumerate(pages.graded_cells(faulty_notebook()), 1)
                                    if i["verdict"] is not None]
    assert row.split("  ")[-1].strip() == ("Q3: timed out after 30 s in the answer (an endless loop?); "
                                           "Q9: the kernel died in the answer (killed by SIGKILL)")
    assert "8=explain_mouse (by hand, not above)" in legend and "9=l1_penalty" in legend
    assert "solution_" not in row and "cell '" not in row


def test_the_class_report_states_each_fault_once_with_its_question(tmp_path):
    """The class report's failures list names each fault as the feedback page does (question number and title, no
    cell id, no trace) and the unanswered questions by number and title; its students table names the kinds only."""
    import html

    from autograder.outputs import report

    page = html.unescape(report.write(faulty_course(tmp_path), A.name).read_text())
    failures = re.search(r"<h2>Failures</h2>(.*?)</table>", page, re.S).group(1)
    assert "Question 3: A numerically stable softmax — timed out after 30 s in your answer" in failures
    assert "Question 9: %s — the kernel died in your answer" % A.question("l1_penalty").title in failures
    assert "3 A numerically stable softmax; 9 %s" % A.question("l1_penalty").title in failures
    assert page.count("timed out after 30 s") == 1 and "solution_" not in page
    students = re.search(r"<h2>Students</h2>(.*?)</table>", page, re.S).group(1)
    assert "time-out, kernel died (see Failures)" in students


def test_the_formgraders_panels_name_cells_by_question_not_by_id():
    """The formgrader's submission view, rendered as the formgrader renders it (the course's nbgrader_config.py,
    its HTML exporter and template, autograder/outputs/templates/autograder_formgrade): each graded cell's panel
    and each answer's panel is named by question number and title; the score boxes keep nbgrader's ids, which its
    scripts and the summary's links use."""
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT)).load_config()
    page, _ = HTMLExporter(config=config).from_notebook_node(faulty_notebook(), resources={
        "submission_id": "s1", "base_url": "", "index": 0, "total": 1, "notebook_id": A.notebook,
        "assignment_id": A.name, "student": "kim"})
    labels = [re.sub(r"\s+", " ", x).strip() for x in re.findall(r'class="nbgrader-label">(.*?)</span>', page, re.S)]
    softmax = "Question 3: A numerically stable softmax"
    assert [x for x in labels if softmax in x] == ["Student's answer to " + softmax, softmax]
    assert "Question 8: %s (student's answer)" % pages.heading_title("## Check your understanding") in labels
    assert len(labels) == 2 * len(A.questions) + len(A.manual) and all("Question" in x for x in labels)
    assert not re.search(r"<code>\w+</code>", "".join(labels)), "no cell id in a panel"
    assert 'id="softmax"' in page and 'id="explain_mouse"' in page and 'id="explain_mouse-comment"' in page
    assert '<a href="#explain_mouse">grade this answer</a>' in page  # the summary's link to the score box
