"""Documentation of the SSH key representation (API-CONTRACT 6.9)."""

from __future__ import annotations

from pydantic import BaseModel


class SshKey(BaseModel):
    id: str
    name: str
    fingerprint: str
    publicKey: str
