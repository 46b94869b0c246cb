"""A task context against its edited version, key by key (pure).

``context_diff(old, new)`` lists the changes as ``Change(path, old, new)`` at the deepest
object key or list item that differs (lists of another length compare whole); ``diff_lines``
renders them masked (``engine.masking``: a changed token shows as ``••••``) and literal, one
line each::

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
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (o, n) in enumerate(zip(old, new, strict=True)) for c in
                context_diff(o, n, f"{path}[{i}]")]  # fmt: skip
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


def masked_for_editing(context: Any) -> Any:
    """``context`` with its secrets masked (``engine.masking.masked``), for an editor: what the
    operator leaves as ``••••`` keeps its value (``unmasked``)."""
    return masked(context)


def unmasked(edited: Any, original: Any, shown: Any = ABSENT) -> Any:
    """``edited`` with every value still equal to the masked original (``shown``, worked out
    here) put back: a token the operator did not retype stays the token; one typed anew is
    the new one."""
    shown = masked(original) if shown is ABSENT else shown
    if isinstance(edited, dict) and isinstance(original, dict) and isinstance(shown, dict):
        return {
            k: unmasked(v, original[k], shown[k]) if k in original else v for k, v in edited.items()
        }
    if (
        isinstance(edited, list)
        and isinstance(original, list)
        and isinstance(shown, list)
        and len(edited) == len(original)
    ):
        return [unmasked(e, o, m) for e, o, m in zip(edited, original, shown, strict=True)]
    if edited != original and edited == shown:
        return original
    return edited
