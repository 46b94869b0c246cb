"""What JSON the engine agrees to store: a task's context and a step's results.

Both are kept as JSON text and handed to every later step, so they must be strict JSON (no NaN
or Infinity, which other readers reject), not nested past what a parser can read back, and
bounded in size: large data belongs in a file or a table, referenced by id or path.
"""

from __future__ import annotations

import json
from typing import Any

MAX_CONTEXT_BYTES = 1_000_000
MAX_RESULT_BYTES = 1_000_000


# What json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False) builds on
# every call; built once (an attempt's results are serialised here).
_STORED_JSON = json.JSONEncoder(separators=(",", ":"), allow_nan=False, ensure_ascii=False)


class NotStorable(ValueError):
    """A value the engine will not store; ``str()`` is one line saying what to change."""


class TooLarge(NotStorable):
    """Valid JSON, but over the size limit."""


def stored_size(value: Any, what: str, limit: int) -> int:
    """The size of ``value`` as stored JSON text; ``NotStorable`` when it cannot be stored.

    ``what`` names the value in the message ("the context", "the step's results")."""
    return _checked(value, what, limit)[1]


def stored_text(value: Any, what: str, limit: int) -> str:
    """``value`` as the store keeps it (compact JSON, text as UTF-8 rather than escapes), checked
    like ``stored_size``: serialised once, for the check and the store."""
    return _checked(value, what, limit)[0]


def _checked(value: Any, what: str, limit: int) -> tuple[str, int]:
    try:
        text = _STORED_JSON.encode(value)
        size = len(text.encode())
    except UnicodeEncodeError:
        raise NotStorable(
            f"{what} holds text that is not valid Unicode (a lone surrogate such as \\ud800); "
            "send UTF-8 text"
        ) from None
    except RecursionError:
        raise NotStorable(f"{what} is nested too deeply to store; flatten it") from None
    except ValueError as exc:
        if "Circular" in str(exc):
            raise NotStorable(f"{what} refers to itself (a circular reference)") from None
        raise NotStorable(
            f"{what} holds NaN or Infinity, which JSON cannot store; use null or a string"
        ) from None
    except TypeError as exc:
        raise NotStorable(f"{what} cannot be stored as JSON: {exc}") from None
    if size > limit:
        raise TooLarge(
            f"{what} is {size} bytes, over the {limit} byte limit; "
            "pass references (ids, paths) instead of data"
        )
    return text, size
