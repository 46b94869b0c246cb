"""The events one finished attempt publishes, from its step's ``publishes_events``."""

from __future__ import annotations

from typing import Any

from engine.events.publishing import PublisherRegistry, StepEventContext
from engine.events.routing import NONE, RoutedEvent, route
from engine.lifecycle import Decision
from engine.outcomes import Outcome
from engine.store.base import ClaimedStep
from engine.templates.models import StepDefinition, TaskTemplate


def attempt_events(
    template: TaskTemplate,
    step: StepDefinition,
    claimed: ClaimedStep,
    outcome: Outcome,
    decision: Decision,
    now_ms: int,
) -> tuple[RoutedEvent, ...]:
    """Nothing (and no work) for a step that declares no event. A failed attempt's payload
    (before its publisher transforms it) is its error: type, message, code, retryable."""
    if not step.publishes_events:
        return NONE
    ctx = StepEventContext(
        task_uuid=claimed.task_uuid,
        step_uuid=claimed.step_uuid,
        step_name=claimed.name,
        namespace=template.namespace_name,
        correlation_id=claimed.task_uuid,
        result=dict(outcome.results or {}) if outcome.error is None else _error_payload(outcome),
        metadata={"attempt": claimed.attempts, **outcome.metadata},
        success=outcome.error is None,
        error=None if outcome.error is None else _error_payload(outcome),
    )
    return route(
        step.publishes_events, ctx, decision.to_state, now_ms, PublisherRegistry.instance()
    )


def _error_payload(outcome: Outcome) -> dict[str, Any]:
    error = outcome.error
    assert error is not None
    return {
        "error_type": error.error_type,
        "error_message": error.message,
        "error_code": error.error_code,
        "retryable": error.retryable,
    }
