"""Documentation models of the administration representations (API-CONTRACT 3)."""

from __future__ import annotations

from pydantic import BaseModel


class Reference(BaseModel):
    id: str
    name: str | None = None


class ConnectionStatus(BaseModel):
    lastUpdated: str
    reachable: bool


class ServiceConnection(BaseModel):
    id: str
    serviceCode: str
    name: str
    type: str
    category: str
    status: ConnectionStatus


class UserReference(BaseModel):
    id: str
    userName: str
    name: str | None = None


class Organization(BaseModel):
    id: str
    name: str
    entryPoint: str
    billableStartDate: str
    isBillable: bool
    tags: list[str]
    parent: Reference | None = None
    environments: list[Reference]
    roles: list[Reference]
    serviceConnections: list[dict[str, str]]
    users: list[UserReference]


class EnvironmentOrganization(BaseModel):
    id: str
    name: str
    entryPoint: str


class EnvironmentServiceConnection(BaseModel):
    id: str
    name: str
    serviceCode: str


class EnvironmentRole(BaseModel):
    id: str
    name: str
    isDefault: bool
    users: list[UserReference]


class Environment(BaseModel):
    id: str
    name: str
    description: str
    membership: str
    creationDate: str
    organization: EnvironmentOrganization
    serviceConnection: EnvironmentServiceConnection
    users: list[UserReference]
    roles: list[EnvironmentRole]


class UserRole(BaseModel):
    id: str
    name: str
    environment: Reference | None = None


class User(BaseModel):
    id: str
    userName: str
    firstName: str
    lastName: str
    email: str
    creationDate: str
    status: str
    organization: Reference
    roles: list[UserRole]
    environments: list[Reference] | None = None


class ApiKey(BaseModel):
    """A cloudca extension: one of a user's API keys, without its secret."""

    id: str
    name: str
    userId: str
    creationDate: str
    lastUsed: str | None = None


class NewApiKey(ApiKey):
    apiKey: str


class UsageSummary(BaseModel):
    """One usage summary record (3.5, D's fields; ``environmentId`` is a cloudca addition)."""

    organizationId: str
    serviceConnectionId: str
    environmentId: str
    startDate: str
    endDate: str
    utilityCost: float | None = None
    usageType: str | None = None
    secondaryType: str | None = None
    utilityUsage: float | None = None
