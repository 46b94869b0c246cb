"""Identity of a task request: which submissions count as the same task.

strict (default): hash of the template and the normalised context (keys sorted, arrays in
order); caller_provided: the caller's idempotency key is required; always_unique: a new hash
each time. An ``idempotency_key`` always wins.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from engine import ids


class IdentityError(ValueError):
    """A task request that cannot be given an identity (e.g. caller_provided without a key)."""


def normalised_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def identity_hash(
    template_key: tuple[str, str, str],
    context: dict[str, Any],
    strategy: str = "strict",
    idempotency_key: str | None = None,
) -> str:
    """The identity hash stored under a unique index; equal hashes mean the same task."""
    namespace, name, version = template_key
    prefix = f"{namespace}/{name}@{version}"
    if idempotency_key:
        material = f"{prefix}\x00key\x00{idempotency_key}"
    elif strategy == "caller_provided":
        raise IdentityError(
            f"template {prefix} uses identity_strategy caller_provided; "
            "pass an idempotency key (--idempotency-key K)"
        )
    elif strategy == "always_unique":
        material = f"{prefix}\x00unique\x00{ids.new_uuid()}"
    else:
        material = f"{prefix}\x00context\x00{normalised_json(context)}"
    return hashlib.sha256(material.encode()).hexdigest()
