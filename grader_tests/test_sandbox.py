"""The kernel sandbox (autograder/pipeline/bwrap.py, kernel.py, execute.py): what a process inside it can and
cannot reach.

These tests run small Python scripts in the same bubblewrap command the grading kernels get (no
Jupyter, no TensorFlow: seconds), plus unit tests of the command line, the damage check and the
fallback, and one pair of small notebooks for the font list each kernel is given. The whole-notebook
behaviour is in test_faults.py and test_hostile.py.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from autograder import course as course_state
from autograder.faults import KernelStartError, MachineBusyError
from autograder.pipeline.busy import process_tree, sched_delta, sched_times
from autograder.faults import Fault, read_log
from autograder.pipeline import bwrap
from autograder.pipeline.bwrap import (ENGINE_ROOT, SANDBOX_USER, UID_BASE, _chown_tree, _interpreter_paths,
                                       _sandbox_uid, bwrap_command, bwrap_problem, describe_mode, resolve_mode,
                                       set_limits)
from autograder.pipeline.damaged import DAMAGED_KEY, SafeNotebookExporter, damage
from autograder.pipeline.execute import METADATA_KEY, SafeExecute
from autograder.pipeline.kernel import SandboxKernelManager, _font_cache, describe_exit
from autograder.runner import sandbox_preflight

UID = UID_BASE + 4242


def _need_bwrap():
    problem = bwrap_problem(os.geteuid() == 0)
    if problem:
        pytest.skip("bubblewrap not usable here: %s" % problem)


@pytest.fixture
def course(tmp_path):
    """A fake course: answer key, gradebook, secret, keras cache, two students' folders."""
    root = tmp_path / "course"
    for rel, text in {
        "reference_impl/activations.py": "ANSWER = 0.820538\n",
        "autograder/specs.py": "SPEC = 1\n",
        "source/01/forward_pass.ipynb": "### BEGIN HIDDEN TESTS\nsecret\n### END HIDDEN TESTS\n",
        "gradebook.db": "grades",
        ".autograder/secret": "s3cr3t",
        ".autograder/keras/datasets/data.txt": "1,2,3\n",
        "submitted/alice/01/forward_pass.ipynb": "{}",
        "submitted/bob/01/forward_pass.ipynb": "{}",
        "autograded/bob/01/forward_pass.ipynb": "{}",
        "feedback/bob/01/forward_pass.html": "<html>",
    }.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    work = root / "autograded" / "alice" / "01"
    work.mkdir(parents=True)
    return root, work


def run_sandboxed(root: Path, work: Path, code: str, limits: dict | None = None, timeout: int = 60):
    """Run ``code`` as the grading kernels run: same command, same limits; return (rc, stdout, stderr)."""
    uid = UID if os.geteuid() == 0 else None
    private = Path(tempfile.mkdtemp(prefix="agk-"))
    try:
        if uid is not None:
            _chown_tree(work, uid, uid)
            _chown_tree(private, uid, uid)
        cmd = bwrap_command([sys.executable, "-c", textwrap.dedent(code)], workdir=work, private=private,
                                    hidden=[root, ENGINE_ROOT, Path.home()],
                                    readable=_interpreter_paths() + [root / ".autograder" / "keras"],
                                    uid=uid, env_unset=["AUTOGRADER_COURSE_ROOT"])
        lim = limits or {}
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=lambda: set_limits(lim))
        return proc.returncode, proc.stdout, proc.stderr
    finally:
        if uid is not None:
            _chown_tree(work, os.getuid(), os.getgid(), drop_links=True)
        shutil.rmtree(private, ignore_errors=True)


