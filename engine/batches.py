"""Batch processing (tasker-behaviour §1.5, §7.6, §9.2), pure: a batchable step's outcome,
the worker clones it creates, failure strategies and checkpoints.

A batchable handler's results carry ``batch_processing_outcome``: ``{"type": "create_batches",
"worker_template_name", "cursor_configs": [{batch_id, start_cursor, end_cursor, batch_size}],
"total_items"}`` or ``{"type": "no_batches"}``. Each cursor becomes a clone of the worker
template named ``{template}_001``, ``{template}_002``…, whose ``inputs`` hold ``{cursor,
batch_metadata: {cursor_field, failure_strategy}, is_no_op, parallelism}``. ``no_batches`` makes no
clone, as in Tasker: the convergence step then depends on the batchable step directly
(``expansion.effective_dependencies``) and runs at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine import expansion, lifecycle
from engine.decisions import InvalidOutcome
from engine.outcomes import Outcome
from engine.states import StepState
from engine.templates.models import BatchConfiguration, StepType, TaskTemplate

OUTCOME_KEY = "batch_processing_outcome"
CREATE_BATCHES = "create_batches"
NO_BATCHES = "no_batches"
_KINDS = {
    "create_batches": CREATE_BATCHES,
    "createbatches": CREATE_BATCHES,
    "no_batches": NO_BATCHES,
    "nobatches": NO_BATCHES,
}
MAX_WORKERS = (
    10_000  # clones of one batchable step (a task's cost per step does not grow with them)
)
CONTINUE_ON_FAILURE = "continue_on_failure"
FAIL_FAST = "fail_fast"
ISOLATE = "isolate"
CHECKPOINT_YIELD = "checkpoint_yield"
CHECKPOINT_HISTORY = 50  # the newest yields kept in a checkpoint's history


@dataclass(frozen=True)
class BatchOutcome:
    """The batches an analyzer asked for (none for ``no_batches``)."""

    kind: str
    worker_template: str | None = None
    cursors: tuple[dict[str, Any], ...] = ()
    total_items: int | None = None


def read_outcome(step_name: str, results: Mapping[str, Any] | None) -> BatchOutcome:
    outcome = (results or {}).get(OUTCOME_KEY)
    if not isinstance(outcome, Mapping):
        raise InvalidOutcome(
            f"batchable step '{step_name}' returned no {OUTCOME_KEY}; return a BatchConfig "
            "from a @batch_analyzer, or batch_analyzer_success / no_batches_outcome"
        )
    raw_kind = outcome.get("type", outcome.get("outcome_type"))
    kind = _KINDS.get(str(raw_kind).lower()) if raw_kind is not None else None
    if kind is None:
        raise InvalidOutcome(
            f"batchable step '{step_name}' returned {OUTCOME_KEY} of type {raw_kind!r}; "
            f"use '{CREATE_BATCHES}' or '{NO_BATCHES}'"
        )
    if kind == NO_BATCHES:
        return BatchOutcome(NO_BATCHES)
    cursors = outcome.get("cursor_configs") or []
    if not isinstance(cursors, list) or not all(isinstance(c, Mapping) for c in cursors):
        raise InvalidOutcome(
            f"batchable step '{step_name}' returned cursor_configs {cursors!r}; give a list "
            "of {batch_id, start_cursor, end_cursor, batch_size} objects"
        )
    if len(cursors) > MAX_WORKERS:
        raise InvalidOutcome(
            f"batchable step '{step_name}' asked for {len(cursors)} batches, more than "
            f"{MAX_WORKERS}; use a larger batch_size"
        )
    if not cursors:
        return BatchOutcome(NO_BATCHES)
    name = outcome.get("worker_template_name")
    total = outcome.get("total_items")
    return BatchOutcome(
        CREATE_BATCHES,
        name if isinstance(name, str) and name else None,
        tuple(dict(c) for c in cursors),
        total if isinstance(total, int) else None,
    )


def workers_after(template: TaskTemplate, batchable: str) -> list[str]:
    """The batch_worker steps that depend on ``batchable``, in template order."""
    return [
        s.name
        for s in template.steps
        if s.type is StepType.BATCH_WORKER and batchable in s.dependencies
    ]


def worker_template(template: TaskTemplate, batchable: str, outcome: BatchOutcome) -> str:
    """The batch_worker step to clone: the one named, else the batchable's only worker."""
    workers = workers_after(template, batchable)
    if outcome.worker_template is None:
        if len(workers) == 1:
            return workers[0]
        raise InvalidOutcome(
            f"batchable step '{batchable}' did not name its worker_template_name and has "
            f"{len(workers)} batch_worker steps ({', '.join(workers) or 'none'}); name one"
        )
    if outcome.worker_template not in workers:
        raise InvalidOutcome(
            f"batchable step '{batchable}' named worker template "
            f"'{outcome.worker_template}', which is not a batch_worker step after it; "
            f"use one of: {', '.join(workers) or 'none (add a batch_worker step)'}"
        )
    return outcome.worker_template


def batch_config(template: TaskTemplate, batchable: str, worker: str) -> BatchConfiguration:
    """The worker's batch_config, else the batchable's, else Tasker's defaults."""
    for name in (worker, batchable):
        config = template.step(name).batch_config
        if config is not None:
            return config
    return BatchConfiguration(worker_template=worker)


