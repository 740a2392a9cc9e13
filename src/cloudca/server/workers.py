"""``cloudca serve --workers N``: N server processes on one address, on PostgreSQL.

Each worker is a whole ``cloudca serve`` process (its own event loop, database pool, task runner and
janitor) with its own listening socket bound with ``SO_REUSEPORT``, so the kernel spreads incoming
connections over the workers, with no proxy in the path. This is the scale-out mode the README
describes (several processes on one PostgreSQL database), started by one command instead of N.

Why a socket per worker rather than one socket shared by all (uvicorn's ``--workers``): with one
shared socket every idle worker wakes on each connection and the busiest one tends to win; with
``SO_REUSEPORT`` the kernel hashes connections across the workers' own queues.

The parent binds the address first (also with ``SO_REUSEPORT``, without listening), which checks
that the address is free before any worker starts, resolves port 0 to a real port, and keeps the
port while workers come and go. It serves nothing itself. When a worker exits, the parent stops the
others and exits with a failure status, leaving restarts to whatever supervises it; SIGTERM or
SIGINT stops every worker.

SQLite is refused: it has one writer, and its data dir belongs to one process.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
from dataclasses import replace
from multiprocessing.connection import wait
from types import FrameType

from cloudca.server.config import Settings

log = logging.getLogger("cloudca.workers")

#: Pending connections each worker's socket may queue (uvicorn's default backlog).
BACKLOG = 2048
STOP_SECONDS = 20.0


class WorkersRefused(SystemExit):
    """``--workers`` was given a value this deployment cannot run; the message says why."""


def check(settings: Settings, workers: int) -> None:
    """Refuse what cannot run: fewer than one worker, or more than one on SQLite."""
    if workers < 1:
        raise WorkersRefused("cloudca serve: --workers must be at least 1")
    if workers > 1 and settings.is_sqlite:
        raise WorkersRefused(
            "cloudca serve: --workers > 1 needs PostgreSQL (--database-url or CLOUDCA_DATABASE_URL): "
            "SQLite has a single writer and its data dir belongs to one process"
        )


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT`` (not yet listening)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def serve(settings: Settings, workers: int) -> None:
    """Run ``workers`` server processes on ``settings.host:settings.port`` until stopped."""
    check(settings, workers)
    holder = reuse_port_socket(settings.host, settings.port)
    settings = replace(settings, port=int(holder.getsockname()[1]))
    # Spawn, not fork: each worker starts from a clean interpreter, with no state of the parent's.
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(settings, index), name=f"cloudca-worker-{index}", daemon=False)
        for index in range(workers)
    ]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for process in processes:
            if process.is_alive():
                process.terminate()

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        for process in processes:
            process.start()
        log.info("%d workers on http://%s:%d", workers, settings.host, settings.port)
        wait([process.sentinel for process in processes])
        if not stopping:
            log.error("a worker exited; stopping the others")
            stop(signal.SIGTERM, None)
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        holder.close()
    if not stopping:
        sys.exit(1)


def _worker(settings: Settings, index: int) -> None:
    """One worker process: the whole server on its own ``SO_REUSEPORT`` socket."""
    from cloudca.server.main import configure_logging, serve_on

    configure_logging(settings)
    sock = reuse_port_socket(settings.host, settings.port)
    sock.listen(BACKLOG)
    log.info("worker %d listening", index)
    serve_on(settings, [sock])
