"""A kernel kept warm: started in the sandbox before its submission arrives, with the assignment's libraries
already imported, so that a lone submission to the live-feedback service does not wait for them.

The runner's worker template keeps one *spare* worker when asked (``runner.run(warm=True)``, which the service
uses): a worker forked ahead of its request, which starts its kernel at once in a scratch folder of its own and
has it import the modules that the assignment's released notebooks import. The next run of the process takes
that worker first (:mod:`autograder.runner.template`); its first notebook runs in the warm kernel.

A warm kernel is the same sandboxed kernel as any other, started earlier:

* it belongs to one submission only: it is used once, for the worker's first notebook, and stopped after it;
* it imports libraries into ``sys.modules`` only (silently, outside the notebook's history and execution
  count): no name is bound, so a notebook that forgot an import still fails as it would in a fresh kernel;
* the submission's files are copied into its folder before the first cell, all but the notebooks at the top of
  the folder, which a kernel never sees (:func:`autograder.pipeline.bwrap.bwrap_command`); what the notebook
  writes there is removed with the kernel;
* a notebook whose own cells (all but the hidden checks) change its environment (``os.environ``, ``%env``,
  ...), which could mean to change how a library is set up when it is imported (Keras' backend, say), or that
  asks for another kernel, gets a fresh kernel instead, as does any notebook when the warm kernel died or its
  sandbox differs.
"""
from __future__ import annotations

import ast
import contextlib
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from .inject import is_autograded_cell

log = logging.getLogger(__name__)

READY_TIMEOUT = 120  # seconds for the warm kernel to start and import its libraries
# a notebook that touches its environment, where a library read at import time may look
CHANGES_ENV = re.compile(r"environ|putenv|unsetenv|%env\b|%set_env\b|%%bash|sys\.modules")
WARMUP = ("def _autograder_warm(names):\n"
          "    import importlib\n"
          "    for name in names:\n"
          "        try:\n"
          "            importlib.import_module(name)\n"
          "        except BaseException:\n"
          "            pass\n"
          "_autograder_warm(%r)\n"
          "del _autograder_warm\n")


def preload_modules(folder: Path) -> list[str]:
    """The modules that the notebooks in ``folder`` (an assignment's release) import at the top level of a
    code cell, in order, leaving out relative imports, ``__future__`` and the assignment's own modules (a
    ``NAME.py`` or ``NAME/`` beside the notebooks, which the warm kernel's empty folder does not hold yet)."""
    import nbformat

    names: list[str] = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:
            continue
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import):
                    found = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    found = [node.module]
                else:
                    continue
                for name in found:
                    top = name.split(".")[0]
                    own = (Path(folder) / (top + ".py")).exists() or (Path(folder) / top).is_dir()
                    if top != "__future__" and not own and name not in names:
                        names.append(name)
    return names


class WarmKernel:
    """A started kernel and what it was started with (held by a spare worker until its first notebook)."""

    def __init__(self, km, spec: dict, mode: str, kernel_name: str):
        self.km, self.spec, self.mode, self.kernel_name = km, spec, mode, kernel_name

    @property
    def folder(self) -> Path:
        return Path(self.spec["workdir"])

    def fits(self, nb, kernel_name: str, mode: str, spec: dict) -> str | None:
        """None when this kernel may run ``nb``, else why not."""
        if mode != self.mode or kernel_name != self.kernel_name:
            return "another sandbox or kernel"
        if any(spec.get(k) != self.spec.get(k) for k in ("uid", "limits", "hidden", "readable", "env_unset")):
            return "another sandbox"
        if any(c.cell_type == "code" and not is_autograded_cell(c) and CHANGES_ENV.search(c.source) for c in nb.cells):
            return "the notebook changes its environment"
        if not self.km.has_kernel or self.km.provisioner is None or self.km.provisioner.process.poll() is not None:
            return "the warm kernel is gone"
        return None

    def stage(self, workdir: Path | None) -> None:
        """Copy the submission's files into the kernel's folder (not the notebooks at its top). Links are copied
        as links, never followed (this runs as the grader): in the sandbox they point where they would from the
        submission's own folder."""
        if workdir is None:
            return
        for item in Path(workdir).iterdir():
            dest = self.folder / item.name
            if item.is_symlink():
                os.symlink(os.readlink(item), dest)
            elif item.is_dir():
                shutil.copytree(item, dest, symlinks=True, dirs_exist_ok=True)
            elif item.suffix != ".ipynb":
                shutil.copy2(item, dest)

    def stop(self) -> None:
        from nbclient.util import run_sync

        with contextlib.suppress(Exception):
            run_sync(self.km.shutdown_kernel)(now=True)
        with contextlib.suppress(Exception):
            run_sync(self.km.cleanup_resources)()


