"""The class report's page: plots and tables in one self-contained HTML file (see :mod:`.report` for what it
reads and the CSV files it writes beside it)."""
from __future__ import annotations

import base64
import html
import io
import statistics
from collections import Counter
from datetime import datetime, timezone

from ..faults import LABELS
from ..judging.judge import STATUS_COLOR, STATUSES

FAULT_KINDS = tuple(dict.fromkeys(LABELS.values()))  # the failures' columns, in the order of autograder.faults


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def plot_scores(subs: list, max_score: float) -> str:
    fig, ax = _figure(7, 3.2)
    scores = [s.score for s in subs if s.submitted and s.score is not None]
    top = max(max_score, max(scores, default=0.0), 1.0)
    step = 1.0 if top <= 30 else top / 25
    edges = [i * step for i in range(int(top // step) + 2)]
    ax.hist(scores, bins=edges, color="#0969da", edgecolor="white")
    if scores:
        mean = statistics.fmean(scores)
        ax.axvline(mean, color="#cf222e", linestyle="--", linewidth=1.5, label="mean %.1f" % mean)
        ax.legend(frameon=False)
    ax.set_xlim(0, top + step)
    ax.set_xlabel("score (points out of %g, after late penalties)" % max_score)
    ax.set_ylabel("submissions")
    ax.set_title("Score distribution (%d submissions)" % len(scores))
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def plot_questions(questions: list[dict]) -> str:
    auto = [q for q in questions if q["kind"] == "auto"]
    fig, ax = _figure(8, 0.45 * len(auto) + 1.4)
    labels = [q["question"].split(".", 1)[1] for q in auto]
    y = list(range(len(auto)))[::-1]
    left = [0.0] * len(auto)
    for status in STATUSES:
        key = "no_answer" if status == "no answer" else status
        share = [q[key] / q["submissions"] if q["submissions"] else 0.0 for q in auto]
        ax.barh(y, share, left=left, color=STATUS_COLOR[status] if status != "no answer" else "#8c959f",
                label=status, height=0.7)
        left = [a + b for a, b in zip(left, share)]
    for yi, q in zip(y, auto):
        ax.text(1.01, yi, "mean %.0f%%" % q["mean_percent"], va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1.18)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25%", "50%", "75%", "100%"])
    ax.set_xlabel("share of graded submissions")
    ax.set_title("Per question: verdicts (pass rate = correct) and mean score")
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.45, -0.18 if len(auto) > 6 else -0.3), frameon=False)
    return _png(fig)


def plot_times(subs: list) -> str:
    timed = sorted(((s.seconds, s.student) for s in subs if s.seconds is not None), reverse=True)
    if len(timed) <= 40:
        fig, ax = _figure(7, 0.3 * len(timed) + 1.2)
        ax.barh([n for _, n in timed][::-1], [t for t, _ in timed][::-1], color="#8250df")
        ax.set_xlabel("seconds")
        ax.set_title("Grading time per submission")
    else:
        fig, ax = _figure(7, 3)
        ax.hist([t for t, _ in timed], bins=25, color="#8250df", edgecolor="white")
        ax.set_xlabel("seconds")
        ax.set_ylabel("submissions")
        ax.set_title("Grading time per submission (%d submissions)" % len(timed))
    return _png(fig)


def plot_mistakes(questions: list[dict], top: int = 12) -> str | None:
    items = sorted(((n, "%s: %s" % (q["question"].split(".", 1)[1], title)) for q in questions
                    for _, title, n in q["mistakes"]), reverse=True)[:top]
    if not items:
        return None
    fig, ax = _figure(8, 0.35 * len(items) + 1.2)
    ax.barh([label[:70] for _, label in items][::-1], [n for n, _ in items][::-1], color="#bf8700")
    ax.set_xlabel("submissions")
    ax.set_title("Most frequent diagnosed mistakes")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


# --------------------------------------------------------------------------------------
# the page


CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#1f2328;
padding:0 1em;line-height:1.45}
h1{margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;font-size:14px;margin:.5em 0}
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{border-bottom:2px solid #8c959f;white-space:nowrap} td.num{text-align:right;white-space:nowrap}
.muted{color:#57606a} .stats span{display:inline-block;margin-right:2em}
.marks{font-family:ui-monospace,Menlo,monospace;white-space:pre}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #d0d7de}
.kind{border-radius:10px;padding:0 7px;background:#ffebe9;color:#cf222e;white-space:nowrap;font-size:13px}
"""


def _img(data: str | None, alt: str) -> str:
    if data is None:
        return '<p class="muted">(%s: nothing to plot)</p>' % html.escape(alt)
    return '<figure><img alt="%s" src="data:image/png;base64,%s"></figure>' % (html.escape(alt), data)


class _Num(str):
    """A table cell that holds a number (right-aligned)."""


def _head(*titles: str) -> str:
    return "<table><thead><tr>%s</tr></thead><tbody>" % "".join("<th>%s</th>" % t for t in titles)


def _row(*cells) -> str:
    """A table row of HTML cells (already escaped); :class:`_Num` cells are right-aligned."""
    return "<tr>%s</tr>" % "".join(("<td class=num>%s</td>" if isinstance(c, _Num) else "<td>%s</td>") % c
                                   for c in cells)


def _num(x, digits: int = 2) -> str:
    if x == "" or x is None:
        return ""
    return ("%.*f" % (digits, float(x))).rstrip("0").rstrip(".")


def render(assignment: str, subs: list, max_score: float, questions: list[dict],
           students: list[dict], layout=None) -> str:
    """The report's page: one self-contained HTML file (plots inline)."""
    e = html.escape
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>%s: class report</title><style>%s</style></head><body>" % (e(assignment), CSS),
           "<h1>%s: class report</h1>" % e(assignment),
           '<p class="muted">generated %s from the autograded notebooks and the gradebook</p>'
           % datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")]
    out += _summary(subs, max_score)
    out += _questions(subs, max_score, questions)
    out += _mistakes(questions)
    out += _failures(subs, questions)
    out += _times(subs)
    out += _students(layout, students)
    out.append("</body></html>")
    return "\n".join(out)


def _summary(subs: list, max_score: float) -> list[str]:
    submitted = [s for s in subs if s.submitted]
    scores = [s.score for s in submitted if s.score is not None]
    times = [s.seconds for s in subs if s.seconds is not None]
    stats = ["<span><b>%d</b> submissions</span>" % len(submitted),
             "<span><b>%d</b> graded</span>" % sum(s.graded for s in subs)]
    if len(subs) > len(submitted):
        stats.append("<span><b>%d</b> on the roster without a submission</span>" % (len(subs) - len(submitted)))
    if scores:
        stats.append("<span>score mean <b>%s</b>, median <b>%s</b>, min %s, max %s (of %g)</span>" % (
            _num(statistics.fmean(scores)), _num(statistics.median(scores)), _num(min(scores)), _num(max(scores)),
            max_score))
    if times:
        stats.append("<span>grading time median <b>%ss</b>, max %ss</span>" % (
            _num(statistics.median(times), 1), _num(max(times), 1)))
    return ['<p class="stats">%s</p>' % "".join(stats)]


def _questions(subs: list, max_score: float, questions: list[dict]) -> list[str]:
    e = html.escape
    out = ["<h2>Score distribution</h2>", _img(plot_scores(subs, max_score), "score distribution"),
           "<h2>Questions</h2>", _img(plot_questions(questions), "verdicts per question"),
           _head("#", "question", "title", "points", "mean", "pass rate", "correct", "partial", "incorrect",
                 "no answer", "awaiting grading", "most frequent mistakes")]
    for q in questions:
        mistakes = "<br>".join("%s &times;%d" % (e(title), n) for _, title, n in q["mistakes"][:3])
        mean = ('<span class="muted">none graded yet</span>' if q["mean_points"] == "" else
                "%s (%s%%)" % (_num(q["mean_points"]), _num(q["mean_percent"], 1)))
        if q["pending"] and q["mean_points"] != "":  # a hand-graded mean of the few graded so far says so
            mean += '<br><span class="muted">of %d graded</span>' % q["submissions"]
        out.append(_row(_Num(q["number"]), e(q["question"]), e(q["title"]), _Num("%g" % q["max_points"]), _Num(mean),
                        _Num("" if q["pass_rate"] == "" else "%.0f%%" % (100 * q["pass_rate"])),
                        *(_Num(q[k]) for k in ("correct", "partial", "incorrect", "no_answer", "pending")),
                        mistakes or '<span class="muted">&ndash;</span>'))
    out.append("</tbody></table>")
    return out


def _mistakes(questions: list[dict]) -> list[str]:
    e = html.escape
    out = ["<h2>Most frequent diagnosed mistakes</h2>", _img(plot_mistakes(questions), "most frequent mistakes")]
    rows = sorted(((n, q["question"], mid, title) for q in questions for mid, title, n in q["mistakes"]),
                  key=lambda r: (-r[0], r[1]))
    if rows:
        out.append(_head("submissions", "question", "mistake", "id"))
        out += [_row(_Num(n), e(q), e(t), '<span class="muted">%s</span>' % e(m)) for n, q, m, t in rows]
        out.append("</tbody></table>")
    return out


def _failures(subs: list, questions: list[dict]) -> list[str]:
    """Each fault once, led by the question (number and title) it happened in, as the feedback pages state it;
    the unanswered questions by number and title."""
    e = html.escape
    named = {q["question"]: "%s %s" % (q["number"], q["title"]) for q in questions}
    kinds = Counter(kind for s in subs for kind, _ in s.faults)
    no_answer = sum(1 for s in subs for v in s.verdicts.values() if v["status"] == "no answer")
    out = ["<h2>Failures</h2>", '<p>%s; <b>%d</b> unanswered questions (verdict "no answer") in all.</p>' % (
        ", ".join("<b>%d</b> %s" % (kinds[k], k) for k in FAULT_KINDS if kinds[k]) or "no faults recorded",
        no_answer)]
    failing = [s for s in subs if s.faults or any(v["status"] == "no answer" for v in s.verdicts.values())]
    if failing:
        out.append(_head("student", "what happened", "unanswered questions"))
        for s in failing:
            faults = "<br>".join('<span class="kind">%s</span> %s' % (e(k), e(m)) for k, m in s.faults)
            missing = [named.get(q, q) for q, v in s.verdicts.items() if v["status"] == "no answer"]
            out.append("<tr><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                e(s.student), faults or '<span class="muted">&ndash;</span>', e("; ".join(missing))))
        out.append("</tbody></table>")
    return out


def _times(subs: list) -> list[str]:
    times = [s.seconds for s in subs if s.seconds is not None]
    sources = sorted({s.timing for s in subs if s.timing})
    return ["<h2>Grading time per submission</h2>",
            _img(plot_times(subs) if times else None, "grading time per submission"),
            '<p class="muted">Seconds the sandboxed kernel ran each notebook, from kernel start to the last cell '
            "(the grading pipeline's <code>autograder_sandbox.seconds</code>); where that is missing, the span of "
            "the cells' execution timestamps that nbclient records (<code>cell.metadata.execution</code>), which "
            "leaves out the kernel start. Used here: %s.</p>" % html.escape(", ".join(sources) or "none")]


def _students(layout, students: list[dict]) -> list[str]:
    """``layout``: the assignment's :class:`autograder.assignments.Layout`, or None (no legend)."""
    e = html.escape
    legend = ""
    if layout is not None:
        legend = " Columns of <i>marks</i>, by question number: %s (hand-graded answers are under <i>by hand</i>)." % (
            e(", ".join("Q%d %s" % (n, i.grade_id) for n, i in enumerate(layout.items, 1) if i in layout.auto())))
    out = ["<h2>Students</h2>",
           '<p class="muted"><i>marks</i>: + full points, ~ partial, x wrong, - no answer.%s</p>' % legend,
           _head("student", "score", "auto", "by hand", "late", "marks", "time (s)", "notes")]
    for r in students:
        notes = [n for n in (r["mistakes"], r["fault_kinds"]) if n]
        if r["needs_manual_grade"]:
            notes.append("needs a manual grade")
        out.append(_row(e(r["student"]), _Num("%s / %g" % (_num(r["score"]) or "&ndash;", r["max_score"])),
                        _Num(_num(r["auto_points"])), _Num(_num(r["manual_points"])),
                        _Num(_num(-r["late_penalty"]) if r["late_penalty"] else ""),
                        '<span class="marks">%s</span>' % e(r["marks"]), _Num(_num(r["seconds"], 1)),
                        e("; ".join(notes))))
    out.append("</tbody></table>")
    return out
