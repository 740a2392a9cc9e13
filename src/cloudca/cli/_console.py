"""``cloudca instances console``: the terminal attached to an instance's serial console.

The server streams the console over a WebSocket (``.../instances/{id}/console``, a cloudca
extension) authenticated by the API key header, like every request. On a terminal, keystrokes go
to the guest as they are typed (raw mode) and ``Ctrl-]`` detaches, as with ``virsh console``.
With input from a pipe, its lines are typed (each newline an Enter) and the command ends once the
input is over and the guest has been quiet for ``idle`` seconds: ``echo uptime | cloudca
instances console web-1`` prints what the console answered.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import termios
import threading
import time
import tty
from collections.abc import Iterator
from typing import BinaryIO

from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI
from websockets.sync.client import ClientConnection, connect

from cloudca.client import APIConnectionError, Client, EnvironmentClient
from cloudca.client._exceptions import api_error_for

DETACH = 0x1D  # Ctrl-]
_RECEIVE_SECONDS = 0.2


def console_url(client: Client, env: EnvironmentClient, instance_id: str) -> str:
    """The console's WebSocket URL for the client's API URL (http -> ws, https -> wss)."""
    base = client.config.api_url
    scheme, _, rest = base.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/{env.prefix}/instances/{instance_id}/console"


@contextlib.contextmanager
def _connected(client: Client, url: str) -> Iterator[ClientConnection]:
    try:
        with connect(
            url,
            additional_headers={"MC-Api-Key": client.config.api_key or ""},
            open_timeout=client.config.timeout,
            max_size=None,
        ) as connection:
            yield connection
    except InvalidStatus as refused:
        # The server answered before the WebSocket opened: its error envelope, as for any request.
        response = refused.response
        try:
            errors = json.loads(response.body or b"{}").get("errors") or []
        except ValueError:
            errors = []
        raise api_error_for(response.status_code, errors) from None
    except (OSError, InvalidURI) as exc:
        raise APIConnectionError(f"Cannot open the console at {url}: {exc}", method="GET", url=url) from exc


def attach(client: Client, env: EnvironmentClient, instance_id: str, *, idle: float) -> None:
    """Attach stdin/stdout to the instance's console until the user detaches, the input ends
    (then after ``idle`` quiet seconds) or the server closes it."""
    with _connected(client, console_url(client, env, instance_id)) as connection:
        last_output = [time.monotonic()]
        finished = threading.Event()
        output = threading.Thread(
            target=_copy_output, args=(connection, sys.stdout.buffer, last_output, finished), daemon=True
        )
        output.start()
        if sys.stdin.isatty():
            _type_from_terminal(connection, finished)
        else:
            _type_from_pipe(connection, sys.stdin.buffer)
            while not finished.is_set() and time.monotonic() - last_output[0] < idle:
                finished.wait(_RECEIVE_SECONDS)  # Waiting for the guest's last answer to end.
        connection.close()
        output.join(timeout=5)


def _copy_output(
    connection: ClientConnection, out: BinaryIO, last_output: list[float], finished: threading.Event
) -> None:
    try:
        for message in connection:
            data = message if isinstance(message, bytes) else message.encode()
            out.write(data)
            out.flush()
            last_output[0] = time.monotonic()
    except ConnectionClosed:
        pass
    finally:
        finished.set()


def _type_from_pipe(connection: ClientConnection, source: BinaryIO) -> None:
    for line in source:
        # A serial console's Enter is a carriage return.
        connection.send(line.rstrip(b"\r\n") + b"\r")


def _type_from_terminal(connection: ClientConnection, finished: threading.Event) -> None:
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    print("Attached to the console; Ctrl-] detaches.", file=sys.stderr, flush=True)
    tty.setraw(fd)
    try:
        while not finished.is_set():
            data = os.read(fd, 1024)
            if not data or DETACH in data:
                data = data.split(bytes([DETACH]), 1)[0]
                if data:
                    connection.send(data)
                return
            connection.send(data)
    except ConnectionClosed:
        return
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        print("\r\nDetached.", file=sys.stderr, flush=True)
