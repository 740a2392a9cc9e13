"""The answers given to mutations that carried an ``Idempotency-Key``, kept for 24 hours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.db.base import Base


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    #: Whose key it is: the API key that sent it (keys are scoped per API key).
    owner: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: SHA-256 of the method, path, query and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime())
    #: ``None`` while the first request is still being answered.
    status_code: Mapped[int | None] = mapped_column(Integer)
    #: The answer's body, encrypted (it may hold a secret, e.g. a new API key).
    response: Mapped[bytes | None] = mapped_column(LargeBinary)
