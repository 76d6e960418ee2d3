"""``python -m autograder``: grade, feedback, export, report, check, bench, demo, release, serve.

A thin layer over the functions of ``grading``, ``feedback``, ``export``, ``check`` and ``synth``. Every command
takes any assignment of the course (a folder of notebooks under ``source/``): with a spec, without one, or both
kinds of grade cell side by side (:mod:`autograder.assignments`).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import assignments, course, grading, runner, specs, synth
from .outputs import export, feedback, report
from .pipeline.bwrap import SandboxUnavailable
from .runner.env import cores
from .runner.template import without_iri_grammars


def _layout(args) -> assignments.Layout:
    """The assignment a command names, in its course: an unknown name or a broken spec stops the command here."""
    return assignments.layout(course.root_of(args), args.assignment)


def cmd_grade(args) -> int:
    root = course.root_of(args)
    _layout(args)
    students = args.student or grading.submissions(root, args.assignment)
    if not students:
        print("no submissions of %s in %s" % (args.assignment, root / "submitted"))
        return 1
    runner.sandbox_preflight(root, "none" if args.no_sandbox else None)  # refuse before saying anything else
    where = "on the Dask cluster at %s" % args.cluster if args.cluster else "%d at a time" % (args.jobs or cores())
    print("grading %d submission(s) of %s, %s ..." % (len(students), args.assignment, where), flush=True)
    try:
        result = runner.run(root, args.assignment, students, jobs=args.jobs, force=args.force,
                            timeout=args.timeout, verbose=args.verbose, sandbox="none" if args.no_sandbox else None,
                            cluster=args.cluster)
    except KeyboardInterrupt:
        print("interrupted: the grades recorded so far are kept; run the same command again to grade the rest")
        return 130
    print_summary(root, args.assignment, students)
    print("\n".join(runner.summary_lines(result, root)))
    return 1 if result.failed else 0


def cmd_feedback(args) -> int:
    root = course.root_of(args)
    _layout(args)
    proc = feedback.generate(root, args.assignment, args.student, quiet=not args.verbose)
    pages = sorted((root / "feedback").glob("*/%s/*.html" % args.assignment))
    print("wrote %d feedback page(s) under %s" % (len(pages), root / "feedback"))
    return 0 if proc.returncode == 0 or pages else 1


def cmd_export(args) -> int:
    root = course.root_of(args)
    for name in args.assignment:
        assignments.known(root, name)
    out = Path(args.output) if args.output else export.default_path(root, args.format)
    n = export.write(root, out, args.format, args.assignment or None)
    print("wrote %d %s row(s) to %s" % (n, args.format, out))
    return 0


def cmd_report(args) -> int:
    root = course.root_of(args)
    _layout(args)
    try:
        index = report.write(root, args.assignment, Path(args.output) if args.output else None)
    except ValueError as exc:
        print(exc)
        return 1
    print("class report: %s (and questions.csv, students.csv beside it)" % index)
    return 0


def cmd_release(args) -> int:
    root = course.root_of(args)
    for name in args.assignment or assignments.names(root):
        assignments.known(root, name)
        grading.generate(root, name)
        print("generated release/%s" % name)
    return 0


def cmd_serve(args) -> int:
    from .serve import service

    return service.main(course.root_of(args), args.status, args.once, args.jobs, args.cluster)


def sandbox_banner(warning: str) -> str:
    """The console's banner when the demo grades without the sandbox."""
    rule = "!" * 100
    return "\n".join([rule, "!!  " + warning[:1000], "!!  The demo goes on (its students are synthetic); "
                       "`python -m autograder grade` refuses to grade real submissions like this.", rule])


def cmd_demo(args) -> int:
    root = course.root_of(args)
    names = args.assignment or assignments.names(root)
    layouts = [assignments.layout(root, name) for name in names]  # every name and spec checked before grading
    _, _, warning = runner.sandbox_preflight(root, "auto")
    if warning:
        print(sandbox_banner(warning), flush=True)
    for layout in layouts:
        name = layout.name
        students = synth.demo_class(layout.as_spec(), root)
        print("== %s: a synthetic class of %d students" % (name, len(students)))
        for s in students:
            print("   %-12s %s" % (s.name, s.note))
        synth.build_class(root, name, students)
        result = runner.run(root, name, [s.name for s in students], jobs=args.jobs, force=True, timeout=args.timeout,
                            sandbox="auto")
        print_summary(root, name, [s.name for s in students])
        print("\n".join(runner.summary_lines(result, root)))
        feedback.generate(root, name)
        print("feedback pages: %s" % (root / "feedback" / "<student>" / name))
    out = root / "grades.csv"
    export.write_csv(root, out, names)
    print("grades: %s" % out)
    print("class reports: %s" % ", ".join(str(report.write(root, name)) for name in names))
    return 0


