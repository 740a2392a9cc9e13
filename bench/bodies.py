"""Fixed response bodies shaped like cloudca's answers, built from the wire contract's examples.

The reference app serves these bytes unchanged, so the reference measures the cost of the server stack
(uvicorn, uvloop, httptools) and nothing else. Shapes follow API-CONTRACT.md: an instance as in the 4.1
example (GET form), a list of instances with ``metadata.recordCount`` (2.1), the task envelope (2.2)
and a finished create task carrying both the D and the G shape (2.3).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

LIST_SIZE = 100
TASK_CREATED = "2017-08-15T12:00:00.000Z"
_NAMESPACE = uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f")


def _id(label: str) -> str:
    """A stable, lowercase UUID for ``label`` so the bodies are byte-identical on every run."""
    return str(uuid.uuid5(_NAMESPACE, label))


def instance(index: int = 0, *, get_form: bool = True) -> dict[str, Any]:
    """One instance as in the contract's 4.1 example; the list form leaves out the GET-only keys."""
    nic_id = _id(f"nic-{index}")
    network_id = "d5a68379-a9ee-404f-9492-a1964b374d6f"
    name = f"bench-{index:06d}"
    body: dict[str, Any] = {
        "id": _id(f"instance-{index}"),
        "name": name,
        "state": "Running",
        "zoneId": "04afdbd1-e32d-4999-86d0-96703736dded",
        "zoneName": "QC-1",
        "templateId": "5f968ad6-56d0-4d0d-ad7e-f8f4a5b5d986",
        "templateName": "CentOS 6.8 PV",
        "computeOfferingId": "3caab5ed-b5a2-4d8a-82e4-51c46168ee6c",
        "computeOfferingName": "1vCPU.512MB",
        "cpuCount": 1,
        "memoryInMB": 512,
        "networkId": network_id,
        "networkName": "Web-prod",
        "vpcId": "9eb1592c-f92f-4ddd-9799-b58caf896328",
        "vpcName": "prod-VPC",
        "ipAddress": f"10.164.{212 + index // 250}.{2 + index % 250}",
        "ipAddressId": nic_id,
        "macAddress": f"02:00:2b:67:{index // 256:02x}:{index % 256:02x}",
        "isPasswordEnabled": True,
        "isSshKeyEnabled": True,
        "hostname": name,
        "username": "cca-user",
        "affinityGroupIds": [],
    }
    if get_form:
        body["userData"] = ""
        body["publicIps"] = [
            {
                "id": "7a204b7f-1039-4867-8971-c1e4f778ef33",
                "ipAddress": "199.215.226.46",
                "purposes": ["PORT_FORWARDING"],
                "ports": ["22"],
            }
        ]
        body["nics"] = [{"id": nic_id, "isDefault": True, "networkId": network_id}]
    return body


def task_id() -> str:
    """The id every reference task answer carries."""
    return _id("task")


def _encode(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def instance_body() -> bytes:
    """``GET .../instances/{id}``."""
    return _encode({"data": instance()})


def instance_list_body(count: int = LIST_SIZE) -> bytes:
    """``GET .../instances`` with ``count`` instances."""
    items = [instance(index, get_form=False) for index in range(count)]
    return _encode({"data": items, "metadata": {"recordCount": count}})


def task_envelope_body() -> bytes:
    """``POST .../instances``: the asynchronous task envelope."""
    return _encode({"taskId": task_id(), "taskStatus": "PENDING"})


def task_body() -> bytes:
    """``GET /v1/tasks/{id}`` of a finished create: both shapes, the result being the new instance."""
    result = {**instance(), "password": "Xy7tqR2mPq9w"}
    return _encode(
        {
            "taskId": task_id(),
            "taskStatus": "SUCCESS",
            "result": result,
            "data": {"id": task_id(), "status": "SUCCESS", "created": TASK_CREATED, "result": result},
        }
    )


def error_body(status: int, error_code: str, message: str) -> bytes:
    """The error envelope (contract 2.4)."""
    codes = {401: 1001, 404: 1002}
    error = {"code": codes.get(status, 1000), "errorCode": error_code, "message": message, "context": {}}
    return _encode({"errors": [error]})
