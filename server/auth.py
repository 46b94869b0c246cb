"""Who may call the API: API keys (``X-API-Key``) and bearer tokens, with Tasker's permissions.

Keys live in a JSON file named by ``--api-keys`` (or ``TASKER_API_KEYS``)::

    {"keys": [{"name": "rails-checkout", "key": "…", "permissions": ["tasks:create"]}]}

A key is accepted in either header (``X-API-Key: K`` or ``Authorization: Bearer K``); bearer
tokens are such opaque keys, not JWTs. ``*`` grants every permission of Tasker's document and
``tasks:*`` every one of a resource; ``secrets:reveal`` (unmasked contexts and results) is granted
only by name. Without a key file the server only listens on a loopback address, where every
caller may do everything except reveal secrets.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The permissions Tasker's document names (x-required-permission), and ours for unmasking.
PERMISSIONS = frozenset(
    {
        "tasks:create",
        "tasks:read",
        "tasks:list",
        "tasks:cancel",
        "steps:read",
        "steps:resolve",
        "templates:read",
        "dlq:read",
        "dlq:update",
        "dlq:stats",
        "system:config_read",
        "system:analytics_read",
    }
)
REVEAL = "secrets:reveal"
KNOWN = PERMISSIONS | {REVEAL}


class KeyFileError(Exception):
    """The key file cannot be used; ``str()`` is one line saying what to fix."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's name (written into the audit trail) and what it may do."""

    name: str
    permissions: frozenset[str]

    def may(self, permission: str) -> bool:
        return permission in self.permissions


LOOPBACK_CALLER = Caller("loopback", PERMISSIONS)


@dataclass(frozen=True)
class Credential:
    name: str
    secret: str
    permissions: frozenset[str]


def expanded(granted: list[str], where: str) -> frozenset[str]:
    """The permissions a list grants: ``*`` and ``resource:*`` expanded, unknown names refused."""
    out: set[str] = set()
    for item in granted:
        if not isinstance(item, str):
            raise KeyFileError(f"{where}: permissions must be strings like 'tasks:read'")
        if item == "*":
            out |= PERMISSIONS
        elif item.endswith(":*"):
            matching = {p for p in PERMISSIONS if p.startswith(item[:-1])}
            if not matching:
                raise KeyFileError(
                    f"{where}: '{item}' matches no permission; see 'tasker serve --help'"
                )
            out |= matching
        elif item in KNOWN:
            out.add(item)
        else:
            names = ", ".join(sorted(KNOWN))
            raise KeyFileError(f"{where}: unknown permission '{item}'; use one of: {names}")
    return frozenset(out)


class KeyRing:
    """The configured credentials; ``caller`` finds the one a request presents."""

    def __init__(self, credentials: list[Credential]) -> None:
        self.credentials = credentials

    def caller(self, secret: str) -> Caller | None:
        found = None
        for credential in self.credentials:  # compare with every key, in constant time each
            if hmac.compare_digest(credential.secret.encode(), secret.encode()):
                found = credential
        return None if found is None else Caller(found.name, found.permissions)


def parse_keys(document: Any, source: str) -> KeyRing:
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise KeyFileError(
            f'{source}: expected {{"keys": [{{"name": ..., "key": ..., "permissions": [...]}}]}}'
        )
    credentials, names, secrets = [], set(), set()
    for n, entry in enumerate(entries, 1):
        where = f"{source}: key {n}"
        if not isinstance(entry, dict):
            raise KeyFileError(f"{where} must be an object with name, key and permissions")
        name, secret, granted = entry.get("name"), entry.get("key"), entry.get("permissions")
        if not isinstance(name, str) or not name.strip():
            raise KeyFileError(f"{where} needs a 'name' (it is written into the audit trail)")
        if not isinstance(secret, str) or len(secret) < 16:
            raise KeyFileError(f"{where} ('{name}') needs a 'key' of at least 16 characters")
        if not isinstance(granted, list):
            raise KeyFileError(
                f"{where} ('{name}') needs 'permissions', a list like ['tasks:read']"
            )
        if name in names or secret in secrets:
            raise KeyFileError(f"{where} ('{name}') repeats another key's name or key")
        names.add(name)
        secrets.add(secret)
        credentials.append(Credential(name, secret, expanded(granted, f"{where} ('{name}')")))
    return KeyRing(credentials)


def load_keys(path: Path) -> KeyRing:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyFileError(f"cannot read the API key file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise KeyFileError(f"the API key file {path} is not UTF-8 text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeyFileError(f"the API key file {path} is not valid JSON ({exc.msg})") from None
    return parse_keys(document, str(path))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def presented_secret(api_key: str | None, authorization: str | None) -> str | None:
    """The key a request presents: ``X-API-Key``, else an ``Authorization: Bearer`` token."""
    if api_key:
        return api_key.strip()
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return None
