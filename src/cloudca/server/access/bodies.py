"""Request bodies of the administration endpoints (API-CONTRACT 3.2-3.4) and of API keys.

They accept what the Go client and the Terraform provider send: every nested object is a
non-pointer struct there, so bodies carry ``"users": null``, ``"roles": null`` and reference
objects with nothing but nulls in them (``"organization": {"users": null, ...}``); such an object
is "absent" (1.9). Older Go clients name the organization ``tenant``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from cloudca.server.core.fields import FlexBool, Str, Uuid

ENVIRONMENT_NAME_PATTERN = r"^[a-z0-9_-]+$"
ENTRY_POINT_PATTERN = r"^[A-Za-z0-9-]+$"
MEMBERSHIPS = ("MANY_USERS", "ALL_ORG_USERS")


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _absent_empty(value: Any) -> Any:
    """A nested object: ``""`` members mean absent, like top-level ones."""
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if item is not None and item != ""}
    return value


def _list_or_none(value: Any) -> Any:
    if value is not None and not isinstance(value, list):
        raise ValueError("must be an array")
    return value


class Reference(Body):
    """``{"id": ...}``; an object without ``id`` (G's empty structs) stands for nothing."""

    id: Uuid | None = None


Ref = Annotated[Reference | None, BeforeValidator(_absent_empty)]


class RoleMember(Body):
    id: Uuid


class RoleAssignment(Body):
    """A role of an environment body: named by ``id`` or ``name`` (T sends only the name)."""

    id: Uuid | None = None
    name: Str | None = None
    isDefault: FlexBool | None = None
    users: Annotated[list[RoleMember] | None, BeforeValidator(_list_or_none)] = None

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, value: Any) -> Any:
        return _absent_empty(value)


Roles = Annotated[list[RoleAssignment] | None, BeforeValidator(_list_or_none)]


def _tenant_is_organization(value: Any) -> Any:
    if isinstance(value, dict) and value.get("organization") is None and "tenant" in value:
        return {**value, "organization": value["tenant"]}
    return value


class UpdateEnvironment(Body):
    name: Annotated[Str, Field(pattern=ENVIRONMENT_NAME_PATTERN, max_length=255)] | None = None
    description: Annotated[Str, Field(max_length=4096)] | None = None
    serviceConnection: Ref = None
    organization: Ref = None
    membership: Str | None = None
    roles: Roles = None

    _organization = model_validator(mode="before")(_tenant_is_organization)


# A create takes an update's fields, with a name and a description.
class CreateEnvironment(UpdateEnvironment):
    name: Annotated[Str, Field(pattern=ENVIRONMENT_NAME_PATTERN, max_length=255)]
    description: Annotated[Str, Field(max_length=4096)]


class OrganizationBody(Body):
    name: Annotated[Str, Field(min_length=1, max_length=255)] | None = None
    entryPoint: Annotated[Str, Field(pattern=ENTRY_POINT_PATTERN, max_length=255)] | None = None
    parent: Ref = None
    serviceConnections: Annotated[list[Reference] | None, BeforeValidator(_list_or_none)] = None


class UserRole(Body):
    """A role given to a user: by ``id`` (D), or (a cloudca convenience) by ``name`` with the
    environment for an environment role, or alone for a system role (``Administrator``)."""

    id: Uuid | None = None
    name: Str | None = None
    environment: Ref = None

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, value: Any) -> Any:
        return _absent_empty(value)


class UserBody(Body):
    userName: Annotated[Str, Field(min_length=1, max_length=255)] | None = None
    firstName: Annotated[Str, Field(max_length=255)] | None = None
    lastName: Annotated[Str, Field(max_length=255)] | None = None
    email: Annotated[Str, Field(max_length=255)] | None = None
    organization: Ref = None
    roles: Annotated[list[UserRole] | None, BeforeValidator(_list_or_none)] = None

    _organization = model_validator(mode="before")(_tenant_is_organization)


class CreateApiKey(Body):
    name: Annotated[Str, Field(max_length=255)] | None = None
