"""Fixtures for the CLI tests: a live server, started with the SDK tests' helper."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


def _load_live_server() -> ModuleType:
    # The helper lives with the SDK tests; tests/ is not a package, so load it by path.
    path = Path(__file__).resolve().parents[1] / "client" / "live_server.py"
    spec = importlib.util.spec_from_file_location("cloudca_tests_live_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


live = _load_live_server()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One ``cloudca serve`` for the CLI tests."""
    if not live.server_available():
        pytest.skip("cloudca.server.app is not importable yet")
    with live.run_server(tmp_path_factory.mktemp("cli-server")) as server:
        yield server


@pytest.fixture
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A ``cloudca serve`` of its own, freshly seeded (for the walkthrough)."""
    if not live.server_available():
        pytest.skip("cloudca.server.app is not importable yet")
    with live.run_server(tmp_path_factory.mktemp("fresh-server")) as server:
        yield server
