"""Parsing OpenSSH public keys and computing their MD5 fingerprint (as cloud.ca showed them)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

KEY_TYPES = (
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


class InvalidPublicKey(ValueError):
    """Not an OpenSSH public key; the message says why."""


def parse_public_key(text: str) -> tuple[str, bytes]:
    """The key type and its decoded blob; raises ``InvalidPublicKey``.

    The blob must start with its own type name, so random base64 is refused.
    """
    parts = text.strip().split()
    if len(parts) < 2:
        raise InvalidPublicKey("expected '<type> <base64 key> [comment]'")
    key_type, encoded = parts[0], parts[1]
    if key_type not in KEY_TYPES:
        raise InvalidPublicKey(f"unsupported key type '{key_type[:40]}'")
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidPublicKey("the key is not valid base64") from None
    if len(blob) < 4:
        raise InvalidPublicKey("the key is truncated")
    (length,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + length].decode("ascii", "replace") != key_type or len(blob) <= 4 + length:
        raise InvalidPublicKey("the key's content does not match its type")
    return key_type, blob


def fingerprint(text: str) -> str:
    """MD5 fingerprint, colon-separated hex (e.g. ``91:8d:71:ca:...``)."""
    _, blob = parse_public_key(text)
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
