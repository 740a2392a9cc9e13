"""Running the server: settings from options and the environment, then uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn

from cloudca.server.app import create_app
from cloudca.server.config import Settings


def run(
    *,
    host: str | None = None,
    port: int | None = None,
    data_dir: Path | None = None,
    database_url: str | None = None,
    driver: str | None = None,
) -> None:
    settings = Settings.from_env(
        host=host, port=port, data_dir=data_dir, database_url=database_url, driver=driver
    )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(settings, freeze_after_start=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        loop="auto",
        http="auto",
        server_header=False,
    )
