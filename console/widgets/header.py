"""The header line: which database, what the embedded worker does, how many tasks per state,
tasks completed and failed per 10 s (``console.throughput``), and, for as long as secrets are
revealed, a sign saying so."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from console.formatting import task_look
from console.throughput import Throughput, sparkline

Activity = tuple[list[int], list[int]]  # tasks completed, tasks failed per 10 s, oldest first

ORDER = (
    "pending",
    "steps_in_process",
    "waiting_for_dependencies",
    "waiting_for_retry",
    "blocked_by_failures",
    "complete",
    "error",
    "cancelled",
    "resolved_manually",
)


REVEALED_SIGN = " SECRETS SHOWN · v hides "


def activity_text(activity: Activity) -> Text:
    """`` ✓▁▃█ ✗  ▁ /10s │`` with both lines on one scale, so their heights compare."""
    completed, failed = activity
    peak = max([*completed, *failed, 1])
    text = Text(" ")
    text.append("✓", style="green")
    text.append(sparkline(completed, peak), style="green on grey11")
    text.append(" ✗", style="bold red")
    text.append(sparkline(failed, peak), style="bold red on grey11")
    text.append(" /10s │", style="dim")
    return text


def header_text(
    db: str,
    worker: str,
    counts: dict[str, int],
    revealed: bool = False,
    loading: bool = False,
    activity: Activity | None = None,
) -> Text:
    """``tasker.db │ embedded worker running 2/4 │ ✓▁▃█ ✗  ▁ /10s │  ✓ 12 complete  ✗ 1 …``"""
    text = Text()
    if revealed:
        text.append(REVEALED_SIGN, style="bold white on red")
        text.append(" ")
    text.append(" tasker ", style="bold reverse")
    text.append(f" {db} ", style="bold")
    text.append("│ ", style="dim")
    text.append(worker, style="yellow" if "paused" in worker else "")
    text.append(" │", style="dim")
    if activity is not None and not loading:  # before the counts: they may run off the edge
        text.append(activity_text(activity))
    for state in (*ORDER, *sorted(set(counts) - set(ORDER))):
        if counts.get(state):
            glyph, style = task_look(state)
            text.append(f"  {glyph} {counts[state]} {state}", style=style)
    if loading:
        text.append("  loading tasks…", style="dim")
    elif not any(counts.values()):
        text.append("  no tasks yet: press n to create one", style="dim")
    return text


class ConsoleHeader(Static):
    """The header; it keeps the completions and failures seen in the list rows it is fed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.throughput = Throughput()
        self._shown: tuple[str, str, dict[str, int], bool, bool] | None = None
        self._bucket: int | None = None

    def show(
        self,
        db: str,
        worker: str,
        counts: dict[str, int],
        revealed: bool = False,
        loading: bool = False,
        now_ms: int | None = None,
    ) -> None:
        """``loading``: the first read has not answered yet, so "no tasks yet" would be a guess.
        ``now_ms``: draw the completions and failures per 10 s up to then."""
        self._shown = (db, worker, counts, revealed, loading)
        activity = None
        if now_ms is not None:
            activity = self.throughput.series(now_ms)
            self._bucket = now_ms // self.throughput.bucket_ms
        self.update(header_text(db, worker, counts, revealed, loading, activity))

    def tick(self, now_ms: int) -> None:
        """Slide the per-10 s line on when a new 10 s begins, changes or not."""
        if self._shown is not None and self._bucket not in (
            None,
            now_ms // self.throughput.bucket_ms,
        ):
            self.show(*self._shown, now_ms=now_ms)
