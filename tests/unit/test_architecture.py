"""The import directions of ARCHITECTURE.md, checked over the import graph of ``src/cloudca``.

Every ``import`` and ``from ... import`` counts, those under ``TYPE_CHECKING`` included: a
dependency for types is still a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
SERVER = "cloudca.server"
DOMAINS = ("access", "catalog", "instances", "networking", "placement", "sshkeys", "storage", "tasks")
#: The HTTP edge's entry points: they may reach any service (the fast lane answers from them).
EDGE_ENTRY = {f"{SERVER}.api.fastlane", f"{SERVER}.api.middleware"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in SRC.rglob("*.py") if "migrations" not in path.parts}


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """The ``cloudca`` modules ``name`` imports (``from package import module`` names the module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("cloudca"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("cloudca"):
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in MODULES else base


GRAPH = {name: sorted(set(_imports(name, path))) for name, path in MODULES.items()}


def _domain(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 2 and parts[:2] == ["cloudca", "server"] and parts[2] in DOMAINS:
        return parts[2]
    return None


def _is_router(module: str) -> bool:
    return module.rpartition(".")[2].endswith("router")


def _edges(where: str) -> list[tuple[str, str]]:
    return [
        (source, target)
        for source, targets in GRAPH.items()
        if source.startswith(where)
        for target in targets
    ]


def test_the_graph_is_read() -> None:
    assert f"{SERVER}.app" in GRAPH
    assert f"{SERVER}.instances.router" in GRAPH[f"{SERVER}.app"]


def test_only_routers_and_the_app_import_the_edge() -> None:
    """``api/`` is the HTTP edge: services get typed arguments, never a request or a paging helper."""
    offenders = [
        (source, target)
        for source, target in _edges(SERVER)
        if target.startswith(f"{SERVER}.api")
        and not source.startswith(f"{SERVER}.api")
        and not _is_router(source)
        and source not in (f"{SERVER}.app", f"{SERVER}.main")
    ]
    assert offenders == []


def test_no_domain_imports_another_domains_router_or_schemas() -> None:
    offenders = [
        (source, target)
        for source, target in _edges(SERVER)
        if _domain(source) is not None
        and _domain(target) not in (None, _domain(source))
        and (_is_router(target) or target.rpartition(".")[2] == "schemas")
    ]
    assert offenders == []


def test_nothing_but_the_app_imports_a_router() -> None:
    offenders = [
        (source, target)
        for source, target in _edges(SERVER)
        if _is_router(target) and source != f"{SERVER}.app" and _domain(source) is None
    ]
    offenders += [
        (source, target)
        for source, target in _edges(SERVER)
        if _is_router(target) and _domain(source) is not None and not _is_router(source)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("layer", "allowed"),
    [
        # The low layer every domain may import: field types, list parameters, shared claims.
        ("core", ("core", "db", "errors", "instances.models", "instances.states", "background")),
        ("runtime", ("config", "db", "drivers", "tasks.runner")),
        ("errors", ()),
        ("config", ()),
        ("background", ()),
        ("drivers", ("drivers", "config", "errors", "background")),
    ],
)
def test_low_layers_import_only_what_is_below_them(layer: str, allowed: tuple[str, ...]) -> None:
    prefixes = tuple(f"{SERVER}.{name}" for name in allowed)
    offenders = [
        (source, target)
        for source, target in _edges(f"{SERVER}.{layer}")
        if target.startswith(SERVER) and not target.startswith(prefixes)
    ]
    assert offenders == []


def test_the_sdk_does_not_import_the_server() -> None:
    offenders = [(source, target) for source, target in _edges("cloudca.client") if target.startswith(SERVER)]
    assert offenders == []


def test_the_edge_toolkit_reaches_no_domain_but_access() -> None:
    """The modules routers use (deps, body, paging, envelope, schemas, errors) sit below every domain
    but ``access``, whose caller and scope they resolve; only the edge's entry points see services."""
    offenders = [
        (source, target)
        for source, target in _edges(f"{SERVER}.api")
        if source not in EDGE_ENTRY and _domain(target) not in (None, "access")
    ]
    assert offenders == []
