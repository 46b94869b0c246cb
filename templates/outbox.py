"""Where the workflows "send" e-mail: an outbox table in a SQLite file you can inspect.

Path: the environment variable ``TASKER_DEMO_OUTBOX`` if set, else the step's
``outbox_path`` config (``handler.initialization`` in the template), else
``./tasker-outbox.db``. Read it with ``sqlite3 tasker-outbox.db 'select * from outbox'``.

Each message has a ``message_key`` (e.g. ``<task_uuid>:send_confirmation``) that is unique,
so a retried step finds its earlier message instead of sending a second one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .ids import stable_hex

OUTBOX_ENV = "TASKER_DEMO_OUTBOX"
DEFAULT_OUTBOX = "tasker-outbox.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    message_id  TEXT PRIMARY KEY,
    message_key TEXT NOT NULL UNIQUE,
    workflow    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    template    TEXT NOT NULL,
    created_at  TEXT NOT NULL
)
"""
_COLUMNS = (
    "message_id",
    "message_key",
    "workflow",
    "channel",
    "recipient",
    "subject",
    "body",
    "template",
    "created_at",
)


@dataclass(frozen=True)
class OutboxMessage:
    """One message as it sits in the outbox."""

    message_id: str
    message_key: str
    workflow: str
    channel: str
    recipient: str
    subject: str
    body: str
    template: str
    created_at: str


def outbox_path(step_config: Mapping[str, Any] | None = None) -> Path:
    """The outbox file: environment first, then step config, then ``./tasker-outbox.db``."""
    configured = os.environ.get(OUTBOX_ENV) or (step_config or {}).get("outbox_path")
    return Path(configured or DEFAULT_OUTBOX)


def message_id_for(message_key: str) -> str:
    """``msg_`` + 16 hex, the same for the same key."""
    return "msg_" + stable_hex("outbox", message_key, length=16)


class Outbox:
    """A SQLite outbox; each call opens and closes its own connection (safe across threads)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30.0)
        connection.execute(_SCHEMA)
        return connection

    def deliver(
        self,
        *,
        message_key: str,
        workflow: str,
        channel: str,
        recipient: str,
        subject: str,
        body: str,
        template: str,
        created_at: str,
    ) -> tuple[OutboxMessage, bool]:
        """Store the message once; returns it and whether this call was the first delivery."""
        row = (
            message_id_for(message_key),
            message_key,
            workflow,
            channel,
            recipient,
            subject,
            body,
            template,
            created_at,
        )
        with closing(self._connect()) as connection, connection:
            cursor = connection.execute(
                f"INSERT OR IGNORE INTO outbox ({', '.join(_COLUMNS)}) VALUES (?,?,?,?,?,?,?,?,?)",
                row,
            )
            first = cursor.rowcount == 1
            stored = connection.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM outbox WHERE message_key = ?", (message_key,)
            ).fetchone()
        return OutboxMessage(*stored), first

    def messages(self, *, recipient: str | None = None) -> list[OutboxMessage]:
        """Every stored message in delivery order, optionally for one recipient."""
        if not self.path.exists():
            return []
        query = f"SELECT {', '.join(_COLUMNS)} FROM outbox"
        params: tuple[str, ...] = ()
        if recipient is not None:
            query += " WHERE recipient = ?"
            params = (recipient,)
        with closing(self._connect()) as connection:
            rows = connection.execute(query + " ORDER BY rowid", params).fetchall()
        return [OutboxMessage(*row) for row in rows]