_HELD: list[WarmKernel] = []  # this worker's warm kernel, until its first notebook takes it


def start(ex, modules: list[str]) -> None:
    """In a spare worker (the template's fork, before its request): start a kernel in the sandbox that ``ex``
    (the worker's :class:`~autograder.pipeline.execute.SafeExecute`, with the course's settings) describes, in
    a scratch folder of its own, import ``modules`` in it, and hold it for the first notebook. Whatever fails
    leaves no warm kernel: the worker then starts its kernels as usual."""
    import time

    from nbclient.util import run_sync

    from .bwrap import _chown_tree
    from .kernel import KERNEL_OUTPUT, SandboxKernelManager

    if not issubclass(ex.kernel_manager_class, SandboxKernelManager):
        return  # a course's own kernel manager: its kernels start as it starts them
    t0 = time.monotonic()
    warm = None
    try:
        mode, _ = ex.sandbox_mode()
        km = ex.kernel_manager_class(config=ex.config, kernel_name=ex.kernel_name or "python3")
        private = km._private_dir()
        folder = private / "work"
        folder.mkdir()
        spec = ex.sandbox_spec(folder, mode)
        km.sandbox_spec = spec
        warm = WarmKernel(km, spec, mode, km.kernel_name)
        if spec.get("uid") is not None:
            _chown_tree(folder, spec["uid"], spec["uid"])
        # what the kernel's native code prints goes to its worker's log when it is stopped (kernel.py), not to
        # the template's log, which the spare writes to until its request comes
        with open(private / KERNEL_OUTPUT, "wb") as output:
            run_sync(km.start_kernel)(extra_arguments=list(ex.extra_arguments), cwd=str(folder), stdout=output,
                                      stderr=subprocess.STDOUT)
        if modules:
            kc = km.client()
            kc.start_channels()
            try:
                run_sync(kc.wait_for_ready)(timeout=READY_TIMEOUT)
                reply = run_sync(kc.execute_interactive)(WARMUP % (modules,), silent=True, store_history=False,
                                                         timeout=READY_TIMEOUT, output_hook=lambda msg: None)
                if reply["content"].get("status") != "ok":
                    raise RuntimeError("the warm-up failed: %s" % reply["content"].get("evalue"))
            finally:
                kc.stop_channels()
        _HELD[:] = [warm]
        log.info("a warm kernel is ready (%s) in %.1f s", ", ".join(modules) or "no imports", time.monotonic() - t0)
    except Exception as exc:
        log.warning("no warm kernel: %s: %s", type(exc).__name__, exc)
        if warm is not None:
            warm.stop()


def take(nb, kernel_name: str, mode: str, spec: dict) -> WarmKernel | None:
    """The held warm kernel if it may run ``nb`` (and then never again), else None (it is stopped)."""
    if not _HELD:
        return None
    warm = _HELD.pop()
    why = warm.fits(nb, kernel_name, mode, spec)
    if why:
        log.info("a fresh kernel for this notebook, not the warm one: %s", why)
        warm.stop()
        return None
    return warm


def release() -> None:
    """Stop a warm kernel nobody took (the spare is told to go)."""
    while _HELD:
        _HELD.pop().stop()

