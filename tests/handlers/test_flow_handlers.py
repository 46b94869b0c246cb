"""Tasker's decision and batch handler API as handlers see it: class-based DecisionHandler and
Batchable helpers, the functional decorators, and what each stores (through call_handler)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine import batches, decisions
from engine.handlers.invoke import call_handler
from engine.handlers.registry import HandlerRegistry
from engine.outcomes import Outcome
from tasker_core import StepContext, StepHandler
from tasker_core.batch_processing import Batchable, BatchAggregationScenario
from tasker_core.step_handler import DecisionHandler
from tasker_core.step_handler.functional import (
    BatchConfig,
    Decision,
    batch_analyzer,
    batch_worker,
)
from tasker_core.types import BatchWorkerContext


def context(
    inputs: dict[str, Any] | None = None,
    checkpoint: dict[str, Any] | None = None,
    deps: dict[str, Any] | None = None,
) -> StepContext:
    return StepContext(
        "task", "step", "some_step", "h", {"amount": 7200}, deps or {}, {}, inputs or {}, 0, 3,
        checkpoint=checkpoint,
    )  # fmt: skip


def run(handler: Any, ctx: StepContext | None = None) -> Outcome:
    registry = HandlerRegistry()
    registry.register("h", handler)
    return asyncio.run(call_handler(registry.resolve_step("h"), ctx or context()))


class Router(DecisionHandler):
    handler_name = "router"

    def call(self, context: StepContext) -> Any:
        if context.get_input("amount") > 5000:
            return self.decision_success(["manager", "finance"], routing_context={"band": "large"})
        return self.skip_branches("small amounts need nobody")


def test_a_class_based_decision_stores_tasker_s_outcome_shape() -> None:
    outcome = run(Router)
    assert outcome.results == {
        "decision_point_outcome": {"type": "create_steps", "step_names": ["manager", "finance"]},
        "routing_context": {"band": "large"},
    }
    assert decisions.read_outcome("r", outcome.results).step_names == ("manager", "finance")


def test_returning_a_decision_from_a_decision_handler_works_too() -> None:
    class Skipper(DecisionHandler):
        def call(self, context: StepContext) -> Decision:
            return Decision.skip("nothing to do", checked=True)

    outcome = run(Skipper)
    assert outcome.results is not None
    assert outcome.results["decision_point_outcome"] == {"type": "no_branches"}
    assert outcome.results["reason"] == "nothing to do"


def test_decision_failure_is_permanent() -> None:
    class Refuser(DecisionHandler):
        def call(self, context: StepContext) -> Any:
            return self.decision_failure("no route for currency XYZ")

    outcome = run(Refuser)
    assert outcome.error is not None and not outcome.error.retryable
    assert outcome.error.metadata["handler_error_type"] == "decision_error"


class Analyzer(StepHandler, Batchable):
    def call(self, context: StepContext) -> Any:
        configs = self.create_cursor_ranges(1000, 100, max_batches=4)
        return self.batch_analyzer_success(
            cursor_configs=configs, total_items=1000, worker_template_name="work"
        )


def test_max_batches_grows_the_batch_size() -> None:
    outcome = run(Analyzer)
    read = batches.read_outcome("a", outcome.results)
    assert read.worker_template == "work" and read.total_items == 1000
    assert [(c["start_cursor"], c["end_cursor"]) for c in read.cursors] == [
        (0, 250),
        (250, 500),
        (500, 750),
        (750, 1000),
    ]
    assert [c["batch_id"] for c in read.cursors] == ["001", "002", "003", "004"]


def test_cursor_configs_share_items_between_workers() -> None:
    configs = Batchable().create_cursor_configs(1000, 3)
    assert [(c.cursor_start, c.cursor_end, c.row_count) for c in configs] == [
        (0, 334, 334),
        (334, 668, 334),
        (668, 1000, 332),
    ]


def test_an_empty_analysis_is_no_batches() -> None:
    @batch_analyzer("tests.flow.empty", worker_template="work")
    def empty() -> BatchConfig:
        return BatchConfig(total_items=0, batch_size=10)

    outcome = run(empty)
    assert batches.read_outcome("a", outcome.results).kind == batches.NO_BATCHES


WORKER_INPUTS: dict[str, Any] = {
    "cursor": {"batch_id": "002", "start_cursor": 10, "end_cursor": 20, "batch_size": 10},
    "batch_metadata": {"cursor_field": "row", "failure_strategy": "isolate"},
    "is_no_op": False,
}


def test_the_batch_context_reads_the_clone_s_inputs_and_checkpoint() -> None:
    batch = BatchWorkerContext.from_step_context(
        context(WORKER_INPUTS, {"cursor": 14, "items_processed": 4, "accumulated_results": 9})
    )
    assert batch is not None
    assert (batch.batch_id, batch.start_cursor, batch.end_cursor, batch.batch_size) == (
        "002",
        10,
        20,
        10,
    )
    assert (batch.cursor_field, batch.failure_strategy, batch.batch_index) == ("row", "isolate", 1)
    assert batch.has_checkpoint() and batch.checkpoint_cursor == 14
    assert (batch.checkpoint_items_processed, batch.accumulated_results) == (4, 9)
    assert BatchWorkerContext.from_step_context(context()) is None


def test_the_no_op_worker_is_answered_without_calling_the_function() -> None:
    called: list[str] = []

    @batch_worker("tests.flow.noop")
    def work(batch_context: BatchWorkerContext) -> dict:
        called.append(batch_context.batch_id)
        return {"items_processed": 1}

    no_op = {**WORKER_INPUTS, "cursor": {**WORKER_INPUTS["cursor"], "batch_id": "000"}}
    outcome = run(work, context({**no_op, "is_no_op": True}))
    assert outcome.results == {
        "batch_id": "000",
        "no_op": True,
        "items_processed": 0,
        "message": "no batches to process",
    }
    assert called == []
    assert run(work, context(WORKER_INPUTS)).results == {"items_processed": 1}
    assert called == ["002"]


def test_a_checkpoint_yield_is_recognised_by_the_engine() -> None:
    @batch_worker("tests.flow.yielding")
    def work(batch_context: BatchWorkerContext) -> Any:
        return batch_context.checkpoint_yield(15, 5, {"sum": 60})

    outcome = run(work, context(WORKER_INPUTS))
    assert batches.is_checkpoint_yield(outcome)
    record = batches.checkpoint_record(None, outcome.results or {}, 1)
    assert (record["cursor"], record["items_processed"], record["accumulated_results"]) == (
        15,
        5,
        {"sum": 60},
    )


def test_aggregation_scenarios() -> None:
    deps = {
        "analyze": {"result": {"batch_processing_outcome": {"type": "create_batches"}}},
        "work_001": {"result": {"items_processed": 10, "items_succeeded": 10}},
        "work_002": {"result": {"batch_failed": True, "batch_id": "002", "items_failed": 10}},
    }
    scenario = BatchAggregationScenario.detect(deps, "analyze", "work_")
    assert (scenario.is_no_batches, scenario.worker_count) == (False, 2)
    summary = Batchable.aggregate_worker_results(list(scenario.batch_results.values()))
    assert (summary["total_processed"], summary["total_failed"]) == (10, 10)
    assert summary["failed_batches"] == ["002"] and summary["error_count"] == 1
    none = {"analyze": {"result": {"batch_processing_outcome": {"type": "no_batches"}}}}
    assert BatchAggregationScenario.detect(none, "analyze", "work_").no_batches()
    with pytest.raises(ValueError, match="did not return no_batches"):
        BatchAggregationScenario.detect({"analyze": {"result": {}}}, "analyze", "work_")
