"""The judge: reads what the kernel reported for a question, decides the points, explains them.

Runs in the grading process, never in the student's kernel. Everything that arrives from the
kernel is untrusted data: it is decoded strictly (:func:`autograder.judging.probe.decode`), compared
with the reference outside the kernel, and shown to the student escaped.
"""
from __future__ import annotations

import html
import logging
import re
from typing import Any

import numpy as np

from ..faults import Fault
from . import derived
from .probe import REPORT_MIME, DecodeError, Reported, decode
from .spec import Context, Outcome, Question, Wrong, describe

log = logging.getLogger(__name__)

# nbgrader's own rule (ClearHiddenTests): any line that contains the delimiter, whatever comment marks it
# (``### BEGIN HIDDEN TESTS`` from the build scripts, ``# BEGIN HIDDEN TESTS`` typed in JupyterLab)
HIDDEN_REGION = re.compile(r"^[^\n]*BEGIN HIDDEN TESTS[^\n]*\n.*?^[^\n]*END HIDDEN TESTS[^\n]*(?:\n|\Z)", re.S | re.M)
HIDDEN_NOTE = "# (hidden checks ran here when the notebook was graded; their verdict is below)\n"
MAX_REPORT_CHARS = 40_000_000


def public_source(source: str) -> str:
    """A grade cell's source with its hidden region replaced by a note (docs/design.md, rule 6); a region that is
    never closed hides everything after its start."""
    public = HIDDEN_REGION.sub(HIDDEN_NOTE, source)
    start = public.find("BEGIN HIDDEN TESTS")
    if start >= 0:
        public = public[:public.rfind("\n", 0, start) + 1] + HIDDEN_NOTE
    return public


def find_reports(outputs, nonce: str, qid: str) -> list[dict]:
    """The reports for ``qid`` carrying this run's nonce, among a cell's outputs."""
    found = []
    for out in outputs:
        if out.get("output_type") not in ("display_data", "execute_result", "update_display_data"):
            continue
        payload = out.get("data", {}).get(REPORT_MIME)
        asked = payload.get("question") if isinstance(payload, dict) else None
        # the full id, or the grade id alone (a hidden cell written by hand may leave the assignment's key out)
        if isinstance(payload, dict) and payload.get("nonce") == nonce and asked in (qid, qid.partition(".")[2]):
            found.append(payload)
    return found


def cell_error(outputs) -> tuple[str, str] | None:
    """(ename, evalue) of a cell's error output, if any; a time-out wins over the interrupt it causes."""
    errors = [(str(o.get("ename", "Error"))[:200], str(o.get("evalue", ""))[:500])
              for o in outputs if o.get("output_type") == "error"]
    timeouts = [e for e in errors if e[0] == Fault.CELL_TIMEOUT.value]
    return (timeouts or errors or [None])[0]


def error_text(ename: str, evalue: str) -> str:
    return "%s: %s" % (ename, evalue) if evalue else ename


# lines of an error's text that are trace, not message: a frame ('  File "x.py", line 3, in f'), the code under it,
# TensorFlow's "Detected at node ... defined at (most recent call last):" and its "[[{{node ...}}]] [Op:...]" tags
_TRACE_LINE = re.compile(r"^\s*(File \"|\[\[\{\{node |\[Op:|Detected at node |Traceback \(most recent)|^\s{2,}\S")


def error_message(text: str, limit: int = 300) -> str:
    """An error's message without its trace: the first line and the last line that is message, not a frame (a
    TensorFlow error repeats the graph's Python trace inside its message; its cause is the last line)."""
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip() and not _TRACE_LINE.match(ln)]
    if not lines:
        return ""
    first, last = lines[0].rstrip(":"), lines[-1]
    short = first if len(lines) == 1 or last == lines[0] else "%s: %s" % (first, last)
    return short if len(short) <= limit else short[:limit - 1] + "…"


