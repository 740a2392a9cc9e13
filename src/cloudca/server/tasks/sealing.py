"""Secrets in task results (the passwords of create and resetPassword) are encrypted at rest.

A task's result stays retrievable for ``task_retention_seconds`` (the contract asks for at least
30 minutes), so the password a create generated has to be kept that long; it is kept encrypted
(Fernet: AES-128-CBC and HMAC-SHA256, from the ``cryptography`` package) with a key of this
installation, and decrypted only when the task is read. A copy of the database, a backup or a
``SELECT`` on the task rows shows a token, never the password.

Where the key lives: on SQLite, in a file beside the database (``cloudca.db.key``, mode 0600, made
at the first start), so the database file alone reveals nothing; on PostgreSQL, where several
processes on several machines must read each other's results, in the database's
``installation_keys`` table, guarded by PostgreSQL's own access control. ``CLOUDCA_SECRET_KEY_FILE``
names a key file instead, for either database. Losing the key loses only the passwords of the
tasks still retained (their results then show ``"password": null``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from cloudca.server.config import Settings
from cloudca.server.db.base import Base
from cloudca.server.db.engine import Database
from cloudca.server.db.ownership import sqlite_path

#: The result fields that are secrets.
SECRET_FIELDS = ("password",)
#: Where a sealed result keeps its encrypted fields.
SEALED = "sealed"
_KEY_NAME = "task-results"


class InstallationKey(Base):
    """Keys of this installation kept in the database (PostgreSQL; see the module docstring)."""

    __tablename__ = "installation_keys"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    key: Mapped[str] = mapped_column(Text)


class SecretBox:
    """Seals and unseals the secret fields of task results."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, result: Any) -> Any:
        """``result`` with its secret fields encrypted (under ``sealed``); other values unchanged."""
        if not isinstance(result, dict) or not any(result.get(name) for name in SECRET_FIELDS):
            return result
        sealed = dict(result)
        tokens = {}
        for name in SECRET_FIELDS:
            value = sealed.pop(name, None)
            if value:
                tokens[name] = self._fernet.encrypt(str(value).encode()).decode()
        sealed[SEALED] = tokens
        return sealed

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        return self._fernet.decrypt(token)

    def unseal(self, result: Any) -> Any:
        """``result`` as the client sees it: secret fields decrypted (``None`` if the key changed)."""
        if not isinstance(result, dict) or SEALED not in result:
            return result
        opened = dict(result)
        for name, token in (opened.pop(SEALED) or {}).items():
            try:
                opened[name] = self._fernet.decrypt(str(token).encode()).decode()
            except InvalidToken:
                opened[name] = None
        return opened


async def load(settings: Settings, database: Database) -> SecretBox:
    """This installation's box: its key from the key file or the database, made on first use."""
    path = Path(settings.secret_key_file) if settings.secret_key_file else None
    if path is None:
        database_file = sqlite_path(database.url)
        if database_file is not None:
            path = database_file.with_name(database_file.name + ".key")
    if path is not None:
        return SecretBox(_key_file(path))
    return SecretBox(await _key_row(database))


def _key_file(path: Path) -> bytes:
    with contextlib.suppress(FileExistsError):
        # O_EXCL: of two processes starting together, one writes the key and both read it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(Fernet.generate_key())
            file.flush()
            os.fsync(file.fileno())
    return path.read_bytes().strip()


async def _key_row(database: Database) -> bytes:
    query = select(InstallationKey.key).where(InstallationKey.name == _KEY_NAME)
    async with database.session() as session:
        key = await session.scalar(query)
    if key is None:
        with contextlib.suppress(IntegrityError):  # another process made it first
            async with database.transaction() as session:
                session.add(InstallationKey(name=_KEY_NAME, key=Fernet.generate_key().decode()))
        async with database.session() as session:
            key = await session.scalar(query)
    assert key is not None
    return key.encode()
