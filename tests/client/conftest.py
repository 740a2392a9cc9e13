"""Fixtures for the SDK tests: a live server (skipped until the server package exists)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import LiveServer, run_server, server_available


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One ``cloudca serve`` for the whole session."""
    if not server_available():
        pytest.skip("cloudca.server.app is not importable yet")
    with run_server(tmp_path_factory.mktemp("sdk-server")) as server:
        yield server
