"""Fixtures for the SDK tests: a live server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import LiveServer, run_server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One ``cloudca serve`` for the whole session."""
    with run_server(tmp_path_factory.mktemp("sdk-server")) as server:
        yield server