def judge_question(question: Question, qid: str, ctx: Context, outputs, nonce: str, timeout: int | None) -> dict:
    """The verdict on one question, as plain data (see :func:`verdict`)."""
    reports = find_reports(outputs, nonce, qid)
    if len(reports) > 1:
        return verdict(question, qid, [], status="no answer",
                       message="more than one answer was reported for this question: the grading cell was tampered with")
    if not reports:
        err = cell_error(outputs)
        if err and ends_notebook(err[0]):  # the kernel died, hung or ran out of time here or earlier
            return verdict(question, qid, [], status="no answer", message="not graded: %s" % err[1])
        if err and err[0] == Fault.CELL_TIMEOUT.value:
            msg = "the checks timed out after %s s: your code may loop forever or be very slow" % (timeout or "?")
        elif err:
            msg = "no answer could be read: %s" % error_text(*err)
            msg += hint_for_error(*err)
        else:
            msg = "no answer was reported (the grading cell did not run to its end)"
        return verdict(question, qid, [], status="no answer", message=msg)
    report = reports[0]
    try:
        if sum(len(str(v)) for v in report.values()) > MAX_REPORT_CHARS:
            raise DecodeError("report too large")
        answer = decode(report.get("answer"))
    except (DecodeError, ValueError, TypeError, KeyError) as exc:
        return verdict(question, qid, [], status="no answer", message="the reported answer could not be read (%s)" % exc)
    return run_checks(question, qid, ctx, answer)


def unreadable_function_report(question: Question, ctx: Context, answer: Any) -> str | None:
    """Why a function question's answer is not one result per input the judge picked, or None if it is."""
    if question.kind != "function":
        return None
    if isinstance(answer, Reported):
        return "expected a function, got %s" % describe(answer)
    if not isinstance(answer, list):
        return "the reported answer could not be read (function report is not a list)"
    if len(answer) != len(ctx.cases) or not all(isinstance(a, dict) and "out" in a for a in answer):
        return "the reported answer could not be read (function report does not match the inputs)"
    return None


def run_checks(question: Question, qid: str, ctx: Context, answer: Any) -> dict:
    why = unreadable_function_report(question, ctx, answer)
    if why:
        return verdict(question, qid, [], status="no answer", message=why)
    with np.errstate(all="ignore"):  # a student's nan and inf are judged, not warned about
        return _run_checks(question, qid, ctx, answer)


def _run_checks(question: Question, qid: str, ctx: Context, answer: Any) -> dict:
    results = []
    for check in question.checks:
        try:
            outcome = check.run(answer, ctx)
        except Wrong as exc:
            outcome = Outcome(False, str(exc))
        except Exception:  # a bug in a check must not cost the student silently
            log.exception("check %r of %s failed inside the judge", check.name, qid)
            outcome = Outcome(False, "the grader could not run this check (internal error, reported to the course staff)")
        results.append({"name": check.name, "max_points": check.points,
                        "points": check.points if outcome.passed else 0.0,
                        "passed": bool(outcome.passed), "message": outcome.message})
    mistake = None
    if not all(r["passed"] for r in results):
        for m in question.mistakes:
            try:
                if derived.matcher(question, m)(answer, ctx):
                    mistake = {"id": m.id, "title": m.title, "hint": m.hint}
                    break
            except Wrong:  # the answer cannot be read as this mistake makes it: not this one
                continue
            except Exception:
                log.exception("mistake matcher %r of %s failed", m.id, qid)
    v = verdict(question, qid, results, mistake=mistake)
    if isinstance(answer, dict) and isinstance(answer.get("backend"), str):
        v["environment"] = {"keras_backend": answer.get("backend"), "device": str(answer.get("device"))[:100],
                            "keras_version": str(answer.get("keras_version"))[:40]}
    v.update({k: val for k, val in ctx.extra.items() if k == "environment"})
    return v


