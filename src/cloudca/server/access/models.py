"""Who may do what where: organizations, service connections, environments, users, API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.db.base import Base, created_column, id_column


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(255))
    entry_point: Mapped[str] = mapped_column(String(255), unique=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    is_billable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_column()


class ServiceConnection(Base):
    __tablename__ = "service_connections"

    id: Mapped[str] = id_column()
    service_code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(50), default="CloudCA")
    created_at: Mapped[datetime] = created_column()


class Environment(Base):
    __tablename__ = "environments"
    __table_args__ = (UniqueConstraint("organization_id", "service_connection_id", "name"),)

    id: Mapped[str] = id_column()
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    service_connection_id: Mapped[str] = mapped_column(ForeignKey("service_connections.id"))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    membership: Mapped[str] = mapped_column(String(20), default="MANY_USERS")
    created_at: Mapped[datetime] = created_column()
    #: Set when the environment is deleted: from then on it does not exist for the API, while a task
    #: destroys what it held (migration ``12a_teams``).
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime())


class Role(Base):
    """One of the three standard roles of an environment (contract 3.3)."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("environment_id", "name"),)

    id: Mapped[str] = id_column()
    environment_id: Mapped[str] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = id_column()
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_name: Mapped[str] = mapped_column(String(255), unique=True)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")
    #: Organization-wide rights (D's "Environments read" and user administration).
    is_org_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_column()


class Membership(Base):
    __tablename__ = "memberships"

    environment_id: Mapped[str] = mapped_column(
        ForeignKey("environments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))


class ApiKey(Base):
    """An API key, stored as its SHA-256 digest: keys are long and random, so a fast digest fits."""

    __tablename__ = "api_keys"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    created_at: Mapped[datetime] = created_column()
    #: Recorded at most once a minute per key and process: a write per request would cost more
    #: than the request.
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime())


class AccessRevision(Base):
    """One row whose counter moves with every change to who may do what (see ``access.revision``)."""

    __tablename__ = "access_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)


class UsageRecord(Base):
    """One interval of use: an instance running on a compute offering, a volume of a size, a public
    IP held. Written only by the triggers of migration ``12b_usage_records``, in the transaction of
    the change it measures; ``ended_at`` is NULL while the interval lasts."""

    __tablename__ = "usage_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(String(36), index=True)
    service_connection_id: Mapped[str] = mapped_column(String(36))
    environment_id: Mapped[str] = mapped_column(String(36))
    #: ``INSTANCE``, ``VOLUME`` or ``PUBLIC_IP``.
    usage_type: Mapped[str] = mapped_column(String(20))
    resource_id: Mapped[str] = mapped_column(String(36), index=True)
    #: The compute offering of an instance.
    secondary: Mapped[str | None] = mapped_column(String(36))
    #: GB of a volume; 1 otherwise.
    quantity: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime())
