"""The ``?operation=`` tables of volumes and snapshots (``core.operations``): each operation's name,
body model, check and task kind. A check takes the session, the environment, the volume or
snapshot and the typed body (``None`` without a model) and returns the task's payload."""

from __future__ import annotations

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core.operations import EntityCheck, Operation, Operations
from cloudca.server.storage import service

Check = EntityCheck[EnvironmentScope]

VOLUMES: Operations[Check] = Operations(
    service.VOLUMES,
    Operation("attachToInstance", "volumes.attachToInstance", service.check_attach, service.AttachVolume),
    Operation("detachFromInstance", "volumes.detachFromInstance", service.check_detach),
    Operation("resize", "volumes.resize", service.check_resize, service.ResizeVolume),
    # Extension: the task makes a snapshot of the volume.
    Operation(
        "snapshot",
        "volumes.snapshot",
        service.check_snapshot,
        service.SnapshotVolume,
        creates=service.SNAPSHOTS,
    ),
)
SNAPSHOTS: Operations[Check] = Operations(
    service.SNAPSHOTS, Operation("revert", "snapshots.revert", service.check_revert)
)
