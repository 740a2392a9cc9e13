"""Fixtures of the API tests beyond the shared ones: servers with custom settings or drivers, a
simulator whose operations a test can hold mid-flight, and direct database helpers."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import shutil
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cloudca.server.app import create_app
from cloudca.server.config import Settings
from cloudca.server.db import migrate
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.drivers.simulator import SimulatorDriver
from cloudca.server.runtime import Runtime
from tests.conftest import API_KEY
from tests.support import BASE, Api


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the newest migration, made once per run (migrating is most of a start)."""
    path = tmp_path_factory.mktemp("template") / "cloudca.db"

    async def make() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate.upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(make())
    return path


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The shared settings; on SQLite the data directory starts with a migrated (unseeded) copy of
    ``sqlite_template``: the first start still seeds, it only skips the migrations."""
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), settings.data_dir / "cloudca.db")
    return settings


class Gate:
    """Holds one driver operation: ``entered`` is set when a call arrives, the call waits for
    ``release()``."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.released = asyncio.Event()

    def release(self) -> None:
        self.released.set()

    async def reached(self) -> None:
        async with asyncio.timeout(10):
            await self.entered.wait()


class GatedSimulator(SimulatorDriver):
    """The simulator, whose operations a test can hold until it releases them (no sleeps needed to
    observe a task in flight)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # A held operation does not complete at once: its tasks must run on workers, not inline in
        # the request that a test is still waiting for.
        self.capabilities = dataclasses.replace(self.capabilities, instant=False)
        self._gates: dict[str, Gate] = {}

    def hold(self, operation: str) -> Gate:
        gate = Gate()
        self._gates[operation] = gate
        return gate

    async def _begin(self, operation: str, subject: str) -> None:
        gate = self._gates.get(operation)
        if gate is not None:
            gate.entered.set()
            await gate.released.wait()
            self._gates.pop(operation, None)
        await super()._begin(operation, subject)


@dataclass
class Server:
    app: FastAPI
    runtime: Runtime
    http: httpx.AsyncClient
    api: Api
    settings: Settings

    @property
    def simulator(self) -> SimulatorDriver:
        driver = self.runtime.driver
        assert isinstance(driver, SimulatorDriver)
        return driver


ServeFactory = Callable[..., AbstractAsyncContextManager[Server]]


@pytest.fixture
def serve(settings: Settings) -> ServeFactory:
    """``async with serve(driver=..., **settings_overrides) as server``: a server of its own."""

    @asynccontextmanager
    async def _serve(driver: ComputeDriver | None = None, **overrides: Any) -> AsyncIterator[Server]:
        custom = dataclasses.replace(settings, **overrides)
        application = create_app(custom, driver=driver)
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://cloudca.test", headers={"MC-Api-Key": API_KEY}
            ) as client:
                yield Server(application, application.state.runtime, client, Api(client), custom)

    return _serve


@pytest.fixture
async def gated(serve: ServeFactory) -> AsyncIterator[tuple[Server, GatedSimulator]]:
    driver = GatedSimulator()
    async with serve(driver=driver) as server:
        yield server, driver


def public_key(comment: str = "test@cloudca") -> str:
    """A syntactically valid OpenSSH ed25519 public key (unique per comment)."""
    name = b"ssh-ed25519"
    key = (comment.encode() * 32)[:32]
    blob = struct.pack(">I", len(name)) + name + struct.pack(">I", len(key)) + key
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


async def register_ssh_key(api: Api, name: str) -> str:
    """Register an SSH key through the API (``POST sshkeys``); its public key is returned."""
    text = public_key(name)
    await api.succeeded(await api.http.post(f"{BASE}/sshkeys", json={"name": name, "publicKey": text}))
    return text
