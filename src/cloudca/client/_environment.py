"""One environment's compute resources: ``client.environment("compute-qc", "prod").instances``."""

# Generated from _async_environment.py by scripts/generate_sync_sdk.py: edit the source, then run it.

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
from cloudca.client._resources._base import Requests, Resource
from cloudca.client._resources.access import (
    AffinityGroups,
    RemoteAccessVpns,
    SshKeys,
    VpnUsers,
)
from cloudca.client._resources.acls import NetworkAclRules, NetworkAcls
from cloudca.client._resources.instances import Instances
from cloudca.client._resources.networking import Networks, Vpcs
from cloudca.client._resources.public_ips import (
    LoadBalancerRules,
    PortForwardingRules,
    PublicIps,
)
from cloudca.client._resources.storage import Nics, Snapshots, Volumes

if TYPE_CHECKING:
    from cloudca.client._client import Client

__all__ = ["EnvironmentClient"]


class EnvironmentClient:
    """Every compute resource of one environment of one service, through :class:`~cloudca.Client`.

    Entity-type attributes follow the contract's path segments (``public_ips`` is
    ``publicipaddresses``, ``ssh_keys`` is ``sshkeys``, ...).
    """

    def __init__(self, client: Client, service: str, environment: str) -> None:
        self.service = service
        self.environment = environment
        prefix = f"services/{service}/{environment}"
        self.prefix = prefix
        self.instances = Instances(client, prefix)
        self.zones = Resource(client, Requests(prefix, "zones", Zone))
        self.templates = Resource(client, Requests(prefix, "templates", Template))
        self.compute_offerings = Resource(client, Requests(prefix, "computeofferings", ComputeOffering))
        self.disk_offerings = Resource(client, Requests(prefix, "diskofferings", DiskOffering))
        self.vpc_offerings = Resource(client, Requests(prefix, "vpcofferings", VpcOffering))
        self.network_offerings = Resource(client, Requests(prefix, "networkofferings", NetworkOffering))
        self.vpcs = Vpcs(client, prefix)
        self.networks = Networks(client, prefix)
        self.network_acls = NetworkAcls(client, prefix)
        self.network_acl_rules = NetworkAclRules(client, prefix)
        self.public_ips = PublicIps(client, prefix)
        self.port_forwarding_rules = PortForwardingRules(client, prefix)
        self.load_balancer_rules = LoadBalancerRules(client, prefix)
        self.nics = Nics(client, prefix)
        self.volumes = Volumes(client, prefix)
        self.snapshots = Snapshots(client, prefix)
        self.ssh_keys = SshKeys(client, prefix)
        self.affinity_groups = AffinityGroups(client, prefix)
        self.remote_access_vpns = RemoteAccessVpns(client, prefix)
        self.vpn_users = VpnUsers(client, prefix)
        self.site_to_site_vpns = Resource(client, Requests(prefix, "sitetositevpns", SiteToSiteVpn))

    def __repr__(self) -> str:
        return f"<EnvironmentClient {self.service}/{self.environment}>"
