"""The header's sparkline of completions and failures per 10 s (console.throughput)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from console.throughput import Throughput, bucket_counts, sparkline
from console.widgets.header import ConsoleHeader

NOW = 1_000_000


def row(uuid: str, status: str, updated: int, completed: int | None = None) -> dict[str, object]:
    return {"task_uuid": uuid, "status": status, "updated_at": updated, "completed_at": completed}


def test_buckets_follow_the_docstrings_example() -> None:
    assert bucket_counts([0, 5_000, 10_001, 30_000], 30_000, 10_000, 3) == [1, 1, 1]
    assert bucket_counts([0, 10_000, 30_001], 30_000, 10_000, 3) == [1, 0, 0]
    assert bucket_counts([], 30_000, 10_000, 3) == [0, 0, 0]


def test_the_bars_scale_to_the_peak_and_a_single_event_shows() -> None:
    assert sparkline([0, 1, 8]) == " ▁█"
    assert sparkline([0, 1, 100]) == " ▁█"
    assert sparkline([4], peak=8) == "▄"
    assert sparkline([0, 0]) == "  "


def test_a_task_counts_once_when_it_completes_and_once_each_time_it_fails() -> None:
    seen = Throughput(bucket_ms=10_000, buckets=3)
    seen.observe([row("a", "steps_in_process", NOW - 25_000)], NOW - 25_000)
    seen.observe([row("a", "blocked_by_failures", NOW - 24_000)], NOW - 24_000)
    seen.observe([row("a", "blocked_by_failures", NOW - 20_000)], NOW - 20_000)  # no change
    seen.observe([row("a", "error", NOW - 15_000)], NOW - 15_000)  # given up: still one
    seen.observe([row("b", "complete", NOW - 2_000, NOW - 3_000)], NOW)
    seen.observe([row("b", "complete", NOW - 1_000, NOW - 3_000)], NOW)  # updated again
    assert seen.series(NOW) == ([0, 0, 1], [1, 0, 0])


def test_the_first_list_gives_the_line_its_past_and_old_events_drop_out() -> None:
    seen = Throughput(bucket_ms=10_000, buckets=3)
    seen.observe(
        [
            row("old", "complete", NOW - 60_000, NOW - 60_000),
            row("new", "complete", NOW - 5_000, NOW - 5_000),
            row("stuck", "blocked_by_failures", NOW - 12_000),
            row("busy", "steps_in_process", NOW - 1_000),
        ],
        NOW,
    )
    assert seen.series(NOW) == ([0, 0, 1], [0, 1, 0])
    later = NOW + 30_000
    seen.observe([], later)
    assert seen.series(later) == ([0, 0, 0], [0, 0, 0])
    assert seen.completions == [] and seen.failures == []


async def test_the_header_slides_its_line_on_each_new_10_s_with_nothing_new() -> None:
    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield ConsoleHeader()

    async with One().run_test(size=(150, 3)) as pilot:
        header = pilot.app.query_one(ConsoleHeader)
        header.throughput.observe([row("a", "complete", NOW - 1_000, NOW - 1_000)], NOW)
        header.show("t.db", "observing", {"complete": 1}, now_ms=NOW)
        assert "█ ✗" in str(header.render())
        header.tick(NOW + 5_000)  # the same 10 s: nothing to redraw
        assert "█ ✗" in str(header.render())
        header.tick(NOW + 10_000)
        assert "█  ✗" in str(header.render()), "the bar moved one place left"
