"""What JSON the engine agrees to store: a task's context and a step's results.

Both are kept as JSON text and handed to every later step, so they must be strict JSON (no NaN
or Infinity, which other readers reject), not nested past what a parser can read back, and
bounded in size: large data belongs in a file or a table, referenced by id or path.

Nesting is limited to ``MAX_NESTING`` levels (Tasker's own JSON reader, serde_json, stops at
128; Python's recursion stops a little past 900, where ``task get`` used to crash on a context
it had accepted), and integers to the 64-bit range that JSON readers other than Python's keep
exactly (a 5,000-digit integer cannot even be printed by Python without a setting).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_CONTEXT_BYTES = 1_000_000
MAX_RESULT_BYTES = 1_000_000
MAX_NESTING = 100  # levels of objects and lists
INTEGERS = (-(2**63), 2**64 - 1)  # what serde_json (i64, u64) and databases keep exactly
_LONG_DIGITS = re.compile(r"\d{19}")  # the fewest digits an integer outside INTEGERS has


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
        raise NotStorable(too_deep(what)) from None
    except ValueError as exc:
        if "Circular" in str(exc):
            raise NotStorable(f"{what} refers to itself (a circular reference)") from None
        if "integer string conversion" in str(exc):
            raise NotStorable(out_of_range(what, "an integer of over 4300 digits")) from None
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
    # Walked only when the text could hold either problem (most values are small and flat).
    if text.count("[") + text.count("{") > MAX_NESTING or _LONG_DIGITS.search(text):
        _check_shape(value, what)
    return text, size


def too_deep(what: str) -> str:
    return (
        f"{what} is nested too deeply: more than {MAX_NESTING} levels of objects and lists; "
        "flatten it"
    )


def out_of_range(what: str, number: str) -> str:
    low, high = INTEGERS
    return (
        f"{what} holds {number}, outside the 64-bit range ({low} to {high}) other JSON "
        "readers keep exactly; pass it as a string"
    )


def _check_shape(value: Any, what: str) -> None:
    """``NotStorable`` for nesting past ``MAX_NESTING`` or an integer outside ``INTEGERS``
    (``value`` has already been serialised, so it holds no cycle)."""
    low, high = INTEGERS
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list | tuple):
            if depth >= MAX_NESTING:
                raise NotStorable(too_deep(what))
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(node, int) and not isinstance(node, bool) and not low <= node <= high:
            digits = len(str(abs(node)))  # within 4300 digits: it was serialised
            raise NotStorable(out_of_range(what, f"an integer of {digits} digits"))
