"""Entities that exist, for the schemathesis campaign's paths and bodies: ids by the collection
that lists them, refreshed now and then (generated destroys remove them) and refilled through the
API when a collection runs empty."""

from __future__ import annotations

import random
from typing import Any

import httpx

from tests.campaigns.bodies import BUILT_IN_ACLS, CREATE, NETWORK, NETWORK_DB, SSH_KEY, VPC

SERVICE, ENVIRONMENT = "compute-qc", "prod"
BASE = f"/v1/services/{SERVICE}/{ENVIRONMENT}"
#: A cached listing is read again after this many uses (entities come and go under the campaign).
REFRESH_AFTER = 50

#: Administration collections: generated requests act on spare entities made for them, never on
#: the campaign's own organization, environment, user or API key (deleting those would turn every
#: later request into a 404 or a 401).
SPARE_BODIES: dict[str, Any] = {
    "/v1/environments": lambda n: {"name": f"spare-{n}", "description": "campaign"},
    "/v1/users": lambda n: {"userName": f"spare-{n}", "email": f"spare-{n}@cloudca.test"},
    "/v1/organizations": lambda n: {"name": f"spare-{n}", "entryPoint": f"spare-{n}"},
}
#: Path parameters listed by another collection than the segment before them.
LISTED_BY = {"/v1/usage_summary/organizations": "/v1/organizations"}

#: The seeded VPC and networks every instance recipe names: never the target of a generated write.
STANDS_ON = frozenset({NETWORK, NETWORK_DB, VPC})


class Pools:
    """Ids of entities that exist, by the collection segment that precedes them in a path."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.tasks: list[str] = []
        self.protected: set[str] = set()
        self.spares = 0
        self.rng = random.Random(1204)
        self._cache: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self.base = BASE
        #: Entities the campaign could not make (printed with the report).
        self.failures: list[str] = []
        #: Requests the pools sent (listings, makers), beside the generated ones.
        self.calls = 0

    def protect_own(self) -> None:
        """Remember what the campaign itself stands on (see ``SPARE_BODIES``)."""
        for path in ("/v1/environments", "/v1/users", "/v1/organizations", "/v1/services/connections"):
            self.protected.update(self._list(path))
        for user in list(self.protected):
            self.protected.update(self._list(f"/v1/users/{user}/apikeys"))

    def forget(self, collection: str | None = None) -> None:
        """Something named was gone (a 404, a delete): read the listing (or all of them) again."""
        if collection is None:
            self._cache.clear()
        else:
            self._cache.pop(f"{BASE}/{collection}", None)

    # -- listings -------------------------------------------------------------------------------

    def items(self, collection: str, live: bool = False) -> list[dict[str, Any]]:
        """The environment's ``collection``, from a listing at most ``REFRESH_AFTER`` uses old;
        ``live``: only instances that can be acted on (Running or Stopped, not Destroyed)."""
        if live:
            found = [item for item in self.items(collection) if item.get("state") in ("Running", "Stopped")]
            if not found:  # generated requests destroyed them all: one more
                MAKERS[collection](self)
                self.forget()
                found = [
                    item for item in self.items(collection) if item.get("state") in ("Running", "Stopped")
                ]
            return found
        path = f"{BASE}/{collection}"
        uses, items = self._cache.get(path, (REFRESH_AFTER, []))
        if uses >= REFRESH_AFTER:
            items = [item for item in self._items(path) if _usable(collection, item)]
            if not items and collection in MAKERS:
                MAKERS[collection](self)
                items = [item for item in self._items(path) if _usable(collection, item)]
            uses = 0
        self._cache[path] = (uses + 1, items)
        return items

    def some(self, collection: str, rng: random.Random) -> list[str]:
        """The ids of ``collection``, shuffled."""
        ids = [str(item["id"]) for item in self.items(collection) if "id" in item]
        rng.shuffle(ids)
        return ids

    def running(self, rng: random.Random) -> list[str]:
        """The ids of instances that can be acted on, shuffled."""
        ids = [str(item["id"]) for item in self.items("instances", live=True)]
        rng.shuffle(ids)
        return ids

    def connections(self) -> list[str]:
        return self._list("/v1/services/connections")

    def _items(self, path: str) -> list[dict[str, Any]]:
        self.calls += 1
        response = self.http.get(path)
        if response.status_code != 200:
            return []
        data = response.json().get("data")
        return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []

    def _list(self, path: str) -> list[str]:
        return [str(item["id"]) for item in self._items(path) if "id" in item]

    # -- path parameters ------------------------------------------------------------------------

    def resolve(
        self, operation_path: str, parameters: list[str], rng: random.Random, read: bool = False
    ) -> dict[str, str]:
        """Real values for the path's parameters, outermost first (``{user_id}`` before ``{key_id}``)."""
        chosen: dict[str, str] = {}
        path = operation_path
        for name in parameters:
            ids = self.ids(path, name, rng, read)
            if not ids:
                break
            chosen[name] = rng.choice(ids)
            path = path.replace(f"{{{name}}}", chosen[name])
        return chosen

    def ids(self, operation_path: str, parameter: str, rng: random.Random, read: bool = False) -> list[str]:
        if parameter == "service_code":
            return [SERVICE]
        if parameter == "environment_name":
            return [ENVIRONMENT]
        if parameter == "task_id":
            return self.tasks[-50:]
        parts = operation_path.split("/")
        prefix = "/".join(parts[: parts.index(f"{{{parameter}}}")])
        prefix = LISTED_BY.get(prefix, prefix)
        if "{" in prefix:
            return []
        if prefix.startswith(BASE + "/"):
            collection = prefix.removeprefix(BASE + "/")
            found = self.some(collection, rng)
            if not read:  # the recipes make instances on these: a generated delete must not take them
                found = [item for item in found if item not in STANDS_ON]
                if not found and collection in MAKERS:
                    MAKERS[collection](self)
                    self.forget(collection)
                    found = [item for item in self.some(collection, rng) if item not in STANDS_ON]
            if parameter == "name_or_id":
                found += [item.get("name", "") for item in self.items(collection)]
            return [item for item in found if item]
        if read or operation_path.startswith("/v1/usage_summary/"):
            return self._list(prefix)  # reading what the campaign stands on is harmless
        found = [item for item in self._list(prefix) if item not in self.protected]
        if not found:
            self._spare(prefix)
            found = [item for item in self._list(prefix) if item not in self.protected]
        return found

    def _spare(self, path: str) -> None:
        self.spares += 1
        make = SPARE_BODIES.get(path)
        if make is not None:
            body = make(self.spares)
            if path == "/v1/environments":
                connections = self.connections()
                body["serviceConnection"] = {"id": connections[0]} if connections else None
            self.http.post(path, json=body)
        elif path.startswith("/v1/users/") and path.endswith("/apikeys"):
            self.http.post(path, json={"name": f"spare-{self.spares}"})

    # -- making entities ------------------------------------------------------------------------

    def submit(self, path: str, body: dict[str, Any] | None = None) -> bool:
        """Whether the entity was made (the failures are kept for the report)."""
        self.calls += 2
        response = self.http.post(path, json=body or {})
        if response.status_code == 200 and "taskId" in response.json():
            task_id = response.json()["taskId"]
            self.tasks.append(task_id)
            task = self.http.get(f"/v1/tasks/{task_id}", params={"wait": 30}).json()
            if task.get("taskStatus") == "SUCCESS":
                return True
            self.failures.append(f"{path}: {task.get('result') or task} ({body})")
        else:
            self.failures.append(f"{path} -> {response.status_code} {response.text[:300]} ({body})")
        return False

    def make(self, collection: str) -> None:
        """One more entity of ``collection``, from its create recipe."""
        body = CREATE[collection](self, self.rng)
        if body is not None:
            self.submit(f"{BASE}/{collection}", body)


