"""Our engine and the peers on SQLite, run back to back in every round.

This machine drifts within the hour (a figure taken ten minutes later can be half as fast, or
twice), so a ratio of a figure of ours taken early in ``make bench`` to a peer's taken near its
end says more about the machine than about either. Here each round runs ours, DBOS and Huey
one after another, each on fresh files, and a ratio's median is the median of the rounds' own
ratios (as the floors' and PostgreSQL's are).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench import peers, throughput
from bench.figures import summary

HUEY_DB = "HUEY_BENCH_DB"  # where huey_bench.py keeps its SqliteHuey file


def _peer(script: str, *args: str, huey: bool) -> dict[str, Any]:
    """Run a peer in a directory of its own: its JSON answer."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {HUEY_DB: str(Path(tmp) / "peer.db")} if huey else None
        mode, *rest = args
        return peers.run(script, mode, tmp, *rest, env=env, cwd=Path(tmp))


def dbos_sequential() -> dict[str, float]:
    """DBOS's milliseconds per sequential workflow: chain5_ms and diamond4_ms."""
    return _peer("dbos_bench.py", "seq", huey=False)


def huey_sequential() -> dict[str, float]:
    """Huey's milliseconds per sequential 5-step chain: chain5_ms."""
    return _peer("huey_bench.py", "seq", huey=True)


def _chains_per_s(script: str, workers: int, chains: int) -> float:
    args = ("throughput", str(workers), str(chains))
    return float(_peer(script, *args, huey=script.startswith("huey"))["chains_per_s"])


def throughput_rounds(runs: int, chains: int, workers: tuple[int, ...]) -> dict[str, Any]:
    """Chains per second of ours, DBOS and Huey with each number of worker processes, the three
    back to back in each round, and the rounds' own ratios of ours to each peer."""
    figures: dict[str, list[float]] = {}

    def add(key: str, value: float) -> float:
        figures.setdefault(key, []).append(value)
        return value

    for k in workers:
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                ours = add(f"ours_{k}", throughput.chains_per_second(Path(tmp) / "o.db", k, chains))
            dbos = add(f"dbos_{k}", _chains_per_s("dbos_bench.py", k, chains))
            huey = add(f"huey_{k}", _chains_per_s("huey_bench.py", k, chains))
            add(f"throughput_{k}_to_dbos", ours / dbos)
            add(f"throughput_{k}_to_huey", ours / huey)
    return {
        "ours": {f"chains_per_s_{k}": summary(figures[f"ours_{k}"]) for k in workers},
        "dbos": {f"chains_per_s_{k}": summary(figures[f"dbos_{k}"]) for k in workers},
        "huey": {f"chains_per_s_{k}": summary(figures[f"huey_{k}"]) for k in workers},
        "ratios": {
            key: summary(values) for key, values in figures.items() if key.startswith("throughput")
        },
    }
