"""A task context against its edited version, key by key (pure).

``context_diff(old, new)`` lists the changes as ``Change(path, old, new)`` at the deepest
object key that differs (lists compare whole); ``diff_lines`` renders them masked
(``engine.masking``: a changed token shows as ``••••``) and literal, one line each::

    ~ $.payment_token: "••••" → "••••"
    + $.coupon: "SPRING10"
    - $.shipping_address: "1 Main St"
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine.literal import visible
from engine.masking import is_sensitive, masked

ABSENT: Any = object()  # a key one side does not have
VALUE_LIMIT = 60


@dataclass(frozen=True)
class Change:
    path: str
    old: Any = ABSENT
    new: Any = ABSENT

    @property
    def sign(self) -> str:
        return "+" if self.old is ABSENT else "-" if self.new is ABSENT else "~"


def _key_path(path: str, key: str) -> str:
    plain = key.isidentifier()
    return f"{path}.{key}" if plain else f"{path}[{json.dumps(key)}]"


def context_diff(old: Any, new: Any, path: str = "$") -> list[Change]:
    """Every change from ``old`` to ``new``, in the order of ``old``'s keys then new keys."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for key in [*old, *(k for k in new if k not in old)]:
            here = _key_path(path, str(key))
            if key not in new:
                changes.append(Change(here, old=old[key]))
            elif key not in old:
                changes.append(Change(here, new=new[key]))
            else:
                changes += context_diff(old[key], new[key], here)
        return changes
    if old == new and type(old) is type(new):
        return []
    return [Change(path, old, new)]


def _shown(value: Any, secret: bool, secrets: tuple[str, ...]) -> str:
    value = masked({"secret": value} if secret else value, secrets)
    value = value["secret"] if secret else value
    return visible(json.dumps(value, ensure_ascii=False, default=str), limit=VALUE_LIMIT)


def _is_secret_path(path: str) -> bool:
    return any(is_sensitive(part) for part in path.replace("[", ".").split(".")[1:] if part)


def diff_lines(changes: list[Change], secrets: tuple[str, ...] = ()) -> list[str]:
    """``~ $.key: old → new`` per change, masked and literal (see the module docstring)."""
    lines = []
    for change in changes:
        secret = _is_secret_path(change.path)
        path = visible(change.path, limit=80)
        if change.sign == "+":
            lines.append(f"+ {path}: {_shown(change.new, secret, secrets)}")
        elif change.sign == "-":
            lines.append(f"- {path}: {_shown(change.old, secret, secrets)}")
        else:
            old, new = _shown(change.old, secret, secrets), _shown(change.new, secret, secrets)
            lines.append(f"~ {path}: {old} → {new}")
    return lines
