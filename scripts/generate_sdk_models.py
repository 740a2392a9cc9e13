#!/usr/bin/env python3
"""Generate the SDK's entity models (``client/_models.py``, ``_network_models.py``) from the server's OpenAPI.

The server's documentation models say which fields each entity has and their types; the SDK's model of
an entity has exactly those fields, so the two cannot drift apart. What the SDK decides for itself is in
the tables below: the order and docstrings of its classes, the fields it insists on, and the few whose
SDK type differs from the rule (timestamps, flags that default to false, secrets kept out of ``repr``).

The rule: a wire name ``fooBar`` is the attribute ``foo_bar`` (with an explicit alias when camel-casing
it back gives another name); a field is optional with ``None`` as default, a list defaults to empty, and
a nested object is a plain ``dict`` unless it is an entity the SDK models (or an ``{id, name}``
``Reference``); every model keeps keys it does
not know, so a newer server never breaks an older SDK.

    python scripts/generate_sdk_models.py          # rewrite the modules
    python scripts/generate_sdk_models.py --check  # exit 1 if one is out of date (scripts/test runs this)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from generate_sync_sdk import _ruff, write_generated
from pydantic.alias_generators import to_camel, to_snake

CLIENT = Path(__file__).resolve().parents[1] / "src" / "cloudca" / "client"
#: The networking entities have a module of their own (``_models`` re-exports them), so neither
#: module grows past the size the house keeps to.
MODULES = {
    CLIENT / "_models.py": "every entity the API returns (contract sections 3, 4 and 6)",
    CLIENT / "_network_models.py": "the networking entities (contract section 6), re-exported by ``_models``",
}
NETWORKING = {
    *("Vpc", "Network", "NetworkAcl", "NetworkAclRule", "PublicIp", "PortForwardingRule"),
    *("LoadBalancerRule", "Nic", "RemoteAccessVpn", "VpnUser", "SiteToSiteVpn"),
}

#: The SDK's entity classes, in the order the module lists them, with their docstrings.
MODELS: dict[str, str] = {
    "Zone": "A zone (6.1).",
    "Template": "A machine template (6.2).",
    "ComputeOffering": "A compute offering (6.3); custom offerings list the values an instance may choose.",
    "DiskOffering": "A disk offering (6.4).",
    "VpcOffering": "A VPC offering (6.5).",
    "NetworkOffering": "A network offering (6.6).",
    "InstancePublicIp": "A public IP that forwards to an instance (element of ``Instance.public_ips``).",
    "InstanceNic": "A NIC as listed inside an instance.",
    "Instance": "A virtual machine (4.1). ``password`` is only set on create and resetPassword task results.",
    "Volume": "A root (``os``) or ``data`` volume (6.14).",
    "Snapshot": "A volume snapshot (6.15, read-only).",
    "SshKey": "A registered SSH public key (6.16). Addressed by name or id.",
    "AffinityGroup": "An anti-affinity or dedicated (``ExplicitDedication``) group (6.17).",
    "ServiceConnection": "A service connection such as ``compute-qc`` (3.1).",
    "Organization": "An organization (3.2).",
    "EnvironmentRole": "One of an environment's three roles (``Environment Admin``, ``User``, "
    "``Read-only``).",
    "Environment": "An environment of a service connection (3.3).",
    "User": "A user (3.4).",
    "ApiKey": "One of a user's API keys (a cloudca extension). ``api_key``, the secret, is set only in the\n"
    "answer to its creation: the server keeps a digest and never shows it again.",
    "Vpc": "A virtual private cloud (6.7).",
    "Network": 'A network (formerly "tier") of a VPC (6.8).',
    "NetworkAcl": "A network ACL (6.9); the built-in ``default_allow``/``default_deny`` have no ``vpc_id``.",
    "NetworkAclRule": "A rule of a network ACL (6.9). Numbers are strings on the wire.",
    "PublicIp": "A public IP address of a VPC (6.10).",
    "PortForwardingRule": "A port forwarding rule (6.11). Ports are strings on the wire.",
    "LoadBalancerRule": "A load balancer rule (6.12).",
    "Nic": "A network interface of an instance (6.13).",
    "RemoteAccessVpn": "The remote access VPN of a VPC; its id is the VPC's source NAT public IP id (6.19).",
    "VpnUser": "A remote access VPN user (6.19).",
    "SiteToSiteVpn": "A site-to-site VPN (6.19, fields as in the cloud.ca docs).",
}

#: Fields an SDK model requires (no default), where the server's required ``id`` and ``name`` are not it.
REQUIRED: dict[str, set[str]] = {
    "SshKey": {"name"},
    "ServiceConnection": {"id", "serviceCode"},
    "EnvironmentRole": {"name"},
    "User": {"id", "userName"},
    "LoadBalancerRule": {"id"},
    "Nic": {"id"},
    "SiteToSiteVpn": {"id"},
}

#: Wire names whose value is a point in time, parsed into ``datetime`` (dumped back as the server writes it).
TIMESTAMPS = {"created", "creationDate", "billableStartDate", "lastUsed"}

#: Fields whose SDK declaration is not the rule's: (model, wire name) -> (annotation, default).
DECLARED: dict[tuple[str, str], tuple[str, str]] = {
    ("ComputeOffering", "custom"): ("bool", "False"),
    # Only a custom offering has them: absent (None) on a fixed one, not empty.
    ("ComputeOffering", "availableCpuCountValues"): ("list[int] | None", "None"),
    ("ComputeOffering", "availableMemoryInMBValues"): ("list[int] | None", "None"),
    ("DiskOffering", "customSize"): ("bool", "False"),
    ("DiskOffering", "customIops"): ("bool", "False"),
    ("Instance", "hostDown"): ("bool", "False"),
    ("ApiKey", "name"): ("str", '""'),
    ("LoadBalancerRule", "stickinessPolicyParameters"): ("dict[str, str]", "Field(default_factory=dict)"),
    ("PublicIp", "instances"): ("list[Reference]", "Field(default_factory=list)"),
    ("Nic", "secondaryIps"): ("list[dict[str, Any]]", "Field(default_factory=list)"),
}

#: Secrets: kept out of ``repr`` (a model printed to a log must not show them).
SECRETS = {
    *(("Instance", "password"), ("RemoteAccessVpn", "presharedKey"), ("SiteToSiteVpn", "ipSecPsk")),
    ("ApiKey", "apiKey"),
}

#: Fields the SDK has that the entity's own schema does not list: (model) -> [(wire name, annotation)].
EXTRA: dict[str, list[tuple[str, str]]] = {
    # The secret, in the answer to the key's creation only (the server's ``NewApiKey``).
    "ApiKey": [("apiKey", "str | None")],
}

#: Comments over fields, for what the name does not say.
COMMENTS: dict[tuple[str, str], str] = {
    ("Instance", "hostDown"): "cloudca extension: the instance's host does not answer, so ``state`` is the "
    "last one known.",
    ("Instance", "passwordApplied"): "cloudca extension, resetPassword results: ``now`` (the running guest "
    "has it) or ``nextBoot``.",
    ("Snapshot", "sizeInBytes"): "cloudca extension: what the snapshot's copy occupies on the backend.",
}

#: Code a class has besides its fields.
METHODS: dict[str, str] = {
    "Environment": '''
    @property
    def service_code(self) -> str | None:
        """The ``serviceCode`` of the environment's service connection (the URL segment)."""
        value = (self.service_connection or {}).get("serviceCode")
        return str(value) if value is not None else None
