"""The bench's markdown table puts a step beside both floors, with the rounds' paired ratios."""

from __future__ import annotations

from typing import Any

from bench import report


def _figure(median: float) -> dict[str, float]:
    return {"median": median, "min": median, "max": median}


def _results() -> dict[str, Any]:
    return {
        "date": "2026-11-30 10:00",
        "machine": "x86_64 python 3.11.7, 2 CPUs",
        "runs": 5,
        "chains": 1000,
        "floor": {"same_writes_ms_per_step": _figure(0.2), "minimal_ms_per_step": _figure(0.1)},
        "ratios": {
            "per_step_to_same_writes_floor": _figure(1.95),
            "per_step_to_minimal_floor": _figure(4.1),
        },
        "ours": {"chain5_ms": _figure(2.0), "chains_per_s_1": _figure(1000.0)},
        "dbos": {},
        "huey": {},
    }


def test_a_sequential_step_is_shown_beside_both_floors_with_the_paired_ratios() -> None:
    table = report.markdown(_results())
    # The ratio column is the median of each round's own ratio, not the ratio of the medians
    # (0.4 / 0.2 would read 2.00×).
    assert (
        "| sequential, one chain at a time | 0.400 ms | 0.200 ms | 1.95× | 0.100 ms | 4.10× |"
        in (table)
    )


def test_under_load_a_step_is_the_wall_time_of_a_fifth_of_a_chain() -> None:
    table = report.markdown(_results())
    # 1,000 chains/s of 5 steps: 0.2 ms of wall time per step.
    assert (
        "| under load, 1 worker process (wall time per step) | 0.200 ms | 0.200 ms | 1.00× |"
        in (table)
    )
    assert "| under load, 2 worker processes (wall time per step) | – |" in table
