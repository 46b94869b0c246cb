"""A problem found at a place in the YAML; the loader turns the place into a line number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    path: tuple[Any, ...]  # keys and indexes from the document root, e.g. ("steps", 2, "retry")
    message: str
    line: int | None = None  # when known directly (duplicate keys), instead of from ``path``


def step_label(name: object, index: int) -> str:
    """How messages name a step: by its name, or by position when it has none."""
    return f"step '{name}'" if isinstance(name, str) and name else f"step {index + 1}"
