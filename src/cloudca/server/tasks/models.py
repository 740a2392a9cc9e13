"""The task table (the queue, the lease and the result in one row) and the processes that own tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.db.base import Base, created_column, id_column

# Internal statuses. On the wire, QUEUED and RUNNING are both PENDING (contract 2.3).
QUEUED = "QUEUED"
RUNNING = "RUNNING"
SUCCESS = "SUCCESS"
FAILED = "FAILED"
FINISHED = (SUCCESS, FAILED)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_status_created_at", "status", "created_at"),
        Index("ix_tasks_ended_at", "ended_at"),
        # The janitor looks up the tasks of a dead process by owner.
        Index("ix_tasks_lease_owner", "lease_owner"),
    )

    id: Mapped[str] = id_column()
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    environment_id: Mapped[str | None] = mapped_column(String(36))
    #: Which handler runs it, e.g. ``instances.create``.
    kind: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = created_column()
    started_at: Mapped[datetime | None] = mapped_column(DateTime())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime())
    #: Which process runs it, and until when its claim holds (SIGKILL-safe hand-over).
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class TaskWorker(Base):
    """One live cloudca process that may own tasks: ``serve`` or ``worker``.

    A process inserts its row at start and deletes it at a clean stop. On PostgreSQL it also holds a
    session advisory lock keyed by ``lock_key`` on its listener connection for as long as it lives;
    the lock vanishes the moment the process dies (even by SIGKILL: the kernel closes its socket), so
    other processes can tell at once that its tasks are orphans (see ``tasks.runner``).
    """

    __tablename__ = "task_workers"

    #: The ``lease_owner`` written into the tasks this process claims.
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: Second key of the ``pg_advisory_lock(LIVENESS_LOCK_CLASS, lock_key)`` the process holds.
    lock_key: Mapped[int] = mapped_column(Integer, unique=True)
    #: ``serve`` or ``worker``; with ``hostname`` and ``pid``, for operators.
    role: Mapped[str] = mapped_column(String(20))
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = created_column()
    #: Renewed by the heartbeat; a row whose heartbeat is older than the lease belongs to a dead process.
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime())
