"""The most connections a database had open while something ran (psycopg only, so the peers'
scripts in bench/.venv-peers use it too, as a sibling module)."""

from __future__ import annotations

import threading

import psycopg

INTERVAL_S = 0.02


class ConnectionPeak:
    """Samples the connections to ``url``'s database (its own left out) every 20 ms in a thread,
    from ``start()`` to ``stop()``; ``peak`` is the most seen, ``baseline`` those open at start."""

    def __init__(self, url: str) -> None:
        self._cx = psycopg.connect(url, autocommit=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.baseline = self.count()
        self.peak = self.baseline

    def count(self) -> int:
        row = self._cx.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
        return int(row[0]) if row else 0

    def _sample(self) -> None:
        while not self._stop.wait(INTERVAL_S):
            self.peak = max(self.peak, self.count())

    def start(self) -> ConnectionPeak:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._cx.close()

    def per_process(self, processes: int) -> float:
        """The most connections opened beyond the baseline, per process."""
        return (self.peak - self.baseline) / max(processes, 1)
