"""The browser modules import in one direction (issue 23): no import circle anywhere in static/js, static/js/lib imports
only itself, and the call-taker console is main → panels → state.js and lib — a panel never imports another panel
(they reach each other through the hooks main.js provides, static/js/calltaker/state.js), so a new panel is one new
module imported by main.js.

The parser reads the `import … from "…"` / `export … from "…"` / `import "…"` statements of ES modules (they may span
lines) and `import("…")` calls; only relative specifiers name our files."""
import re
from pathlib import Path

JS = Path(__file__).resolve().parents[2] / "static" / "js"
STATIC_IMPORT = re.compile(
    r"""^[ \t]*(?:import|export)\b(?:[^;"'`]*?\bfrom\b)?\s*["']([^"']+)["']""", re.M | re.S,
)
DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*["']([^"']+)["']\s*\)""")
BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)


def _ours():
    return sorted(p for p in JS.rglob("*.js") if "vendor" not in p.relative_to(JS).parts)


def imports_of(source: str) -> list[str]:
    """The specifiers a module imports, comments left out."""
    source = LINE_COMMENT.sub("", BLOCK_COMMENT.sub("", source))
    return [m.group(1) for m in STATIC_IMPORT.finditer(source)] + [m.group(1) for m in DYNAMIC_IMPORT.finditer(source)]


def graph(files: dict[Path, str]) -> dict[Path, list[Path]]:
    """module → the modules of ours it imports (relative specifiers resolved against its folder)."""
    edges = {}
    for path, source in files.items():
        targets = []
        for spec in imports_of(source):
            if spec.startswith("."):
                targets.append((path.parent / spec).resolve())
        edges[path.resolve()] = targets
    return edges


def find_cycle(edges: dict[Path, list[Path]]) -> list[Path] | None:
    """One import circle (its modules, the first repeated at the end), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in edges.get(node, []):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _name(path: Path) -> str:
    return str(path.relative_to(JS.resolve()))


def _project_graph():
    return graph({p: p.read_text(encoding="utf-8") for p in _ours()})


def test_every_import_names_a_file_that_exists():
    missing = [f"{_name(a)} → {_name(b)}" for a, targets in _project_graph().items() for b in targets if not b.exists()]
    assert missing == []


def test_no_import_circle_in_static_js():
    cycle = find_cycle(_project_graph())
    assert cycle is None, "import circle: " + " → ".join(_name(p) for p in cycle)


def test_lib_imports_only_lib():
    lib = (JS / "lib").resolve()
    wrong = [f"{_name(a)} → {_name(b)}" for a, targets in _project_graph().items() if a.parent == lib
             for b in targets if b.parent != lib]
    assert wrong == []


def test_calltaker_is_main_then_panels_then_state_and_lib():
    calltaker, lib = (JS / "calltaker").resolve(), (JS / "lib").resolve()
    main, state = calltaker / "main.js", calltaker / "state.js"
    wrong = []
    for module, targets in _project_graph().items():
        if module.parent != calltaker:
            continue
        for target in targets:
            if module == main:
                ok = target.parent in (calltaker, lib) or target.parent.parent == JS.resolve()
            elif module == state:
                ok = target.parent == lib
            else:  # a panel: the shared state and the library, never another panel nor main
                ok = target == state or target.parent == lib
            if not ok:
                wrong.append(f"{_name(module)} → {_name(target)}")
    assert wrong == []
    # and nothing outside the console reaches into it (main is its only entry)
    outside = [f"{_name(a)} → {_name(b)}" for a, targets in _project_graph().items() if a.parent != calltaker
               for b in targets if b.parent == calltaker]
    assert outside == []


def test_the_checker_finds_a_circle_and_reads_every_import_form(tmp_path):
    # the checker itself: a test that never fires would pass with the circle back
    a, b, c = tmp_path / "a.js", tmp_path / "b.js", tmp_path / "c.js"
    files = {
        a: 'import { x,\n  y } from "./b.js";\n// import { z } from "./c.js";\n',
        b: '/* import "./a.js"; */\nexport { w } from "./c.js";\n',
        c: 'const lazy = () => import("./a.js");\nimport "../lib/none.js";\n',
    }
    assert imports_of(files[a]) == ["./b.js"]
    assert imports_of(files[b]) == ["./c.js"]
    assert imports_of(files[c]) == ["../lib/none.js", "./a.js"]
    cycle = find_cycle(graph(files))
    assert cycle is not None and [p.name for p in cycle] == ["a.js", "b.js", "c.js", "a.js"]
    files[c] = "export const nothing = 1;\n"
    assert find_cycle(graph(files)) is None
