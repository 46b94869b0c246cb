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
import signal
import subprocess
import sys
import threading
import time

from huey.consumer import Consumer
from huey_tasks import huey, stage  # a module, so the consumer finds the same names


def _pipeline():
    pipe = stage.s()
    for _ in range(4):
        pipe = pipe.then(stage)
    return pipe


def _consumer(workers: int, worker_type: str) -> Consumer:
    consumer = huey.create_consumer(
        workers=workers,
        worker_type=worker_type,
        initial_delay=0.005,
        backoff=1.15,
        max_delay=0.05,
        check_worker_health=False,
    )
    consumer._set_signal_handlers = lambda: None  # it runs on a thread here, not in main
    return consumer


def _wait(result, poll_s: float = 0.0002, deadline_s: float = 120.0) -> list[float]:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = result.get(preserve=True)
        if value is not None:
            return value
        time.sleep(poll_s)
    raise SystemExit(f"huey: no result within {deadline_s:.0f} s; is the consumer running?")


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
    # The consumer as Huey deploys it: its own command, K worker processes, nothing inherited
    # from this process's open database connection.
    consumer = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "huey_consumer"),
            "huey_tasks.huey",
            "-k",
            "process",
            "-w",
            str(workers),
            "-d",
            "0.005",
            "-b",
            "1.15",
            "-m",
            "0.05",
            "-q",
        ],
        cwd=os.path.dirname(os.path.abspath(__file__)),
        env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.abspath(__file__))},
    )
    try:
        spans = [_wait(result, 0.01) for result in finals]
    finally:
        consumer.send_signal(signal.SIGINT)
        consumer.wait(timeout=60)
    first = min(s[0] for s in spans)
    last = max(s[1] for s in spans)
    return {"chains_per_s": chains / (last - first)}


if __name__ == "__main__":
    if sys.argv[1] == "seq":
        print(json.dumps(seq()))
    else:
        print(json.dumps(throughput(int(sys.argv[3]), int(sys.argv[4]))))
