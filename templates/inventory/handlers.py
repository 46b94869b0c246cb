"""The CSV inventory import's Tasker handlers (thin: they call ``services``).

Registered names: ``inventory_analyze_csv`` (the batchable analyzer),
``inventory_process_csv_batch`` (the batch worker, which yields a checkpoint every
``checkpoint_every`` rows) and ``inventory_aggregate_inventory`` (the deferred convergence).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasker_core import PermanentError, StepContext
from tasker_core.batch_processing import aggregate_worker_results
from tasker_core.step_handler.functional import (
    BatchConfig,
    batch_analyzer,
    batch_worker,
    depends_on,
    step_handler,
)
from tasker_core.types import BatchWorkerContext, BatchWorkerOutcome, StepHandlerResult

from ..handler_support import classified_errors, required
from . import services as svc

WORKER_PREFIX = "process_csv_batch_"


@batch_analyzer("inventory_analyze_csv", worker_template="process_csv_batch")
def analyze_csv(context: StepContext) -> BatchConfig:
    size = context.get_input("batch_size") or context.get_config("batch_size") or 25
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise PermanentError(f"batch_size must be a whole number of at least 1, not {size!r}")
    with classified_errors():
        path = svc.csv_path(context.get_input("csv_file"))
        total = svc.count_rows(path)
    return BatchConfig(total_items=total, batch_size=size, metadata={"csv_file": str(path)})


@batch_worker("inventory_process_csv_batch")
@depends_on(analysis="analyze_csv")
def process_csv_batch(
    batch_context: BatchWorkerContext, analysis: dict[str, Any] | None, context: StepContext
) -> BatchWorkerOutcome | StepHandlerResult:
    batch = batch_context
    path = Path(required(analysis, "analyze_csv")["batch_metadata"]["csv_file"])
    start = batch.checkpoint_cursor if batch.has_checkpoint() else batch.start_cursor
    totals = batch.accumulated_results or svc.empty_totals()
    done = batch.checkpoint_items_processed
    every = int(context.get_config("checkpoint_every") or 0)
    with classified_errors():
        for number, row in svc.rows_between(path, start, batch.end_cursor):
            svc.add_row(totals, number, row)
            done += 1
            if every and done % every == 0 and number + 1 < batch.end_cursor:
                return batch.checkpoint_yield(number + 1, done, totals)
    return BatchWorkerOutcome(
        items_processed=done,
        items_succeeded=done - totals["items_failed"],
        items_failed=totals["items_failed"],
        errors=totals["errors"],
        last_cursor=batch.end_cursor,
        batch_metadata=totals,
    )


@step_handler("inventory_aggregate_inventory")
@depends_on(analysis="analyze_csv")
def aggregate_inventory(analysis: dict[str, Any] | None, context: StepContext) -> dict[str, Any]:
    analysis = required(analysis, "analyze_csv")
    workers = context.get_all_dependency_results(WORKER_PREFIX)
    summary = aggregate_worker_results(workers)
    counted = [w.get("batch_metadata") or {} for w in workers if not w.get("batch_failed")]
    return {
        **svc.merge(counted),
        "total_rows": analysis.get("total_items", 0),
        "rows_processed": summary["total_processed"],
        "rows_failed": summary["total_failed"],
        "batch_count": summary["batch_count"],
        "failed_batches": summary["failed_batches"],
        "errors": summary["errors"],
    }
