"""``make bench``'s PostgreSQL half: our engine beside the bare psycopg floors and DBOS Transact
on the same server, every figure in a scratch database of its own, every ratio from one round.

Sequentially, each round measures the two floors, our chain and DBOS's back to back, and a
ratio's median is the median of the rounds' own ratios. Throughput alternates our run and
DBOS's for each number of worker processes, likewise.
"""

from __future__ import annotations

from typing import Any

import psycopg

from bench import floor_postgres, held, peers
from bench.figures import summary
from bench.postgres import SERVER, STEPS, chains_per_second, ms_per_step, scratch_database

FLOOR_CHAINS = 300


def server_problem(server: str = SERVER) -> str | None:
    """Why the PostgreSQL half cannot run, or None."""
    try:
        psycopg.connect(server, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"no PostgreSQL server at $TASKER_BENCH_PG ({str(exc).strip().splitlines()[0]})"
    return None


def _floors(chains: int) -> tuple[float, float]:
    with scratch_database() as url:
        floor_postgres.make_schema(url)
        one_by_one = floor_postgres.ms_per_step(url, chains)
        pipelined = floor_postgres.ms_per_step(url, chains, pipelined=True)
    return one_by_one, pipelined


def _dbos_ms_per_step() -> float:
    with scratch_database() as url:
        return peers.run("dbos_bench.py", "seq", url)["chain5_ms"] / STEPS


def sequential(runs: int, chains: int) -> dict[str, dict[str, float]]:
    figures: dict[str, list[float]] = {}
    with held.postgres_full(SERVER) as full:
        for _ in range(runs):
            _sequential_round(figures, chains, full)
    return {key: summary(values) for key, values in figures.items()}


def _sequential_round(figures: dict[str, list[float]], chains: int, full: str) -> None:
    """The floors, our chain (on an empty database and on a copy of ``full``) and DBOS's."""
    one_by_one, pipelined = _floors(FLOOR_CHAINS)
    with scratch_database() as url:
        ours = ms_per_step(url, chains)
    on_full = held.postgres_ms_per_step(SERVER, full, chains)
    dbos = _dbos_ms_per_step()
    for key, value in (
        ("floor_one_tx_ms_per_step", one_by_one),
        ("floor_pipelined_ms_per_step", pipelined),
        ("ours_ms_per_step", ours),
        ("ours_held_ms_per_step", on_full),
        ("dbos_ms_per_step", dbos),
        ("ours_to_pipelined_floor", ours / pipelined),
        ("ours_to_one_tx_floor", ours / one_by_one),
        ("held_to_empty", on_full / ours),
        ("dbos_to_ours", dbos / ours),
    ):
        figures.setdefault(key, []).append(value)


def throughput(runs: int, chains: int, workers: int) -> dict[str, dict[str, float]]:
    figures: dict[str, list[float]] = {}
    for _ in range(runs):
        with scratch_database() as url:
            ours = chains_per_second(url, workers, chains)
        with scratch_database() as url:
            dbos = peers.run("dbos_bench.py", "throughput", url, str(workers), str(chains))
        for key, value in (
            ("ours_chains_per_s", ours["chains_per_s"]),
            ("ours_connections_per_process", ours["connections_per_process"]),
            ("dbos_chains_per_s", dbos["chains_per_s"]),
            ("dbos_connections_per_process", dbos["connections_per_process"]),
            ("ours_to_dbos", ours["chains_per_s"] / dbos["chains_per_s"]),
        ):
            figures.setdefault(key, []).append(value)
    return {key: summary(values) for key, values in figures.items()}


def measure(runs: int, chains: int, sequential_chains: int, workers: tuple[int, ...]) -> dict:
    """The PostgreSQL figures of a bench run, or why there are none."""
    problem = server_problem()
    if problem:
        return {"skipped": problem}
    with psycopg.connect(SERVER) as cx:
        version = cx.execute("SHOW server_version").fetchone()
    figures: dict[str, Any] = {
        "server": f"PostgreSQL {version[0] if version else '?'}",
        "held_chains": held.HELD_CHAINS,
        "sequential": sequential(runs, sequential_chains),
    }
    for k in workers:
        figures[f"throughput_{k}"] = throughput(runs, chains, k)
    return figures


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.postgres_run``: only the PostgreSQL half, printed as markdown."""
    import argparse

    from bench import report_postgres

    parser = argparse.ArgumentParser(prog="python -m bench.postgres_run", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--chains", type=int, default=1000, help="chains per throughput run")
    parser.add_argument("--sequential", type=int, default=300, help="chains per latency run")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    args = parser.parse_args(argv)
    peers.ensure_venv()
    figures = measure(args.runs, args.chains, args.sequential, tuple(args.workers))
    print("\n".join(report_postgres.markdown(figures)))


if __name__ == "__main__":
    main()
