"""Where the client's settings come from: arguments, ``CLOUDCA_*`` variables, or a profile.

Precedence, highest first:

1. arguments given to ``Client(...)`` (or CLI options);
2. a profile named by the ``profile`` argument;
3. ``CLOUDCA_API_URL``, ``CLOUDCA_API_KEY``, ``CLOUDCA_SERVICE``, ``CLOUDCA_ENVIRONMENT``;
4. the profile named by ``CLOUDCA_PROFILE``, else the file's ``default_profile``, else ``default``;
5. built-in defaults (``http://127.0.0.1:8080/v1``, the address ``cloudca serve`` listens on).

The config file is TOML, at ``$CLOUDCA_CONFIG`` or ``$XDG_CONFIG_HOME/cloudca/config.toml``
(``~/.config/cloudca/config.toml``)::

    default_profile = "local"

    [profiles.local]
    api_url = "http://127.0.0.1:8080/v1"
    api_key = "..."
    service = "compute-qc"      # optional defaults for the CLI and client.environment()
    environment = "prod"
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, Unpack
from urllib.parse import urlsplit, urlunsplit

from cloudca.client._exceptions import ConfigurationError

DEFAULT_API_URL = "http://127.0.0.1:8080/v1"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2

_PROFILE_KEYS = ("api_url", "api_key", "service", "environment")


@dataclass(frozen=True)
class ClientConfig:
    """Resolved settings of one client. ``api_key`` is kept out of ``repr``."""

    api_url: str
    api_key: str = field(repr=False)
    service: str | None = None
    environment: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file used when ``CLOUDCA_CONFIG`` does not name one."""
    env = os.environ if environ is None else environ
    if env.get("CLOUDCA_CONFIG"):
        return Path(env["CLOUDCA_CONFIG"])
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "cloudca" / "config.toml"


def normalize_api_url(url: str) -> str:
    """Strip trailing slashes; a bare ``scheme://host:port`` gets the API's ``/v1`` prefix."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"API URL must look like http://host:port/v1, got {url!r}")
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _read_profiles(path: Path) -> tuple[dict[str, dict[str, str]], str | None]:
    if not path.is_file():
        return {}, None
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"Cannot read config file {path}: {exc}") from exc
    # A misspelled key must not be skipped: the setting would silently come from elsewhere.
    for key in document:
        if key not in ("default_profile", "profiles"):
            raise ConfigurationError(f"{path}: unknown key {key!r} (known: default_profile, profiles)")
    raw_profiles = document.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigurationError(f"{path}: [profiles] must be a table")
    profiles: dict[str, dict[str, str]] = {}
    for name, table in raw_profiles.items():
        if not isinstance(table, dict):
            raise ConfigurationError(f"{path}: [profiles.{name}] must be a table")
        for key in table:
            if key not in _PROFILE_KEYS:
                raise ConfigurationError(
                    f"{path}: profile {name!r} has unknown key {key!r} (known: {', '.join(_PROFILE_KEYS)})"
                )
        profiles[str(name)] = {key: str(value) for key, value in table.items()}
    default = document.get("default_profile")
    return profiles, str(default) if default else None


def _pick(*values: str | None) -> str | None:
    return next((value for value in values if value), None)


class ClientOptions(TypedDict, total=False):
    """The settings a client takes as keyword arguments (``Client(api_url=..., profile=...)``);
    each one left out is resolved by the precedence in the module docstring."""

    api_url: str | None
    api_key: str | None
    profile: str | None
    service: str | None
    environment: str | None
    #: Seconds for one HTTP request (``DEFAULT_TIMEOUT``).
    timeout: float
    #: Retries of a request that failed in transport or with a retryable status (``DEFAULT_MAX_RETRIES``).
    max_retries: int
    config_file: Path | None


def load_config(
    *, environ: Mapping[str, str] | None = None, **options: Unpack[ClientOptions]
) -> ClientConfig:
    """Resolve settings by the precedence in the module docstring."""
    env = os.environ if environ is None else environ
    profile = options.get("profile")
    timeout = options.get("timeout", DEFAULT_TIMEOUT)
    max_retries = options.get("max_retries", DEFAULT_MAX_RETRIES)
    path = options.get("config_file") or default_config_path(env)
    profiles, file_default = _read_profiles(path)
    if profile is not None and profile not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigurationError(f"Unknown profile {profile!r} in {path} (profiles: {known})")
    chosen: dict[str, str] = profiles[profile] if profile else {}
    fallback_name = env.get("CLOUDCA_PROFILE") or file_default or "default"
    if env.get("CLOUDCA_PROFILE") and fallback_name not in profiles and not profile:
        raise ConfigurationError(f"CLOUDCA_PROFILE names unknown profile {fallback_name!r} in {path}")
    fallback: dict[str, str] = profiles.get(fallback_name, {})

    def setting(argument: str | None, key: str, variable: str) -> str | None:
        return _pick(argument, chosen.get(key), env.get(variable), fallback.get(key))

    url = setting(options.get("api_url"), "api_url", "CLOUDCA_API_URL") or DEFAULT_API_URL
    key = setting(options.get("api_key"), "api_key", "CLOUDCA_API_KEY")
    if not key:
        raise ConfigurationError(
            f"No API key: pass api_key=..., set CLOUDCA_API_KEY, or add api_key to a profile in {path}"
        )
    if timeout <= 0:
        raise ConfigurationError("timeout must be positive")
    if max_retries < 0:
        raise ConfigurationError("max_retries must not be negative")
    return ClientConfig(
        api_url=normalize_api_url(url),
        api_key=key,
        service=setting(options.get("service"), "service", "CLOUDCA_SERVICE"),
        environment=setting(options.get("environment"), "environment", "CLOUDCA_ENVIRONMENT"),
        timeout=timeout,
        max_retries=max_retries,
    )
