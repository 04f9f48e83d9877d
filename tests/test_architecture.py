"""The architecture, checked on the source: `shared/` is a library below the services, and no
two modules of `shared` and `services` import each other, even through others.

The import graph is read statically from the AST (imports inside functions included), so a
circle dodged by a late import is still a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shared", "services")


def module_name(path: Path) -> str:
    """`shared/ops/cli.py` → `shared.ops.cli`; a package's `__init__.py` is the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules(*packages: str) -> dict[str, Path]:
    """Every Python module under `packages`, by dotted name."""
    return {
        module_name(path): path
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_names(module: str, path: Path, tree: ast.Module) -> Iterator[tuple[str, str]]:
    """(`x.y`, `z`) for `from x.y import z`, (`x.y`, "") for `import x.y`; relative imports
    resolved against the module's package."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ""
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield base, alias.name


def string_imports(tree: ast.Module) -> Iterator[str]:
    """Dotted paths written as text (`import_module("services.x")`, an RQ job path, an
    f-string such as `f"services.{name}.app"`): every string, or an f-string's leading text."""
    f_string_parts = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
            yield str(node.values[0].value)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in f_string_parts
        ):
            yield node.value


def is_services(dotted: str) -> bool:
    return dotted == "services" or dotted.startswith("services.")


def test_shared_never_imports_a_service():
    offences = []
    for module, path in source_modules("shared").items():
        tree = parse(path)
        for base, name in imported_names(module, path, tree):
            if is_services(base):
                offences.append(f"{module}: imports {base}{'.' + name if name else ''}")
        offences.extend(
            f"{module}: names {text!r}"
            for text in string_imports(tree)
            if text.startswith("services.")
        )
    assert offences == [], "shared/ must not know the services:\n" + "\n".join(offences)


def test_no_module_imports_a_private_name_of_another():
    modules = source_modules(*PACKAGES)
    offences = [
        f"{module}: from {base} import {name}"
        for module, path in modules.items()
        for base, name in imported_names(module, path, parse(path))
        if name.startswith("_") and not name.startswith("__") and base != module
    ]
    assert offences == [], "\n".join(offences)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module → the modules of `modules` it imports (`from p import m` is `p.m` when `p.m` is
    a module, `p` otherwise)."""
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for base, name in imported_names(module, path, parse(path)):
            submodule = f"{base}.{name}" if name else ""
            if submodule in modules:
                targets.add(submodule)
            elif base in modules:
                targets.add(base)
        targets.discard(module)
        graph[module] = targets
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One import circle per group of modules that import each other (Tarjan's strongly
    connected components), each as a path whose first module is repeated at its end."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def connect(module: str) -> None:
        index[module] = lowlink[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                connect(target)
                lowlink[module] = min(lowlink[module], lowlink[target])
            elif target in stack:
                lowlink[module] = min(lowlink[module], index[target])
        if lowlink[module] == index[module]:
            component = set()
            while not component or module not in component:
                component.add(stack.pop())
            if len(component) > 1:
                components.append(component)

    for module in sorted(graph):
        if module not in index:
            connect(module)
    return sorted(circle_through(graph, component) for component in components)


def circle_through(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """The shortest circle from the component's first module back to itself."""
    start = min(component)
    paths = {target: [start, target] for target in graph[start] & component}
    frontier = sorted(paths)
    while start not in paths:
        following = []
        for module in frontier:
            for target in sorted(graph[module] & component):
                if target not in paths:
                    paths[target] = [*paths[module], target]
                    following.append(target)
        frontier = following
    return paths[start]


def test_the_import_graph_of_shared_and_services_has_no_cycle():
    cycles = find_cycles(import_graph(source_modules(*PACKAGES)))

    assert cycles == [], "import circles:\n" + "\n".join(" → ".join(cycle) for cycle in cycles)


def test_the_cycle_finder_reports_one_circle_per_tangle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": {"a"}}

    assert find_cycles(graph) == [["a", "b", "c", "a"], ["d", "e", "d"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
