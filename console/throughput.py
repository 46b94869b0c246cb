"""The header's sparkline: tasks completed and tasks failed per 10 s over the last 2 minutes.

Pure and cheap: it is fed the task list rows the console reads anyway (the whole list once,
then only the rows the change feed names), remembers each task's last status, and counts a
task once when it turns ``complete`` (at its ``completed_at``) and once when it turns failed,
``blocked_by_failures`` or ``error`` (at its ``updated_at``). A task first seen already in such
a state counts if that happened inside the window, so the line has a past when the console
opens. Work per refresh is proportional to the rows that changed, never to the list.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

BUCKET_MS = 10_000
BUCKETS = 12  # 2 minutes
BARS = " ▁▂▃▄▅▆▇█"
COMPLETED = frozenset({"complete"})
FAILED = frozenset({"blocked_by_failures", "error"})


def bucket_counts(times: list[int], now_ms: int, bucket_ms: int, buckets: int) -> list[int]:
    """Events per bucket of sorted ``times``, oldest first; the last bucket ends at ``now_ms``
    (included). A few bisections, whatever the number of events.

    With bucket_ms 10 000, buckets 3 and now 30 000 the window is (0, 30 000]: time 0 falls
    outside, 5 000 in the first bucket, 10 001 in the second, 30 000 in the last."""
    start = now_ms - bucket_ms * buckets
    edges = [bisect.bisect_right(times, start + n * bucket_ms) for n in range(buckets + 1)]
    return [edges[n + 1] - edges[n] for n in range(buckets)]


def sparkline(counts: list[int], peak: int | None = None) -> str:
    """One bar per count, scaled to ``peak`` (default: the largest); a zero is a blank, any
    other count at least the lowest bar, so one failure among hundreds still shows."""
    top = max(peak if peak is not None else max(counts, default=0), 1)
    bars = []
    for count in counts:
        level = 0 if count <= 0 else max(1, round(count * (len(BARS) - 1) / top))
        bars.append(BARS[min(level, len(BARS) - 1)])
    return "".join(bars)


class Throughput:
    """Completions and failures of tasks, from the list rows the console reads."""

    def __init__(self, bucket_ms: int = BUCKET_MS, buckets: int = BUCKETS) -> None:
        self.bucket_ms, self.buckets = bucket_ms, buckets
        self.status: dict[str, str] = {}
        self.completions: list[int] = []  # sorted times
        self.failures: list[int] = []

    @property
    def window_ms(self) -> int:
        return self.bucket_ms * self.buckets

    def observe(self, rows: Iterable[dict[str, Any]], now_ms: int) -> None:
        since = now_ms - self.window_ms
        completions, failures = self.completions, self.failures
        known = len(completions), len(failures)
        for row in rows:
            status = row["status"]
            before = self.status.get(row["task_uuid"])
            if status == before:
                continue
            self.status[row["task_uuid"]] = status
            if status in COMPLETED:
                at = row.get("completed_at") or row["updated_at"]
                if at > since:
                    completions.append(at)
            elif status in FAILED and before not in FAILED and row["updated_at"] > since:
                failures.append(row["updated_at"])
        for times, before_count in ((completions, known[0]), (failures, known[1])):
            if len(times) > before_count:
                times.sort()  # one sort of a nearly sorted list: the first list adds thousands
            del times[: bisect.bisect_right(times, since)]

    def series(self, now_ms: int) -> tuple[list[int], list[int]]:
        """(completions, failures) per bucket, oldest first."""
        return (
            bucket_counts(self.completions, now_ms, self.bucket_ms, self.buckets),
            bucket_counts(self.failures, now_ms, self.bucket_ms, self.buckets),
        )
