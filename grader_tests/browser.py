"""Debian's Chromium, driven by Playwright, for the tests that read pages as a student or a TA would.

Never `playwright install`: the browser is /usr/bin/chromium (`make test` installs it as root). Every request
that leaves this machine (anything but 127.0.0.1, files and data: URLs) is refused and recorded in
``page.blocked``, so a test can assert that a page needed nothing from the network.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from e2e import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL = ("http://127.0.0.1", "file://", "data:")
RAW_LATEX = re.compile(r"\$[^$\s][^$]*\$|\\(frac|dfrac|sum|sigma|theta|alpha)\b")  # a formula left as LaTeX


def require_browser():
    """Playwright's sync API, or a skip when Playwright or Debian's Chromium is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("no %s: apt-get install chromium (`make test` does, as root)" % CHROMIUM)
    return sync_api


@contextmanager
def chromium_page(width: int = 1400, height: int = 900):
    """A page of a fresh headless Chromium that can reach only this machine; ``page.errors`` holds the console's
    errors and the page's exceptions, ``page.blocked`` the URLs it asked for elsewhere (all refused)."""
    sync_api = require_browser()
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    try:
        with sync_api.sync_playwright() as p:
            context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                           viewport={"width": width, "height": height})
            context.route("**/*", route)
            page = context.new_page()
            page.errors, page.blocked = [], blocked
            page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: page.errors.append(str(exc)))
            try:
                yield page
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def shot(page, name: str, locator=None, full_page: bool = False) -> Path:
    """A screenshot under artifacts/ (the tests' artifacts; ignored by git)."""
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if locator is not None:
        locator.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full_page)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_formulas_rendered(page) -> int:
    """Every formula is a MathML element the browser laid out (a fraction taller than a line), none left as LaTeX."""
    maths = page.locator("math")
    assert maths.count() > 0
    sizes = page.eval_on_selector_all("math", "ms => ms.map(m => m.getBoundingClientRect().width)")
    assert all(w > 0 for w in sizes), sizes
    frac = page.locator("mfrac").first
    if frac.count():
        assert frac.bounding_box()["height"] > 1.3 * page.locator("math mi").first.bounding_box()["height"]
    text = page.locator("body").inner_text()
    assert not RAW_LATEX.search(text), RAW_LATEX.search(text).group(0)
    remote = re.search(r"""<script[^>]*\bsrc=["']?(https?:)?//(?!127\.0\.0\.1)[^"'\s>]*""", page.content())
    assert remote is None, "the page loads a script from elsewhere: %s" % remote.group(0)
    return maths.count()
