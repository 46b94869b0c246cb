"""Stand-in handlers that let any template run: ``tasker template run-all`` registers one
``StubHandler`` under every callable its templates name.

Every step succeeds. A decision routes to its first allowed branch (its first child that is
not a convergence step, in template order); a batchable step asks for two batches of one item
of its batch_worker; a worker clone reports its batch as processed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine import batches, expansion
from engine.handlers.base import StepHandler
from engine.handlers.context import StepContext
from engine.handlers.decision import DecisionPointOutcome
from engine.handlers.results import StepHandlerResult
from engine.templates.models import StepType, TaskTemplate


def first_branch(template: TaskTemplate, decision: str) -> str | None:
    """The branch a stub decision takes: its first child, preferring non-convergence steps."""
    allowed = expansion.segment(template, decision)
    children = [s.name for s in template.steps if decision in s.dependencies and s.name in allowed]
    types = expansion.step_types(template)
    plain = [n for n in children if types[n] is not StepType.DEFERRED_CONVERGENCE]
    return next(iter(plain or children or allowed), None)


def two_batches(template: TaskTemplate, batchable: str) -> dict[str, Any]:
    """The results of a stub analyzer: two one-item batches of its first batch_worker."""
    workers = batches.workers_after(template, batchable)
    if not workers:
        return {batches.OUTCOME_KEY: {"type": batches.NO_BATCHES}, "reason": "no worker"}
    cursors = [
        {"batch_id": f"{n:03d}", "start_cursor": n - 1, "end_cursor": n, "batch_size": 1}
        for n in (1, 2)
    ]
    outcome = {
        "type": batches.CREATE_BATCHES,
        "worker_template_name": workers[0],
        "worker_count": 2,
        "cursor_configs": cursors,
        "total_items": 2,
    }
    return {batches.OUTCOME_KEY: outcome, "worker_count": 2, "total_items": 2}


class StubHandler(StepHandler):
    """Succeeds for every step of the tasks in ``templates`` (task uuid → its template).

    Any ``handler.method`` a template names resolves to ``call``."""

    handler_name = "tasker.stub"

    def __init__(self, templates: Mapping[str, TaskTemplate]) -> None:
        super().__init__()
        self.templates = templates

    async def call(self, context: StepContext) -> StepHandlerResult:
        cursor = (context.step_inputs or {}).get("cursor")
        if isinstance(cursor, dict):  # a batch worker clone
            size = 0 if context.step_inputs.get("is_no_op") else int(cursor.get("batch_size") or 0)
            return self.success(
                {
                    "batch_id": cursor.get("batch_id"),
                    "items_processed": size,
                    "items_succeeded": size,
                    "items_failed": 0,
                    "no_op": bool(context.step_inputs.get("is_no_op")),
                }
            )
        template = self.templates[context.task_uuid]
        step = template.step(context.step_name)
        if step.type is StepType.DECISION:
            branch = first_branch(template, step.name)
            outcome = (
                DecisionPointOutcome.create_steps([branch], routing_context={"stub": True})
                if branch
                else DecisionPointOutcome.no_branches("no branch to take")
            )
            return self.success(outcome.to_result())
        if step.type is StepType.BATCHABLE:
            return self.success(two_batches(template, step.name))
        return self.success({"stub": True, "step": step.name})

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name == "templates":
            raise AttributeError(name)
        return self.call  # handler.method: validate, process, refund… all stubbed alike
