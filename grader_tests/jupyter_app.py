"""A Jupyter application (``jupyter lab`` or ``jupyter server``) serving a course on 127.0.0.1, as docs/ta-guide.md
starts it: a free port, a token, private Jupyter folders under ``home``, stopped with everything it started when
the ``with`` block ends. nbgrader's server extensions (the formgrader among them) come with it. It may also run as
a student's OS user (live_exchange.Student), serving their home, as a student's server on JupyterHub does."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from browser import free_port

# `jupyter server` with nbgrader's extensions alone: the formgrader's HTTP API, without JupyterLab's start-up
NBGRADER_ONLY = ['--ServerApp.jpserver_extensions={"jupyterlab": False, "jupyter_lsp": False, "notebook": False, '
                 '"notebook_shim": False, "jupyter_server_terminals": False}']


@contextmanager
def jupyter_app(app: str, course: Path, home: Path, extra: list[str] = (), user=None):
    """``jupyter APP`` in ``course`` with its config, data and runtime folders under ``home`` (``home/config`` may
    hold a ``nbgrader_config.py`` of the server's own); yields {"base", "token", "log"} once it answers. With
    ``user`` (a live_exchange.Student) it runs as that OS user (``home`` and its folders become theirs), with this
    environment's Jupyter packages, extensions and settings even where the user runs the system's Python."""
    port, token = free_port(), os.urandom(16).hex()
    (home / "config").mkdir(parents=True, exist_ok=True)
    folders = dict(JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    args = [app, "--allow-root", "--no-browser",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port=%d" % port, "--ServerApp.port_retries=0",
            "--ServerApp.root_dir=%s" % course, "--IdentityProvider.token=%s" % token,
            "--IdentityProvider.cookie_options=path=/"] + list(extra)
    if user is None:
        env = dict(os.environ, **folders,
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
        env.pop("PYTHONPATH", None)
        cmd = [os.path.join(os.path.dirname(sys.executable), "jupyter")] + args
    else:
        module = {"lab": "jupyterlab", "server": "jupyter_server"}[app]
        cmd, env = user.command(["-m", module] + args[1:])
        share, etc = Path(sys.prefix) / "share" / "jupyter", Path(sys.prefix) / "etc" / "jupyter"
        env.update(folders, JUPYTER_PATH=str(share), JUPYTER_CONFIG_PATH=str(etc), JUPYTERLAB_DIR=str(share / "lab"))
        for name in folders.values():
            Path(name).mkdir(parents=True, exist_ok=True)
        for folder, _, files in os.walk(home):
            for name in [folder] + [os.path.join(folder, f) for f in files]:
                os.chown(name, *user.ids())
    log_path = home / ("%s.log" % app)
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = "http://127.0.0.1:%d" % port
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen("%s/api/status?token=%s" % (base, token), timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("jupyter %s did not start:\n%s" % (app, log_path.read_text()[-3000:]))
            time.sleep(0.5)
        yield {"base": base, "token": token, "log": log_path}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def get_json(server: dict, path: str):
    """GET ``path`` of the server (its token in the URL, as the formgrader's own pages send it) as JSON."""
    try:
        with urllib.request.urlopen("%s%s?token=%s" % (server["base"], path, server["token"]), timeout=60) as r:
            return json.loads(r.read())
    except OSError as exc:  # HTTPError among them: the server's log says why
        pytest.fail("GET %s: %s\n%s" % (path, exc, server["log"].read_text()[-3000:]))
