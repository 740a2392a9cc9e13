"""Organizations, users and API keys (contract 3.2, 3.4 and the API-key extension)."""

# Generated from async_teams.py by scripts/generate_sync_sdk.py: edit the source, then run it.

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cloudca.client._base import Call, model_parser
from cloudca.client._models import ApiKey, Organization, User
from cloudca.client._resources._admin_requests import AdminCollection, AdminRequests, admin_body
from cloudca.client._resources._wire import wire_body

if TYPE_CHECKING:
    from cloudca.client._client import Client

__all__ = [
    "ApiKeys",
    "Organizations",
    "Users",
    "environment_role",
]


def environment_role(environment_id: str, role: str) -> dict[str, Any]:
    """A role to give a user: ``Environment Admin``, ``User`` or ``Read-only`` in an environment."""
    return {"name": role, "environment": {"id": environment_id}}


class Organizations(AdminCollection[Organization]):
    """Organizations and sub-organizations (contract 3.2)."""

    _collection = "organizations"
    _model = Organization

    def create(self, name: str, entry_point: str, *, parent_id: str | None = None) -> Organization:
        """Create a sub-organization (of the caller's organization unless ``parent_id``)."""
        body = admin_body({"name": name, "entry_point": entry_point}, references={"parent": parent_id})
        return self._client._fetch(self._requests.create(body))

    def update(
        self, organization_id: str, *, name: str | None = None, entry_point: str | None = None
    ) -> Organization:
        """Rename an organization or change its entry point."""
        body = admin_body({"name": name, "entry_point": entry_point})
        return self._client._fetch(self._requests.update(organization_id, body))

    def delete(self, organization_id: str) -> None:
        """Delete an organization without sub-organizations or environments."""
        self._client._fetch(self._requests.delete(organization_id))


class Users(AdminCollection[User]):
    """Users (contract 3.4); their API keys through :meth:`api_keys`."""

    _collection = "users"
    _model = User
    _name_field = "user_name"

    def create(
        self,
        user_name: str,
        *,
        email: str,
        first_name: str | None = None,
        last_name: str | None = None,
        organization_id: str | None = None,
        roles: Sequence[Mapping[str, Any]] | None = None,
    ) -> User:
        """Create a user; ``roles`` are ``{"name": "Administrator"}`` or :func:`environment_role` ones."""
        body = admin_body(
            {"user_name": user_name, "first_name": first_name, "last_name": last_name, "email": email},
            references={"organization": organization_id},
            roles=roles,
        )
        return self._client._fetch(self._requests.create(body))

    def update(
        self,
        user_id: str,
        *,
        user_name: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        roles: Sequence[Mapping[str, Any]] | None = None,
    ) -> User:
        """Change a user; ``roles`` given replaces all of their roles."""
        body = admin_body(
            {"user_name": user_name, "first_name": first_name, "last_name": last_name, "email": email},
            roles=roles,
        )
        return self._client._fetch(self._requests.update(user_id, body))

    def delete(self, user_id: str) -> None:
        """Delete a user and their API keys."""
        self._client._fetch(self._requests.delete(user_id))

    def unlock(self, user_id: str) -> User:
        """Make a user active again."""
        return self._client._fetch(Call("POST", f"users/{user_id}/unlock", model_parser(User)))

    def api_keys(self, user_id: str) -> ApiKeys:
        """The API keys of a user."""
        return ApiKeys(self._client, user_id)


class ApiKeys:
    """A user's API keys (a cloudca extension): the secret is in :meth:`create`'s answer only."""

    def __init__(self, client: Client, user_id: str) -> None:
        self._client = client
        self._requests = AdminRequests(f"users/{user_id}/apikeys", ApiKey)

    def list(self) -> list[ApiKey]:
        """The user's keys, without their secrets."""
        return self._client._fetch(self._requests.list({}))

    def get(self, key_id: str) -> ApiKey:
        """One key, without its secret."""
        return self._client._fetch(self._requests.get(key_id))

    def create(self, name: str | None = None) -> ApiKey:
        """A new key; its secret is ``api_key`` of the answer, shown this once."""
        return self._client._fetch(self._requests.create(wire_body({"name": name})))

    def revoke(self, key_id: str) -> None:
        """Revoke a key; the server refuses it from the moment this returns."""
        self._client._fetch(self._requests.delete(key_id))
