"""The payment gateway's memory on disk: one JSON line per charge taken or request served.

A real payment provider remembers its charges however often our side restarts; that memory is
what makes a retry after a lost answer safe. ``LedgerFile`` gives the simulator the same: the
demo keeps one beside its database, so an order resumed by a later ``tasker demo`` still finds
the charge taken before the restart. The file is append-only (a charge replayed again is
appended with its new request count; the last line for a key wins) and readable with ``cat``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class LedgerFile:
    """Append-only JSON lines: ``{"charge": {...}}`` or ``{"request": {...}}``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def read(self) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
        """(latest charge record by idempotency key, requests in order); empty if no file.

        A torn last line (the process died mid-write) is skipped."""
        charges: dict[str, dict[str, Any]] = {}
        requests: list[dict[str, Any]] = []
        for entry in self._entries():
            if isinstance(entry.get("charge"), dict):
                charges[entry["charge"]["idempotency_key"]] = entry["charge"]
            elif isinstance(entry.get("request"), dict):
                requests.append(entry["request"])
        return charges, requests

    def _entries(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    yield entry

    def append_charge(self, charge: dict[str, Any]) -> None:
        self._append({"charge": charge})

    def append_request(self, request: dict[str, Any]) -> None:
        self._append({"request": request})

    def _append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line)

    def reset(self) -> None:
        """Forget everything (the ledger belonged to a database that no longer exists)."""
        with self._lock:
            self.path.unlink(missing_ok=True)
