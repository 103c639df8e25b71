"""The code's shape, checked: import directions as written in docs/architecture.md, no private names across
modules, no import circle inside an app, imports inside functions only where commented.

The allowed directions are read from the table under "## Import directions" in docs/architecture.md, so the
document and the code cannot drift apart: changing one without the other fails here.
"""
import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dispatch", "agencies", "incidents", "volunteers", "reporting")
ARCHITECTURE = ROOT / "docs" / "architecture.md"
# Imports inside functions allowed in incidents/ (issue 10: fewer than 10, each with a comment saying why).
MAX_FUNCTION_IMPORTS = {"incidents": 9}


# --- reading the code ---------------------------------------------------------------------------------------

def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


class Import:
    def __init__(self, importer, target, names, line, in_function, commented):
        self.importer, self.target, self.names, self.line = importer, target, names, line
        self.in_function, self.commented = in_function, commented

    def __repr__(self):
        return f"{self.importer}:{self.line} → {self.target} {self.names or ''}"


def _resolve(name: str, modules: set[str]) -> str | None:
    """The most specific project module a dotted name refers to (a module, or the package holding the name)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def read_imports(source: str, module: str, modules: set[str]) -> list[Import]:
    tree = ast.parse(source)
    lines = source.splitlines()
    found = []

    def commented(node):
        # A comment on the line itself or on the lines just above the import (its "why").
        above = lines[max(0, node.lineno - 4): node.lineno - 1] + [lines[node.lineno - 1]]
        return any("#" in text for text in above)

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    target = _resolve(alias.name, modules)
                    if target:
                        found.append(Import(module, target, [], child.lineno, in_function, commented(child)))
            elif isinstance(child, ast.ImportFrom) and not child.level and child.module:
                for alias in child.names:
                    submodule = _resolve(f"{child.module}.{alias.name}", modules)
                    if submodule == f"{child.module}.{alias.name}":
                        found.append(Import(module, submodule, [], child.lineno, in_function, commented(child)))
                        continue
                    target = _resolve(child.module, modules)
                    if target:
                        found.append(Import(module, target, [alias.name], child.lineno, in_function, commented(child)))
            visit(child, inner)

    visit(tree, False)
    return found


def project_imports():
    files = {module_name(p): p for p in source_files()}
    modules = set(files)
    imports = []
    for module, path in files.items():
        imports += read_imports(path.read_text(encoding="utf-8"), module, modules)
    return modules, imports


# --- reading the rules --------------------------------------------------------------------------------------

def read_rules(text: str) -> dict[str, list[str]]:
    """`| \\`module\\` | \\`allowed\\`, … |` rows of the "Import directions" table; `*` allows everything."""
    section = text.split("## Import directions", 1)[1].split("\n## ", 1)[0]
    rules = {}
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        for source in re.findall(r"`([\w.*]+)`", cells[0]):
            rules[source] = re.findall(r"`([\w.*]+)`", cells[1])
    return rules


def _matches(name: str, prefix: str) -> bool:
    return prefix == "*" or name == prefix or name.startswith(prefix + ".")


def direction_violations(imports, rules) -> list[str]:
    bad = []
    for imp in imports:
        if imp.importer.split(".")[0] == imp.target.split(".")[0]:
            continue  # within one app (or within the project package)
        # the most specific rule for the importer
        source = max((s for s in rules if _matches(imp.importer, s)), key=len, default=None)
        if source is None:
            bad.append(f"{imp}: no rule for {imp.importer} in docs/architecture.md")
        elif not any(_matches(imp.target, allowed) for allowed in rules[source]):
            bad.append(f"{imp}: {source} may import only {', '.join(rules[source]) or 'nothing of the other apps'}")
    return bad


def private_name_violations(imports) -> list[str]:
    return [f"{imp}: private name of another module" for imp in imports for n in imp.names if n.startswith("_") and not n.startswith("__")]


def private_attribute_violations(source: str, module: str, modules: set[str]) -> list[str]:
    """`import incidents.services.assignments as a` … `a._lock(...)`: a private name reached through a module."""
    tree = ast.parse(source)
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in modules:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in modules:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return [
        f"{module}:{node.lineno} → {aliases[node.value.id]}.{node.attr}: private name of another module"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
        and node.attr.startswith("_") and not node.attr.startswith("__") and aliases[node.value.id] != module
    ]


def cycles(imports, package: str) -> list[list[str]]:
    """Strongly connected components of more than one module among the package's modules (Tarjan)."""
    graph = defaultdict(set)
    for imp in imports:
        if imp.importer.split(".")[0] == package and imp.target.split(".")[0] == package and imp.importer != imp.target:
            graph[imp.importer].add(imp.target)
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def strongconnect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in list(graph):
        if v not in index:
            strongconnect(v)
    return out


