"""Lease renewal for a thread beside the event loop, on a blocking connection of its own."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from engine.store.base import StoreError

CONNECT_TIMEOUT_S = 5


class PostgresLeaseRenewer:
    """The statements of ``postgres.writes.renew_leases``, on a sync psycopg connection."""

    def __init__(self, url: str, label: str) -> None:
        self._url = url
        self._label = label
        self._conn: psycopg.Connection[dict[str, Any]] | None = None

    def renew(self, worker_id: str, step_uuids: list[str], lease_until_ms: int) -> set[str]:
        if not step_uuids:
            return set()
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_S,
                    row_factory=dict_row,
                )
            with self._conn.transaction():
                # SKIP LOCKED: a step locked now is being finished or moved; the next renewal counts.
                self._conn.execute(
                    "UPDATE steps SET lease_expires_at = %s WHERE step_uuid IN (SELECT step_uuid"
                    " FROM steps WHERE step_uuid = ANY(%s) AND claimed_by = %s"
                    " AND state = 'in_progress' FOR UPDATE SKIP LOCKED)",
                    (lease_until_ms, step_uuids, worker_id),
                )
                rows = self._conn.execute(
                    "SELECT step_uuid FROM steps WHERE step_uuid = ANY(%s)"
                    " AND (cancel_requested = 1 OR state <> 'in_progress')",
                    (step_uuids,),
                ).fetchall()
        except psycopg.Error as exc:
            self.close()  # a new connection next time
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"lease renewal on {self._label} failed: {first}") from None
        return {row["step_uuid"] for row in rows}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