def verdict(question: Question, qid: str, checks: list[dict], *, status: str | None = None,
            message: str | None = None, mistake: dict | None = None) -> dict:
    """A verdict as plain JSON-able data, stored in the cell's metadata and shown to the student."""
    points = round(sum(c["points"] for c in checks), 6)
    if status is None:
        status = "correct" if points >= question.points else ("partial" if points > 0 else "incorrect")
    if message is None:
        failed = [c for c in checks if not c["passed"]]
        message = "all checks passed" if not failed else "; ".join(
            "%s: %s" % (c["name"], c["message"]) for c in failed)
    return {"question": qid, "title": question.title, "points": points, "max_points": float(question.points),
            "status": status, "checks": checks, "mistake": mistake, "message": message}


def ends_notebook(ename: str) -> bool:
    """Whether an error output is a fault the execution step recorded that ended the notebook's run (the kernel
    died, hung or ran out of time, here or earlier; :class:`autograder.faults.Fault`): its value says where and
    why."""
    fault = Fault.of_error(ename)
    return fault is not None and fault.ends_notebook


def hint_for_error(ename: str, evalue: str) -> str:
    if ename == "NotImplementedError":
        return " (the solution cell above still holds the `raise NotImplementedError()` stub)"
    if ename == "NameError":
        return " (run the cell that defines it, and keep the name the task asks for)"
    if ename == "MemoryError":
        return " (grading kernels have a memory limit: avoid building huge arrays)"
    if ename == "RecursionError":
        return " (a function calls itself without end)"
    if ename in ("ModuleNotFoundError", "ImportError"):
        return " (only the packages of the course environment can be imported when grading)"
    low = evalue.lower()
    if "file too large" in low or "errno 27" in low:
        return " (grading kernels may not write files that large)"
    if "resource temporarily unavailable" in low or "can't start new thread" in low or "errno 11" in low:
        return " (grading kernels have a limit on processes and threads)"
    if "network is unreachable" in low or "name resolution" in low or "errno 101" in low:
        return " (grading kernels have no network: data comes from the local cache)"
    if ename in ("PermissionError", "OSError", "FileNotFoundError") and ("read-only" in low or "errno 30" in low):
        return " (grading kernels can write only in the notebook's own folder and /tmp)"
    return ""


STATUS_MARK = {"correct": "✔", "partial": "◐", "incorrect": "✘", "no answer": "✘"}
STATUSES = ("correct", "partial", "incorrect", "no answer")  # a verdict's status, best first
STATUS_COLOR = {"correct": "#1a7f37", "partial": "#9a6700", "incorrect": "#cf222e", "no answer": "#cf222e"}


def builds_on_text(v: dict) -> str:
    """A named mistake in an answer that builds on a failed earlier one: the earlier one may be the cause, or is
    (:func:`dependent_failure`), and then the spec's rule says whether it was charged again."""
    failed = v["builds_on"]
    dep = v.get("dependent")
    if not dep:
        return ("This builds on %s, which did not pass %s own checks: the mistake named here may come from there; "
                "fix that first." % ("; ".join(failed), "its" if len(failed) == 1 else "their"))
    cause = "; ".join("%s (%s)" % (d["title"], d["mistake"]) for d in dep["on"])
    rule = ("Charged again: this course's rule for this question is that an answer failing only because of an "
            "earlier one loses its points too." if dep["charged"] else
            "Not charged again: this course's rule for this question is that an answer failing only because of an "
            "earlier one keeps its points (%g), counted above." % v["max_points"])
    return ("This answer behaves as a right one does when it runs your %s: the mistake is there; fix that first. %s"
            % (cause, rule))