# --- the checks ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph():
    return project_imports()


@pytest.fixture(scope="module")
def rules():
    return read_rules(ARCHITECTURE.read_text(encoding="utf-8"))


def test_every_import_follows_the_directions_in_architecture_md(graph, rules):
    # given the rules table, which names every app
    assert {"incidents", "volunteers", "reporting", "agencies", "dispatch"} <= set(rules)
    # then every import across apps is one the table allows
    _modules, imports = graph
    assert direction_violations(imports, rules) == []


def test_no_module_imports_a_private_name_of_another(graph):
    modules, imports = graph
    bad = private_name_violations(imports)
    for path in source_files():
        bad += private_attribute_violations(path.read_text(encoding="utf-8"), module_name(path), modules)
    assert bad == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_circle_inside_an_app(graph, package):
    _modules, imports = graph
    assert cycles(imports, package) == []


def test_imports_inside_functions_are_few_and_each_says_why(graph):
    _modules, _imports = graph
    for package, limit in MAX_FUNCTION_IMPORTS.items():
        inner = []
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for child in ast.walk(node):
                        if isinstance(child, (ast.Import, ast.ImportFrom)):
                            above = lines[max(0, child.lineno - 4): child.lineno]
                            inner.append((f"{module_name(path)}:{child.lineno}", any("#" in t for t in above)))
        assert len(inner) <= limit, inner
        assert [where for where, why in inner if not why] == []


# --- the checker itself catches what it must (so the checks above cannot pass vacuously) --------------------

MODULES = {"incidents", "incidents.services", "incidents.services.assignments", "incidents.services.units",
           "volunteers", "volunteers.models", "volunteers.selectors", "agencies", "agencies.models", "reporting"}
RULES = read_rules("## Import directions\n| `incidents` | `agencies`, `volunteers.selectors` |\n"
                   "| `agencies` | |\n| `volunteers` | `incidents`, `agencies` |\n")


def test_the_checker_refuses_a_wrong_direction_and_accepts_the_allowed_door():
    wrong = read_imports("from volunteers.models import CallOut\n", "incidents.services.units", MODULES)
    door = read_imports("from volunteers.selectors import x\n", "incidents.services.units", MODULES)
    upward = read_imports("import incidents.services\n", "agencies.models", MODULES)
    assert len(direction_violations(wrong, RULES)) == 1
    assert direction_violations(door, RULES) == []
    assert len(direction_violations(upward, RULES)) == 1


def test_the_checker_finds_private_names_circles_and_uncommented_inner_imports():
    private = read_imports("from incidents.services.assignments import _lock\n", "incidents.services.units", MODULES)
    assert len(private_name_violations(private)) == 1
    through_module = "import incidents.services.assignments as a\na._lock(1)\n"
    assert len(private_attribute_violations(through_module, "incidents.services.units", MODULES)) == 1
    circle = read_imports("import incidents.services.units\n", "incidents.services.assignments", MODULES) + read_imports(
        "def f():\n    from incidents.services.assignments import g\n", "incidents.services.units", MODULES
    )
    assert cycles(circle, "incidents") == [["incidents.services.assignments", "incidents.services.units"]]
    assert [i.in_function for i in circle] == [False, True]