def instance_name(worker: str, number: int) -> str:
    return f"{worker}_{number:03d}"


def clones(
    template: TaskTemplate, batchable: str, outcome: BatchOutcome
) -> list[expansion.NewStep]:
    """The worker rows an outcome asks for (their dependencies are set by expansion)."""
    if outcome.kind == NO_BATCHES:
        return []
    worker = worker_template(template, batchable, outcome)
    cursors: Sequence[Mapping[str, Any]] = outcome.cursors
    numbers = range(1, len(cursors) + 1)
    config = batch_config(template, batchable, worker)
    settings = {"cursor_field": config.cursor_field, "failure_strategy": config.failure_strategy}
    out = []
    for number, cursor in zip(numbers, cursors, strict=True):
        inputs = {
            "cursor": {
                "batch_id": str(cursor.get("batch_id") or f"{number:03d}"),
                "start_cursor": cursor.get("start_cursor"),
                "end_cursor": cursor.get("end_cursor"),
                "batch_size": cursor.get("batch_size"),
            },
            "batch_metadata": dict(settings),
            "is_no_op": False,
            "parallelism": config.parallelism,
        }
        out.append(
            expansion.NewStep(
                instance_name(worker, number),
                worker,
                (),
                inputs=inputs,
                failure_strategy=settings["failure_strategy"],
            )
        )
    return out


def checked_outcome(
    template: TaskTemplate, batchable: str, results: Mapping[str, Any] | None
) -> BatchOutcome:
    outcome = read_outcome(batchable, results)
    if outcome.kind == CREATE_BATCHES:
        worker_template(template, batchable, outcome)
    return outcome


def expansion_after(
    template: TaskTemplate,
    rows: Sequence[expansion.ExistingStep],
    batchable: str,
    results: Mapping[str, Any] | None,
) -> expansion.Expansion:
    """The worker clones a completed batchable step creates, their dependents, re-wiring."""
    outcome = checked_outcome(template, batchable, results)
    roots: list[str] = []
    if outcome.kind == NO_BATCHES:  # no worker: what would follow the workers comes now
        roots = expansion.dependents(template, workers_after(template, batchable))
    return expansion.expand(
        template, rows, roots=roots, clones=clones(template, batchable, outcome)
    )


# -- a worker's final failure ---------------------------------------------------------------


def with_failure_strategy(
    decision: lifecycle.Decision,
    failure_strategy: str | None,
    inputs: Mapping[str, Any] | None,
    checkpoint: Mapping[str, Any] | None,
) -> lifecycle.Decision:
    """How a batch worker's final failure ends. ``continue_on_failure``: the worker completes
    with its failure in its results (and its error kept), so the batch goes on and the
    convergence step sees it; ``fail_fast`` and ``isolate``: the worker stays in ``error``
    (the store lets an isolated failure's siblings finish; see readiness)."""
    if (
        failure_strategy != CONTINUE_ON_FAILURE
        or decision.to_state is not StepState.ERROR
        or decision.error is None
    ):
        return decision
    cursor = (inputs or {}).get("cursor") or {}
    processed = int((checkpoint or {}).get("items_processed") or 0)
    size = cursor.get("batch_size")
    error = decision.error
    results = {
        "batch_failed": True,
        "batch_id": cursor.get("batch_id"),
        "items_processed": processed,
        "items_succeeded": processed,
        "items_failed": max(0, size - processed) if isinstance(size, int) else 0,
        "last_cursor": (checkpoint or {}).get("cursor"),
        "error": {
            "error_type": error.error_type,
            "message": error.message,
            "error_code": error.error_code,
        },
    }
    return lifecycle.Decision(
        StepState.COMPLETE,
        f"batch failed ({decision.reason}); continue_on_failure completes it with the failure",
        results=results,
        error=error,
    )


# -- checkpoints ------------------------------------------------------------------------------


def is_checkpoint_yield(outcome: Outcome) -> bool:
    return outcome.ok and (
        bool(outcome.metadata.get(CHECKPOINT_YIELD))
        or (outcome.results or {}).get("type") == CHECKPOINT_YIELD
    )


def checkpoint_record(
    previous: Mapping[str, Any] | None, yielded: Mapping[str, Any], now_ms: int
) -> dict[str, Any]:
    """The checkpoint stored after a yield: ``{cursor, items_processed, timestamp,
    accumulated_results, history: [{cursor, items_processed, timestamp}…]}`` (newest last)."""
    history = list((previous or {}).get("history") or [])
    entry = {
        "cursor": yielded.get("cursor"),
        "items_processed": int(yielded.get("items_processed") or 0),
        "timestamp": now_ms,
    }
    history = [*history, entry][-CHECKPOINT_HISTORY:]
    accumulated = yielded.get("accumulated_results")
    if accumulated is None:
        accumulated = (previous or {}).get("accumulated_results")
    return {**entry, "accumulated_results": accumulated, "history": history}


def stalled(previous: Mapping[str, Any] | None, record: Mapping[str, Any]) -> bool:
    """A yield that moved neither the cursor nor the count would be re-dispatched forever."""
    return (
        previous is not None
        and previous.get("cursor") == record.get("cursor")
        and previous.get("items_processed") == record.get("items_processed")
    )
