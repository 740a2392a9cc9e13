"""Fixtures for the CLI tests: a live server, started with the tests' one helper (``tests.live``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import LiveServer, run_server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One ``cloudca serve`` for the CLI tests."""
    with run_server(tmp_path_factory.mktemp("cli-server")) as server:
        yield server


@pytest.fixture
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A ``cloudca serve`` of its own, freshly seeded (for the walkthrough)."""
    with run_server(tmp_path_factory.mktemp("fresh-server")) as server:
        yield server
