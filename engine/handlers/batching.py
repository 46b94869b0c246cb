"""Batch processing types for handlers: cursor configs, what an analyzer and a worker return,
the worker's view of its batch, and aggregation (tasker-behaviour §7.2, §7.6, §9.2).

A worker clone's ``context.step_inputs`` is ``{cursor: {batch_id, start_cursor, end_cursor,
batch_size}, batch_metadata: {cursor_field, failure_strategy}, is_no_op}``;
``BatchWorkerContext.from_step_context`` reads it together with the last checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from engine.handlers.results import StepHandlerResult

if TYPE_CHECKING:
    from engine.handlers.context import StepContext


def checkpoint_yield(
    cursor: Any, items_processed: int, accumulated_results: Any = None
) -> StepHandlerResult:
    """Store progress and be called again at once with it in ``context.checkpoint``:
    ``cursor`` is where to resume, ``items_processed`` the count so far (cumulative)."""
    result: dict[str, Any] = {
        "type": "checkpoint_yield",
        "cursor": cursor,
        "items_processed": items_processed,
    }
    if accumulated_results is not None:
        result["accumulated_results"] = accumulated_results
    return StepHandlerResult.success(result, {"checkpoint_yield": True, "batch_worker": True})


class FailureStrategy(StrEnum):
    """What a worker's final failure does to its batch (``batch_config.failure_strategy``)."""

    CONTINUE_ON_FAILURE = "continue_on_failure"  # the worker completes with its failure noted
    FAIL_FAST = "fail_fast"  # the worker errs and the task stops starting steps
    ISOLATE = "isolate"  # the worker errs; the other workers finish; an operator decides


@dataclass
class CursorConfig:
    """One batch's range: ``start_cursor`` inclusive, ``end_cursor`` exclusive."""

    start_cursor: Any
    end_cursor: Any
    step_size: int = 1
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchConfig:
    """What a ``@batch_analyzer`` function returns: the engine cuts ``total_items`` into
    batches of ``batch_size`` (``total_items`` 0 means no batches)."""

    total_items: int
    batch_size: int
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchAnalyzerOutcome:
    cursor_configs: list[CursorConfig] = field(default_factory=list)
    total_items: int | None = None
    batch_metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_ranges(
        cls,
        ranges: list[tuple[Any, Any]],
        step_size: int = 1,
        total_items: int | None = None,
        batch_metadata: dict[str, Any] | None = None,
    ) -> BatchAnalyzerOutcome:
        configs = [CursorConfig(start, end, step_size) for start, end in ranges]
        return cls(configs, total_items, dict(batch_metadata or {}))


@dataclass
class BatchWorkerOutcome:
    items_processed: int = 0
    items_succeeded: int = 0
    items_failed: int = 0
    items_skipped: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    last_cursor: Any = None
    batch_metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchWorkerConfig:
    """One worker's share of ``create_cursor_configs(total_items, worker_count)``."""

    batch_id: str
    cursor_start: int
    cursor_end: int
    row_count: int
    worker_index: int
    total_workers: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class BatchCursor:
    """A worker's cursor as the engine hands it over (``step_inputs.cursor``)."""

    batch_id: str = ""
    start_cursor: Any = 0
    end_cursor: Any = 0
    batch_size: int = 0


@dataclass
class BatchWorkerInputs:
    """Tasker's typed view of a worker clone's ``step_inputs``: ``inputs.cursor.start_cursor``.

    Item access (``inputs["cursor"]``, ``inputs.get(...)``) reads the underlying dict.
    """

    cursor: BatchCursor
    batch_metadata: dict[str, Any] = field(default_factory=dict)
    is_no_op: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_step_inputs(cls, inputs: dict[str, Any] | None) -> BatchWorkerInputs | None:
        """None when there are no inputs (the step is not a batch worker clone)."""
        if not inputs:
            return None
        given = inputs.get("cursor")
        cursor: dict[str, Any] = given if isinstance(given, dict) else {}
        return cls(
            cursor=BatchCursor(
                batch_id=str(cursor.get("batch_id") or ""),
                start_cursor=cursor.get("start_cursor", 0),
                end_cursor=cursor.get("end_cursor", 0),
                batch_size=int(cursor.get("batch_size") or 0),
            ),
            batch_metadata=dict(inputs.get("batch_metadata") or {}),
            is_no_op=bool(inputs.get("is_no_op")),
            raw=dict(inputs),
        )

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)


