"""SSH keys (API-CONTRACT 6.16): reads, and the checks of register and delete.

A key is named in the path by its name first, then by its id (T keeps the id returned by create).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core import carry
from cloudca.server.core.environment_lists import environment_lister
from cloudca.server.core.fields import Body, Str
from cloudca.server.core.payloads import Payload
from cloudca.server.errors import Duplicate, InvalidField, NotFound
from cloudca.server.sshkeys.keys import InvalidPublicKey, fingerprint
from cloudca.server.sshkeys.models import SshKey

ENTITY = "sshkeys"


class RegisterSshKey(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)]
    publicKey: Annotated[Str, Field(min_length=1, max_length=16384)]


#: The representation: each field and the column it is; every one is sortable.
SORT = carry.wire_columns(SshKey, "id", "name", "fingerprint", "publicKey")


def represent(key: SshKey) -> dict[str, Any]:
    return carry.fields_of(key, SORT)


list_keys = environment_lister(SshKey, SORT, represent)


async def find_key(session: AsyncSession, scope: EnvironmentScope, name_or_id: str) -> SshKey | None:
    """The key with this name, else the key with this id."""
    by_name = await session.execute(
        select(SshKey).where(SshKey.environment_id == scope.id, SshKey.name == name_or_id)
    )
    key = by_name.scalar_one_or_none()
    if key is not None:
        return key
    try:
        key_id = str(uuid.UUID(name_or_id))
    except ValueError:
        return None
    row = await session.get(SshKey, key_id)
    return row if row is not None and row.environment_id == scope.id else None


async def get_key(session: AsyncSession, scope: EnvironmentScope, name_or_id: str) -> SshKey:
    key = await find_key(session, scope, name_or_id)
    if key is None:
        raise NotFound(ENTITY, name_or_id, f"No SSH key named {name_or_id}")
    return key


@dataclass(frozen=True)
class RegisterPayload(Payload):
    """``sshkeys.create``: the key as registered."""

    name: str
    publicKey: str
    fingerprint: str


async def check_register(
    session: AsyncSession, scope: EnvironmentScope, body: RegisterSshKey
) -> RegisterPayload:
    """The payload of a register task: the key parsed and fingerprinted, its name still free."""
    try:
        key_fingerprint = fingerprint(body.publicKey)
    except InvalidPublicKey as exc:
        raise InvalidField("publicKey", body.publicKey, f"not a valid OpenSSH public key: {exc}") from None
    taken = await session.execute(
        select(SshKey.id).where(SshKey.environment_id == scope.id, SshKey.name == body.name)
    )
    if taken.first() is not None:
        raise Duplicate("name", body.name, f"An SSH key named {body.name} already exists")
    return RegisterPayload(body.name, body.publicKey.strip(), key_fingerprint)
