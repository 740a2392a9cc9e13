"""``cloudca worker``: a process that serves no HTTP but keeps the task machinery going.

Why it exists, given that a task is claimed at insert by the ``serve`` process that accepted it
(so there is never queued work for a worker to pick up): it registers as a task worker and runs
the janitor, so interrupted tasks are repaired and expired ones purged even while every HTTP
process is down or being redeployed; and ``--migrate-only`` applies the migrations as a separate
deployment step. Neither is required: every ``serve`` process does both by itself.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from cloudca.cli.serve import DatabaseUrlOption, DataDirOption, driver_option

if TYPE_CHECKING:  # the server is imported only when the command runs (the CLI stays light)
    from cloudca.server.config import Settings


def worker(
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    driver: Annotated[str | None, driver_option("simulator")] = None,
    migrate_only: Annotated[
        bool, typer.Option("--migrate-only", help="Apply the database migrations, then exit.")
    ] = False,
) -> None:
    """Repair interrupted tasks and purge expired ones, without serving HTTP (optional)."""
    from cloudca.server.config import Settings

    settings = Settings.from_env(data_dir=data_dir, database_url=database_url, driver=driver)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(_migrate(settings) if migrate_only else _run(settings))


async def _migrate(settings: Settings) -> None:
    from cloudca.server.db import migrate, ownership
    from cloudca.server.db.engine import Database

    if settings.is_sqlite and not settings.database_url:
        ownership.prepare_data_dir(settings.data_dir)
    try:
        owned = ownership.claim(settings.resolved_database_url)
    except ownership.DatabaseInUse as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None
    database = Database(settings.resolved_database_url, pool_size=1)
    try:
        async with migrate.exclusive_start(database):
            await migrate.upgrade(database)
    finally:
        await database.dispose()
        ownership.release(owned)


async def _run(settings: Settings) -> None:
    from cloudca.server import app

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    from cloudca.server.db.ownership import DatabaseInUse

    try:
        runtime = await app.start(settings, role="worker")
    except DatabaseInUse as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None
    logging.getLogger("cloudca").info("worker %s running; stop with SIGTERM", runtime.tasks.owner)
    try:
        await stopping.wait()
    finally:
        await app.stop(runtime)
