"""Layers point one way and the project's modules import each other without cycles.

    ontmoet_core  <-  knowledge  <-  bot  <-  actions  <-  bench, tests

A package imports only from the packages to its left (and third-party code):
knowledge/ never imports bot/, and no production package imports tests/ or bench/.
"""
from __future__ import annotations

import textwrap

import networkx as nx

from tests.import_graph import PACKAGES, all_imports, import_graph

LAYERS = ("ontmoet_core", "knowledge", "bot", "actions", "bench")
NOT_PRODUCTION = {"bench", "tests"}


def allowed(package: str) -> set:
    """The project packages `package` may import from (itself included)."""
    return set(LAYERS[:LAYERS.index(package) + 1])


def test_every_package_is_in_a_layer():
    assert set(PACKAGES) == set(LAYERS)


def test_layers_point_one_way():
    project = set(LAYERS) | NOT_PRODUCTION
    wrong = []
    for module, names in sorted(all_imports().items()):
        package = module.split(".")[0]
        if package == "bench":
            continue  # benchmarks may use everything, tests' data included
        for name in sorted((names & project) - allowed(package)):
            wrong.append(f"{module} imports {name}")
    assert wrong == []


def test_knowledge_imports_nothing_from_bot_or_actions():
    imports = {m: names for m, names in all_imports().items() if m.split(".")[0] == "knowledge"}
    assert imports, "no knowledge modules found"
    assert {m: names & {"bot", "actions", "tests"} for m, names in imports.items()
            if names & {"bot", "actions", "tests"}} == {}


def test_no_import_cycles():
    graph = import_graph()
    assert graph.number_of_edges() > 100  # the graph really was read
    cycles = [" -> ".join([*cycle, cycle[0]]) for cycle in nx.simple_cycles(graph)]
    assert cycles == []


def _package(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_a_lazy_import_that_closes_a_cycle_is_a_cycle(tmp_path):
    _package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import thing\n",
        "pkg/b.py": """
            thing = 1

            def later():
                from . import a  # inside a function: still an edge
                return a
            """,
    })
    graph = import_graph(tmp_path, ("pkg",))
    assert list(nx.simple_cycles(graph)) != []


def test_type_checking_imports_are_not_edges(tmp_path):
    _package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from pkg.a import Something
            """,
    })
    graph = import_graph(tmp_path, ("pkg",))
    assert set(graph.edges) == {("pkg.a", "pkg.b")}
