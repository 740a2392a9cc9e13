"""Running the server: settings from options and the environment, then uvicorn."""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

import uvicorn

from cloudca import __version__
from cloudca.server import banner
from cloudca.server.app import create_app
from cloudca.server.config import Settings
from cloudca.server.db import ownership


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def run(
    *,
    host: str | None = None,
    port: int | None = None,
    data_dir: Path | None = None,
    database_url: str | None = None,
    driver: str | None = None,
    workers: int = 1,
) -> None:
    settings = Settings.from_env(
        host=host, port=port, data_dir=data_dir, database_url=database_url, driver=driver
    )
    if workers != 1:
        from cloudca.server import workers as multiprocess

        multiprocess.check(settings, workers)
        configure_logging(settings)
        announce(settings)
        multiprocess.serve(settings, workers)
        return
    # Bind before anything else: a busy port must not leave a freshly seeded data directory behind
    # (whose key the person would never see again) nor cost a migration.
    listener = bind(settings.host, settings.port)
    configure_logging(settings)
    if settings.is_sqlite and not settings.database_url:
        ownership.prepare_data_dir(settings.data_dir)
    try:
        # Checked before uvicorn starts, for a one-line answer instead of a failed start-up's
        # traceback; held until the process ends (the app's own claim shares it).
        ownership.claim(settings.resolved_database_url)
    except ownership.DatabaseInUse as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None
    announce(settings)
    serve_on(settings, [listener])


def announce(settings: Settings) -> None:
    """Where to go: the console, the API and its reference (before the start-up log lines)."""
    url = banner.base_url(settings)
    print(
        f"cloudca {__version__}: console {url}/console, API {url}/v1, API docs {url}/docs",
        file=sys.stderr,
        flush=True,
    )


def serve_on(settings: Settings, sockets: list[socket.socket] | None = None) -> None:
    """Serve the API in this process: on ``settings.host:port``, or on ``sockets`` already bound."""
    app = create_app(settings, freeze_after_start=True)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        loop="auto",
        http="auto",
        server_header=False,
    )
    uvicorn.Server(config).run(sockets=sockets)


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, or exit with a message saying what to do."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind, proto)
    except OSError as exc:
        raise SystemExit(f"cloudca: cannot listen on {host}:{port}: {exc}") from exc
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        reason = exc.strerror or str(exc)
        raise SystemExit(
            f"cloudca: cannot listen on {host}:{port}: {reason}.\n"
            f"Is another cloudca (or another program) using it? Choose another port with --port or "
            f"CLOUDCA_PORT. Nothing was started or written."
        ) from exc
    return listener
