"""``Idempotency-Key`` on POST, PUT, PATCH and DELETE, with Stripe's semantics.

A client that retries a mutation (its first attempt timed out, the connection broke) sends the same
``Idempotency-Key`` header again. Within 24 hours, the same key with the same request (method, path,
query and body) gets the first attempt's answer again, status and body, so a retried create
returns the same task id instead of making a second instance; the same key with a different
request is refused with 409 ``IDEMPOTENCY_KEY_REUSED``, as is a retry that arrives while the first
attempt is still being answered. Keys are scoped per API key. Answers are kept in the database
(``idempotency_keys``), so they hold across processes and restarts, encrypted with the
installation's key (an answer may carry a secret, such as a new API key). A first attempt that
failed on the server's side (5xx) is not kept: its retry runs again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cloudca.server.api.authorization import RequestAccess
from cloudca.server.api.envelope import MEDIA_TYPE
from cloudca.server.api.state import EdgeRuntime
from cloudca.server.errors import BadRequest, IdempotencyKeyReused
from cloudca.server.idempotency import service

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

HEADER = b"idempotency-key"
MUTATIONS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY_LENGTH = 255
#: Expired answers are purged by whichever request comes first after this many seconds.
PURGE_INTERVAL_SECONDS = 3600.0
_next_purge = 0.0


def key_of(scope: MutableMapping[str, Any]) -> str | None:
    """The request's idempotency key, if it is a mutation that carries one."""
    if scope["method"] not in MUTATIONS:
        return None
    for name, value in scope["headers"]:
        if name == HEADER:
            key: str = value.decode("latin-1")
            return key
    return None


async def call(
    app: ASGIApp,
    runtime: EdgeRuntime,
    access: RequestAccess,
    key: str,
    scope: MutableMapping[str, Any],
    receive: Receive,
    send: Send,
) -> None:
    """Answer the request once per key: run it and keep its answer, or replay the kept answer."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} printable characters")
    body = await _read_body(receive)
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    fingerprint = digest.hexdigest()
    owner = access.caller.api_key_id or f"user:{access.caller.user_id}"
    await _purge_now_and_then(runtime)
    recorded = await service.claim(runtime.database, owner, key, fingerprint)
    if recorded is not None:
        if recorded.fingerprint != fingerprint:
            raise IdempotencyKeyReused(key, "The Idempotency-Key was already used with another request")
        if recorded.status_code is None or recorded.response is None:
            raise IdempotencyKeyReused(key, "A request with this Idempotency-Key is still being answered")
        await _replay(send, recorded.status_code, _box(runtime).decrypt(recorded.response))
        return

    status: int | None = None
    chunks: list[bytes] = []

    async def capturing_send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))
        await send(message)

    sent = False

    async def replaying_receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    try:
        await app(scope, replaying_receive, capturing_send)
    except BaseException:
        await service.forget(runtime.database, owner, key)
        raise
    if status is None or status >= 500:
        await service.forget(runtime.database, owner, key)
    else:
        await service.record(runtime.database, owner, key, status, _box(runtime).encrypt(b"".join(chunks)))


def _box(runtime: EdgeRuntime) -> Any:
    box = runtime.tasks.secrets
    assert box is not None, "the task runner has started"
    return box


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(bytes(message.get("body", b"")))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _replay(send: Send, status: int, body: bytes) -> None:
    headers = [
        (b"content-type", MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _purge_now_and_then(runtime: EdgeRuntime) -> None:
    global _next_purge
    now = time.monotonic()
    if now >= _next_purge:
        _next_purge = now + PURGE_INTERVAL_SECONDS
        await service.purge_expired(runtime.database)
