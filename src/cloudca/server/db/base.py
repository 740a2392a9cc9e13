"""The declarative base shared by every domain's models, and the column types they use."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, mapped_column

# Stable constraint names, so Alembic migrations name the same things on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, list[str]: JSON, list[int]: JSON}


def new_id() -> str:
    """A new entity id: a lowercase canonical UUID, as the contract emits them (1.9)."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (both SQLite and PostgreSQL store it unchanged)."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with milliseconds, the contract's only date format (8.29)."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def id_column(**kwargs: Any) -> Any:
    return mapped_column(String(36), primary_key=True, default=new_id, **kwargs)


def created_column() -> Any:
    return mapped_column(DateTime(), default=utcnow, nullable=False)