PROBE_FILES = """
import json, os, sys
root = sys.argv[1] if len(sys.argv) > 1 else {root!r}
res = {{}}
for rel in ["reference_impl/activations.py", "autograder/specs.py", "source/01/forward_pass.ipynb",
            "gradebook.db", ".autograder/secret", "submitted/alice/01/forward_pass.ipynb",
            "submitted/bob/01/forward_pass.ipynb", "autograded/bob/01/forward_pass.ipynb",
            "feedback/bob/01/forward_pass.html", ".autograder/keras/datasets/data.txt",
            {engine_ref!r}, {home_file!r}]:
    try:
        res[rel] = open(os.path.join(root, rel)).read()[:20]
    except Exception as exc:
        res[rel] = "ERR " + type(exc).__name__
def can_write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        return True
    except Exception:
        return False
res["write_work"] = can_write("own.txt")
res["write_tmp"] = can_write("/tmp/t.txt")
res["write_bob"] = can_write(os.path.join(root, "autograded/bob/01/evil.txt"))
res["write_root"] = can_write(os.path.join(root, "evil.txt"))
res["write_etc"] = can_write("/etc/evil.txt")
try:
    import socket
    s = socket.create_connection(("1.1.1.1", 53), timeout=3)
    res["net"] = "connected"
except Exception as exc:
    res["net"] = type(exc).__name__
res["pid"] = os.getpid()
res["pids"] = len([p for p in os.listdir("/proc") if p.isdigit()])
res["uid"] = os.getuid()
res["env"] = "AUTOGRADER_COURSE_ROOT" in os.environ
print(json.dumps(res))
"""


@pytest.mark.parametrize("dummy", [0])
def test_files_network_and_processes_are_isolated(course, dummy):
    _need_bwrap()
    root, work = course
    engine_ref = str(ENGINE_ROOT / "reference_impl" / "__init__.py")
    home_file = str(Path.home() / ".bashrc")
    code = PROBE_FILES.format(root=str(root), engine_ref=engine_ref, home_file=home_file)
    rc, out, err = run_sandboxed(root, work, code)
    assert rc == 0, err
    res = json.loads(out)
    for rel in ["reference_impl/activations.py", "autograder/specs.py", "source/01/forward_pass.ipynb",
                "gradebook.db", ".autograder/secret", "submitted/alice/01/forward_pass.ipynb",
                "submitted/bob/01/forward_pass.ipynb", "autograded/bob/01/forward_pass.ipynb",
                "feedback/bob/01/forward_pass.html", engine_ref, home_file]:
        assert res[rel].startswith("ERR"), (rel, res[rel])
    assert res[".autograder/keras/datasets/data.txt"] == "1,2,3\n"  # the data cache stays readable
    assert res["write_work"] and res["write_tmp"]
    assert not res["write_etc"]
    assert res["net"] != "connected"
    assert res["pid"] < 10 and res["pids"] < 10  # its own PID namespace
    assert not res["env"]
    if os.geteuid() == 0:
        assert res["uid"] == UID
    # writes outside the working copy never reach the real course
    assert (work / "own.txt").exists()
    assert not (root / "autograded" / "bob" / "01" / "evil.txt").exists()
    assert not (root / "evil.txt").exists()
    assert sorted(p.name for p in (root / "autograded" / "bob" / "01").iterdir()) == ["forward_pass.ipynb"]


def test_symlinks_made_by_the_kernel_are_removed(course):
    _need_bwrap()
    root, work = course
    code = "import os\nos.symlink(%r, 'link')\n" % str(root / "gradebook.db")
    rc, out, err = run_sandboxed(root, work, code)
    assert rc == 0, err
    if os.geteuid() == 0:
        assert not os.path.lexists(work / "link")


def test_memory_limit(course):
    _need_bwrap()
    root, work = course
    code = "try:\n    b = bytearray(2 * 1024 ** 3)\n    print('allocated')\nexcept MemoryError:\n    print('MemoryError')\n"
    rc, out, err = run_sandboxed(root, work, code, {"RLIMIT_DATA": 1024 * 1024 * 1024})
    assert out.strip() == "MemoryError", (out, err)


def test_a_kernel_with_its_own_user_id_still_has_a_user_name(course, monkeypatch):
    """getpass.getuser() must answer in the sandbox: PyTorch asks for it when Keras imports it on the torch backend."""
    _need_bwrap()
    if os.geteuid() != 0:
        pytest.skip("kernels run under a user id of their own only when grading as root")
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):  # a grader started by a service or in a container
        monkeypatch.delenv(name, raising=False)
    root, work = course
    rc, out, err = run_sandboxed(root, work, "import getpass, os\nprint(getpass.getuser(), os.getuid())\n")
    assert rc == 0, err
    assert out.split() == [SANDBOX_USER, str(UID)]


