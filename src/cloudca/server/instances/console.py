"""The serial console of an instance (a cloudca extension): who may attach, tickets, and the bridge.

Attaching is a write (typing on a console runs commands): the caller needs a role that may write in
the instance's environment, as for any mutation. A WebSocket client that can send headers sends the
API key; a browser cannot, so it first asks for a ticket (with the header) and puts it in the URL.
A ticket is bound to one instance, lasts ``TICKET_SECONDS`` and works once: only its SHA-256 is
stored, and redeeming it deletes the row (so this holds across processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.db.base import utcnow
from cloudca.server.db.engine import Database
from cloudca.server.drivers.base import ComputeDriver, ConsoleStream, DriverError, MachineNotFoundError
from cloudca.server.errors import InvalidState, NotFound
from cloudca.server.instances import states
from cloudca.server.instances.models import ConsoleTicket, Instance

TICKET_SECONDS = 30
#: The largest input message passed to the guest at once (keystrokes and pastes, not uploads).
MAX_INPUT_BYTES = 64 * 1024


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


async def _check_running(session: AsyncSession, environment_id: str, instance_id: str) -> None:
    state = (
        await session.execute(
            select(Instance.state).where(
                Instance.id == instance_id, Instance.environment_id == environment_id
            )
        )
    ).scalar_one_or_none()
    if state is None:
        raise NotFound("instances", instance_id)
    if state != states.RUNNING:
        raise InvalidState(
            "Cannot attach to the console of an instance that isn't in the running state",
            entity_id=instance_id,
            entity_type="instances",
            current_state=state,
            expected_states=[states.RUNNING],
        )


async def issue_ticket(database: Database, environment_id: str, instance_id: str) -> tuple[str, datetime]:
    """A new ticket for ``instance_id``'s console (it must be running) and when it expires."""
    ticket = secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + timedelta(seconds=TICKET_SECONDS)
    async with database.transaction() as session:
        await _check_running(session, environment_id, instance_id)
        # Expired tickets are swept here, where tickets are made: their number stays small.
        await session.execute(delete(ConsoleTicket).where(ConsoleTicket.expires_at < now))
        session.add(
            ConsoleTicket(
                digest=_digest(ticket),
                instance_id=instance_id,
                environment_id=environment_id,
                expires_at=expires_at,
            )
        )
    return ticket, expires_at


async def redeem_ticket(database: Database, instance_id: str, ticket: str) -> str | None:
    """The environment of a valid ticket for ``instance_id``, consumed; ``None`` if it is not valid."""
    digest = _digest(ticket)
    async with database.transaction() as session:
        environment_id = (
            await session.execute(
                delete(ConsoleTicket)
                .where(
                    ConsoleTicket.digest == digest,
                    ConsoleTicket.instance_id == instance_id,
                    ConsoleTicket.expires_at >= utcnow(),
                )
                .returning(ConsoleTicket.environment_id)
            )
        ).scalar_one_or_none()
    return environment_id


async def attach(
    database: Database, driver: ComputeDriver, environment_id: str, instance_id: str
) -> ConsoleStream:
    """The console of a running instance of the environment (``NotFound``, ``InvalidState``)."""
    async with database.session() as session:
        await _check_running(session, environment_id, instance_id)
    try:
        return await driver.open_console(instance_id)
    except MachineNotFoundError as exc:
        raise NotFound("instances", instance_id, "The instance's machine no longer exists") from exc
    except DriverError as exc:
        raise InvalidState(
            f"The instance's console is not available: {exc}",
            entity_id=instance_id,
            entity_type="instances",
            current_state=states.RUNNING,
            expected_states=[states.RUNNING],
        ) from exc


async def bridge(
    console: ConsoleStream,
    send: Callable[[bytes], Awaitable[None]],
    receive: Callable[[], Awaitable[bytes | None]],
) -> None:
    """Carry the guest's output to ``send`` and ``receive``'s input to the guest until either side
    ends (``receive`` answers ``None`` when the client has gone). The console is closed after."""

    async def output() -> None:
        while data := await console.read():
            await send(data)

    async def input_() -> None:
        while (data := await receive()) is not None:
            if data:
                await console.write(data[:MAX_INPUT_BYTES])

    tasks = [asyncio.create_task(output()), asyncio.create_task(input_())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, DriverError, OSError):
                await task
        await console.close()
