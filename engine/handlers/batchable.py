"""Tasker's ``Batchable`` mixin: helpers for batch analyzers, workers and aggregators.

An analyzer returns ``batch_analyzer_success(...)`` (or ``no_batches_outcome``); a worker reads
``get_batch_context(context)``, may ``checkpoint_yield(cursor, items_processed)`` to store its
progress and be called again, and returns ``batch_worker_success(...)``; the convergence step
combines the workers with ``aggregate_worker_results`` or ``detect_aggregation_scenario``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.handlers.batching import (
    BatchAggregationScenario,
    BatchAnalyzerOutcome,
    BatchWorkerConfig,
    BatchWorkerContext,
    BatchWorkerInputs,
    BatchWorkerOutcome,
    CursorConfig,
    aggregate_worker_results,
    checkpoint_yield,
)
from engine.handlers.results import StepHandlerResult

if TYPE_CHECKING:
    from engine.handlers.context import StepContext


def cursor_ranges(
    total_items: int, batch_size: int, step_size: int = 1, max_batches: int | None = None
) -> list[CursorConfig]:
    """``[0, total)`` cut into ranges of ``batch_size``; with ``max_batches``, the size grows
    to ⌈total / max_batches⌉ so there are at most that many (100 items, size 30 → 4 ranges;
    with max_batches 2 → 0-50, 50-100)."""
    if batch_size <= 0:
        raise ValueError("batch_size must be > 0")
    if total_items <= 0:
        return []
    if max_batches and -(-total_items // batch_size) > max_batches:
        batch_size = -(-total_items // max_batches)
    return [
        CursorConfig(start, min(start + batch_size, total_items), step_size)
        for start in range(0, total_items, batch_size)
    ]


def analyzer_result(
    configs: list[CursorConfig],
    total_items: int,
    worker_template_name: str | None,
    batch_metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The results of a batchable step that asks for these batches."""
    if not configs:
        return {
            "batch_processing_outcome": {"type": "no_batches"},
            "reason": (batch_metadata or {}).get("reason", "empty_dataset"),
            "total_items": total_items,
        }
    cursors = [
        {
            "batch_id": f"{i:03d}",
            "start_cursor": c.start_cursor,
            "end_cursor": c.end_cursor,
            "batch_size": _size(c),
        }
        for i, c in enumerate(configs, start=1)
    ]
    outcome: dict[str, Any] = {
        "type": "create_batches",
        "worker_count": len(cursors),
        "cursor_configs": cursors,
        "total_items": total_items,
    }
    if worker_template_name:
        outcome["worker_template_name"] = worker_template_name
    result = {
        "batch_processing_outcome": outcome,
        "worker_count": len(cursors),
        "total_items": total_items,
    }
    if batch_metadata:
        result["batch_metadata"] = dict(batch_metadata)
    return result


def _size(config: CursorConfig) -> int | None:
    start, end = config.start_cursor, config.end_cursor
    if isinstance(start, int) and isinstance(end, int):
        return end - start
    return None