def test_file_size_limit(course):
    _need_bwrap()
    root, work = course
    code = ("try:\n    open('big', 'wb').write(b'0' * (8 * 1024 * 1024))\n    print('written')\n"
            "except OSError as e:\n    print('OSError', e.errno)\n")
    rc, out, err = run_sandboxed(root, work, code, {"RLIMIT_FSIZE": 1024 * 1024})
    assert out.strip() == "OSError 27", (out, err)  # EFBIG


def test_fork_bomb_is_bounded(course):
    _need_bwrap()
    if os.geteuid() == 0 and _sandbox_uid(-1) is None:
        pytest.skip("no separate user id: RLIMIT_NPROC does not apply to root")
    root, work = course
    code = """
    import os, time
    n = 0
    try:
        while n < 10000:
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            n += 1
    except OSError as e:
        print('stopped', n, e.errno)
    """
    rc, out, err = run_sandboxed(root, work, code, {"RLIMIT_NPROC": 64}, timeout=60)
    words = out.split()
    assert words[0] == "stopped" and int(words[1]) < 64, (out, err)


def test_command_line_hides_and_binds_back(tmp_path):
    root = tmp_path / "c"
    (root / ".autograder" / "keras").mkdir(parents=True)
    work = root / "autograded" / "s" / "a"
    work.mkdir(parents=True)
    private = tmp_path / "p"
    private.mkdir()
    cmd = bwrap_command(["python"], workdir=work, private=private, hidden=[root, Path("/nonexistent")],
                                readable=[root / ".autograder" / "keras"], uid=None, env_unset=["X"])
    text = " ".join(cmd)
    assert "--unshare-net" in cmd and "--unshare-pid" in cmd and "--die-with-parent" in cmd
    assert "/nonexistent" not in text
    # /tmp is a fresh tmpfs, so everything under it is hidden; what the kernel needs is bound back after it
    assert text.index("--tmpfs /tmp") < text.index("--ro-bind %s" % (root / ".autograder" / "keras"))
    assert "--bind %s %s" % (work, work) in text
    assert cmd[-2:] == ["--", "python"]
    # matplotlib's folder: a fresh one in /tmp, unless the kernel manager gives its own (once, not twice)
    assert cmd[cmd.index("MPLCONFIGDIR") + 1] == "/tmp/matplotlib"
    cmd = bwrap_command(["python"], workdir=work, private=private, hidden=[root], readable=[], uid=None,
                                env_unset=[], setenv={"MPLCONFIGDIR": str(private / "matplotlib")})
    assert cmd.count("MPLCONFIGDIR") == 1 and cmd[cmd.index("MPLCONFIGDIR") + 1] == str(private / "matplotlib")


FONT_CHECK = """
import glob, json, os
d = os.environ["MPLCONFIGDIR"]
lists = glob.glob(os.path.join(d, "fontlist-*.json"))
before = open(lists[0]).read() if lists else ""
import matplotlib.font_manager as fm
after = open(lists[0]).read() if lists else ""
fonts = len(fm.fontManager.ttflist)
open(lists[0], "w").write("poison") if lists else None
print(json.dumps({"dir": d, "lists": [os.path.basename(p) for p in lists], "json": before.startswith("{"),
                  "rebuilt": before != after, "fonts": fonts}))
"""


def _run_notebook(work: Path, code: str) -> dict:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    SafeExecute(timeout=60).preprocess(nb, {"metadata": {"path": str(work)}})
    outs = [o for o in nb.cells[0].outputs if o.get("name") == "stdout"]
    assert outs, nb.cells[0].outputs
    return json.loads(outs[-1]["text"].strip().splitlines()[-1])


def test_each_kernel_gets_its_own_copy_of_the_font_list(course, monkeypatch):
    """matplotlib's font list is built once for the course; a kernel reads its own copy without rescanning the
    fonts, and what one kernel does to its copy never reaches the course's list or the next kernel."""
    _need_bwrap()
    root, work = course
    monkeypatch.setenv("AUTOGRADER_COURSE_ROOT", str(root))
    fonts = course_state.font_cache(root)
    assert fonts is not None and fonts.parent == root / ".autograder"
    (listed,) = fonts.glob("fontlist-*.json")
    original = listed.read_bytes()
    first = _run_notebook(work, FONT_CHECK)
    assert first["lists"] == [listed.name] and first["json"] and not first["rebuilt"] and first["fonts"] > 0
    assert not first["dir"].startswith(str(root)) and first["dir"] != "/tmp/matplotlib"
    second = _run_notebook(work, FONT_CHECK)  # the first kernel spoilt its copy: not this one's
    assert second["json"] and not second["rebuilt"] and second["dir"] != first["dir"]
    assert listed.read_bytes() == original