def dependent_failure(question: Question, v: dict, earlier: dict[str, dict]) -> None:
    """Whether ``v``, a verdict on ``question``, failed only because of an earlier wrong answer: its named mistake is
    one the spec says an earlier mistake causes (``Mistake.caused_by``) and ``earlier`` (verdicts of the questions it
    uses, by name) holds that mistake. If so, ``v["dependent"]`` records it and the spec's rule
    (``Question.charge_dependent``): charged, the points stay as the checks gave them; not charged, the answer keeps
    its points (the checks' own results are kept as they are)."""
    named = v.get("mistake")
    spec_mistake = next((m for m in question.mistakes if named and m.id == named.get("id")), None)
    if spec_mistake is None or not spec_mistake.caused_by or v["status"] == "correct":
        return
    on = [{"question": name, "title": e["title"].lower(), "mistake": e["mistake"]["title"]}
          for name, e in earlier.items() if (e.get("mistake") or {}).get("id") in spec_mistake.caused_by]
    if not on:
        return
    v["dependent"] = {"on": on, "charged": bool(question.charge_dependent)}
    if not question.charge_dependent:
        v["points"], v["status"] = v["max_points"], "correct"


def render_text(v: dict) -> str:
    lines = ["%s %s: %g / %g points" % (STATUS_MARK[v["status"]], v["question"], v["points"], v["max_points"])]
    if v.get("mistake"):
        lines.append("  Known mistake: %s. %s" % (v["mistake"]["title"], v["mistake"]["hint"]))
    if v.get("builds_on"):
        lines.append("  " + builds_on_text(v))
    for c in v["checks"]:
        lines.append("  [%s] %s (%g/%g): %s" % ("x" if c["passed"] else " ", c["name"], c["points"],
                                                c["max_points"], c["message"]))
    if not v["checks"]:
        lines.append("  " + v["message"])
    if v.get("environment"):
        env = v["environment"]
        lines.append("  (checked on Keras %s, backend %s, device %s)" % (
            env.get("keras_version"), env.get("keras_backend"), env.get("device")))
    return "\n".join(lines)


def render_html(v: dict) -> str:
    e = html.escape
    color = STATUS_COLOR[v["status"]]
    # the question id is for tools (data-question), never in the text a student reads
    parts = ['<div class="autograder-verdict" data-status="%s" data-question="%s" '
             'style="border-left:4px solid %s;padding:4px 10px">' % (e(v["status"]), e(v["question"]), color),
             '<b style="color:%s">%s %s</b> &mdash; <b>%g / %g points</b>'
             % (color, STATUS_MARK[v["status"]], e(v["title"]), v["points"], v["max_points"])]
    if v.get("mistake"):
        parts.append('<div class="autograder-mistake"><b>Known mistake: %s.</b> %s</div>'
                     % (e(v["mistake"]["title"]), e(v["mistake"]["hint"])))
    if v.get("builds_on"):
        parts.append('<div class="autograder-builds-on">%s</div>' % e(builds_on_text(v)))
    if v["checks"]:
        parts.append("<ul>")
        for c in v["checks"]:
            parts.append("<li>%s <b>%s</b> (%g/%g): %s</li>" % ("✔" if c["passed"] else "✘", e(c["name"]),
                                                                c["points"], c["max_points"], e(c["message"])))
        parts.append("</ul>")
    else:
        parts.append("<div>%s</div>" % e(v["message"]))
    if v.get("environment"):
        env = v["environment"]
        parts.append('<div style="color:#666;font-size:smaller">checked on Keras %s, backend %s, device %s</div>'
                     % (e(str(env.get("keras_version"))), e(str(env.get("keras_backend"))), e(str(env.get("device")))))
    parts.append("</div>")
    return "".join(parts)


def verdict_outputs(v: dict) -> list[dict]:
    """The outputs that replace a grade cell's own: the verdict, then the points for nbgrader."""
    from nbformat.v4 import new_output

    return [
        new_output("display_data", data={"text/html": render_html(v), "text/plain": render_text(v)}),
        new_output("execute_result", data={"text/plain": repr(float(v["points"]))}, execution_count=None),
    ]
