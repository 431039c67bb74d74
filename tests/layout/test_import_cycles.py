"""No import cycles anywhere in the project, and gateway domains that do not import each other."""

from __future__ import annotations

from tests.layout.imports import cycles, import_graph

DOMAIN = "studio.gateway.domain."


def test_the_graph_sees_the_whole_project() -> None:
    graph = import_graph()
    # deferred imports count: `studio serve gateway` imports the gateway inside a function
    assert "studio.gateway.server" in graph["studio.cli.commands.serve"]
    assert {"studio.core.errors", "studio.gateway.app", "studio.pipeline.screenplay"} <= graph.keys()


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_there_are_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles (module groups that import each other):\n" + "\n".join(
        " <-> ".join(group) for group in found
    )


def test_gateway_domains_do_not_import_each_other() -> None:
    crossings = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if module.startswith(DOMAIN)
        for target in targets
        if target.startswith(DOMAIN) and target.split(".")[3] != module.split(".")[3]
    )
    assert not crossings, "\n".join(crossings)