def _usable(collection: str, item: dict[str, Any]) -> bool:
    """Whether changing ``item`` can succeed (built-in ACLs and their rules refuse every change)."""
    if collection == "networkacls":
        return item.get("id") not in BUILT_IN_ACLS
    if collection == "networkaclrules":
        return item.get("networkAclId") not in BUILT_IN_ACLS
    if collection == "nics":  # an instance's default NIC cannot go, nor become the default again
        return item.get("isDefault") is False
    return True


def _instance(pools: Pools) -> None:
    body = dict(CREATE["instances"](pools, pools.rng) or {})
    pools.submit(f"{BASE}/instances", {**body, "networkId": NETWORK, "portsToForward": ["22"]})


def _nic(pools: Pools) -> None:
    """A non-default NIC, for the NIC routes (generated deletes remove them one by one). On a
    network its instance is not on, chosen from fresh listings; when there is none, or the create
    is refused all the same (a generated create's task added that NIC since the listing: one NIC
    per network per instance), on a network made for it."""
    pools.forget("instances")
    pools.forget("networks")
    body = CREATE["nics"](pools, pools.rng)
    if body is not None and pools.submit(f"{BASE}/nics", body):
        return
    before = set(pools._list(f"{BASE}/networks"))
    network = {**CREATE["networks"](pools, pools.rng), "networkAclId": min(BUILT_IN_ACLS)}
    instances = pools.items("instances", live=True)
    if instances and pools.submit(f"{BASE}/networks", network):
        pools.forget("networks")
        for fresh in set(pools._list(f"{BASE}/networks")) - before:
            pools.submit(f"{BASE}/nics", {"networkId": fresh, "instanceId": instances[0]["id"]})


def _snapshot(pools: Pools) -> None:
    for volume in pools._list(f"{BASE}/volumes")[:1]:
        pools.submit(f"{BASE}/volumes/{volume}?operation=snapshot")


def _sshkey(pools: Pools) -> None:
    pools.submit(f"{BASE}/sshkeys", {"name": f"campaign-{pools.rng.randrange(10**6)}", "publicKey": SSH_KEY})


def _maker(collection: str) -> Any:
    return lambda pools: pools.make(collection)


#: How an empty collection is refilled.
MAKERS: dict[str, Any] = {
    **{collection: _maker(collection) for collection in CREATE},
    "instances": _instance,
    "nics": _nic,
    "snapshots": _snapshot,
    "sshkeys": _sshkey,
    "portforwardingrules": _instance,  # an instance made with portsToForward brings a rule
    "remoteaccessvpns": _maker("publicipaddresses"),  # listed per public IP of a VPC
}
#: Made before the campaign starts, in this order (later ones name earlier ones).
FIRST = [
    "instances",
    "volumes",
    "snapshots",
    "sshkeys",
    "affinitygroups",
    "publicipaddresses",
    "networkacls",
    "networkaclrules",
    "loadbalancerrules",
    "vpnusers",
    "sitetositevpns",
]
