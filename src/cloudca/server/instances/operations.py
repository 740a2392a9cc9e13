"""The instance operations of ``?operation=`` (API-CONTRACT 4.5), as one table: the name on the
wire, the body it reads, its precondition (a ``states.Transition``) and the task kind it starts.

The edge parses the body with the operation's model, so the service receives a typed body.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudca.server.core.fields import Body
from cloudca.server.errors import UnknownOperation
from cloudca.server.instances import states
from cloudca.server.instances.schemas import (
    AssociateSshKey,
    ChangeComputeOffering,
    ChangeNetwork,
    CreateRecoveryPoint,
)


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
