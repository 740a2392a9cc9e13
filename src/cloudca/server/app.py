"""``create_app(settings)``: wires the database, the driver, the task runner and the routers."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from cloudca import __version__
from cloudca.server import banner, bootstrap
from cloudca.server.access import teardown
from cloudca.server.access.environment_router import router as environment_router
from cloudca.server.access.router import router as access_router
from cloudca.server.access.service import AccessService
from cloudca.server.access.usage_router import router as usage_router
from cloudca.server.access.user_router import router as user_router
from cloudca.server.api import errors, fastlane
from cloudca.server.api.middleware import EdgeMiddleware
from cloudca.server.api.state import EdgeRuntime
from cloudca.server.catalog.router import router as catalog_router
from cloudca.server.config import Settings
from cloudca.server.console import router as console
from cloudca.server.db import migrate, ownership
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver
from cloudca.server.drivers.guard import GuardedDriver
from cloudca.server.drivers.registry import create_driver
from cloudca.server.instances import adoption, reconcile_pass
from cloudca.server.instances.console_router import router as instance_console_router
from cloudca.server.instances.drift import DriftMonitor
from cloudca.server.instances.handlers import HANDLERS
from cloudca.server.instances.router import router as instances_router
from cloudca.server.meta.router import router as meta_router
from cloudca.server.metrics.router import router as metrics_router
from cloudca.server.networking import acl_handlers, lb_handlers, restore, vpn_handlers
from cloudca.server.networking import handlers as networking_handlers
from cloudca.server.networking import topology as topology_handlers
from cloudca.server.networking.acl_router import router as acl_router
from cloudca.server.networking.ip_router import router as ip_router
from cloudca.server.networking.lb_router import router as lb_router
from cloudca.server.networking.router import router as networking_router
from cloudca.server.networking.vpn_router import router as vpn_router
from cloudca.server.placement import handlers as placement_handlers
from cloudca.server.placement.router import router as placement_router
from cloudca.server.sshkeys import handlers as sshkeys_handlers
from cloudca.server.sshkeys.router import router as sshkeys_router
from cloudca.server.storage import handlers as storage_handlers
from cloudca.server.storage.router import router as storage_router
from cloudca.server.tasks.listing_router import router as task_listing_router
from cloudca.server.tasks.router import router as tasks_router
from cloudca.server.tasks.runner import TaskRunner

log = logging.getLogger("cloudca")


def create_app(
    settings: Settings, driver: ComputeDriver | None = None, *, freeze_after_start: bool = False
) -> FastAPI:
    """The ASGI application. ``driver`` overrides the one ``settings.driver`` names (tests).

    ``freeze_after_start`` (the serve command): once started, move every object alive then (the
    app, its routes, SQLAlchemy's mappers, the driver's books) out of the garbage collector's
    sight with ``gc.freeze()``. They live as long as the process, yet each full collection walked
    them all: 80 ms at every one, a pause every request in flight waited out (the p99 at 64
    connections). Not in tests, where many apps start in one process and frozen ones would stay."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await start(settings, driver)
        app.state.runtime = runtime
        if freeze_after_start:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            await stop(runtime)

    app = FastAPI(
        title="cloudca",
        version=__version__,
        description="A self-hosted compute service that speaks the cloud.ca compute API.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        # FastAPI's native OpenTelemetry asks the global providers (environment lookups) on every
        # request, before the edge, ~5% of a lean-lane GET's CPU; cloudca exports its own
        # figures (GET /v1/metrics) and configures no OpenTelemetry provider.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    errors.install(app)
    for router in (
        access_router,
        environment_router,
        user_router,
        usage_router,
        metrics_router,
        tasks_router,
        instances_router,
        catalog_router,
        networking_router,
    ):
        app.include_router(router)
    for router in (
        sshkeys_router,
        placement_router,
        storage_router,
        ip_router,
        acl_router,
        lb_router,
        vpn_router,
        task_listing_router,
        instance_console_router,
    ):
        app.include_router(router)
    app.include_router(meta_router)
    app.include_router(console.router)
    app.mount("/console/assets", console.assets, name="console-assets")
    app.add_middleware(EdgeMiddleware)
    app.state.lean_lane = fastlane.LeanLane([tasks_router, instances_router])  # served from these routes
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema without its 422 answers: this server never sends 422 (bad input is a 400
    with the contract's envelope, documented on every route)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


async def start(
    settings: Settings, driver: ComputeDriver | None = None, *, role: str = "serve"
) -> EdgeRuntime:
    """Migrate, seed on first start, adopt known machines, recover interrupted tasks, start workers.

    ``role`` is ``serve`` or ``worker`` (``cloudca worker``: tasks only, no HTTP)."""
    if settings.is_sqlite and not settings.database_url:
        ownership.prepare_data_dir(settings.data_dir)
    owned = ownership.claim(settings.resolved_database_url)  # one process per SQLite database
    try:
        return await _start(settings, driver, role, owned)
    except BaseException:
        ownership.release(owned)
        raise


async def _start(
    settings: Settings, driver: ComputeDriver | None, role: str, owned: Path | None
) -> EdgeRuntime:
    database = Database(settings.resolved_database_url, pool_size=settings.database_pool_size)
    driver = driver or create_driver(settings)
    # Processes starting together on one database: one migrates and seeds, the others wait.
    async with migrate.exclusive_start(database):
        await migrate.upgrade(database)
        first = await bootstrap.bootstrap(database, settings, await driver.hosts())
    if first is not None and first.api_key is not None:
        # Printed once, never stored in clear: only its SHA-256 is kept.
        print(banner.first_start(first.api_key, settings), file=sys.stderr, flush=True)
    elif first is None and settings.api_key and not await bootstrap.knows_api_key(database, settings.api_key):
        print(banner.key_not_seeded(settings), file=sys.stderr, flush=True)
    await driver.adopt(await adoption.known_machines(database))
    # A rebooted host lost its nftables: forwards, NAT, balancers, ACLs come back before any task.
    await restore.restore_rules(database, driver)
    # Through the guard: a backend that fails while a task is prepared fails the task with the
    # backend's reason (a host that does not answer), as any driver call of the task itself would.
    prepare = partial(adoption.adopt_task_entity, database, GuardedDriver(driver))
    runner = TaskRunner(database, driver, settings, role=role, prepare=prepare)
    runner.register(HANDLERS)
    runner.register(sshkeys_handlers.HANDLERS)
    runner.register(placement_handlers.HANDLERS)
    runner.register(storage_handlers.HANDLERS)
    runner.register(networking_handlers.HANDLERS)
    runner.register(topology_handlers.HANDLERS)
    runner.register(acl_handlers.HANDLERS)
    runner.register(teardown.HANDLERS)
    runner.register(lb_handlers.HANDLERS)
    runner.register(vpn_handlers.HANDLERS)
    runtime = EdgeRuntime(
        settings=settings,
        database=database,
        driver=driver,
        tasks=runner,
        access=AccessService(),
        owned_database=owned,
    )
    await runner.start()
    if settings.drift_sweep_seconds >= 0:
        drift = DriftMonitor(database, driver, settings.drift_sweep_seconds)
        await drift.start()
        runtime.stoppers.append(drift.stop)
        runtime.drift = drift
    if settings.reconcile_sweep_seconds > 0 and reconcile_pass.wanted(driver):
        sweep = reconcile_pass.ReconcilePass(database, driver, settings.reconcile_sweep_seconds)
        await sweep.start()
        runtime.stoppers.append(sweep.stop)
    return runtime


async def stop(runtime: EdgeRuntime) -> None:
    try:
        for stopper in runtime.stoppers:
            await stopper()
        await runtime.tasks.stop()
        await runtime.driver.close()
        await runtime.database.dispose()
    finally:
        ownership.release(runtime.owned_database)
