"""Shared fixtures: a server in-process (the real app, its lifespan, an httpx client over ASGI) and
helpers that speak the contract.

The database is SQLite in a temporary directory, or PostgreSQL when ``CLOUDCA_TEST_DATABASE_URL``
names a server (the test suite then runs every test against it).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cloudca.server.app import create_app
from cloudca.server.bootstrap import seeded_id
from cloudca.server.config import Settings
from cloudca.server.runtime import Runtime
from tests.support import Api, fresh_database

API_KEY = "test-admin-key-0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    with fresh_database(os.environ.get("CLOUDCA_TEST_DATABASE_URL", "")) as database_url:
        yield Settings(
            data_dir=tmp_path / "data",
            database_url=database_url,
            api_key=API_KEY,
            task_workers=4,
        )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    state: Runtime = app.state.runtime
    return state


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://cloudca.test", headers={"MC-Api-Key": API_KEY}
    ) as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient) -> Api:
    return Api(http)


@pytest.fixture
def catalog() -> dict[str, Any]:
    """Ids of the seeded catalog (derived from names, the same on every fresh server)."""
    return {
        "template": seeded_id("template", "CentOS 6.8 PV"),
        "template_ssh_only": seeded_id("template", "Ubuntu 24.04 LTS"),
        "template_resizable": seeded_id("template", "Debian 12"),
        "offering": seeded_id("computeOffering", "1vCPU.512MB"),
        "offering_big": seeded_id("computeOffering", "2vCPU.4GB"),
        "offering_custom": seeded_id("computeOffering", "Custom CPU and memory"),
        "network": seeded_id("network", "Web-prod-VPC"),
        "network_db": seeded_id("network", "DB-prod-VPC"),
        "vpc": seeded_id("vpc", "prod-VPC"),
        "zone": seeded_id("zone", "QC-1"),
        "environment": seeded_id("environment", "prod"),
        "disk_fixed": seeded_id("diskOffering", "20GB - 20 IOPS Min."),
        "disk_custom_size": seeded_id("diskOffering", "Custom size"),
        "disk_custom_iops": seeded_id("diskOffering", "100GB - Custom IOPS"),
    }
