"""Huey with SqliteHuey: the bench's 5-step chain as a pipeline, run in bench/.venv-peers.

``python huey_bench.py seq DIR`` prints {"chain5_ms": ...}; ``python huey_bench.py throughput
DIR K N`` (the database file is $HUEY_BENCH_DB) enqueues N pipelines, runs a consumer with K worker processes, and prints
{"chains_per_s": ...} from the first stage's start to the last stage's end, read from the
pipelines' results. Polling is tuned (5 ms, backing off to 50 ms), not Huey's 0.1 s default.
The diamond (a chord in Huey) is not run.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from huey import SqliteHuey
from huey.consumer import Consumer

huey = SqliteHuey("bench", filename=os.environ.get("HUEY_BENCH_DB", "huey-bench.db"))


@huey.task()
def stage(span: list[float] | None = None) -> list[float]:
    """A no-op stage that carries [first stage's start, this stage's end] down the pipeline."""
    now = time.time()
    return [span[0] if span else now, now]


def _pipeline():
    pipe = stage.s()
    for _ in range(4):
        pipe = pipe.then(stage)
    return pipe


def _consumer(workers: int, worker_type: str) -> Consumer:
    consumer = huey.create_consumer(
        workers=workers, worker_type=worker_type, initial_delay=0.005, backoff=1.15,
        max_delay=0.05, check_worker_health=False,
    )
    consumer._set_signal_handlers = lambda: None  # it runs on a thread here, not in main
    return consumer


def _wait(result, poll_s: float = 0.0002) -> list[float]:
    while True:
        value = result.get(preserve=True)
        if value is not None:
            return value
        time.sleep(poll_s)


def seq(runs: int = 100) -> dict[str, float]:
    consumer = _consumer(4, "thread")
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    _wait(list(huey.enqueue(_pipeline()))[-1])
    start = time.perf_counter()
    for _ in range(runs):
        _wait(list(huey.enqueue(_pipeline()))[-1])
    chain_ms = (time.perf_counter() - start) * 1000 / runs
    consumer.stop(graceful=True)
    return {"chain5_ms": chain_ms}


def throughput(workers: int, chains: int) -> dict[str, float]:
    finals = [list(huey.enqueue(_pipeline()))[-1] for _ in range(chains)]
    consumer = _consumer(workers, "process")
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    spans = [_wait(result, 0.01) for result in finals]
    consumer.stop(graceful=True)
    first = min(s[0] for s in spans)
    last = max(s[1] for s in spans)
    return {"chains_per_s": chains / (last - first)}


if __name__ == "__main__":
    if sys.argv[1] == "seq":
        print(json.dumps(seq()))
    else:
        print(json.dumps(throughput(int(sys.argv[3]), int(sys.argv[4]))))