class Batchable:
    """Mix into a ``StepHandler`` (its ``success``/``failure`` are used)."""

    # -- analyzers --------------------------------------------------------------------------

    def create_cursor_config(
        self, start: Any, end: Any, step_size: int = 1, metadata: dict[str, Any] | None = None
    ) -> CursorConfig:
        return CursorConfig(start, end, step_size, dict(metadata or {}))

    def create_cursor_ranges(
        self, total_items: int, batch_size: int, step_size: int = 1, max_batches: int | None = None
    ) -> list[CursorConfig]:
        return cursor_ranges(total_items, batch_size, step_size, max_batches)

    def create_cursor_configs(self, total_items: int, worker_count: int) -> list[BatchWorkerConfig]:
        """``total_items`` shared by ``worker_count`` workers, ⌈total / count⌉ each."""
        if worker_count <= 0:
            raise ValueError("worker_count must be > 0")
        each = -(-total_items // worker_count) if total_items > 0 else 0
        out = []
        for i in range(worker_count):
            start, end = i * each, min((i + 1) * each, total_items)
            if start >= total_items:
                break
            out.append(BatchWorkerConfig(f"{i + 1:03d}", start, end, end - start, i, worker_count))
        return out

    def create_batch_outcome(
        self,
        total_items: int,
        batch_size: int,
        step_size: int = 1,
        batch_metadata: dict[str, Any] | None = None,
    ) -> BatchAnalyzerOutcome:
        configs = cursor_ranges(total_items, batch_size, step_size)
        return BatchAnalyzerOutcome(configs, total_items, dict(batch_metadata or {}))

    def create_batch_outcome_from_ranges(
        self,
        ranges: list[tuple[Any, Any]],
        step_size: int = 1,
        total_items: int | None = None,
        batch_metadata: dict[str, Any] | None = None,
    ) -> BatchAnalyzerOutcome:
        return BatchAnalyzerOutcome.from_ranges(ranges, step_size, total_items, batch_metadata)

    def batch_analyzer_success(
        self,
        outcome: BatchAnalyzerOutcome | None = None,
        metadata: dict[str, Any] | None = None,
        worker_template_name: str | None = None,
        cursor_configs: list[CursorConfig] | None = None,
        total_items: int | None = None,
        batch_metadata: dict[str, Any] | None = None,
    ) -> StepHandlerResult:
        """Success with a ``batch_processing_outcome``; no configs means no batches. Without
        ``worker_template_name`` the engine clones the analyzer's only batch_worker step."""
        if cursor_configs is None and outcome is not None:
            cursor_configs, batch_metadata = outcome.cursor_configs, outcome.batch_metadata
            total_items = outcome.total_items if total_items is None else total_items
        configs = list(cursor_configs or [])
        result = analyzer_result(configs, total_items or 0, worker_template_name, batch_metadata)
        meta = {**(metadata or {}), "batch_analyzer": True}
        return StepHandlerResult.success(result, meta)

    def no_batches_outcome(
        self, reason: str, metadata: dict[str, Any] | None = None
    ) -> StepHandlerResult:
        result = {"batch_processing_outcome": {"type": "no_batches"}, "reason": reason}
        result.update(metadata or {})
        return StepHandlerResult.success(result, {"batch_analyzer": True, "no_batches": True})

    # -- workers ------------------------------------------------------------------------------

    def get_batch_context(self, context: StepContext) -> BatchWorkerContext | None:
        return BatchWorkerContext.from_step_context(context)

    def get_batch_worker_inputs(self, context: StepContext) -> BatchWorkerInputs | None:
        """The worker's cursor and batch settings, typed (None when not a batch worker)."""
        return BatchWorkerInputs.from_step_inputs(context.step_inputs)

    def handle_no_op_worker(self, context: StepContext) -> StepHandlerResult | None:
        """Success at once for the placeholder worker of a ``no_batches`` outcome, else None."""
        batch = self.get_batch_context(context)
        if batch is None or not batch.is_no_op:
            return None
        return StepHandlerResult.success(no_op_result(batch))

    def create_worker_outcome(
        self,
        items_processed: int,
        items_succeeded: int = 0,
        items_failed: int = 0,
        items_skipped: int = 0,
        results: list[dict[str, Any]] | None = None,
        errors: list[dict[str, Any]] | None = None,
        last_cursor: Any = None,
        batch_metadata: dict[str, Any] | None = None,
    ) -> BatchWorkerOutcome:
        return BatchWorkerOutcome(
            items_processed,
            items_succeeded or items_processed - items_failed - items_skipped,
            items_failed,
            items_skipped,
            list(results or []),
            list(errors or []),
            last_cursor,
            dict(batch_metadata or {}),
        )

    def batch_worker_success(
        self,
        outcome: BatchWorkerOutcome | None = None,
        metadata: dict[str, Any] | None = None,
        **fields: Any,
    ) -> StepHandlerResult:
        """Success with the worker's counts: pass an outcome or its fields by keyword."""
        if outcome is None:
            if "items_processed" not in fields:
                return StepHandlerResult.failure(
                    "batch_worker_success needs an outcome or items_processed",
                    "permanent_error",
                    retryable=False,
                )
            outcome = self.create_worker_outcome(**fields)
        return StepHandlerResult.success(
            worker_result(outcome), {**(metadata or {}), "batch_worker": True}
        )

    def batch_worker_partial_failure(
        self,
        outcome: BatchWorkerOutcome,
        message: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> StepHandlerResult:
        result = {**worker_result(outcome), "partial_failure": True}
        if message:
            result["partial_failure_message"] = message
        meta = {**(metadata or {}), "batch_worker": True, "had_failures": True}
        return StepHandlerResult.success(result, meta)

    def checkpoint_yield(
        self, cursor: Any, items_processed: int, accumulated_results: Any = None
    ) -> StepHandlerResult:
        """Store progress and be called again at once with it in ``context.checkpoint``."""
        return checkpoint_yield(cursor, items_processed, accumulated_results)

    # -- aggregation ------------------------------------------------------------------------

    def detect_aggregation_scenario(
        self, dependency_results: dict[str, Any], batchable_step_name: str, batch_worker_prefix: str
    ) -> BatchAggregationScenario:
        return BatchAggregationScenario.detect(
            dependency_results, batchable_step_name, batch_worker_prefix
        )

    def no_batches_aggregation_result(
        self, zero_metrics: dict[str, Any] | None = None
    ) -> StepHandlerResult:
        return StepHandlerResult.success(
            {"worker_count": 0, "scenario": "no_batches", **(zero_metrics or {})}
        )

    def aggregate_batch_worker_results(
        self,
        scenario: BatchAggregationScenario,
        zero_metrics: dict[str, Any] | None = None,
        aggregation_fn: Callable[[dict[str, dict[str, Any]]], dict[str, Any]] | None = None,
    ) -> StepHandlerResult:
        if scenario.is_no_batches:
            return self.no_batches_aggregation_result(zero_metrics)
        combined = (
            aggregation_fn(scenario.batch_results)
            if aggregation_fn is not None
            else {"batch_results": scenario.batch_results}
        )
        return StepHandlerResult.success(
            {**combined, "worker_count": scenario.worker_count, "scenario": "with_batches"}
        )

    aggregate_worker_results = staticmethod(aggregate_worker_results)


def worker_result(outcome: BatchWorkerOutcome) -> dict[str, Any]:
    result: dict[str, Any] = {
        "items_processed": outcome.items_processed,
        "items_succeeded": outcome.items_succeeded,
        "items_failed": outcome.items_failed,
        "items_skipped": outcome.items_skipped,
        "last_cursor": outcome.last_cursor,
        "batch_metadata": outcome.batch_metadata,
    }
    if outcome.results:
        result["results"] = outcome.results
    if outcome.errors:
        result["errors"] = outcome.errors
    return result


def no_op_result(batch: BatchWorkerContext) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id,
        "no_op": True,
        "items_processed": 0,
        "message": "no batches to process",
    }