def test_font_list_is_built_once_and_only_when_it_can_be(tmp_path, monkeypatch):
    root = tmp_path / "c"
    root.mkdir()
    fonts = course_state.font_cache(root)
    assert fonts is not None and len(list(fonts.glob("fontlist-*.json"))) == 1
    with monkeypatch.context() as m:  # built: never again
        m.setattr(course_state.subprocess, "run", lambda *a, **k: pytest.fail("font list built twice"))
        assert course_state.font_cache(root) == fonts
    # another interpreter or matplotlib (or new fonts) gets a list of its own
    monkeypatch.setattr(course_state.sys, "prefix", str(tmp_path / "other-venv"))
    monkeypatch.setattr(course_state.subprocess, "run", _failing_build)
    assert course_state.font_cache(root) is None  # a failed build: None, nothing half-made left behind
    assert sorted(p.name for p in (root / ".autograder").iterdir()) == [fonts.name]
    assert _font_cache(root) is None  # and the kernels go without, as before

    def no_matplotlib(name):
        raise course_state.importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(course_state.importlib.metadata, "version", no_matplotlib)
    assert course_state.font_cache(root) is None


def _failing_build(cmd, **kw):
    raise subprocess.CalledProcessError(1, cmd)


def test_damage_check():
    assert damage(b"") == "the notebook file is empty"
    assert "not valid JSON" in damage(b"{nope")
    assert "not valid JSON" in damage(b"\xff\xfe\x00")
    assert "not a Jupyter notebook" in damage(b"[1, 2]")
    assert "not a Jupyter notebook" in damage(b'{"nbformat": 4, "cells": 3}')
    assert "newer" in damage(b'{"nbformat": 5, "cells": []}')
    assert "too old" in damage(b'{"nbformat": 2, "cells": []}')
    assert damage(b'{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": {}}') is None
    assert damage(b"[" * 100000) is not None


def test_fallback_is_loud(monkeypatch):
    monkeypatch.setattr(bwrap, "bwrap_problem", lambda as_uid: "the bwrap program is not installed")
    ex = SafeExecute(sandbox="auto")
    mode, warning = ex.sandbox_mode()
    assert mode == "none" and "SANDBOX DISABLED" in warning and "not installed" in warning
    with pytest.raises(RuntimeError):
        SafeExecute(sandbox="bwrap").sandbox_mode()


def test_describe_exit():
    assert describe_exit(1) == "exit code 1"
    assert describe_exit(-11).startswith("killed by SIGSEGV")
    assert describe_exit(128 + 9).startswith("killed by SIGKILL")


