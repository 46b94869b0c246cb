"""WAL checkpoints on a thread of their own, so commits never wait for them.

By default the connection whose commit crosses 1,000 WAL pages copies the WAL into the database
and syncs it, a few milliseconds charged to one unlucky step. Here a background connection runs
a PASSIVE checkpoint (never blocks readers or writers) every half second; the writing connection
keeps a high automatic threshold only as a safety net.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("tasker.store")

INTERVAL_S = 0.5
SAFETY_NET_PAGES = 10_000  # about 40 MB of WAL before a commit checkpoints by itself


class WalCheckpointer:
    def __init__(self, path: str, interval_s: float = INTERVAL_S) -> None:
        self._path = path
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            cx = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            log.debug("no background checkpoints for %s: %s", self._path, exc)
            return
        try:
            cx.execute("PRAGMA busy_timeout = 100")
            while not self._stop.wait(self._interval_s):
                self._checkpoint(cx)
            self._checkpoint(cx)
        finally:
            cx.close()

    def _checkpoint(self, cx: sqlite3.Connection) -> None:
        try:
            cx.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # read-only file, a lock held too long: try again later
            log.debug("checkpoint of %s skipped: %s", self._path, exc)
