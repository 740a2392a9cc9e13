"""Imports every domain's models, so the metadata (and Alembic) sees all tables."""

from cloudca.server.access.models import (
    AccessRevision,
    ApiKey,
    Environment,
    Membership,
    Organization,
    Role,
    ServiceConnection,
    UsageRecord,
    User,
)
from cloudca.server.catalog.models import (
    ComputeOffering,
    DiskOffering,
    NetworkOffering,
    Template,
    VpcOffering,
    Zone,
)
from cloudca.server.db.base import Base
from cloudca.server.idempotency.models import IdempotencyKey
from cloudca.server.instances.models import ConsoleTicket, Instance, RecoveryPoint
from cloudca.server.networking.models import (
    LoadBalancerMember,
    LoadBalancerRule,
    Network,
    NetworkAcl,
    NetworkAclRule,
    Nic,
    PortForwardingRule,
    PublicIp,
    SiteToSiteVpn,
    Vpc,
    VpnUser,
)
from cloudca.server.placement.models import AffinityGroup, AffinityMembership, Host
from cloudca.server.sshkeys.models import SshKey
from cloudca.server.storage.models import Snapshot, Volume
from cloudca.server.tasks.models import Task, TaskWorker
from cloudca.server.tasks.sealing import InstallationKey

__all__ = [
    "AccessRevision",
    "AffinityGroup",
    "AffinityMembership",
    "ApiKey",
    "Base",
    "ComputeOffering",
    "ConsoleTicket",
    "DiskOffering",
    "Environment",
    "Host",
    "IdempotencyKey",
    "InstallationKey",
    "Instance",
    "LoadBalancerMember",
    "LoadBalancerRule",
    "Membership",
    "Network",
    "NetworkAcl",
    "NetworkAclRule",
    "NetworkOffering",
    "Nic",
    "Organization",
    "PortForwardingRule",
    "PublicIp",
    "RecoveryPoint",
    "Role",
    "ServiceConnection",
    "SiteToSiteVpn",
    "Snapshot",
    "SshKey",
    "Task",
    "TaskWorker",
    "Template",
    "UsageRecord",
    "User",
    "Volume",
    "Vpc",
    "VpcOffering",
    "VpnUser",
    "Zone",
]