def _tiny_notebook(source: str):
    from nbformat.v4 import new_code_cell, new_notebook

    return new_notebook(cells=[new_code_cell(source)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


class _Recording(SandboxKernelManager):
    """Records how each kernel was reached, and can start a kernel that exits at once (``dies``)."""

    seen: list = []
    dies = False

    def format_kernel_cmd(self, extra_arguments=None):
        _Recording.seen.append((self.transport, self.ip))
        if _Recording.dies:
            return [sys.executable, "-c", "raise SystemExit(3)"]
        return super().format_kernel_cmd(extra_arguments=extra_arguments)


@pytest.mark.parametrize("mode", ["none", "bwrap"])
def test_kernels_are_reached_over_unix_sockets_in_every_mode(tmp_path, monkeypatch, mode):
    """No TCP ports: a port picked free by one worker and bound later by its kernel could meanwhile be
    taken by another worker's kernel."""
    if mode == "bwrap":
        _need_bwrap()
    monkeypatch.setattr(_Recording, "seen", [])
    ex = SafeExecute(sandbox=mode, timeout=30, kernel_manager_class=_Recording)
    out, _ = ex.preprocess(_tiny_notebook("print(6 * 7)"), {"metadata": {"path": str(tmp_path)}})
    assert [o.get("text") for o in out.cells[0].outputs] == ["42\n"]
    assert "fault" not in out.metadata[METADATA_KEY]
    [(transport, ip)] = _Recording.seen
    assert transport == "ipc" and not Path(ip).parent.exists()  # its socket folder is gone with it


@pytest.mark.parametrize("mode", ["none", "bwrap"])
def test_kernels_multiply_at_full_float32_precision_on_any_device(tmp_path, monkeypatch, mode):
    """Grades must not depend on the device: TensorFloat-32 products stay off in every kernel, even when the
    grader's own environment turned them on."""
    if mode == "bwrap":
        _need_bwrap()
    monkeypatch.setenv("NVIDIA_TF32_OVERRIDE", "1")
    monkeypatch.setenv("JAX_DEFAULT_MATMUL_PRECISION", "tensorfloat32")
    ex = SafeExecute(sandbox=mode, timeout=30)
    code = "import os\nprint(os.environ['NVIDIA_TF32_OVERRIDE'], os.environ['JAX_DEFAULT_MATMUL_PRECISION'])"
    out, _ = ex.preprocess(_tiny_notebook(code), {"metadata": {"path": str(tmp_path)}})
    assert [o.get("text") for o in out.cells[0].outputs] == ["0 highest\n"]


def test_sched_times_counts_a_process_tree_and_its_threads():
    code = ("import os, threading, time\n"
            "def spin():\n    t = time.thread_time()\n    while time.thread_time() - t < 0.4: pass\n"
            "    time.sleep(60)\n"
            "if os.fork() == 0:\n    spin(); os._exit(0)\n"
            "threading.Thread(target=spin, daemon=True).start()\n"
            "t = time.thread_time()\nwhile time.thread_time() - t < 0.4: pass\n"
            "print('spun', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        before = sched_times([proc.pid])
        assert proc.stdout.readline().strip() == "spun"
        time.sleep(1.5)  # the other spins end too
        after = sched_times(process_tree(proc.pid))
        assert len(after) == 3  # the main thread, its thread, its child
        ran, waited = sched_delta(before, after)
        assert ran >= 1.1 and waited >= 0  # three spins of 0.4 s
    finally:
        for child in __import__("psutil").Process(proc.pid).children(recursive=True):
            child.kill()
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert process_tree(proc.pid) is None and sched_times([proc.pid]) is None


LOOP = "x = 0\nwhile True:\n    x += 1\n"


def _timed_out(nb) -> bool:
    return any(o.get("ename") == "CellTimeoutError" for o in nb.cells[0].outputs)


def test_a_time_out_on_a_starved_machine_is_the_graders_trouble(tmp_path, starved, monkeypatch):
    """The kernel waited for a CPU longer than it ran: no grade (the runner grades it again); on the last
    attempt the same time-out is the notebook's, so a notebook cannot starve itself into endless retries."""
    res = {"metadata": {"path": str(tmp_path)}}
    log = tmp_path / "faults.jsonl"
    ex = SafeExecute(sandbox="none", timeout=3, busy_is_graders_fault=True, fault_log=str(log))
    with pytest.raises(MachineBusyError, match="too busy to run it.*waited .* s for a CPU"):
        ex.preprocess(_tiny_notebook(LOOP), res)
    [record] = read_log(log)  # the record the runner's worker reads to know it was the grader's trouble
    assert record.kind is Fault.MACHINE_BUSY and record.kind.graders and record.cell == "cell 1"
    out, _ = SafeExecute(sandbox="none", timeout=3, fault_log=str(log)).preprocess(_tiny_notebook(LOOP), res)
    assert _timed_out(out)
    last = read_log(log)[-1]  # on the last attempt: the notebook's time-out, counted for the run's summary
    assert last.kind is Fault.CELL_TIMEOUT and "counted as the notebook's time-out" in last.message


@pytest.mark.parametrize("code", [LOOP, "import time\ntime.sleep(60)\n"])
def test_a_time_out_on_an_idle_machine_is_the_notebooks(tmp_path, code):
    out, _ = SafeExecute(sandbox="none", timeout=3).preprocess(_tiny_notebook(code),
                                                                       {"metadata": {"path": str(tmp_path)}})
    assert _timed_out(out)


def test_a_kernel_starts_even_while_the_previous_kernels_processes_are_still_going(tmp_path):
    """A grading process runs its kernels one after another under a user id of its own, whose process limit
    counts them all: processes left from the previous kernel (a fork storm still being torn down) that fill the
    limit are stopped before the next kernel starts, instead of leaving its notebook ungraded."""
    _need_bwrap()
    if os.geteuid() != 0:
        pytest.skip("kernels run under a user id of their own only when grading as root")
    ex = SafeExecute(sandbox="bwrap", timeout=30, max_tasks=16)
    uid = _sandbox_uid(ex.sandbox_uid)
    # 16 sleeping processes of that user, whose parent (as the sandbox's init would) reaps them when they stop
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys\n"
                               "kids = [subprocess.Popen(['sleep', '120'], user=%d, group=%d) for _ in range(16)]\n"
                               "print('started', flush=True)\n"
                               "print(sorted(k.wait() for k in kids), flush=True)\n" % (uid, uid)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline() == "started\n"
        out, _ = ex.preprocess(_tiny_notebook("print(6 * 7)"), {"metadata": {"path": str(tmp_path)}})
        assert [o.get("text") for o in out.cells[0].outputs] == ["42\n"]
        assert parent.stdout.readline() == "%s\n" % ([-9] * 16)  # stopped by the grader
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()


def test_a_kernel_that_cannot_start_is_not_graded(tmp_path, monkeypatch):
    """Before any of the student's code has run, a failure is the grader's: raised (nbgrader saves no grade
    and reports the submission; the runner grades it again), never recorded as the student's 0."""
    nb = _tiny_notebook("print(1)")
    res = {"metadata": {"path": str(tmp_path)}}
    with pytest.raises(KernelStartError, match="no kernel could be started.*no-such-kernel"):
        SafeExecute(sandbox="none", kernel_name="no-such-kernel").preprocess(nb, res)
    monkeypatch.setattr(_Recording, "dies", True)
    with pytest.raises(KernelStartError, match="no kernel could be started.*(died|exit code 3)"):
        SafeExecute(sandbox="none", startup_timeout=30, kernel_manager_class=_Recording).preprocess(nb, res)
    assert nb.cells[0].get("outputs", []) == []


def _export(tmp_path, text: str, fail: Exception | None = None):
    """Run ``text`` through the submission exporter with one preprocessor that reads every cell's source
    (as nbgrader's do) and raises ``fail``, when given, the first time only (a passing fault of the grader's,
    such as a busy gradebook): (notebook, damage reason or None)."""
    from nbconvert.preprocessors import Preprocessor

    faults = [fail] if fail is not None else []

    class Reads(Preprocessor):
        def preprocess(self, nb, resources):
            for cell in nb.cells:
                cell.source.splitlines()
                if cell.cell_type == "code":
                    cell.outputs = []
            if faults:
                raise faults.pop()
            return nb, resources

    path = tmp_path / "submitted.ipynb"
    path.write_text(text)
    exporter = SafeNotebookExporter(default_preprocessors=[])  # as nbgrader: its own only
    exporter.register_preprocessor(Reads(), enabled=True)
    body, _ = exporter.from_filename(str(path), {})
    nb = nbformat.reads(body, as_version=4)
    return nb, nb.metadata.get(DAMAGED_KEY)


def test_only_the_files_own_faults_count_as_damage(tmp_path):
    good = nbformat.writes(_tiny_notebook("x = 1"))
    nb, why = _export(tmp_path, good)
    assert why is None and nb.cells[0].source == "x = 1"
    # the grader's trouble on a good notebook is raised (no grade saved), never a damaged 0
    with pytest.raises(RuntimeError, match="the gradebook went away"):
        _export(tmp_path, good, RuntimeError("the gradebook went away"))
    with pytest.raises(KernelStartError):
        _export(tmp_path, good, KernelStartError("no kernel could be started"))
    # a notebook that breaks the schema but can be graded is graded (its bad output is cleared)
    data = json.loads(good)
    data["cells"][0]["outputs"] = [{"no": "output type"}]
    nb, why = _export(tmp_path, json.dumps(data))
    assert why is None and nb.cells[0].outputs == []
    # one that breaks the schema and cannot be graded is damaged, with nbformat's reason
    del data["cells"][0]["source"]
    nb, why = _export(tmp_path, json.dumps(data))
    assert why.startswith("the notebook is not a valid Jupyter notebook (") and "source" in why, why
    # ... unless the kernel never started: that is still the grader's
    with pytest.raises(KernelStartError):
        _export(tmp_path, json.dumps(data), KernelStartError("no kernel could be started"))
    # a version-3 file nbformat cannot upgrade could not be read
    nb, why = _export(tmp_path, json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": 7, "metadata": {}}))
    assert why.startswith("the notebook could not be read ("), why


# -- grading refuses to run without the sandbox, unless the instructor opts out -----------------------


@pytest.fixture
def no_bwrap(monkeypatch):
    """A machine where bubblewrap is not usable."""
    monkeypatch.setattr(bwrap, "bwrap_problem", lambda as_uid: "the bwrap program is not installed")


def test_grade_refuses_without_bubblewrap_names_both_ways_out_and_writes_no_grade(tmp_path, no_bwrap, capsys):
    from autograder import cli
    from e2e import copy_course

    root = copy_course(tmp_path / "course", opt_out=False)
    folder = root / "submitted" / "alice" / "01_forward_pass"
    folder.mkdir(parents=True)
    (folder / "forward_pass.ipynb").write_bytes((root / "release" / "01_forward_pass" / "forward_pass.ipynb").read_bytes())
    assert cli.main(["--root", str(root), "grade", "01_forward_pass"]) == 2
    err = capsys.readouterr().err
    assert "bwrap program is not installed" in err and "apt-get install bubblewrap" in err
    assert 'c.SafeExecute.sandbox = "none"' in err and "--no-sandbox" in err
    assert not (root / "gradebook.db").exists() and not (root / "autograded").exists()
    assert (folder / "forward_pass.ipynb").exists()  # the submission is left as it was


def test_the_opt_out_and_the_demo_grade_without_isolation_and_say_so(tmp_path, no_bwrap):
    from autograder import cli
    from e2e import copy_course

    root = copy_course(tmp_path / "course", opt_out=False)
    mode, line, warning = sandbox_preflight(root, "none")  # --no-sandbox
    assert mode == "none" and line.startswith("sandbox: NONE") and "configuration" in warning
    with open(root / "nbgrader_config.py", "a") as f:
        f.write('\nc.SafeExecute.sandbox = "none"\n')
    assert sandbox_preflight(root)[:2] == (mode, line)  # the setting, the same
    mode, line, warning = sandbox_preflight(root, "auto")  # the demo
    assert mode == "none" and "SANDBOX DISABLED" in warning
    banner = cli.sandbox_banner(warning)
    assert "SANDBOX DISABLED" in banner and "refuses" in banner


def test_the_summary_names_the_sandbox_it_graded_in():
    assert describe_mode("bwrap", True) == "sandbox: bubblewrap (kernels under a user id of their own)"
    assert "without isolation" in describe_mode("none", False)
    with pytest.raises(ValueError, match="one of"):
        resolve_mode("sometimes", False)


def test_native_start_up_chatter_stays_out_of_the_cells_what_the_student_prints_stays_in(tmp_path):
    """Libraries' native code writes to the process's stderr at import (TensorFlow's CUDA and absl lines);
    kernels are started so that only what the student's code prints reaches the notebook."""
    ex = SafeExecute(sandbox="none", timeout=30)
    code = ("import os, sys\nos.write(2, b'native start-up chatter\\n')\nos.write(1, b'native stdout chatter\\n')\n"
            "print('my own output')\nprint('my own warning', file=sys.stderr)\n")
    out, _ = ex.preprocess(_tiny_notebook(code), {"metadata": {"path": str(tmp_path)}})
    texts = "".join(o.get("text", "") for o in out.cells[0].outputs)
    assert "my own output" in texts and "my own warning" in texts
    assert "chatter" not in texts


def test_a_dead_kernels_private_folder_is_removed():
    """nbclient cleans up after a kernel that died with ``cleanup_resources`` (not ``shutdown_kernel``): the
    kernel's private folder (its sockets, its copies of the Keras cache and the font list) goes with it."""
    import asyncio

    km = SandboxKernelManager()
    private = km._private_dir()
    (private / "keras").mkdir()
    (private / "keras" / "keras.json").write_text("{}")
    asyncio.run(km.cleanup_resources())
    assert not private.exists()
