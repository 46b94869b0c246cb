"""``make bench``: our engine beside the raw SQLite floor, measured in the same run.

Writes bench/results.json and bench/results.md. Medians of several runs, reported as ratios.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import engine_chain, floor

RUNS = 5
OUT = Path(__file__).parent


def median_of(fn, runs: int = RUNS) -> dict[str, float]:
    values = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            values.append(fn(Path(tmp) / "bench.db"))
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> int:
    started = time.strftime("%Y-%m-%d %H:%M")
    floor_step = median_of(lambda p: floor.floor_ms_per_step(p, chains=200))
    chain_wf = median_of(lambda p: engine_chain.ms_per_workflow(p, "chain5", chains=100))
    diamond_wf = median_of(lambda p: engine_chain.ms_per_workflow(p, "diamond4", chains=100))
    ours_step = chain_wf["median"] / 5
    results = {
        "date": started,
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}",
        "runs": RUNS,
        "floor_ms_per_step": floor_step,
        "chain5_ms_per_workflow": chain_wf,
        "diamond4_ms_per_workflow": diamond_wf,
        "chain5_ms_per_step": ours_step,
        "ratio_ours_to_floor": ours_step / floor_step["median"],
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = "\n".join([
        f"Measured {started} on {results['machine']}, medians of {RUNS} runs.",
        "",
        "| workload | ours | raw SQLite floor | ours / floor |",
        "|---|---|---|---|",
        f"| 5-step no-op chain, sequential, per step | {ours_step:.2f} ms | "
        f"{floor_step['median']:.2f} ms | {results['ratio_ours_to_floor']:.2f}× |",
        f"| 5-step no-op chain, sequential, per workflow | {chain_wf['median']:.1f} ms | "
        f"{floor_step['median'] * 5:.1f} ms | |",
        f"| 4-step diamond, sequential, per workflow | {diamond_wf['median']:.1f} ms | | |",
    ])
    (OUT / "results.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
