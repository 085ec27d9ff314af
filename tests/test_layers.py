"""The arrows between our packages run one way, and no module imports itself round a circle.

Layers, bottom first: ``devtools`` (the run command; it imports no app) and ``accounts``
(people, the organisation, roles and the permission policy), then ``core``, ``audit``,
``organisation`` (the audited services that change people, units and roles), ``planning``,
``kpis``, ``reporting``, ``privacy`` (retention and subject access, which read every app),
and at the top ``pmf`` (the project package) and ``demo`` (the demo council's loader;
nothing depends on it). A module may import
from its own package or from a package on a lower layer; imports inside functions count too,
since a late import is still a dependency. Tests, benchmarks and the entry scripts sit above
everything and are not checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LAYERS = (
    ("devtools", "accounts"),
    ("core",),
    ("audit",),
    ("organisation",),
    ("planning",),
    ("kpis",),
    ("reporting",),
    ("privacy",),
    ("pmf", "demo"),
)
LAYER_OF = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every first-party module this file imports, at any depth of the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in LAYER_OF}


def _source_files() -> dict[str, Path]:
    files = {}
    for package in LAYER_OF:
        for path in (ROOT / package).rglob("*.py"):
            files[_module_name(path)] = path
    return files


def test_no_import_runs_back_up_the_layers():
    upward = []
    for module, path in sorted(_source_files().items()):
        own = module.split(".")[0]
        for imported in sorted(_imports(path)):
            other = imported.split(".")[0]
            if other != own and LAYER_OF[other] >= LAYER_OF[own]:
                upward.append(f"{module} -> {imported}")
    assert not upward, "imports that run back up (or sideways) across layers:\n" + "\n".join(upward)


def test_no_module_imports_itself_round_a_circle():
    files = _source_files()
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets = set()
        for imported in _imports(path):
            # ``from pkg import name`` names a module when pkg.name is a file of ours.
            while imported and imported not in files:
                imported = imported.rpartition(".")[0]
            if imported and imported != module:
                targets.add(imported)
        graph[module] = targets
    circles = [sorted(component) for component in _strongly_connected(graph) if len(component) > 1]
    assert not circles, f"import circles: {circles}"


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively (no recursion limit to meet)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def test_the_layer_test_sees_a_late_import(tmp_path):
    """The check reads imports inside functions too, so it cannot pass by not looking."""
    sample = ROOT / "accounts" / "roles.py"
    assert not {name for name in _imports(sample) if not name.startswith("accounts")}
    late = tmp_path / "late.py"
    late.write_text("def f():\n    from reporting.models import Snapshot\n    return Snapshot\n")
    tree_imports = {node.module for node in ast.walk(ast.parse(late.read_text())) if isinstance(node, ast.ImportFrom)}
    assert tree_imports == {"reporting.models"}
