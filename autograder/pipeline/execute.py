"""``SafeExecute``: nbgrader's execution step, in the sandbox, with limits, surviving every fault.

``SafeExecute`` replaces nbgrader's ``Execute`` in the autograde pipeline (``nbgrader_config.py``). A kernel that
dies, stops answering, or runs out of time does not abort the notebook: the cell where it happened gets an error
output that says why (``KernelDied``, ``NotebookTimeout``, ``KernelUnresponsive``), every later code cell an
error output ``NotRun`` that names that cell, and the judge gives each question left unanswered 0 points with
that reason. A kernel that cannot be started, or a cell that ran out of time because the machine was too busy
(under the runner, before the last attempt), is the grader's trouble (:mod:`.faults`): no grade is saved.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Enum, Integer, List, Unicode

from ..faults import (Fault, FaultRecord, GraderTrouble, KernelFault, KernelStartError, MachineBusyError,
                      append_to_log)
from ..judging.probe import REPORT_MIME
from .busy import BUSY_WAIT_SHARE, process_tree, sched_delta, sched_times
from .bwrap import (ENGINE_ROOT, MODES, UID_BASE, MiB, _chown_tree, _interpreter_paths, _sandbox_uid, data_roots,
                    resolve_mode)
from .damaged import DAMAGED_KEY
from .kernel import SandboxKernelManager, _font_cache, describe_exit
from .warm import take

METADATA_KEY = "autograder_sandbox"  # the notebook's record of how it was run: sandbox, limits, seconds, fault


def error_output(record: FaultRecord) -> NotebookNode:
    """The error output a cell carries for a fault: its kind as the error name, its message as the value."""
    return NotebookNode(output_type="error", ename=record.kind.value, evalue=record.message,
                        traceback=["%s: %s" % (record.kind.value, record.message)])


def cell_name(cell, index: int) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or "cell %d" % (index + 1)


class SafeExecute(Execute):
    """nbgrader's Execute in a sandbox, with limits, and faults recorded instead of raised."""

    sandbox = Enum(list(MODES), "bwrap",
                   help="'bwrap': sandbox every kernel (refuse to grade if bubblewrap does not work); 'none': no "
                        "isolation (limits only), the instructor's explicit opt-out; 'auto': bwrap when usable, "
                        "else 'none' with a loud warning (the demo)").tag(config=True)
    notebook_timeout = Integer(300, help="wall-clock seconds for a whole notebook (0: none)").tag(config=True)
    memory_limit_mb = Integer(8192, help="RLIMIT_DATA of the kernel, MiB (heap and anonymous memory; 0: none)"
                              ).tag(config=True)
    address_space_limit_mb = Integer(0, help="RLIMIT_AS, MiB (0: none; TensorFlow reserves far more virtual "
                                             "memory than it uses, so leave it off)").tag(config=True)
    cpu_time_limit = Integer(600, help="RLIMIT_CPU of each kernel process, seconds (0: none)").tag(config=True)
    max_tasks = Integer(512, help="RLIMIT_NPROC: processes plus threads of the sandbox user (0: none)"
                        ).tag(config=True)
    max_file_size_mb = Integer(256, help="RLIMIT_FSIZE: largest file the kernel may write, MiB (0: none)"
                               ).tag(config=True)
    max_open_files = Integer(1024, help="RLIMIT_NOFILE (0: unchanged)").tag(config=True)
    max_output_bytes = Integer(8 * MiB, help="bytes of student output kept per notebook; the rest is dropped"
                               ).tag(config=True)
    max_report_bytes = Integer(64 * MiB, help="bytes of probe reports kept per notebook").tag(config=True)
    unresponsive_grace = Integer(10, help="seconds a kernel has to answer after a cell timed out").tag(config=True)
    sandbox_uid = Integer(-1, help="user id of sandboxed kernels when grading as root (-1: one per grading "
                                   "process, from %d; 0: keep root)" % UID_BASE).tag(config=True)
    hidden_paths = List(Unicode(), [], help="more paths to hide from kernels").tag(config=True)
    readable_paths = List(Unicode(), [], help="more paths under hidden ones that kernels may read").tag(config=True)
    fail_on_fallback = Bool(False, help="refuse to grade when the sandbox is not usable").tag(config=True)
    busy_is_graders_fault = Bool(False, help="a cell that timed out while the machine was too busy to run it is "
                                             "the grader's trouble (MachineBusyError: not graded, tried again), "
                                             "not the notebook's time-out. Off for `nbgrader autograde`, which "
                                             "never tries again; the runner sets it for every attempt at a "
                                             "submission but the last").tag(config=True)
    fault_log = Unicode("", help="file to which the grader's troubles and the busy-machine time-outs are "
                                 "appended as fault records (JSON lines; autograder.faults), for whoever runs "
                                 "this step: the runner's worker names one per submission").tag(config=True)
    # nbclient's own setting, with another default: every output of the last cell is in when the kernel is
    # stopped, so nothing it could do on its way out counts for grades; a graceful exit would cost about a
    # second of CPU per submission (the interpreter tearing TensorFlow, sympy and IPython down).
    shutdown_kernel = Enum(["graceful", "immediate"], "immediate",
                           help="'immediate': kill the kernel once the last cell has run; 'graceful': ask it "
                                "to shut down and wait for it to exit").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(*args, **kwargs)

    # -- the sandbox --------------------------------------------------------------------------------

    def sandbox_mode(self) -> tuple[str, str | None]:
        required = "bwrap" if self.fail_on_fallback and self.sandbox == "auto" else self.sandbox
        return resolve_mode(required, _sandbox_uid(self.sandbox_uid) is not None)

    def limits(self) -> dict:
        return {"RLIMIT_DATA": self.memory_limit_mb * MiB, "RLIMIT_AS": self.address_space_limit_mb * MiB,
                "RLIMIT_CPU": self.cpu_time_limit, "RLIMIT_NPROC": self.max_tasks,
                "RLIMIT_FSIZE": self.max_file_size_mb * MiB, "RLIMIT_NOFILE": self.max_open_files,
                "RLIMIT_CORE": 0}

    def sandbox_spec(self, workdir: Path | None, mode: str) -> dict:
        root = Path(os.environ.get("AUTOGRADER_COURSE_ROOT") or self.coursedir_root() or ENGINE_ROOT)
        hidden = [root, ENGINE_ROOT, Path.home()] + [Path(p) for p in self.hidden_paths] + data_roots()
        # a virtual environment inside a checkout of the course (its answer key): hide the checkout too
        venv_parent = Path(sys.prefix).resolve().parent
        if sys.prefix != sys.base_prefix and any((venv_parent / n).exists() for n in
                                                 ("nbgrader_config.py", "reference_impl", "autograder")):
            hidden.append(venv_parent)
        try:
            from jupyter_core.paths import jupyter_runtime_dir
            hidden.append(Path(jupyter_runtime_dir()))
        except Exception:
            pass
        keras = Path(os.environ["KERAS_HOME"]) if os.environ.get("KERAS_HOME") else root / ".autograder" / "keras"
        readable = _interpreter_paths() + [keras] + [Path(p) for p in self.readable_paths]
        return {"mode": mode, "workdir": workdir, "hidden": hidden, "readable": readable, "keras_home": keras,
                "font_cache": _font_cache(root) if mode == "bwrap" else None,
                "uid": _sandbox_uid(self.sandbox_uid) if mode == "bwrap" else None, "limits": self.limits(),
                "uid_of_process": self.sandbox_uid < 0,
                "env_unset": ["AUTOGRADER_COURSE_ROOT", "PYTHONPATH", "JPY_PARENT_PID"]}

    def _warm_kernel(self, workdir: Path | None, mode: str):
        """The worker's warm kernel (:mod:`.warm`), staged with the submission's files, when it may run this
        notebook; None otherwise (a kernel is started as usual)."""
        name = self.kernel_name or self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        warm = take(self.nb, name, mode, self._spec)
        if warm is None:
            return None
        try:
            warm.stage(workdir)
        except OSError as exc:
            self.log.warning("a fresh kernel, not the warm one: the submission's files could not be copied: %s", exc)
            warm.stop()
            return None
        self._spec, self.km, self.owns_km = warm.spec, warm.km, True
        return warm

    def coursedir_root(self) -> str | None:
        section = self.config["CourseDirectory"] if "CourseDirectory" in self.config else {}
        root = section["root"] if "root" in section else None
        return root if isinstance(root, str) and root else None

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, SandboxKernelManager):
            km.sandbox_spec = self._spec
        return km

    # -- execution ----------------------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        path = (resources or {}).get("metadata", {}).get("path") or None
        workdir = Path(path).resolve() if path else None
        mode, warning = self.sandbox_mode()
        if warning:
            self.log.warning("!" * 20 + " " + warning + " " + "!" * 20)
        self._spec = self.sandbox_spec(workdir, mode)
        warm = self._warm_kernel(workdir, mode)
        self._out_bytes = self._report_bytes = 0
        self._truncated = set()
        self._deadline = time.monotonic() + self.notebook_timeout if self.notebook_timeout > 0 else None
        uid = self._spec["uid"]
        if uid is not None and workdir is not None:
            _chown_tree(workdir if warm is None else warm.folder, uid, uid)
        started = time.monotonic()
        fault = None
        try:
            fault = self._run_cells(nb, resources)
        finally:
            if uid is not None and workdir is not None:
                dropped = _chown_tree(workdir, os.getuid(), os.getgid(), drop_links=True)
                if dropped:
                    self.log.warning("removed symbolic links the kernel made in %s: %s", workdir, dropped[:10])
        meta = {"mode": mode, "uid": uid, "limits": {k: v for k, v in self._spec["limits"].items() if v},
                "notebook_timeout": self.notebook_timeout, "cell_timeout": self.timeout,
                "seconds": round(time.monotonic() - started, 2)}
        if warning:
            meta["warning"] = warning
        if warm is not None:
            meta["warm_kernel"] = True
        if fault:
            meta["fault"] = fault.to_json()
        if self._truncated:
            meta["output_truncated_cells"] = sorted(self._truncated)
        self.nb.metadata[METADATA_KEY] = meta
        return self.nb, self.resources

    def _run_cells(self, nb, resources) -> FaultRecord | None:
        cells = self.nb.cells
        fault: KernelFault | None = None
        where = None
        damaged = self.nb.metadata.get(DAMAGED_KEY)
        try:
            if damaged:
                raise KernelFault(FaultRecord(Fault.DAMAGED, str(damaged)[:300]))
            with self.setup_kernel():
                info_msg = self.wait_for_reply(self.kc.kernel_info())
                if info_msg:
                    self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
                for index, cell in enumerate(cells):
                    if cell.cell_type != "code":
                        continue
                    where = index
                    if self._deadline is not None and time.monotonic() >= self._deadline:
                        raise self._notebook_timeout(cell, index)
                    before = self._sched_times()
                    try:
                        self.preprocess_cell(cell, resources, index)
                    except CellTimeoutError:  # no output end after the interrupt (nbclient's IOPub wait)
                        if not any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
                            cell.setdefault("outputs", []).append(NotebookNode(self.error_on_timeout,
                                                                               output_type="error"))
                    except DeadKernelError:
                        raise self._died(cell, index)
                    timed_out = any(o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError"
                                    for o in cell.get("outputs", []))
                    if timed_out:
                        if self._deadline is not None and time.monotonic() >= self._deadline - 0.5:
                            cell.outputs = [o for o in cell.outputs if o.get("ename") != "CellTimeoutError"]
                            raise self._notebook_timeout(cell, index)
                        self._busy_check(before, cell, index)
                        if not self._responsive():
                            raise KernelFault(FaultRecord(
                                Fault.UNRESPONSIVE, "timed out after %s s in cell '%s' and the kernel did not "
                                "respond to the interrupt; it was stopped" % (self.timeout, cell_name(cell, index)),
                                cell_name(cell, index)))
        except KernelFault as exc:
            fault = exc
        except GraderTrouble:  # not the notebook's doing: no fault recorded, nothing graded
            raise
        except DeadKernelError:
            if where is None:
                self._start_failed("the kernel died before it was ready (%s)" % describe_exit(self._exit_status()))
            fault = self._died(cells[where], where)
        except Exception as exc:  # the kernel would not start, or the connection broke
            why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            if where is None:
                self._start_failed("%s: %s" % (type(exc).__name__, why))
            self.log.exception("kernel failure")
            fault = KernelFault(FaultRecord(Fault.KERNEL_FAILED, "the kernel could not run the notebook (in cell "
                                            "'%s') (%s)" % (cell_name(cells[where], where), why),
                                cell_name(cells[where], where)))
        if fault is None:
            return None
        record = fault.record
        self.log.warning("%s: %s", record.kind.value, record.message)
        first = where if where is not None else 0
        for index, cell in enumerate(cells):
            if cell.cell_type != "code" or index < first:
                continue
            if index == first:
                cell.setdefault("outputs", []).append(error_output(record))
            else:
                cell.outputs = [error_output(FaultRecord(Fault.NOT_RUN, record.message, record.cell))]
        return record

    def _died(self, cell, index) -> KernelFault:
        return KernelFault(FaultRecord(Fault.KERNEL_DIED, "the kernel died in cell '%s' (%s)" % (
            cell_name(cell, index), describe_exit(self._exit_status())), cell_name(cell, index)))

    def _notebook_timeout(self, cell, index) -> KernelFault:
        return KernelFault(FaultRecord(Fault.NOTEBOOK_TIMEOUT, "the notebook ran past its time limit of %d s in "
                                       "cell '%s'" % (self.notebook_timeout, cell_name(cell, index)),
                                       cell_name(cell, index)))

    def _start_failed(self, why: str):
        """No cell has run: nothing here is the student's doing, so nothing is graded (:class:`KernelStartError`)."""
        self.log.warning("no kernel could be started: %s", why)
        record = FaultRecord(Fault.KERNEL_START, "no kernel could be started for this notebook, so it was not "
                                                 "graded (%s); grade it again" % why)
        append_to_log(self.fault_log, record)
        raise KernelStartError(record) from None

    def _sched_times(self, look_again: bool = False):
        """(:func:`sched_times` of the kernel's processes, monotonic time). Before each cell it reads the
        processes found the first time (a few files, no scan of the process table); after a time-out it looks
        for the kernel's processes again, and a process started since counts from its start."""
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        if proc is None:
            return None, time.monotonic()
        if look_again or getattr(self, "_kernel_pids", None) is None or self._kernel_pids[0] != proc.pid:
            self._kernel_pids = process_tree(proc.pid) or [proc.pid]
        return sched_times(self._kernel_pids), time.monotonic()

    def _busy_check(self, before, cell, index) -> None:
        """After a time-out: raise :class:`MachineBusyError` if the machine, not the cell, used up the time."""
        (start, t0), (end, t1) = before, self._sched_times(look_again=True)
        if start is None or end is None:
            return
        (ran, waited), wall = sched_delta(start, end), t1 - t0
        if waited <= ran or waited < BUSY_WAIT_SHARE * wall:
            self.log.warning("cell '%s' timed out after %.1f s; its kernel ran %.1f s and waited %.1f s for a CPU",
                             cell_name(cell, index), wall, ran, waited)
            return
        why = ("cell '%s' ran out of its %s s while the machine was too busy to run it: the kernel ran %.1f s "
               "and waited %.1f s for a CPU" % (cell_name(cell, index), self.timeout, ran, waited))
        if not self.busy_is_graders_fault:
            self.log.warning("%s; counted as the notebook's time-out (last attempt)", why)
            append_to_log(self.fault_log, FaultRecord(Fault.CELL_TIMEOUT, why + "; counted as the notebook's "
                                                      "time-out (last attempt)", cell_name(cell, index)))
            return
        self.log.warning(why)
        record = FaultRecord(Fault.MACHINE_BUSY, "%s, so it was not graded; grade it again" % why,
                             cell_name(cell, index))
        append_to_log(self.fault_log, record)
        raise MachineBusyError(record)

    def _exit_status(self):
        try:
            return self.km.exit_status() if isinstance(self.km, SandboxKernelManager) else None
        except Exception:
            return None

    def _responsive(self) -> bool:
        """Whether the kernel answers a kernel_info request within ``unresponsive_grace`` seconds."""
        async def ask():
            msg_id = self.kc.kernel_info()
            deadline = time.monotonic() + self.unresponsive_grace
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                try:
                    msg = await self.kc.shell_channel.get_msg(timeout=left)
                except Exception:
                    return False
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
        try:
            return run_sync(ask)()
        except Exception:
            return False

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if self._deadline is None or cell is None:
            return timeout
        left = max(1, int(self._deadline - time.monotonic() + 0.999))
        return left if timeout is None else min(timeout, left)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(json.dumps(content.get("data", content.get("text", content)), default=str))
        if REPORT_MIME in (content.get("data") or {}):
            self._report_bytes += size
            over = self._report_bytes > self.max_report_bytes
        else:
            self._out_bytes += size
            over = self.max_output_bytes > 0 and self._out_bytes > self.max_output_bytes
        if over:
            if cell_index not in self._truncated:
                self._truncated.add(cell_index)
                outs.append(NotebookNode(output_type="display_data", metadata={}, data={
                    "text/plain": "[output truncated: this notebook printed more than the grader keeps "
                                  "(%d MiB)]" % (self.max_output_bytes // MiB)}))
            return None
        return super().output(outs, msg, display_id, cell_index)