''',
}

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def openapi_schemas() -> dict[str, Any]:
    """The served document's schemas, from the application itself (no server is started)."""
    from cloudca.server.app import create_app
    from cloudca.server.config import Settings

    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    schemas: dict[str, Any] = app.openapi()["components"]["schemas"]
    return schemas


def _python_type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name if name in MODELS or name == "Reference" else "dict[str, Any]"
    if "anyOf" in schema:
        return " | ".join(_python_type(option) for option in schema["anyOf"] if option.get("type") != "null")
    kind = schema.get("type")
    if kind == "array":
        return f"list[{_python_type(schema.get('items', {}))}]"
    return _SCALARS.get(kind or "", "dict[str, Any]")


def _declaration(model: str, wire: str, schema: dict[str, Any], required: set[str]) -> list[str]:
    attribute = to_snake(wire)
    annotation, default = DECLARED.get((model, wire), (_python_type(schema), ""))
    if wire in TIMESTAMPS:
        annotation = "Timestamp"
    if not default:
        if wire in required:
            default = ""
        elif annotation.startswith("list["):
            default = "Field(default_factory=list)"
        else:
            annotation, default = f"{annotation} | None", "None"
    options = []
    if to_camel(attribute) != wire:
        options.append(f'alias="{wire}"')
    if (model, wire) in SECRETS:
        options.append("repr=False")
    if options and default.startswith("Field("):
        default = default[:-1] + ", " + ", ".join(options) + ")"
    elif options:
        default = "Field(" + ", ".join(([f"default={default}"] if default else []) + options) + ")"
    lines = [f"    #: {COMMENTS[(model, wire)]}"] if (model, wire) in COMMENTS else []
    lines.append(f"    {attribute}: {annotation}" + (f" = {default}" if default else ""))
    return lines


def _model(name: str, schema: dict[str, Any]) -> list[str]:
    properties = dict(schema.get("properties", {}))
    for wire, annotation in EXTRA.get(name, []):
        properties.setdefault(wire, {"x-annotation": annotation})
    required = REQUIRED.get(name, {"id", "name"} & set(schema.get("required", [])))
    lines = ["", "", f"class {name}(Model):", f'    """{MODELS[name]}"""', ""]
    for wire, field_schema in properties.items():
        if "x-annotation" in field_schema:
            default = "Field(default=None, repr=False)" if (name, wire) in SECRETS else "None"
            lines.append(f"    {to_snake(wire)}: {field_schema['x-annotation']} = {default}")
        else:
            lines.extend(_declaration(name, wire, field_schema, required))
    if name in METHODS:
        lines.extend(METHODS[name].rstrip("\n").split("\n"))
    return lines


def _header(what: str) -> list[str]:
    return [
        f'"""Typed representations of {what}.',
        "",
        "Generated by scripts/generate_sdk_models.py from the server's OpenAPI document: edit that script,",
        "never this file. Python attributes are snake_case; the wire names (camelCase, as the contract",
        "spells them) are the aliases, so ``model_dump(by_alias=True)`` gives back the server's JSON. Every",
        'model keeps keys it does not know (``extra="allow"``) so a newer server never breaks an older SDK.',
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "from pydantic import Field",
        "",
        "from cloudca.client._model_base import ErrorDetail, Model, Reference, TaskStatus, Timestamp",
    ]


def render(schemas: dict[str, Any]) -> dict[Path, str]:
    """Each module's text: the networking entities, then the others with the package's ``__all__``."""
    network, models = CLIENT / "_network_models.py", CLIENT / "_models.py"
    texts = {network: _header(MODULES[network]), models: _header(MODULES[models])}
    texts[models] += [
        f"from cloudca.client._network_models import {', '.join(sorted(NETWORKING))}",
        "",
        "__all__ = [",
        *(f'    "{name}",' for name in sorted([*MODELS, "ErrorDetail", "Model", "Reference", "TaskStatus"])),
        "]",
    ]
    for name in MODELS:
        texts[network if name in NETWORKING else models].extend(_model(name, schemas[name]))
    # ruff settles what is left to style (line breaks, unused imports), as for the generated sync SDK.
    finished = {}
    for path, lines in texts.items():
        text = _ruff(["check", "--fix", "--quiet", "--exit-zero"], "\n".join(lines) + "\n", path)
        finished[path] = _ruff(["format", "--quiet"], text, path)
    return finished


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a module is out of date")
    outputs = render(openapi_schemas()).items()
    return write_generated(outputs, parser.parse_args().check, "generate_sdk_models.py")


if __name__ == "__main__":
    sys.exit(main())
