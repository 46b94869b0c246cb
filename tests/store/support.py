"""Task plans built by hand, so the store contract is tested without templates or handlers."""

from __future__ import annotations

from typing import Any

from engine import ids, lifecycle, retry
from engine.outcomes import ErrorType, Outcome, StepError
from engine.plan import template_definition
from engine.states import StepState
from engine.store.base import AttemptResult, ClaimedStep, StepPlan, TaskPlan
from engine.store.moves import compact_json
from engine.templates import TaskTemplate

T0 = 1_767_225_600_000
POLICY = retry.RetryPolicy(max_attempts=3, base_ms=100).to_json()


def plan(
    steps: dict[str, tuple[str, ...]] | None = None,
    identity: str | None = None,
    context: dict[str, Any] | None = None,
    now_ms: int = T0,
) -> TaskPlan:
    """A task whose steps (name -> dependencies) run in the order given."""
    steps = steps if steps is not None else {"first": (), "second": ("first",)}
    task_uuid = ids.new_uuid(now_ms)
    template_id, definition = template_definition(template(steps))
    context = context or {"order": 1}
    return TaskPlan(
        task_uuid=task_uuid,
        template_id=template_id,
        template_definition=definition,
        source_path=None,
        namespace="testing",
        name="by_hand",
        version="1.0.0",
        context=context,
        context_json=compact_json(context),
        initiator="tests",
        source_system=None,
        reason="contract",
        identity_hash=identity or task_uuid,
        idempotency_key=None,
        steps=[
            StepPlan(
                step_uuid=ids.new_uuid(now_ms),
                name=name,
                position=position,
                handler_callable="noop",
                dependencies=deps,
                max_attempts=3,
                retryable=True,
                retry_policy=POLICY,
                timeout_ms=30_000,
                dependencies_json=compact_json(list(deps)),
                retry_policy_json=compact_json(POLICY),
            )
            for position, (name, deps) in enumerate(steps.items())
        ],
    )


def template(steps: dict[str, tuple[str, ...]]) -> TaskTemplate:
    """The template such a task would come from (stores read it back for some actions)."""
    return TaskTemplate.model_validate(
        {
            "name": "by_hand",
            "namespace_name": "testing",
            "version": "1.0.0",
            "steps": [
                {"name": name, "handler": {"callable": "noop"}, "dependencies": list(deps)}
                for name, deps in steps.items()
            ],
        }
    )


def success(claimed: ClaimedStep, results: dict[str, Any] | None = None) -> AttemptResult:
    decision = lifecycle.Decision(StepState.COMPLETE, "attempt succeeded", results or {})
    return AttemptResult(claimed.step_uuid, claimed.run_count, decision)


def failure(claimed: ClaimedStep, now_ms: int, retryable: bool = True) -> AttemptResult:
    error = StepError(ErrorType.RETRYABLE_ERROR, "gateway timeout", retryable=retryable)
    policy = retry.RetryPolicy.from_json(claimed.retry_policy)
    decision = lifecycle.decide(claimed.attempts, Outcome.failure(error), policy, now_ms)
    return AttemptResult(claimed.step_uuid, claimed.run_count, decision)
