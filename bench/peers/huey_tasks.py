"""The Huey app and the no-op stage, in a module of their own so ``huey_consumer huey_tasks.huey``
registers the task under the same name the enqueuing process uses."""

from __future__ import annotations

import os
import time

from huey import SqliteHuey

huey = SqliteHuey("bench", filename=os.environ.get("HUEY_BENCH_DB", "huey-bench.db"))


@huey.task()
def stage(span: list[float] | None = None) -> list[float]:
    """A no-op stage that carries [first stage's start, this stage's end] down the pipeline."""
    now = time.time()
    return [span[0] if span else now, now]
