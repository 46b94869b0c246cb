"""How much of a failed attempt's error the engine keeps: capped, and strict JSON.

An error comes from other people's code: a handler may raise with a 20 MB message, attach
metadata holding NaN or objects JSON cannot hold, or produce a traceback of thousands of
frames. Each part is capped on its own (message, code, traceback, metadata) with a visible
``… truncated N bytes`` marker, so an operator sees that text is missing and how much, and
the stored error (kept once per attempt, and its message again in the audit row) stays small.
Metadata is made strict JSON: NaN and Infinity become the strings "NaN", "Infinity" and
"-Infinity", anything else JSON cannot hold becomes its text.

Pure: the ``StepError`` dataclass applies ``capped_parts`` when it is built.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_ERROR_MESSAGE_BYTES = 16_000
MAX_ERROR_CODE_BYTES = 200
MAX_ERROR_TRACEBACK_BYTES = 64_000
MAX_ERROR_METADATA_BYTES = 16_000
MAX_METADATA_TEXT_BYTES = 2_000  # each text inside metadata, before the whole is measured
MAX_METADATA_DEPTH = 20  # metadata is for people to read; deeper levels become a note
TOO_DEEP = "… nested too deeply"

_STRICT = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def truncated(text: str, limit: int, *, keep_end: bool = False) -> str:
    """``text`` if its UTF-8 form fits ``limit`` bytes; otherwise its start (and with
    ``keep_end`` its end, where a traceback names the exception) around a marker saying how
    many bytes were cut, the whole within ``limit``. Lone surrogates are written as ``\\udXXX``.
    """
    if len(text) * 4 <= limit and _is_utf8(text):  # fits, whatever its characters
        return text
    data = text.encode("utf-8", "backslashreplace")
    if len(data) <= limit:
        return data.decode()
    marker_room = len(f"\n… truncated {len(data)} bytes\n".encode())
    budget = max(0, limit - marker_room)
    if keep_end:
        head = data[: budget // 2].decode("utf-8", "ignore")
        tail = data[len(data) - (budget - budget // 2) :].decode("utf-8", "ignore")
        cut = len(data) - len(head.encode()) - len(tail.encode())
        return f"{head}\n… truncated {cut} bytes\n{tail}"
    head = data[:budget].decode("utf-8", "ignore")
    return f"{head}… truncated {len(data) - len(head.encode())} bytes"


def _is_utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def capped_metadata(metadata: Any) -> dict[str, Any]:
    """``metadata`` as strict JSON within ``MAX_ERROR_METADATA_BYTES``; itself when it is so.

    Over the limit once its texts are capped, the entries that fit are kept in order and the
    rest are replaced by ``"_truncated": "… truncated N bytes (K entries: names)"``."""
    if not metadata:
        return {}
    if isinstance(metadata, dict):
        try:
            if len(_STRICT.encode(metadata).encode()) <= MAX_ERROR_METADATA_BYTES:
                return metadata
        except (ValueError, TypeError, RecursionError, UnicodeEncodeError):
            pass
    plain = _plain(metadata, 0)
    if not isinstance(plain, dict):
        plain = {"value": plain}
    if len(_STRICT.encode(plain).encode()) <= MAX_ERROR_METADATA_BYTES:
        return plain
    return _first_entries(plain)


def _first_entries(plain: dict[str, Any]) -> dict[str, Any]:
    budget = MAX_ERROR_METADATA_BYTES - 2 * MAX_METADATA_TEXT_BYTES  # room for the note
    kept: dict[str, Any] = {}
    used, cut, dropped = 2, 0, []
    for key, value in plain.items():
        size = len(_STRICT.encode({key: value}).encode()) - 1  # its comma instead of a brace
        if used + size <= budget:
            kept[key] = value
            used += size
        else:
            cut += size
            dropped.append(key)
    names = truncated(", ".join(dropped), MAX_METADATA_TEXT_BYTES)
    kept["_truncated"] = f"… truncated {cut} bytes ({len(dropped)} entries: {names})"
    return kept


def _plain(value: Any, depth: int) -> Any:
    """``value`` as strict JSON values, texts capped."""
    if value is None or isinstance(value, bool | int):
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
            return truncated(_int_text(value), MAX_METADATA_TEXT_BYTES)
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, str):
        return truncated(value, MAX_METADATA_TEXT_BYTES)
    if isinstance(value, dict | list | tuple) and depth >= MAX_METADATA_DEPTH:
        return TOO_DEEP
    if isinstance(value, dict):
        return {_key(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    return truncated(_text(value), MAX_METADATA_TEXT_BYTES)


def _key(key: Any) -> str:
    plain = key if isinstance(key, str) else _plain(key, MAX_METADATA_DEPTH)
    return truncated(plain if isinstance(plain, str) else _text(plain), MAX_METADATA_TEXT_BYTES)


def _int_text(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # over Python's 4,300-digit conversion limit
        return f"an integer of {value.bit_length()} bits"


def _text(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # a broken __str__ is the handler's problem, not the store's
        return f"<{type(value).__name__}>"


def capped_parts(
    message: str, error_code: str | None, traceback: str | None, metadata: Any
) -> tuple[str, str | None, str | None, dict[str, Any]]:
    """An error's message, code, traceback and metadata as the engine keeps them."""
    return (
        truncated(_as_text(message), MAX_ERROR_MESSAGE_BYTES),
        None if error_code is None else truncated(_as_text(error_code), MAX_ERROR_CODE_BYTES),
        None
        if traceback is None
        else truncated(_as_text(traceback), MAX_ERROR_TRACEBACK_BYTES, keep_end=True),
        capped_metadata(metadata),
    )


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else _text(value)


def error_json(error: dict[str, Any]) -> str:
    """An error's ``to_json()`` as stored: compact, strict JSON (its parts already capped)."""
    try:
        return _STRICT.encode(error)
    except (ValueError, TypeError):  # metadata changed after the error was built
        return _STRICT.encode({**error, "metadata": capped_metadata(error.get("metadata"))})
