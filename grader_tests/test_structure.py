"""The engine's shape (docs/design.md, "The parts"): no import cycles, modules and functions of a readable size,
the gradebook's location in one module. Read from the source, nothing is imported."""
from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "autograder"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 80
# Known exceptions, each with its reason; a module or function that grows past the limit is not added here
# without one.
LONG_MODULES: dict[str, str] = {}
LONG_FUNCTIONS: dict[str, str] = {}


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(ENGINE.rglob("*.py")):
        parts = list(path.relative_to(ENGINE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The engine's modules that ``name`` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                target = base + "." + alias.name
                found.add(target if target in known else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle, each as the path around it (a depth-first search)."""
    found, state, stack = [], {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                found.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_no_module_imports_itself_through_others():
    mods = modules()
    graph = {name: imports_of(name, path, set(mods)) for name, path in mods.items()}
    # a package's __init__ that gathers its modules' names is not a cycle of theirs
    for name in graph:
        graph[name] = {m for m in graph[name] if not (mods[m].name == "__init__.py" and name.startswith(m + "."))}
    assert cycles(graph) == []


def test_every_import_of_the_engine_names_a_module_that_exists():
    """Also the imports inside functions, which only run when called (a worker's, a rare fault's)."""
    mods = modules()
    broken = []
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("autograder")):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                for alias in node.names:
                    if base not in mods and base + "." + alias.name not in mods:
                        broken.append("%s:%d from %s import %s" % (name, node.lineno, base, alias.name))
    assert broken == []


def test_cycles_are_found():
    """The check above can fail: a graph with a cycle has it named."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_modules_and_functions_are_of_a_readable_size():
    long_modules, long_functions = {}, {}
    for name, path in modules().items():
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long_modules[name] = len(text.splitlines())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long_functions["%s.%s" % (name, node.name)] = size
    assert set(long_modules) == set(LONG_MODULES), long_modules
    assert set(long_functions) == set(LONG_FUNCTIONS), long_functions


def test_the_gradebook_location_is_spelled_out_in_one_module():
    """Only autograder/gradebook.py says where the gradebook is; everything else asks it (any db_url works)."""
    spelled = [name for name, path in modules().items()
               if "gradebook.db" in path.read_text() or "sqlite:///" in path.read_text()]
    assert spelled == ["autograder.gradebook"], spelled
