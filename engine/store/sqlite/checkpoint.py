"""WAL checkpoints on a thread of their own, so commits never wait for them.

By default the connection whose commit crosses 1,000 WAL pages copies the WAL into the database
and syncs it, a few milliseconds charged to one unlucky step. Here a background connection runs
a PASSIVE checkpoint (never blocks readers or writers) every 100 ms when something was committed
meanwhile; the writing connection keeps a high automatic threshold only as a safety net.

Often, because a short WAL makes every commit cheaper: once a checkpoint has copied the whole
WAL, the next commit starts writing it from its beginning again, into pages the system still
holds. A sequential 5-step chain commits about 70 WAL pages; with a checkpoint every half second
the WAL grew to some 10,000 pages and a commit cost about 65 us, every 50 ms about 45 us. Not
more often than every 100 ms, because each checkpoint also syncs the files: under full load
(1,000 chains, four worker processes on two cores) every 50 ms cost 7 % of the throughput,
every 100 ms 3 %, for a sequential step 7 % and 6 % faster than every half second.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("tasker.store")

INTERVAL_S = 0.1
SAFETY_NET_PAGES = 10_000  # about 40 MB of WAL before a commit checkpoints by itself


class WalCheckpointer:
    def __init__(self, path: str, interval_s: float = INTERVAL_S) -> None:
        self._path = path
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self.checkpoints = 0  # run since start, after a commit

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
            seen = None
            while not self._stop.wait(self._interval_s):
                seen = self._checkpoint_if_changed(cx, seen)
            self._checkpoint(cx)
        finally:
            cx.close()

    def _checkpoint_if_changed(self, cx: sqlite3.Connection, seen: int | None) -> int | None:
        """Checkpoint unless nothing was committed since the last look (an idle engine does
        not touch its files); the data version now."""
        try:
            version: int = cx.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error as exc:
            log.debug("checkpoint of %s skipped: %s", self._path, exc)
            return seen
        if version != seen:
            self.checkpoints += 1
            self._checkpoint(cx)
        return version

    def _checkpoint(self, cx: sqlite3.Connection) -> None:
        try:
            cx.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # read-only file, a lock held too long: try again later
            log.debug("checkpoint of %s skipped: %s", self._path, exc)
