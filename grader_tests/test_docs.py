"""The project's design page (docs/design.md) stays true to the code that cites it."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design.md"
CITED = re.compile(r"docs/design\.md, rules? ([\d ,and]+)")


def _project_files():
    for folder in ("autograder", "grader_tests", "docs", "tools", "reference_impl"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".md") and "__pycache__" not in path.parts:
                yield path
    yield ROOT / "README.md"


def test_every_rule_the_code_cites_is_on_the_design_page():
    rules = {int(n) for n in re.findall(r"^(\d+)\. \*\*", DESIGN.read_text(), re.M)}
    assert rules == set(range(1, 9))
    cited = {}
    for path in _project_files():
        for m in CITED.finditer(path.read_text()):
            for n in re.findall(r"\d+", m.group(1)):
                cited.setdefault(int(n), []).append(path.name)
    assert cited and set(cited) <= rules, cited


def test_the_project_cites_its_own_design_page_only():
    outside = [p.relative_to(ROOT) for p in _project_files() if p != Path(__file__) and "DESIGN.md" in p.read_text()]
    assert outside == []


def test_the_files_and_names_the_design_page_gives_exist_in_the_engine():
    """The engine's files, the pipeline's steps with their classes, `module.name`s and settings named on the page
    are real."""
    text = DESIGN.read_text()
    files = {f if f.startswith("autograder/") else "autograder/" + f
             for f in re.findall(r"`((?:autograder/)?(?:\w+/)?\w+\.py)`", text) if "/" in f}
    assert len(files) >= 10, files
    assert [f for f in sorted(files) if not (ROOT / f).is_file()] == []
    steps = re.findall(r"\(`(pipeline/\w+)\.py`, `([A-Z]\w+)`", text)
    assert len(steps) >= 4, steps
    for path, cls in steps:
        assert hasattr(importlib.import_module("autograder." + path.replace("/", ".")), cls), (path, cls)
    names = set(re.findall(r"`((?:course|gradebook|faults|grading)\.(?!py`)\w+)`", text))
    assert names, "the page names no `module.name`"
    for name in sorted(names):
        module, attr = name.rsplit(".", 1)
        assert hasattr(importlib.import_module("autograder." + module), attr), name
    for setting in re.findall(r"SafeExecute\.(\w+)", text):
        from autograder.pipeline.execute import SafeExecute

        assert setting in SafeExecute.class_trait_names(), setting


def test_the_ta_guide_names_the_exchange_course_id_and_urls_the_formgrader_uses(tmp_path, monkeypatch):
    """docs/ta-guide.md against nbgrader itself: the exchange folder the formgrader's Manage Assignments page uses
    (nbgrader's API, as the page asks it) with the course's nbgrader_config.py and without c.Exchange.root, and
    with it; the course id; every formgrader address the guide gives is one the formgrader serves."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.server_extensions.formgrader import apihandlers, handlers
    from traitlets.config import PyFileConfigLoader

    guide = (ROOT / "docs" / "ta-guide.md").read_text()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    monkeypatch.chdir(tmp_path)  # the course root's own files stay as they are
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    assert "nbgrader 0.9.6 uses\n  `%s` unless `c.Exchange.root" % api.exchange_root in guide
    course_id = config.CourseDirectory.course_id
    assert api.course_id == course_id and "`<exchange>/%s/feedback/`" % course_id in guide
    config.Exchange.root = str(tmp_path / "exchange")
    (tmp_path / "exchange").mkdir()
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    assert api.exchange_root == str(tmp_path / "exchange") and not api.exchange_missing
    served = [re.compile(h[0].rstrip("$") + "$") for h in handlers.default_handlers + apihandlers.default_handlers]
    urls = re.findall(r"http://127\.0\.0\.1:8888(/formgrader[^?`\s]*)", guide)
    urls += re.findall(r"`(/formgrader/[a-z_]+)`", guide)
    assert len(urls) >= 3
    for url in urls:
        url = url.replace("<id>", "0123abcd")
        assert any(p.match(url) or p.match(url.rstrip("/")) for p in served), url
