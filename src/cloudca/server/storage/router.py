"""Volume and snapshot endpoints (6.14, 6.15).

Extensions (not in the contract, which has snapshots read-only): ``POST volumes/{id}?operation=snapshot``
(optional body ``{name}``) takes a snapshot of a volume, ``POST snapshots/{id}?operation=revert``
makes the volume's content the snapshot's again (the volume detached or its instance stopped), and
``DELETE snapshots/{id}`` removes one.
"""

from __future__ import annotations

from fastapi import APIRouter

from cloudca.server.api.routes import Filter, Resource, ResourceRoutes, by_id, plain
from cloudca.server.api.schemas import ERROR_RESPONSES
from cloudca.server.storage import operations, schemas, service
from cloudca.server.tasks.entity import submit

router = APIRouter(tags=["storage"], responses=ERROR_RESPONSES)
VOLUMES = Resource(
    service.VOLUMES,
    "volume_id",
    schemas.Volume,
    service.get_volume,
    by_id(service.represent_volume),
)
SNAPSHOTS = Resource(
    service.SNAPSHOTS,
    "snapshot_id",
    schemas.Snapshot,
    service.get_snapshot,
    plain(service.represent_snapshot),
)
routes = ResourceRoutes(router, submit)

routes.list(
    VOLUMES,
    "list_volumes",
    "List volumes; filters ``type`` (``os``/``data``, any case) and ``instance_id``.",
    service.list_volumes,
    Filter("type", service.VOLUME_TYPES, keyword="volume_type"),
    Filter("instance_id"),
)
routes.get(VOLUMES, "get_volume", "Retrieve a volume.")
routes.create(
    VOLUMES,
    "create_volume",
    "Create a data volume from a disk offering, attached to ``instanceId`` when given.",
    kind="volumes.create",
    body=service.CreateVolume,
    check=service.check_create,
)
routes.operations(
    VOLUMES,
    "volume_operation",
    "Run ``?operation=`` attachToInstance, detachFromInstance, resize or snapshot (extension).",
    operations.VOLUMES,
)
routes.delete(
    VOLUMES,
    "delete_volume",
    "Delete a detached data volume (its snapshots are kept).",
    kind="volumes.delete",
    check=plain(service.check_delete),
)

routes.list(
    SNAPSHOTS,
    "list_snapshots",
    "List snapshots; filter ``volume_id``.",
    service.list_snapshots,
    Filter("volume_id"),
)
routes.get(SNAPSHOTS, "get_snapshot", "Retrieve a snapshot.")
routes.operations(
    SNAPSHOTS,
    "snapshot_operation",
    "Run ``?operation=revert`` (extension): the volume's content becomes the snapshot's.",
    operations.SNAPSHOTS,
    methods=("POST",),
)
routes.delete(SNAPSHOTS, "delete_snapshot", "Delete a snapshot (extension).", kind="snapshots.delete")
