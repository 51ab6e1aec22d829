"""The import graph of the project's own packages, read from the source with `ast`.

Every import counts, also one inside a function (a lazy import that only dodges
a cycle is still a cycle); only imports under `if TYPE_CHECKING:` do not, since
they never run."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, Set

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ontmoet_core", "bot", "actions", "knowledge", "bench")


def module_files(root: Path = ROOT, packages=PACKAGES) -> Dict[str, Path]:
    """{dotted module name: file} for every module of `packages`."""
    out: Dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            stack.append(child)


def imported_modules(module: str, path: Path, known: Set[str]) -> Set[str]:
    """The project modules `module` imports (a name imported from a package that
    is a submodule counts as that submodule)."""
    is_package = path.name == "__init__.py"
    out: Set[str] = set()

    def add(name: str) -> None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.add(name)

    for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
            continue
        base = node.module or ""
        if node.level:
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            anchor = anchor[:len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            full = f"{base}.{alias.name}"
            add(full if full in known else base)
    return out


def import_graph(root: Path = ROOT, packages=PACKAGES) -> "nx.DiGraph":
    files = module_files(root, packages)
    known = set(files)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for module, path in files.items():
        for target in imported_modules(module, path, known):
            graph.add_edge(module, target)
    return graph


def all_imports(root: Path = ROOT, packages=PACKAGES) -> Dict[str, Set[str]]:
    """{module: every top-level package it imports (also third-party ones)}."""
    out: Dict[str, Set[str]] = {}
    for module, path in module_files(root, packages).items():
        names: Set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif not node.level and node.module:
                names.add(node.module.split(".")[0])
        out[module] = names
    return out
