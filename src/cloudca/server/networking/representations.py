"""Wire representations of VPCs and networks (API-CONTRACT 6.7, 6.8)."""

from __future__ import annotations

from typing import Any

from cloudca.server.catalog.models import NetworkOffering, Zone
from cloudca.server.networking.models import Network, NetworkAcl, Vpc


def vpc(row: Vpc, zone: Zone, source_nat_ip: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "cidr": row.cidr,
        "zoneId": zone.id,
        "zoneName": zone.name,
        "state": row.state,
        "networkDomain": row.network_domain,
        "vpcOfferingId": row.vpc_offering_id,
        "requiresUpgrade": False,
        "vpnStatus": row.vpn_status,
        "type": "VPC",
    }
    if source_nat_ip:
        body["sourceNatIp"] = source_nat_ip
    return body


def network(
    row: Network, vpc_row: Vpc, zone: Zone, offering: NetworkOffering, acl: NetworkAcl
) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "vpcId": vpc_row.id,
        "vpcName": vpc_row.name,
        "zoneId": zone.id,
        "zoneName": zone.name,
        "cidr": row.cidr,
        "gateway": row.gateway,
        "netmask": row.netmask,
        "networkAclId": acl.id,
        "networkAclName": acl.name,
        "networkOfferingId": offering.id,
        "networkOfferingName": offering.name,
        "networkOfferingDescription": offering.description,
        "state": row.state,
    }
