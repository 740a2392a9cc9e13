"""``cloudca serve``: run the API server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

# The options ``serve`` and ``worker`` share (they address the same database).
DataDirOption = Annotated[
    Path | None, typer.Option(help="Where the embedded database lives [env: CLOUDCA_DATA_DIR]")
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(help="SQLAlchemy URL; default SQLite in the data dir [env: CLOUDCA_DATABASE_URL]"),
]


def driver_option(drivers: str) -> Any:  # typer.Option is typed so
    """``--driver``, naming the compute drivers the command can run (the worker: only the
    simulator's)."""
    return typer.Option(help=f"Compute driver: {drivers} [env: CLOUDCA_DRIVER]")


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [env: CLOUDCA_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [env: CLOUDCA_PORT]")] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    driver: Annotated[str | None, driver_option("simulator or libvirt")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes on the one port (SO_REUSEPORT); more than 1 needs PostgreSQL",
        ),
    ] = 1,
) -> None:
    """Start the HTTP API (default: SQLite and the simulator driver on 127.0.0.1:8080)."""
    from cloudca.server.main import run

    run(host=host, port=port, data_dir=data_dir, database_url=database_url, driver=driver, workers=workers)
