"""Valid bodies (and query strings) for the schemathesis campaign, per operation and ``?operation=``.

The served document does not describe every body (most routes read theirs by hand), and bodies it
generates name ids that do not exist, so a generated request would stop at validation. The
campaign therefore starts each body from a recipe here: a request that the service would accept,
naming real entities (seeded ones, or ones the pools hold), and then lets hypothesis mutate a few
of its fields (see ``test_schemathesis._mutate``). A recipe returns ``None`` when what it needs is
missing (no instance to attach to, ...); the generated body is then sent as it is.

Recipes speak the wire format of the contract, the same as the API tests; no server module is
imported, so a refactor of the server does not change what the campaign sends.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from cloudca.server.bootstrap import seeded_id

if TYPE_CHECKING:
    from tests.campaigns.pools import Pools

T = TypeVar("T")
Recipe = Callable[["Pools", random.Random], dict[str, Any] | None]

TEMPLATE = seeded_id("template", "CentOS 6.8 PV")
OFFERING = seeded_id("computeOffering", "1vCPU.512MB")
OFFERING_BIG = seeded_id("computeOffering", "2vCPU.4GB")
OFFERING_CUSTOM = seeded_id("computeOffering", "Custom CPU and memory")
NETWORK = seeded_id("network", "Web-prod-VPC")
NETWORK_DB = seeded_id("network", "DB-prod-VPC")
VPC = seeded_id("vpc", "prod-VPC")
VPC_OFFERING = seeded_id("vpcOffering", "Default VPC offering")
NETWORK_OFFERING = seeded_id("networkOffering", "Standard Network")
LB_OFFERING = seeded_id("networkOffering", "Load Balanced Network")
DISK_FIXED = seeded_id("diskOffering", "20GB - 20 IOPS Min.")
DISK_CUSTOM = seeded_id("diskOffering", "Custom size")
#: The built-in ACLs: listed, but they refuse every change.
BUILT_IN_ACLS = frozenset({seeded_id("networkAcl", "default_allow"), seeded_id("networkAcl", "default_deny")})
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbm0bHHzG3Bf9fm1ryN5jZ1Nd1C1vHXbNHo1qq3RBes campaign"


def _name(r: random.Random, prefix: str = "c") -> str:
    return f"{prefix}-{r.randrange(10**6)}"


def _one(ids: list[T], r: random.Random) -> T | None:
    return r.choice(ids) if ids else None


def _instance_create(p: Pools, r: random.Random) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": _name(r),
        "templateId": TEMPLATE,
        "computeOfferingId": OFFERING,
        "networkId": r.choice([NETWORK, NETWORK_DB, *p.some("networks", r)[:1]]),
    }
    if r.random() < 0.3:
        body["portsToForward"] = [str(r.randrange(1, 65536))]
    if r.random() < 0.2:
        body["diskOfferingId"] = DISK_FIXED
    if r.random() < 0.2:
        body.update(computeOfferingId=OFFERING_CUSTOM, cpuCount=r.choice([1, 2, 4]), memoryInMB=1024)
    return body


def _instance_destroy(p: Pools, r: random.Random) -> dict[str, Any]:
    body: dict[str, Any] = {"purgeImmediately": r.random() < 0.5}
    if r.random() < 0.2:
        body["publicIpIdsToRelease"] = p.some("publicipaddresses", r)[:1]
    if r.random() < 0.2:
        body["volumeIdsToDelete"] = p.some("volumes", r)[:1]
    return body


def _associate_key(p: Pools, r: random.Random) -> dict[str, Any] | None:
    names = [item.get("name") for item in p.items("sshkeys")]
    name = _one([n for n in names if isinstance(n, str)], r)
    return {"sshKeyName": name} if name else None


def _free_ip(p: Pools, r: random.Random, network: str | None = None) -> str | None:
    """A public IP that can forward (neither the VPC's source NAT nor static NAT), unbound or bound
    to ``network``."""
    for attempt in range(2):
        ips = [
            str(ip["id"])
            for ip in p.items("publicipaddresses")
            if not {"SOURCE_NAT", "STATIC_NAT"} & set(ip.get("purposes") or [])
            and ip.get("networkId") in (None, network)
        ]
        if ips or attempt:
            return _one(ips, r)
        p.make("publicipaddresses")
        p.forget()
    return None


def _lb_create(p: Pools, r: random.Random) -> dict[str, Any] | None:
    networks = [str(n["id"]) for n in p.items("networks") if n.get("networkOfferingId") == LB_OFFERING]
    if not networks:  # a load-balanced tier with an instance in it
        p.submit(f"{p.base}/networks", {**_network(p, r), "networkOfferingId": LB_OFFERING})
        p.forget()
        networks = [str(n["id"]) for n in p.items("networks") if n.get("networkOfferingId") == LB_OFFERING]
        for tier in networks[:1]:
            p.submit(f"{p.base}/instances", {**_instance_create(p, r), "networkId": tier})
    network = _one(networks, r)
    ip = _free_ip(p, r, network) if network else None
    if ip is None:
        return None
    instances = [str(i["id"]) for i in p.items("instances", live=True) if i.get("networkId") == network]
    return {
        "name": _name(r, "lb"),
        "publicIpId": ip,
        "networkId": network,
        "publicPort": str(r.randrange(1, 65536)),
        "privatePort": r.randrange(1, 65536),
        "algorithm": r.choice(["roundrobin", "leastconn", "source"]),
        "protocol": r.choice(["tcp", "TCP", "udp"]),
        "instanceIds": instances[:2],
    }


def _s2s_create(p: Pools, r: random.Random) -> dict[str, Any]:
    return {
        "name": _name(r, "s2s"),
        "vpcId": VPC,
        "gateway": f"19.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}",
        "cidr": "10.12.0.2/22",
        "ipSecPsk": "WtOBS9GRux2XtJPtHY2TUvrv",
        "ikeEncryptionAlgorithm": "3des",
        "ikeHashAlgorithm": "sha1",
        "ikeDhGroup": "modp1536",
        "ikeLifetime": 86400,
        "espEncryptionAlgorithm": "aes128",
        "espHashAlgorithm": "sha1",
        "espPerfectForwardSecrecy": "modp1536",
        "espLifetime": "3600",
        "dpd": False,
        "forceEncap": "false",
    }


def _acl_rule(p: Pools, r: random.Random) -> dict[str, Any] | None:
    acl = _one(p.some("networkacls", r), r)
    if acl is None:
        return None
    port = r.randrange(1, 65536)
    return {
        "networkAclId": acl,
        "ruleNumber": r.randrange(1, 10_000),
        "cidr": "0.0.0.0/0",
        "action": r.choice(["Allow", "deny"]),
        "protocol": r.choice(["TCP", "udp"]),
        "trafficType": r.choice(["Ingress", "Egress"]),
        "startPort": port,
        "endPort": str(port),
    }


def _forwarding_rule(p: Pools, r: random.Random) -> dict[str, Any] | None:
    instance = _one(p.items("instances", live=True), r)
    if instance is None:
        return None
    ip = _free_ip(p, r, instance.get("networkId"))
    if ip is None:
        return None
    port = r.randrange(1, 65536)
    return {
        "ipAddressId": ip,
        "protocol": r.choice(["TCP", "udp"]),
        "publicPortStart": str(port),
        "privatePortStart": port,
        "instanceId": instance["id"],
    }


def _network(p: Pools, r: random.Random) -> dict[str, Any]:
    return {
        "name": _name(r),
        "description": "campaign",
        "vpcId": VPC,
        "networkOfferingId": r.choice([NETWORK_OFFERING, LB_OFFERING]),
        "networkAclId": _one([*p.some("networkacls", r), *sorted(BUILT_IN_ACLS)], r),
    }


def _nic(p: Pools, r: random.Random) -> dict[str, Any] | None:
    """A NIC on a network of the prod VPC that the instance is not on yet."""
    for instance in p.items("instances", live=True):
        taken = {nic.get("networkId") for nic in instance.get("nics") or []}
        free = [n for n in [NETWORK, NETWORK_DB, *p.some("networks", r)] if n not in taken]
        if free:
            return {"networkId": r.choice(free), "instanceId": instance["id"]}
    return None


def _static_nat(p: Pools, r: random.Random) -> dict[str, Any] | None:
    nics = [i.get("ipAddressId") for i in p.items("instances", live=True) if i.get("ipAddressId")]
    nic = _one([n for n in nics if isinstance(n, str)], r)
    return {"privateIpId": nic} if nic else None


def _empty(p: Pools, r: random.Random) -> dict[str, Any]:
    return {}


#: Bodies of ``POST`` on an environment's collections (creates).
CREATE: dict[str, Recipe] = {
    "instances": _instance_create,
    "volumes": lambda p, r: (
        {"name": _name(r), "diskOfferingId": DISK_FIXED}
        if r.random() < 0.5
        else {"name": _name(r), "diskOfferingId": DISK_CUSTOM, "sizeInGb": str(r.randint(1, 1024))}
    ),
    "vpcs": lambda p, r: {"name": _name(r), "description": "campaign", "vpcOfferingId": VPC_OFFERING},
    "networks": lambda p, r: _network(p, r),
    "sshkeys": lambda p, r: {"name": _name(r), "publicKey": SSH_KEY},
    "affinitygroups": lambda p, r: {
        "name": _name(r),
        "description": "campaign",
        "instanceIds": p.running(r)[:1],
    },
    "publicipaddresses": lambda p, r: {"vpcId": VPC},
    "portforwardingrules": _forwarding_rule,
    "nics": lambda p, r: _nic(p, r),
    "networkacls": lambda p, r: {"name": _name(r), "description": "campaign", "vpcId": VPC},
    "networkaclrules": _acl_rule,
    "loadbalancerrules": _lb_create,
    "vpnusers": lambda p, r: {"username": _name(r, "u"), "password": "s3cret-pass"},
    "sitetositevpns": _s2s_create,
}

#: Bodies of ``POST``/``PUT`` on an item, by collection and ``?operation=`` ("" = none: an update,
#: where the route has one). Operations the route does not know are sent too, now and then.
ITEM: dict[str, dict[str, Recipe]] = {
    "instances": {
        "": lambda p, r: {"name": _name(r), "hostname": _name(r, "h")},
        "start": _empty,
        "stop": _empty,
        "reboot": _empty,
        "purge": _empty,
        "recover": _empty,
        "resetPassword": _empty,
        "associateSSHKey": _associate_key,
        "changeComputeOffering": lambda p, r: {"computeOfferingId": r.choice([OFFERING, OFFERING_BIG])},
        "changeNetwork": lambda p, r: {"networkId": r.choice([NETWORK, NETWORK_DB])},
        "createRecoveryPoint": lambda p, r: {"recoveryPoint": {"name": _name(r), "description": "c"}},
    },
    "volumes": {
        "attachToInstance": lambda p, r: {"instanceId": i} if (i := _one(p.running(r), r)) else None,
        "detachFromInstance": _empty,
        "resize": lambda p, r: {"sizeInGb": r.randint(1, 1024)},
        "snapshot": lambda p, r: {"name": _name(r)},
    },
    "vpcs": {"": lambda p, r: {"name": _name(r), "description": "renamed"}, "restart": _empty},
    "networks": {
        "": lambda p, r: {"name": _name(r), "description": "renamed"},
        "replace": lambda p, r: {"networkAclId": r.choice(sorted(BUILT_IN_ACLS))},
        "restart": _empty,
    },
    "affinitygroups": {
        "": lambda p, r: {"name": _name(r), "instanceIds": p.running(r)[:2]},
    },
    "publicipaddresses": {"enableStaticNat": _static_nat, "disableStaticNat": _empty},
    "nics": {"setDefault": _empty},
    "networkaclrules": {"": lambda p, r: {"action": r.choice(["Allow", "Deny"]), "cidr": "10.0.0.0/8"}},
    "loadbalancerrules": {
        "": lambda p, r: {"name": _name(r, "lb"), "algorithm": r.choice(["roundrobin", "leastconn"])},
        "updateInstances": lambda p, r: {"instanceIds": p.running(r)[:2]},
        "updateStickiness": lambda p, r: {"stickinessMethod": r.choice(["LbCookie", "SourceBased", "none"])},
    },
    "snapshots": {"revert": _empty},
    "remoteaccessvpns": {"enable": _empty, "disable": _empty},
    "sitetositevpns": {"reset": _empty},
}

#: ``DELETE`` bodies (most deletes read none).
DELETE: dict[str, Recipe] = {"instances": _instance_destroy}

#: Bodies of the administration routes (``/v1/...``), by method and path template.
ADMIN: dict[tuple[str, str], Recipe] = {
    ("POST", "/v1/organizations"): lambda p, r: {"name": _name(r, "org"), "entryPoint": _name(r, "org")},
    ("PUT", "/v1/organizations/{organization_id}"): lambda p, r: {"name": _name(r, "org")},
    ("POST", "/v1/environments"): lambda p, r: {
        "name": _name(r, "env"),
        "description": "campaign",
        "serviceConnection": {"id": _one(p.connections(), r)},
    },
    ("PUT", "/v1/environments/{environment_id}"): lambda p, r: {"description": "renamed"},
    ("POST", "/v1/users"): lambda p, r: {"userName": (n := _name(r, "user")), "email": f"{n}@cloudca.test"},
    ("PUT", "/v1/users/{user_id}"): lambda p, r: {"firstName": "Campaign"},
    ("POST", "/v1/users/{user_id}/apikeys"): lambda p, r: {"name": _name(r, "key")},
    ("POST", "/v1/users/{user_id}/unlock"): _empty,
}

#: Query strings some routes require (the document does not list them).
QUERIES: dict[str, Callable[[random.Random], dict[str, str]]] = {
    "/v1/usage_summary/organizations/{organization_id}": lambda r: {
        "start_date": f"2026-{r.randint(1, 6):02d}-01",
        "end_date": f"2026-{r.randint(7, 12):02d}-01",
        "period": r.choice(["HOUR", "DAY", "PERIOD"]),
        "format": r.choice(["JSON", "JSON", "CSV"]),
    },
}


def recipe_for(method: str, path: str, collection: str, item: bool, operation: str | None) -> Recipe | None:
    """The recipe of a request, or ``None`` when the route reads no body the campaign knows."""
    if (method, path) in ADMIN:
        return ADMIN[(method, path)]
    if method == "POST" and not item:
        return CREATE.get(collection)
    if method in ("POST", "PUT") and item:
        return ITEM.get(collection, {}).get(operation or "")
    if method == "DELETE" and item:
        return DELETE.get(collection)
    return None


def actions(collection: str) -> list[str]:
    """The ``?operation=`` values of a collection's items ("" = none: an update, where there is one)."""
    return list(ITEM.get(collection, {}))
