"""What the console shows of a context or results: sensitive values masked unless revealed.

The rules (which keys, how a value is masked, which secrets a message quotes) are the
engine's, so the CLI and the console never disagree about what is secret.
"""

from __future__ import annotations

import json
from typing import Any

from engine.masking import masked, masked_text, secret_values

__all__ = ["displayed", "displayed_json", "masked_text", "secret_values"]


def displayed(value: Any, reveal: bool = False) -> Any:
    """``value`` with sensitive keys masked at any depth, or untouched when ``reveal``."""
    return value if reveal else masked(value)


def displayed_json(value: Any, reveal: bool = False) -> str:
    """Indented JSON of what ``displayed`` returns; ``null`` for nothing."""
    return json.dumps(displayed(value, reveal), indent=2, ensure_ascii=False, default=str)
