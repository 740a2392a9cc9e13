"""The simulator's stand-in console (``capabilities.simulated_console``): a prompt, not a guest.

It behaves like a serial line to a shell, enough for the console route, the CLI and a browser to
be exercised without libvirt: it echoes what is typed, and at each Enter runs the line as one of a
few commands (``echo``, ``hostname``, ``uname``; anything else is "not found"), then prompts again.
"""

from __future__ import annotations

from cloudca.server.drivers.consoles import QueuedConsole

PROMPT = b"$ "


class SimulatedConsole(QueuedConsole):
    def __init__(self, hostname: str) -> None:
        super().__init__()
        self._hostname = hostname
        self._line = bytearray()
        self.output.put_nowait(f"\r\n{hostname} (simulated console)\r\n".encode() + PROMPT)

    async def write(self, data: bytes) -> None:
        self.check_open()
        echo = bytearray()
        for byte in data:
            if byte in b"\r\n":
                echo += b"\r\n" + self._run(self._line.decode(errors="replace").strip()) + PROMPT
                self._line.clear()
            elif byte in (0x7F, 0x08):  # Backspace, as a terminal sends it.
                if self._line:
                    self._line.pop()
                    echo += b"\b \b"
            else:
                self._line.append(byte)
                echo.append(byte)
        self.output.put_nowait(bytes(echo))

    def _run(self, line: str) -> bytes:
        command, _, argument = line.partition(" ")
        if not command:
            return b""
        if command == "echo":
            answer = argument
        elif command == "hostname":
            answer = self._hostname
        elif command == "uname":
            answer = "Linux"
        else:
            answer = f"sh: {command}: not found"
        return answer.encode() + b"\r\n"

    async def close(self) -> None:
        self.end()