def print_summary(root: Path, assignment: str, students: list[str]) -> None:
    layout = assignments.layout(root, assignment)
    marks = {"correct": "+", "partial": "~", "incorrect": "x", "no answer": "-"}
    number = {i.qid: n for n, i in enumerate(layout.items, 1)}  # as the pages and the class report number them
    items = layout.auto()
    qs = [i.qid for i in items]
    total = sum(i.points for i in items)
    print("%-12s %9s  %s  %s" % ("student", "points", "".join("%-3d" % number[q] for q in qs), "notes"))
    for s in students:
        vs = grading.verdicts(root, assignment, s)
        if not vs:
            print("%-12s %9s  %s" % (s, "-", "not graded: see the log of nbgrader autograde"))
            continue
        got = sum(v["points"] for v in vs.values())
        row = "".join("%-3s" % marks[vs[q]["status"]] if q in vs else "?  " for q in qs)
        notes = [v["mistake"]["title"] for v in vs.values() if v.get("mistake")]
        notes += grading.faults(root, assignment, s, terse=True)
        notes = "; ".join(notes)
        print("%-12s %4g/%-4g  %s  %s" % (s, got, total, row, notes if len(notes) <= 200 else notes[:199] + "…"))
    kinds = {assignments.JUDGED: "", assignments.PLAIN: " (plain)", assignments.MANUAL: " (by hand, not above)"}
    print("questions: " + ", ".join("%d=%s%s" % (number[i.qid], i.grade_id, kinds[i.kind]) for i in layout.items))
    print("marks: + full, ~ partial, x wrong, - no answer (auto-graded points only; hand-graded ones come later)")


def add_cluster_argument(parser: argparse.ArgumentParser) -> None:
    """``--cluster tcp://HOST:PORT``, for every command that grades (passed on as ``runner.run(cluster=...)``)."""
    parser.add_argument("--cluster", metavar="tcp://HOST:PORT",
                        help="grade each submission as a task on this Dask scheduler's workers (started with "
                             "`dask worker tcp://HOST:PORT` in the course root); the gradebook must be on a "
                             "database server (docs/grading-a-class.md)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    p.add_argument("--root", help="course root (default: this repository)")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="autograde the submissions of an assignment")
    g.add_argument("assignment")
    g.add_argument("--student", action="append", help="grade only this student (repeatable)")
    g.add_argument("--timeout", type=int, help="seconds per cell (default: nbgrader_config.py)")
    g.add_argument("--jobs", type=int, help="submissions graded at once (default: all cores)")
    g.add_argument("--force", action="store_true", help="regrade submissions that are already graded")
    g.add_argument("-v", "--verbose", action="store_true", help="show nbgrader's log")
    g.add_argument("--no-sandbox", action="store_true",
                   help="grade without bubblewrap's isolation, on purpose (resource limits only; the same as "
                        "c.SafeExecute.sandbox = \"none\" in nbgrader_config.py)")
    add_cluster_argument(g)
    g.set_defaults(func=cmd_grade)

    from . import bench
    b = sub.add_parser("bench", help="time grading a synthetic class: nbgrader's serial loop, the parallel "
                                     "runner, bare execution")
    bench.add_arguments(b)
    b.set_defaults(func=bench.cmd)

    f = sub.add_parser("feedback", help="write the feedback pages of an assignment")
    f.add_argument("assignment")
    f.add_argument("--student")
    f.add_argument("-v", "--verbose", action="store_true")
    f.set_defaults(func=cmd_feedback)

    e = sub.add_parser("export", help="write grades.csv (or an LMS import file) from the gradebook")
    e.add_argument("assignment", nargs="*")
    e.add_argument("--format", choices=export.FORMATS, default="csv",
                   help="csv: a column per question (default); nbgrader: `nbgrader export`; moodle, canvas: "
                        "their gradebook import files (docs/ta-guide.md)")
    e.add_argument("-o", "--output", help="CSV path (default: grades.csv, or reports/grades-FORMAT.csv)")
    e.set_defaults(func=cmd_export)

    rp = sub.add_parser("report", help="write the class report: reports/ASSIGNMENT/index.html and questions.csv")
    rp.add_argument("assignment")
    rp.add_argument("-o", "--output", help="folder (default: reports/ASSIGNMENT in the course root)")
    rp.set_defaults(func=cmd_report)

    from . import check
    c = sub.add_parser("check", help="the pre-release check of an assignment: cells and points, the solution gets "
                                     "full marks, the release 0, every known mistake diagnosed (in seconds)")
    c.add_argument("assignment", nargs="*", help="default: every assignment of the course")
    c.set_defaults(func=check.cmd)

    r = sub.add_parser("release", help="regenerate release/ from source/ (nbgrader generate_assignment)")
    r.add_argument("assignment", nargs="*")
    r.set_defaults(func=cmd_release)

    v = sub.add_parser("serve", help="live feedback: grade each submission as it reaches nbgrader's exchange and "
                                     "release its feedback page (docs/live-feedback.md)")
    v.add_argument("--status", action="store_true", help="print the service's state (queue, in progress, last "
                                                          "errors) and exit")
    v.add_argument("--once", action="store_true", help="grade what is waiting, then exit")
    v.add_argument("--jobs", type=int, help="submissions graded at once (default: c.LiveFeedback.jobs, or all cores)")
    add_cluster_argument(v)
    v.set_defaults(func=cmd_serve)

    d = sub.add_parser("demo", help="grade a synthetic class: submissions, grades, feedback, grades.csv")
    d.add_argument("assignment", nargs="*")
    d.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: nbgrader_config.py)")
    d.add_argument("--jobs", type=int, default=None, help="submissions graded at a time (default: all cores)")
    d.set_defaults(func=cmd_demo)
    return p


def main(argv=None) -> int:
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    without_iri_grammars()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (grading.GradingError, SandboxUnavailable, assignments.UnknownAssignment, specs.SpecError) as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
