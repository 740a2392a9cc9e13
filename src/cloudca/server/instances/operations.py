"""The instance operations of ``?operation=`` (API-CONTRACT 4.5), as one table: the name on the
wire, the body it reads, its precondition (a ``states.Transition``) and the task kind it starts;
and ``payload_for``, what an operation's typed body means against the database.

The edge parses the body with the operation's model, so the service receives a typed body.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.catalog import service as catalog
from cloudca.server.catalog.models import ComputeOffering, Template
from cloudca.server.core.fields import Body
from cloudca.server.errors import InvalidField, ServiceError, UnknownOperation, ValidationErrors
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.instances.payloads import (
    AssociateSshKeyPayload,
    ChangeComputeOfferingPayload,
    ChangeNetworkPayload,
    NoPayload,
    Payload,
    RecoveryPointPayload,
)
from cloudca.server.instances.schemas import (
    AssociateSshKey,
    ChangeComputeOffering,
    ChangeNetwork,
    CreateRecoveryPoint,
)
from cloudca.server.instances.validation import find_ssh_key, resolve_size
from cloudca.server.networking import service as networking
from cloudca.server.networking.models import Nic


@dataclass(frozen=True)
class Operation:
    transition: states.Transition
    #: The body's model; ``None`` when the operation reads no body.
    body: type[Body] | None = None

    @property
    def name(self) -> str:
        return self.transition.operation

    @property
    def kind(self) -> str:
        """The task kind the operation starts."""
        return f"instances.{self.transition.operation}"


START = Operation(states.START)
STOP = Operation(states.STOP)
REBOOT = Operation(states.REBOOT)
PURGE = Operation(states.PURGE)
RECOVER = Operation(states.RECOVER)
CHANGE_COMPUTE_OFFERING = Operation(states.CHANGE_COMPUTE_OFFERING, ChangeComputeOffering)
CHANGE_NETWORK = Operation(states.CHANGE_NETWORK, ChangeNetwork)
ASSOCIATE_SSH_KEY = Operation(states.ASSOCIATE_SSH_KEY, AssociateSshKey)
RESET_PASSWORD = Operation(states.RESET_PASSWORD)
CREATE_RECOVERY_POINT = Operation(states.CREATE_RECOVERY_POINT, CreateRecoveryPoint)

OPERATIONS: dict[str, Operation] = {
    operation.name.lower(): operation
    for operation in (
        START,
        STOP,
        REBOOT,
        PURGE,
        RECOVER,
        CHANGE_COMPUTE_OFFERING,
        CHANGE_NETWORK,
        ASSOCIATE_SSH_KEY,
        RESET_PASSWORD,
        CREATE_RECOVERY_POINT,
    )
}


def find(name: str) -> Operation:
    """The operation ``?operation=`` names (case-insensitively), or UNKNOWN_OPERATION."""
    operation = OPERATIONS.get(name.lower())
    if operation is None:
        raise UnknownOperation(name, "instances")
    return operation


async def default_network_id(session: AsyncSession, instance: Instance) -> str | None:
    rows = await session.execute(
        select(Nic.network_id).where(Nic.instance_id == instance.id, Nic.is_default.is_(True))
    )
    return rows.scalar_one_or_none()


async def payload_for(
    session: AsyncSession,
    scope: EnvironmentScope,
    instance: Instance,
    operation: Operation,
    body: Body | None,
) -> Payload:
    """Check an operation's body against the database; what its task will need."""
    if isinstance(body, ChangeComputeOffering):
        offering_id = body.computeOfferingId or body.newComputeOfferingId
        assert offering_id is not None
        field_name = "computeOfferingId" if body.computeOfferingId else "newComputeOfferingId"
        offering = await catalog.find_shared(session, ComputeOffering, scope, offering_id)
        if offering is None:
            raise InvalidField(field_name, offering_id, "no such compute offering")
        problems: list[ServiceError] = []
        cpu_count, memory_mb = resolve_size(offering, body.cpuCount, body.memoryInMB, problems)
        if problems:
            raise ValidationErrors(problems)
        return ChangeComputeOfferingPayload(offering.id, cpu_count, memory_mb)
    if isinstance(body, ChangeNetwork):
        network = await networking.find_network(session, scope, body.networkId)
        if network is None:
            raise InvalidField("networkId", body.networkId, "no such network in this environment")
        if network.id == await default_network_id(session, instance):
            raise InvalidField("networkId", network.id, "the instance is already on this network")
        if network.zone_id != instance.zone_id:
            raise InvalidField("networkId", network.id, "the network is in another zone")
        return ChangeNetworkPayload(network.id)
    if isinstance(body, AssociateSshKey):
        template = await session.get(Template, instance.template_id)
        if template is not None and not template.ssh_key_enabled:
            raise InvalidField("sshKeyName", body.sshKeyName, "the template does not take SSH keys")
        key = await find_ssh_key(session, scope, body.sshKeyName)
        if key is None:
            raise InvalidField("sshKeyName", body.sshKeyName, "no SSH key with that name")
        return AssociateSshKeyPayload(key.name, key.public_key)
    if operation is RESET_PASSWORD:
        template = await session.get(Template, instance.template_id)
        if template is not None and not template.password_enabled:
            raise InvalidField("id", instance.id, "template is not password enabled")
        return NoPayload()
    if isinstance(body, CreateRecoveryPoint):
        return RecoveryPointPayload(body.recoveryPoint.name, body.recoveryPoint.description)
    return NoPayload()
