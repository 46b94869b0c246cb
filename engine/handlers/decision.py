"""Decision handlers: Tasker's ``DecisionPointOutcome``, ``Decision.route/skip`` and the
``DecisionMixin`` helpers (tasker-behaviour §7.1, §7.2, §9.1).

A decision's results carry ``{"decision_point_outcome": {"type": "create_steps",
"step_names": [...]}, "routing_context": {...}}``; the engine creates the named steps (and
what follows them) when the decision step completes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.handlers.base import StepHandler
from engine.handlers.results import StepHandlerResult


class DecisionType(StrEnum):
    """What a decision chose."""

    CREATE_STEPS = "create_steps"  # create the named steps
    NO_BRANCHES = "no_branches"  # create nothing; the task finishes what exists


@dataclass(frozen=True)
class DecisionPointOutcome:
    decision_type: DecisionType
    next_step_names: list[str] = field(default_factory=list)
    reason: str | None = None
    routing_context: dict[str, Any] = field(default_factory=dict)
    dynamic_steps: list[dict[str, Any]] | None = None

    @classmethod
    def create_steps(
        cls,
        step_names: list[str],
        dynamic_steps: list[dict[str, Any]] | None = None,
        routing_context: dict[str, Any] | None = None,
    ) -> DecisionPointOutcome:
        return cls(
            DecisionType.CREATE_STEPS,
            list(step_names),
            routing_context=dict(routing_context or {}),
            dynamic_steps=dynamic_steps,
        )

    @classmethod
    def no_branches(
        cls, reason: str, routing_context: dict[str, Any] | None = None
    ) -> DecisionPointOutcome:
        return cls(
            DecisionType.NO_BRANCHES, reason=reason, routing_context=dict(routing_context or {})
        )

    def to_result(self) -> dict[str, Any]:
        """The results a decision step stores (what the engine reads)."""
        outcome: dict[str, Any] = {"type": self.decision_type.value}
        if self.decision_type is DecisionType.CREATE_STEPS:
            outcome["step_names"] = list(self.next_step_names)
        result: dict[str, Any] = {
            "decision_point_outcome": outcome,
            "routing_context": dict(self.routing_context),
        }
        if self.reason is not None:
            result["reason"] = self.reason
        if self.dynamic_steps:
            result["dynamic_steps"] = self.dynamic_steps
        return result


@dataclass(frozen=True)
class Decision:
    """What a ``@decision_handler`` function returns: ``Decision.route(["step"], tier="gold")``
    or ``Decision.skip("nothing to approve")``."""

    outcome: DecisionPointOutcome

    @staticmethod
    def route(steps: list[str], **routing_context: Any) -> Decision:
        return Decision(DecisionPointOutcome.create_steps(steps, routing_context=routing_context))

    @staticmethod
    def skip(reason: str, **routing_context: Any) -> Decision:
        return Decision(DecisionPointOutcome.no_branches(reason, routing_context=routing_context))


class DecisionMixin:
    """Result helpers for class-based decision handlers (mix into a ``StepHandler``)."""

    def decision_success(
        self,
        steps: list[str],
        routing_context: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> StepHandlerResult:
        outcome = DecisionPointOutcome.create_steps(steps, routing_context=routing_context)
        return self.decision_success_with_outcome(outcome, metadata)

    route_to_steps = decision_success

    def decision_success_with_outcome(
        self, outcome: DecisionPointOutcome, metadata: dict[str, Any] | None = None
    ) -> StepHandlerResult:
        meta = {
            **(metadata or {}),
            "decision_handler": getattr(self, "handler_name", ""),
            "decision_version": getattr(self, "handler_version", "1.0.0"),
        }
        return StepHandlerResult.success(outcome.to_result(), meta)

    def decision_no_branches(
        self, outcome: DecisionPointOutcome, metadata: dict[str, Any] | None = None
    ) -> StepHandlerResult:
        return self.decision_success_with_outcome(outcome, metadata)

    def skip_branches(
        self,
        reason: str,
        routing_context: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> StepHandlerResult:
        outcome = DecisionPointOutcome.no_branches(reason, routing_context)
        return self.decision_success_with_outcome(outcome, metadata)

    def decision_failure(
        self,
        message: str,
        error_type: str = "decision_error",
        retryable: bool = False,
        metadata: dict[str, Any] | None = None,
        error_code: str | None = None,
    ) -> StepHandlerResult:
        return StepHandlerResult.failure(
            message, error_type, retryable, metadata, error_code or "decision_failed"
        )


class DecisionHandler(DecisionMixin, StepHandler):
    """A class-based decision handler; ``call`` may also return a ``Decision``."""

    @property
    def capabilities(self) -> list[str]:
        return [*super().capabilities, "decision", "routing"]

    def _result_for_value(self, value: Any) -> StepHandlerResult:
        if isinstance(value, Decision):
            return self.decision_success_with_outcome(value.outcome)
        if isinstance(value, DecisionPointOutcome):
            return self.decision_success_with_outcome(value)
        return super()._result_for_value(value)