@dataclass
class BatchWorkerContext:
    """A worker clone's batch: its cursor range, settings, and the checkpoint to resume from."""

    batch_id: str
    cursor_config: CursorConfig
    batch_size: int = 0
    batch_metadata: dict[str, Any] = field(default_factory=dict)
    is_no_op: bool = False
    checkpoint: dict[str, Any] = field(default_factory=dict)
    batch_index: int = 0
    total_batches: int = 1

    @classmethod
    def from_step_context(cls, context: StepContext) -> BatchWorkerContext | None:
        """The batch of this step, or None when the step is not a batch worker clone."""
        inputs = context.step_inputs or {}
        cursor = inputs.get("cursor")
        if not isinstance(cursor, dict):
            legacy = context.step_config.get("batch_context") or context.input_data.get(
                "batch_context"
            )
            if not isinstance(legacy, dict):
                return None
            cursor = {**(legacy.get("cursor_config") or {}), "batch_id": legacy.get("batch_id")}
        batch_id = str(cursor.get("batch_id") or "")
        return cls(
            batch_id=batch_id,
            cursor_config=CursorConfig(
                cursor.get("start_cursor", 0),
                cursor.get("end_cursor", 0),
                int(cursor.get("step_size") or 1),
            ),
            batch_size=int(cursor.get("batch_size") or 0),
            batch_metadata=dict(inputs.get("batch_metadata") or {}),
            is_no_op=bool(inputs.get("is_no_op")),
            checkpoint=dict(context.checkpoint or {}),
            batch_index=max(0, int(batch_id) - 1) if batch_id.isdigit() else 0,
        )

    @property
    def start_cursor(self) -> Any:
        return self.cursor_config.start_cursor

    @property
    def end_cursor(self) -> Any:
        return self.cursor_config.end_cursor

    @property
    def step_size(self) -> int:
        return self.cursor_config.step_size

    @property
    def cursor_field(self) -> str:
        return str(self.batch_metadata.get("cursor_field") or "id")

    @property
    def failure_strategy(self) -> str:
        return str(self.batch_metadata.get("failure_strategy") or "continue_on_failure")

    def has_checkpoint(self) -> bool:
        return self.checkpoint.get("cursor") is not None

    @property
    def checkpoint_cursor(self) -> Any:
        return self.checkpoint.get("cursor")

    @property
    def checkpoint_items_processed(self) -> int:
        return int(self.checkpoint.get("items_processed") or 0)

    @property
    def accumulated_results(self) -> Any:
        return self.checkpoint.get("accumulated_results")

    def checkpoint_yield(
        self, cursor: Any, items_processed: int, accumulated_results: Any = None
    ) -> StepHandlerResult:
        """For ``@batch_worker`` functions: return this to store progress and be called again."""
        return checkpoint_yield(cursor, items_processed, accumulated_results)


@dataclass
class BatchAggregationScenario:
    """What a convergence step sees: the analyzer said no batches, or workers ran."""

    is_no_batches: bool
    batchable_result: dict[str, Any]
    batch_results: dict[str, dict[str, Any]]
    worker_count: int

    @classmethod
    def detect(
        cls,
        dependency_results: dict[str, Any],
        batchable_step_name: str,
        batch_worker_prefix: str,
    ) -> BatchAggregationScenario:
        """Read the analyzer's outcome and every worker's results from ``dependency_results``
        (a StepContext's envelopes); ValueError when the analyzer's results are missing."""
        analyzer = _unwrap(dependency_results.get(batchable_step_name))
        if analyzer is None:
            raise ValueError(
                f"Missing batchable step dependency: no results from '{batchable_step_name}'"
            )
        analyzer = analyzer if isinstance(analyzer, dict) else {}
        outcome = analyzer.get("batch_processing_outcome") or {}
        workers = {
            name: _unwrap(value) or {}
            for name, value in sorted(dependency_results.items())
            if name.startswith(batch_worker_prefix)
        }
        no_batches = isinstance(outcome, dict) and outcome.get("type") == "no_batches"
        if no_batches:
            workers = {}
        elif not workers:
            raise ValueError(
                f"No batch workers found named {batch_worker_prefix}…, and "
                f"'{batchable_step_name}' did not return no_batches"
            )
        return cls(no_batches, analyzer, workers, len(workers))

    def no_batches(self) -> bool:
        return self.is_no_batches


def _unwrap(envelope: Any) -> Any:
    if isinstance(envelope, dict) and "result" in envelope:
        return envelope["result"]
    return envelope


def aggregate_worker_results(worker_results: list[dict[str, Any] | None]) -> dict[str, Any]:
    """Totals over batch workers' results (failed batches of continue_on_failure included)."""
    totals = dict.fromkeys(("processed", "succeeded", "failed", "skipped"), 0)
    errors: list[dict[str, Any]] = []
    failed_batches = []
    for result in worker_results:
        if not result:
            continue
        for key in totals:
            totals[key] += int(result.get(f"items_{key}") or 0)
        errors += list(result.get("errors") or [])
        if result.get("batch_failed"):
            failed_batches.append(result.get("batch_id"))
            errors.append({"batch_id": result.get("batch_id"), **(result.get("error") or {})})
    processed = totals["processed"]
    return {
        "total_processed": processed,
        "total_succeeded": totals["succeeded"],
        "total_failed": totals["failed"],
        "total_skipped": totals["skipped"],
        "batch_count": len(worker_results),
        "failed_batches": failed_batches,
        "success_rate": totals["succeeded"] / processed if processed else 0.0,
        "errors": errors[:100],
        "error_count": len(errors),
    }
