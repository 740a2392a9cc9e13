"""The Instances API's rules on the request side: reads, validation, and claiming the instance for a
task. The work itself happens in ``instances.handlers``, inside the task.

Claiming is one conditional UPDATE (no task running on the instance, state still the one checked),
so of two conflicting requests on one instance, in any number of processes, exactly one wins; the
other gets INVALID_STATE or ENTITY_BUSY (contract 5.1).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core.claims import check_transition
from cloudca.server.core.fields import Body
from cloudca.server.core.listing import ListParams, check_sort_field
from cloudca.server.db.base import new_id
from cloudca.server.errors import (
    EntityBusy,
    InvalidField,
    MissingField,
    NotFound,
    ServiceError,
    ValidationErrors,
)
from cloudca.server.instances import operations, states
from cloudca.server.instances.models import Instance, InstanceCount
from cloudca.server.instances.payloads import CreatePayload, DestroyPayload, Payload, UpdatePayload
from cloudca.server.instances.representation import (
    SORT_COLUMNS,
    Executor,
    base_query,
    page,
    represent_one,
    represent_rows,
)
from cloudca.server.instances.schemas import (
    ChangeComputeOffering,
    ChangeNetwork,
    CreateInstance,
    DestroyInstance,
    UpdateInstance,
)
from cloudca.server.instances.validation import CreatePlan, check_create
from cloudca.server.networking import ipam
from cloudca.server.networking.models import Nic, PortForwardingRule, PublicIp
from cloudca.server.runtime import Runtime
from cloudca.server.storage.models import Volume

ENTITY = "instances"


# -- reads ---------------------------------------------------------------------------------------


async def list_instances(
    session: Executor, scope: EnvironmentScope, params: ListParams, filters: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    check_sort_field(params, SORT_COLUMNS)
    if not filters and params.sort_by is None and params.page_size is not None:
        # The common request: statements built once, names from the process's copy (``representation``).
        total = (await session.execute(_COUNT, {"environment_id": scope.id})).scalar_one_or_none() or 0
        items = await page(session, scope.id, params.page_size, params.offset)
        return items, params.metadata(total)
    conditions = [Instance.environment_id == scope.id]
    for name, value in filters.items():
        conditions.append(_FILTERS[name] == value)
    count_query = select(func.count()).select_from(Instance).where(*conditions)
    if "network_id" in filters or "vpc_id" in filters:
        count_query = base_query().with_only_columns(func.count()).where(*conditions)
    total = (await session.execute(count_query)).scalar_one()
    query = base_query().where(*conditions)
    if params.sort_by is not None:
        column = SORT_COLUMNS[params.sort_by]
        query = query.order_by(column.desc() if params.descending else column.asc(), Instance.id)
    else:
        query = query.order_by(Instance.created_at, Instance.id)
    if params.page_size is not None:
        query = query.limit(params.page_size).offset(params.offset)
    rows = (await session.execute(query)).all()
    return await represent_rows(session, rows, detailed=False), params.metadata(total)


# The environment's count, kept by triggers (migration 0003): counting rows costs in proportion to them.
_COUNT = select(InstanceCount.instance_count).where(
    InstanceCount.environment_id == bindparam("environment_id")
)

_FILTERS: dict[str, Any] = {
    "state": Instance.state,
    "zone_id": Instance.zone_id,
    "network_id": Nic.network_id,
    "vpc_id": SORT_COLUMNS["vpcId"],
}


async def find_instance(session: AsyncSession, scope: EnvironmentScope, instance_id: str) -> Instance:
    """The instance named in the path, or 404."""
    instance = await session.get(Instance, instance_id.lower(), populate_existing=True)
    if instance is None or instance.environment_id != scope.id:
        raise NotFound(ENTITY, instance_id, f"No instance with id {instance_id}")
    return instance


async def get_instance(session: Executor, scope: EnvironmentScope, instance_id: str) -> dict[str, Any]:
    item = await represent_one(session, instance_id.lower(), scope.id)
    if item is None:
        raise NotFound(ENTITY, instance_id, f"No instance with id {instance_id}")
    return item


# -- claiming ------------------------------------------------------------------------------------


async def claim(
    runtime: Runtime,
    scope: EnvironmentScope,
    instance: Instance,
    transition: states.Transition,
    kind: str,
    payload: Payload,
) -> str:
    """Bind a new task to the instance if it is still in the state that was checked; returns the task id."""
    task_id = new_id()
    async with runtime.database.transaction() as session:
        result = await session.execute(
            update(Instance)
            .where(Instance.id == instance.id, Instance.task_id.is_(None), Instance.state == instance.state)
            .values(
                task_id=task_id,
                state=transition.shown_while_running(instance.state),
                stable_state=instance.state,
            )
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            current = await find_instance(session, scope, instance.id)
            check_transition(current, transition)
            raise EntityBusy(ENTITY, instance.id, current.task_id)  # state changed and back: still busy
        task = runtime.tasks.new_task(
            session,
            kind=kind,
            organization_id=scope.organization_id,
            environment_id=scope.id,
            entity_type=ENTITY,
            entity_id=instance.id,
            payload=payload.to_json(),
            task_id=task_id,
        )
    await runtime.tasks.submit(task)
    return task_id


async def _load_checked(
    runtime: Runtime, scope: EnvironmentScope, instance_id: str, transition: states.Transition
) -> Instance:
    async with runtime.database.session() as session:
        instance = await find_instance(session, scope, instance_id)
    check_transition(instance, transition)
    return instance


# -- create --------------------------------------------------------------------------------------


async def create_instance(runtime: Runtime, scope: EnvironmentScope, body: CreateInstance) -> str:
    """Validate everything, then record the instance (shown ``Starting``) with its default NIC and
    start the create task."""
    task_id = new_id()
    instance_id = new_id()
    # Checked in the transaction that records it: one connection and one transaction per create
    # instead of two (a refusal rolls back a transaction that has written nothing yet).
    async with runtime.database.transaction() as session:
        plan = await check_create(session, scope, body)
        session.add(_new_instance(plan, scope, instance_id, task_id))
        await session.flush()
        await ipam.allocate_nic(
            session,
            instance_id=instance_id,
            network=plan.network,
            name="NIC-0",
            is_default=True,
            requested_ip=plan.requested_ip,
        )
        task = runtime.tasks.new_task(
            session,
            kind="instances.create",
            organization_id=scope.organization_id,
            environment_id=scope.id,
            entity_type=ENTITY,
            entity_id=instance_id,
            payload=_create_payload(plan).to_json(),
            task_id=task_id,
        )
    await runtime.tasks.submit(task)
    return task_id


def _new_instance(plan: CreatePlan, scope: EnvironmentScope, instance_id: str, task_id: str) -> Instance:
    body = plan.body
    return Instance(
        id=instance_id,
        environment_id=scope.id,
        zone_id=plan.network.zone_id,
        name=body.name,
        hostname=body.hostname or _hostname_from(body.name),
        state=states.STARTING,
        stable_state=states.STARTING,
        task_id=task_id,
        template_id=plan.template.id,
        compute_offering_id=plan.offering.id,
        cpu_count=plan.cpu_count,
        memory_mb=plan.memory_mb,
        user_data=body.userData or "",
        ssh_key_name=body.sshKeyName,
        public_key=plan.public_key,
    )


def _hostname_from(name: str) -> str:
    """Hostname defaults to the name (4.1), reduced to the characters a hostname may hold."""
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in name)
    return cleaned.strip("-")[:63] or "instance"


def _create_payload(plan: CreatePlan) -> CreatePayload:
    body = plan.body
    return CreatePayload(
        rootVolumeSizeInGb=plan.root_size_gb,
        diskOfferingId=plan.disk_offering.id if plan.disk_offering else None,
        additionalDiskSizeInGb=body.additionalDiskSizeInGb,
        additionalDiskIops=body.additionalDiskIops,
        volumeIdToAttach=body.volumeIdToAttach,
        affinityGroupIds=tuple(plan.affinity_group_ids),
        portsToForward=tuple(body.portsToForward or ()),
    )


# -- update and destroy --------------------------------------------------------------------------


async def update_instance(
    runtime: Runtime, scope: EnvironmentScope, instance_id: str, body: UpdateInstance
) -> str:
    if body.name is None and body.hostname is None:
        raise ValidationErrors([MissingField("name"), MissingField("hostname")])
    instance = await _load_checked(runtime, scope, instance_id, states.UPDATE)
    payload = UpdatePayload(name=body.name, hostname=body.hostname)
    return await claim(runtime, scope, instance, states.UPDATE, "instances.update", payload)


async def destroy_instance(
    runtime: Runtime, scope: EnvironmentScope, instance_id: str, body: DestroyInstance
) -> str:
    transition = states.DESTROY_AND_PURGE if body.purgeImmediately else states.DESTROY
    async with runtime.database.session() as session:
        instance = await find_instance(session, scope, instance_id)
        check_transition(instance, transition)
        await _check_destroy_options(session, instance, body)
    payload = DestroyPayload(
        purgeImmediately=body.purgeImmediately,
        deleteSnapshots=body.deleteSnapshots,
        publicIpIdsToRelease=tuple(body.publicIpIdsToRelease),
        volumeIdsToDelete=tuple(body.volumeIdsToDelete),
    )
    return await claim(runtime, scope, instance, transition, "instances.destroy", payload)


async def _check_destroy_options(session: AsyncSession, instance: Instance, body: DestroyInstance) -> None:
    """Only resources of this instance may go with it (4.4); anything else is a 400 before any change."""
    problems: list[ServiceError] = []
    for ip_id in dict.fromkeys(body.publicIpIdsToRelease):
        ip = await session.get(PublicIp, ip_id)
        if ip is None or ip.environment_id != instance.environment_id:
            problems.append(
                InvalidField("publicIpIdsToRelease", ip_id, "no such public IP in this environment")
            )
            continue
        if ip.is_source_nat:
            problems.append(
                InvalidField("publicIpIdsToRelease", ip_id, "the VPC's source NAT IP cannot be released")
            )
            continue
        targets = set(
            (
                await session.execute(
                    select(PortForwardingRule.instance_id).where(PortForwardingRule.public_ip_id == ip_id)
                )
            ).scalars()
        )
        if ip.static_nat_nic_id is not None:
            nic = await session.get(Nic, ip.static_nat_nic_id)
            if nic is not None:
                targets.add(nic.instance_id)
        if targets != {instance.id}:
            problems.append(
                InvalidField(
                    "publicIpIdsToRelease", ip_id, "the public IP must forward to this instance and no other"
                )
            )
    for volume_id in dict.fromkeys(body.volumeIdsToDelete):
        volume = await session.get(Volume, volume_id)
        if volume is None or volume.environment_id != instance.environment_id:
            problems.append(
                InvalidField("volumeIdsToDelete", volume_id, "no such volume in this environment")
            )
        elif volume.type != "data" or volume.instance_id != instance.id:
            problems.append(
                InvalidField(
                    "volumeIdsToDelete", volume_id, "must be a data volume attached to this instance"
                )
            )
    if problems:
        raise ValidationErrors(problems)


# -- operations ----------------------------------------------------------------------------------


async def run_operation(
    runtime: Runtime,
    scope: EnvironmentScope,
    instance_id: str,
    operation: operations.Operation,
    body: Body | None,
) -> str:
    """Check an operation's body against the database, then claim the instance for it."""
    async with runtime.database.session() as session:
        instance = await find_instance(session, scope, instance_id)
        if isinstance(body, ChangeComputeOffering) and not (
            body.computeOfferingId or body.newComputeOfferingId
        ):
            # The Go client's ChangeNetwork sends this operation with only a networkId (4.5.7).
            if body.networkId is None or body.networkId == await operations.default_network_id(
                session, instance
            ):
                raise MissingField("computeOfferingId")
            operation = operations.CHANGE_NETWORK
            body = ChangeNetwork(networkId=body.networkId)
        check_transition(instance, operation.transition)
        payload = await operations.payload_for(session, scope, instance, operation, body)
    return await claim(runtime, scope, instance, operation.transition, operation.kind, payload)
