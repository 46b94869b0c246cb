"""What the console shows of a context or results: secrets masked unless revealed.

The rules (which keys, how a value is masked, which secrets a message quotes, card-like
numbers) are the engine's (``engine.masking``, whose docstring says what is masked and what
is not), so the CLI and the console never disagree about what is secret.
"""

from __future__ import annotations

import json
from typing import Any

from engine.masking import masked, masked_text, secret_values

__all__ = ["displayed", "displayed_json", "masked_text", "secret_values", "shown_text"]


def displayed(value: Any, reveal: bool = False, secrets: tuple[str, ...] = ()) -> Any:
    """``value`` with secrets masked at any depth, or untouched when ``reveal``."""
    return value if reveal else masked(value, secrets)


def displayed_json(value: Any, reveal: bool = False, secrets: tuple[str, ...] = ()) -> str:
    """Indented JSON of what ``displayed`` returns; ``null`` for nothing."""
    return json.dumps(displayed(value, reveal, secrets), indent=2, ensure_ascii=False, default=str)


def shown_text(text: Any, reveal: bool = False, secrets: tuple[str, ...] = ()) -> str:
    """Free text (a message, a reason) with the secrets and card numbers in it masked."""
    text = "" if text is None else str(text)
    return text if reveal else masked_text(text, secrets)
