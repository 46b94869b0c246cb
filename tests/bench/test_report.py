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


def _postgres() -> dict[str, Any]:
    return {
        "server": "PostgreSQL 15.2",
        "sequential": {
            "ours_ms_per_step": _figure(1.0),
            "floor_pipelined_ms_per_step": _figure(0.8),
            "floor_one_tx_ms_per_step": _figure(2.0),
            "dbos_ms_per_step": _figure(5.0),
            "ours_to_pipelined_floor": {"median": 1.3, "min": 1.2, "max": 1.4},
            "ours_to_one_tx_floor": _figure(0.5),
            "dbos_to_ours": _figure(5.0),
        },
        "throughput_1": {
            "ours_chains_per_s": _figure(600.0),
            "dbos_chains_per_s": _figure(75.0),
            "ours_to_dbos": _figure(8.0),
            "ours_connections_per_process": _figure(6.0),
            "dbos_connections_per_process": _figure(22.0),
        },
    }


def test_the_postgresql_tables_put_ours_beside_the_floors_and_dbos_with_paired_ratios() -> None:
    table = report.markdown({**_results(), "postgres": _postgres()})
    assert (
        "| floor, statements of a step pipelined (one round trip) | 0.800 ms | 1.30× (1.20–1.40×) |"
        in table
    )
    assert "| DBOS Transact (PostgreSQL) | 5.000 ms | 0.20× |" in table
    assert (
        "| 1 worker process | 600 chains/s | 75 chains/s | 8.00× (8.00–8.00×) | 6 | 22 |" in table
    )
    postgres_half = table.split("PostgreSQL throughput")[1]
    assert "| 2 worker processes |" not in postgres_half  # not measured: no row


def test_a_run_without_a_postgresql_server_says_why_in_one_line() -> None:
    table = report.markdown({**_results(), "postgres": {"skipped": "no PostgreSQL server"}})
    assert table.endswith("PostgreSQL: not measured, no PostgreSQL server.")


def test_a_step_on_a_database_holding_many_chains_is_set_beside_one_on_an_empty_database() -> None:
    held = {
        "chains": 5000,
        "ms_per_step": _figure(0.42),
        "to_empty": {"median": 1.05, "min": 0.98, "max": 1.1},
    }
    pg = _postgres()
    pg["held_chains"] = 5000
    pg["sequential"] |= {
        "ours_held_ms_per_step": _figure(1.1),
        "held_to_empty": {"median": 1.1, "min": 1.0, "max": 1.2},
    }
    table = report.markdown({**_results(), "held": held, "postgres": pg})
    assert "| 5,000 finished chains | 0.420 ms | 1.05× (0.98–1.10×) |" in table
    assert (
        "| ours, on a database already holding 5,000 finished chains | 1.100 ms |"
        " 1.10× (1.00–1.20×) ours on an empty one |" in table
    )
    # A run from before these were measured shows neither row.
    older = report.markdown({**_results(), "postgres": _postgres()})
    assert "finished chains" not in older


def test_peer_ratios_are_the_rounds_own_when_the_peers_ran_in_the_same_rounds() -> None:
    results = _results()
    results["dbos"] = {"chains_per_s_1": _figure(100.0), "chain5_ms": _figure(10.0)}
    results["huey"] = {"chains_per_s_1": _figure(400.0)}
    results["ours"]["chain5_ms"] = _figure(2.0)
    results["ratios"].update(
        {
            "throughput_1_to_dbos": {"median": 9.5, "min": 9.0, "max": 11.0},
            "throughput_1_to_huey": {"median": 2.4, "min": 2.2, "max": 2.6},
            "dbos_to_ours_chain5": {"median": 5.5, "min": 5.0, "max": 6.0},
        }
    )
    table = report.markdown(results)
    assert (
        "| 1 worker process | 1000 chains/s | 100 chains/s | 400 chains/s | 9.50× (9.00–11.00×) |"
        " 2.40× (2.20–2.60×) |" in table
    )
    assert (
        "| 5-step chain, per workflow | 2.00 ms | 10.00 ms | – | 5.50× (5.00–6.00×) | – |" in table
    )


def test_without_paired_ratios_a_peer_ratio_is_the_ratio_of_the_medians() -> None:
    results = _results()
    results["dbos"] = {"chains_per_s_1": _figure(100.0)}
    assert "| 1 worker process | 1000 chains/s | 100 chains/s | – | 10.00× | – |" in (
        report.markdown(results)
    )
