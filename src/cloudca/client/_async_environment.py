"""One environment's compute resources, asynchronously: ``client.environment("compute-qc", "prod")``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudca.client._models import (
    ComputeOffering,
    DiskOffering,
    NetworkOffering,
    SiteToSiteVpn,
    Template,
    VpcOffering,
    Zone,
)
from cloudca.client._resources._base import AsyncResource, Requests
from cloudca.client._resources.async_access import (
    AsyncAffinityGroups,
    AsyncRemoteAccessVpns,
    AsyncSshKeys,
    AsyncVpnUsers,
)
from cloudca.client._resources.async_acls import AsyncNetworkAclRules, AsyncNetworkAcls
from cloudca.client._resources.async_instances import AsyncInstances
from cloudca.client._resources.async_networking import AsyncNetworks, AsyncVpcs
from cloudca.client._resources.async_public_ips import (
    AsyncLoadBalancerRules,
    AsyncPortForwardingRules,
    AsyncPublicIps,
)
from cloudca.client._resources.async_storage import AsyncNics, AsyncSnapshots, AsyncVolumes

if TYPE_CHECKING:
    from cloudca.client._async_client import AsyncClient

__all__ = ["AsyncEnvironmentClient"]


class AsyncEnvironmentClient:
    """Every compute resource of one environment of one service, through :class:`~cloudca.AsyncClient`.

    Entity-type attributes follow the contract's path segments (``public_ips`` is
    ``publicipaddresses``, ``ssh_keys`` is ``sshkeys``, ...).
    """

    def __init__(self, client: AsyncClient, service: str, environment: str) -> None:
        self.service = service
        self.environment = environment
        prefix = f"services/{service}/{environment}"
        self.prefix = prefix
        self.instances = AsyncInstances(client, prefix)
        self.zones = AsyncResource(client, Requests(prefix, "zones", Zone))
        self.templates = AsyncResource(client, Requests(prefix, "templates", Template))
        self.compute_offerings = AsyncResource(client, Requests(prefix, "computeofferings", ComputeOffering))
        self.disk_offerings = AsyncResource(client, Requests(prefix, "diskofferings", DiskOffering))
        self.vpc_offerings = AsyncResource(client, Requests(prefix, "vpcofferings", VpcOffering))
        self.network_offerings = AsyncResource(client, Requests(prefix, "networkofferings", NetworkOffering))
        self.vpcs = AsyncVpcs(client, prefix)
        self.networks = AsyncNetworks(client, prefix)
        self.network_acls = AsyncNetworkAcls(client, prefix)
        self.network_acl_rules = AsyncNetworkAclRules(client, prefix)
        self.public_ips = AsyncPublicIps(client, prefix)
        self.port_forwarding_rules = AsyncPortForwardingRules(client, prefix)
        self.load_balancer_rules = AsyncLoadBalancerRules(client, prefix)
        self.nics = AsyncNics(client, prefix)
        self.volumes = AsyncVolumes(client, prefix)
        self.snapshots = AsyncSnapshots(client, prefix)
        self.ssh_keys = AsyncSshKeys(client, prefix)
        self.affinity_groups = AsyncAffinityGroups(client, prefix)
        self.remote_access_vpns = AsyncRemoteAccessVpns(client, prefix)
        self.vpn_users = AsyncVpnUsers(client, prefix)
        self.site_to_site_vpns = AsyncResource(client, Requests(prefix, "sitetositevpns", SiteToSiteVpn))

    def __repr__(self) -> str:
        return f"<AsyncEnvironmentClient {self.service}/{self.environment}>"
