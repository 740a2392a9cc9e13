"""NICs (API-CONTRACT 6.13): representation, reads, and the checks of create, delete, setDefault.

A NIC's id is also the id of its primary private IP; the instance's ``ipAddressId`` is its default
NIC's id, and its ``networkId``, ``ipAddress``, ``macAddress``... follow the default NIC.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cloudca.server.access.service import EnvironmentScope
from cloudca.server.core.carry import wire_columns
from cloudca.server.core.claims import check_transition
from cloudca.server.core.environment_lists import represented
from cloudca.server.core.fields import Body, Uuid
from cloudca.server.core.listing import ListParams, SortColumns, given, page
from cloudca.server.core.rows import field_row
from cloudca.server.errors import Duplicate, EntityInUse, InvalidField, NotFound
from cloudca.server.instances import states
from cloudca.server.instances.models import Instance
from cloudca.server.networking.models import Network, Nic, PortForwardingRule, PublicIp, Vpc
from cloudca.server.networking.payloads import CreateNicPayload, NicPayload

ENTITY = "nics"
CHANGE_NICS = states.Transition("nics", "change the NICs of", (states.RUNNING, states.STOPPED))


class CreateNic(Body):
    networkId: Uuid
    instanceId: Uuid


def _query() -> Any:
    return (
        select(Nic, Network, Vpc)
        .join(Network, Network.id == Nic.network_id)
        .join(Vpc, Vpc.id == Network.vpc_id)
        .join(Instance, Instance.id == Nic.instance_id)
    )


def _nic(nic: Nic, network: Network, vpc: Vpc) -> dict[str, Any]:
    return {
        "id": nic.id,
        "name": nic.name,
        "ipAddress": nic.ip_address,
        "macAddress": nic.mac_address,
        "isDefault": nic.is_default,
        "networkId": network.id,
        "networkName": network.name,
        "gateway": network.gateway,
        "netmask": network.netmask,
        "instanceId": nic.instance_id,
        "vpcId": vpc.id,
        "vpcName": vpc.name,
        "secondaryIps": [],
    }


async def represent(session: AsyncSession, nic_id: str) -> dict[str, Any] | None:
    return await represented(
        session, _query().where(Nic.id == nic_id).execution_options(populate_existing=True), _nic
    )


NIC_SORT: SortColumns = {
    **wire_columns(Nic, "id name ipAddress macAddress isDefault instanceId"),
    "networkId": Network.id,
    "networkName": Network.name,
    "gateway": Network.gateway,
    "netmask": Network.netmask,
    "vpcId": Vpc.id,
    "vpcName": Vpc.name,
}


async def list_nics(
    session: AsyncSession,
    scope: EnvironmentScope,
    params: ListParams,
    *,
    instance_id: str | None,
    network_id: str | None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    query = _query().where(Instance.environment_id == scope.id)
    query = given(query, {Nic.instance_id: instance_id, Nic.network_id: network_id})
    rows, metadata = await page(session, query, params, NIC_SORT, (Nic.created_at, Nic.id))
    return [_nic(*row) for row in rows], metadata


async def nic_of(session: AsyncSession, scope: EnvironmentScope, nic_id: str) -> tuple[Nic, Instance] | None:
    """The NIC (a private IP: same id) and its instance, freshly read, if the instance is the
    environment's (a NIC belongs to the environment of its instance)."""
    nic = await session.get(Nic, nic_id.lower(), populate_existing=True)
    instance = await session.get(Instance, nic.instance_id) if nic is not None else None
    if nic is None or instance is None or instance.environment_id != scope.id:
        return None
    return nic, instance


async def get_nic(session: AsyncSession, scope: EnvironmentScope, nic_id: str) -> Nic:
    """The NIC named in the path, or 404."""
    found = await nic_of(session, scope, nic_id)
    if found is None:
        raise NotFound(ENTITY, nic_id, f"No NIC with id {nic_id}")
    return found[0]


async def check_create(session: AsyncSession, scope: EnvironmentScope, body: CreateNic) -> CreateNicPayload:
    instance = await field_row(session, Instance, scope.id, body.instanceId, "instanceId", "instance")
    network = await field_row(session, Network, scope.id, body.networkId, "networkId", "network")
    check_transition(instance, CHANGE_NICS)
    if network.zone_id != instance.zone_id:
        raise InvalidField("networkId", network.id, "the network is in another zone than the instance")
    taken = await session.execute(
        select(Nic.id).where(Nic.instance_id == instance.id, Nic.network_id == network.id)
    )
    if taken.first() is not None:
        raise Duplicate("networkId", network.id, "The instance already has a NIC on this network")
    count = (
        await session.execute(select(func.count()).select_from(Nic).where(Nic.instance_id == instance.id))
    ).scalar_one()
    return CreateNicPayload(instanceId=instance.id, networkId=network.id, name=f"NIC-{count}")


async def check_delete(session: AsyncSession, nic: Nic) -> NicPayload:
    """The payload of the delete: the NIC's instance and its representation."""
    if nic.is_default:
        raise InvalidField("id", nic.id, "the default NIC cannot be deleted")
    instance = await session.get(Instance, nic.instance_id, populate_existing=True)
    assert instance is not None
    check_transition(instance, CHANGE_NICS)
    forwarded = await session.execute(
        select(PortForwardingRule.id).where(PortForwardingRule.nic_id == nic.id)
    )
    natted = await session.execute(select(PublicIp.id).where(PublicIp.static_nat_nic_id == nic.id))
    dependants = [*forwarded.scalars(), *natted.scalars()]
    if dependants:
        raise EntityInUse(
            "The NIC's private IP is the target of port forwarding or static NAT",
            entity_type=ENTITY,
            entity_id=nic.id,
            dependants=dependants,
        )
    return NicPayload(instanceId=instance.id, last=await represent(session, nic.id))


async def check_set_default(session: AsyncSession, nic: Nic) -> NicPayload:
    instance = await session.get(Instance, nic.instance_id, populate_existing=True)
    assert instance is not None
    check_transition(instance, CHANGE_NICS)
    if nic.is_default:
        raise InvalidField("id", nic.id, "the NIC is already the default")
    return NicPayload(instanceId=instance.id)
