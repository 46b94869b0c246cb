"""``make bench``: our engine beside the raw SQLite floors and the peers, in one run.

Writes bench/results.json and bench/results.md (the table the README quotes). Every figure is
the median of ``--runs`` runs; ratios compare figures taken in this same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    beside_peers,
    big_tasks,
    console,
    engine_chain,
    floor_minimal,
    floor_same_writes,
    held,
    latency,
    memory,
    peers,
    postgres_run,
    report,
)
from bench.figures import summary

OUT = Path(__file__).parent
WORKERS = (1, 2, 4)
FLOOR_CHAINS = 500  # per floor run: about as long as a run of ours, so both see the same machine


def median_of(runs: int, fn: Callable[[Path], float]) -> dict[str, float]:
    values = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            values.append(fn(Path(tmp)))
    return summary(values)


def sequential_rounds(
    runs: int, sequential: int, full: Path | None = None, with_peers: bool = False
) -> dict[str, dict[str, float]]:
    """The floors and our sequential chains, measured side by side in each round, so that every
    ratio pairs figures taken within seconds of each other (this machine drifts within the
    hour); a ratio's median is the median of the rounds' ratios. ``full``: a database holding
    ``held.HELD_CHAINS`` finished chains, on a copy of which each round runs the chains again;
    ``with_peers``: DBOS's and Huey's sequential workflows run in each round too."""
    figures: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        figures.setdefault(key, []).append(value)

    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            t = Path(tmp)
            same = floor_same_writes.same_writes_ms_per_step(t / "s.db", FLOOR_CHAINS)
            minimal = floor_minimal.minimal_ms_per_step(t / "m.db", FLOOR_CHAINS)
            chain = engine_chain.ms_per_workflow(t / "c.db", "chain5", sequential)
            add("floor_same_writes_ms_per_step", same)
            add("floor_minimal_ms_per_step", minimal)
            add("chain5_ms", chain)
            add("per_step_to_same_writes_floor", chain / 5 / same)
            add("per_step_to_minimal_floor", chain / 5 / minimal)
            add("diamond4_ms", engine_chain.ms_per_workflow(t / "d.db", "diamond4", sequential))
            if full is not None:
                on_full = held.sqlite_ms_per_step(full, t, sequential)
                add("held_ms_per_step", on_full)
                add("held_to_empty", on_full / (chain / 5))
            if with_peers:
                dbos, huey = beside_peers.dbos_sequential(), beside_peers.huey_sequential()
                add("dbos_chain5_ms", dbos["chain5_ms"])
                add("dbos_diamond4_ms", dbos["diamond4_ms"])
                add("huey_chain5_ms", huey["chain5_ms"])
                add("dbos_to_ours_chain5", dbos["chain5_ms"] / chain)
                add("dbos_to_ours_diamond4", dbos["diamond4_ms"] / figures["diamond4_ms"][-1])
                add("huey_to_ours_chain5", huey["chain5_ms"] / chain)
    return {key: summary(values) for key, values in figures.items()}


def measure(runs: int, chains: int, sequential: int, big: int) -> dict:
    peers.ensure_venv()
    r: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()} python {platform.python_version()}, {_cpus()} CPUs",
        "runs": runs,
        "chains": chains,
    }
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.db"
        held.fill(full)
        seq = sequential_rounds(runs, sequential, full, with_peers=True)
    r["floor"] = {
        "same_writes_ms_per_step": seq["floor_same_writes_ms_per_step"],
        "minimal_ms_per_step": seq["floor_minimal_ms_per_step"],
    }
    side = beside_peers.throughput_rounds(runs, chains, WORKERS)
    r["ratios"] = {
        "per_step_to_same_writes_floor": seq["per_step_to_same_writes_floor"],
        "per_step_to_minimal_floor": seq["per_step_to_minimal_floor"],
        "dbos_to_ours_chain5": seq["dbos_to_ours_chain5"],
        "dbos_to_ours_diamond4": seq["dbos_to_ours_diamond4"],
        "huey_to_ours_chain5": seq["huey_to_ours_chain5"],
        **side["ratios"],
    }
    r["ours"] = {"chain5_ms": seq["chain5_ms"], "diamond4_ms": seq["diamond4_ms"], **side["ours"]}
    r["held"] = {
        "chains": held.HELD_CHAINS,
        "ms_per_step": seq["held_ms_per_step"],
        "to_empty": seq["held_to_empty"],
    }
    r["dbos"] = {
        "chain5_ms": seq["dbos_chain5_ms"],
        "diamond4_ms": seq["dbos_diamond4_ms"],
        **side["dbos"],
    }
    r["huey"] = {"chain5_ms": seq["huey_chain5_ms"], **side["huey"]}
    r["big"] = big_tasks.measure()  # one run: its ratios pair figures of the same minutes
    with tempfile.TemporaryDirectory() as tmp:
        r["ours"]["latency"] = latency.measure(Path(tmp) / "l.db")
        r["ours"]["large"] = large_database(Path(tmp), big)
    r["postgres"] = postgres_run.measure(runs, chains, sequential, WORKERS)
    return r


def large_database(tmp: Path, tasks: int) -> dict[str, Any]:
    """The console at 10k and ``tasks`` tasks, and the memory of a console and of a worker
    over the large database (one task in ten still to run; the worker runs them last)."""
    small, large = console.build_databases(tmp, 10_000, tasks)
    figures = console.measure(small, large)
    return {
        "tasks": tasks,
        "console": figures,
        "console_peak_rss_mb": memory.console_peak_rss_mb(large),
        "worker_peak_rss_mb": memory.worker_peak_rss_mb(large),
    }


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--chains", type=int, default=1000, help="chains per throughput run")
    parser.add_argument("--sequential", type=int, default=300, help="chains per latency run")
    parser.add_argument("--large", type=int, default=100_000, help="tasks in the large database")
    args = parser.parse_args(argv)
    results = measure(args.runs, args.chains, args.sequential, args.large)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = report.markdown(results)
    (OUT / "results.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
