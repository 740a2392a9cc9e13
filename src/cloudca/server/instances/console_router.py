"""``/v1/services/{code}/{env}/instances/{id}/console``: the serial console over a WebSocket (a
cloudca extension; the rules are in ``instances.console``).

``POST`` (an ordinary request) answers a single-use ticket; the WebSocket at the same path is
authenticated by the API key header like every request, or by ``?ticket=``. The edge middleware
only sees HTTP, so the WebSocket resolves its caller here, with the same ``api.authorization``.
A refusal before the WebSocket is accepted is an HTTP answer with the error envelope (where the
server can send one; else a close with code 4000 + the HTTP status).
"""

from __future__ import annotations

import logging

import orjson
from fastapi import APIRouter, WebSocket
from starlette.responses import Response
from starlette.websockets import WebSocketDisconnect

from cloudca.server.api import authorization
from cloudca.server.api.deps import RuntimeDep, ScopeDep
from cloudca.server.api.envelope import MEDIA_TYPE, JSONResponse, single
from cloudca.server.api.errors import status_of
from cloudca.server.api.schemas import ERROR_RESPONSES, Single
from cloudca.server.api.state import EdgeRuntime
from cloudca.server.db.base import iso
from cloudca.server.errors import InternalError, ServiceError, Unauthorized
from cloudca.server.instances import console, schemas
from cloudca.server.instances.router import ITEM

log = logging.getLogger("cloudca.api")
router = APIRouter(tags=["instances"], responses=ERROR_RESPONSES)
PATH = ITEM + "/console"


@router.post(PATH, response_model=Single[schemas.ConsoleTicket])
async def create_console_ticket(
    service_code: str, environment_name: str, instance_id: str, runtime: RuntimeDep, scope: ScopeDep
) -> JSONResponse:
    """A cloudca extension: a ticket to open the instance's serial console from a browser, where a
    WebSocket cannot carry the API key header. It works once, for 30 seconds, for this instance."""
    ticket, expires_at = await console.issue_ticket(runtime.database, scope.id, instance_id.lower())
    path = f"/v1/services/{service_code}/{environment_name}/instances/{instance_id}/console"
    return single({"ticket": ticket, "expiresAt": iso(expires_at), "url": f"{path}?ticket={ticket}"})


@router.websocket(PATH)
async def console_stream(websocket: WebSocket, instance_id: str) -> None:
    """The serial console: binary messages carry the guest's output; messages sent (binary or
    text) are typed into it. Either side may close; the machine is unaffected."""
    runtime: EdgeRuntime = websocket.app.state.runtime
    instance_id = instance_id.lower()
    try:
        environment_id = await _environment(runtime, websocket, instance_id)
        stream = await console.attach(runtime.database, runtime.driver, environment_id, instance_id)
    except ServiceError as error:
        await _refuse(websocket, error)
        return
    except Exception:
        log.exception("opening the console of %s failed", instance_id)
        await _refuse(websocket, InternalError("The server failed unexpectedly"))
        return
    await websocket.accept()

    async def receive() -> bytes | None:
        try:
            message = await websocket.receive()
        except WebSocketDisconnect:
            return None
        if message["type"] == "websocket.disconnect":
            return None
        return message.get("bytes") or (message.get("text") or "").encode()

    await console.bridge(stream, websocket.send_bytes, receive)
    if websocket.client_state.name == "CONNECTED":
        await websocket.close()


async def _environment(runtime: EdgeRuntime, websocket: WebSocket, instance_id: str) -> str:
    """The environment the caller may write in, by ticket or by API key."""
    ticket = websocket.query_params.get("ticket")
    if ticket:
        environment_id = await console.redeem_ticket(runtime.database, instance_id, ticket)
        if environment_id is None:
            raise Unauthorized("The console ticket is not valid (unknown, used or expired)")
        return environment_id
    # Attaching is a write: resolved as a POST would be (a read-only role is refused).
    access = await authorization.resolve(runtime, {**websocket.scope, "method": "POST"})
    if access is None or access.environment is None:
        raise Unauthorized("An API key is required")
    return access.environment.id


async def _refuse(websocket: WebSocket, error: ServiceError) -> None:
    status = status_of(error)
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        body = orjson.dumps({"errors": [item.to_dict() for item in error.errors()]})
        await websocket.send_denial_response(Response(body, status_code=status, media_type=MEDIA_TYPE))
        return
    await websocket.close(code=4000 + status, reason=str(error)[:120])
