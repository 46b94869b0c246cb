"""One attempt of one claimed step: build its context, call its handler, decide, store.

The handler layer turns what the handler did into an Outcome; ``lifecycle.decide`` picks the
next state; the store applies it under ``asyncio.shield`` so a cancellation never loses it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from engine import batches, checkpoints, dynamic, lifecycle, retry
from engine.clock import Clock
from engine.deadlines import Deadlines
from engine.events.routing import RoutedEvent
from engine.events.step_events import attempt_events
from engine.handlers.context import StepContext
from engine.handlers.errors import HandlerNotFound
from engine.handlers.invoke import handler_not_found_outcome
from engine.handlers.registry import HandlerRegistry
from engine.ids import short_id
from engine.outcomes import ErrorType, Outcome, StepError
from engine.store import ClaimedStep, Store
from engine.store.base import AttemptResult
from engine.templates import TaskTemplate

log = logging.getLogger("tasker.runner")


class TemplateCache:
    """Parsed template definitions of the tasks in the database, by template id."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[str, TaskTemplate] = {}

    async def get(self, template_id: str) -> TaskTemplate:
        if template_id not in self._cache:
            text = await self._store.template_definition(template_id)
            self._cache[template_id] = TaskTemplate.model_validate_json(text)
        return self._cache[template_id]


class StepRunner:
    def __init__(
        self, store: Store, registry: HandlerRegistry, clock: Clock, worker_id: str
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self.worker_id = worker_id
        self.templates = TemplateCache(store)
        self.cancel_requested: set[str] = set()
        self.deadlines = Deadlines()  # the handlers' time limits, on one timer
        self.on_published: Callable[[tuple[RoutedEvent, ...]], None] | None = None

    async def run(
        self, claimed: ClaimedStep, store_result: Callable[[AttemptResult], Awaitable[bool]]
    ) -> bool:
        """Run one attempt and hand its outcome to ``store_result``; False if it was discarded."""
        template = await self.templates.get(claimed.template_id)
        step = template.step(claimed.template_step or claimed.name)  # a batch clone: its template
        policy = retry.RetryPolicy.from_json(claimed.retry_policy)
        ctx = self._context(claimed, step)
        outcome = dynamic.checked_outcome(template, step, await self._attempt(claimed, step, ctx))
        decision = lifecycle.decide(claimed.attempts, outcome, policy, self.clock.now_ms())
        decision = batches.with_failure_strategy(
            decision, claimed.failure_strategy, claimed.inputs, ctx.checkpoint
        )
        events = attempt_events(template, step, claimed, outcome, decision, self.clock.now_ms())
        stored = await store_result(
            AttemptResult(claimed.step_uuid, claimed.run_count, decision, events)
        )
        if events and stored and self.on_published is not None:
            self.on_published(events)  # after the commit: fast events, and wake the relay
        self.cancel_requested.discard(claimed.step_uuid)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "%s %s/%s attempt %d → %s",
                "←" if outcome.ok else "!",
                short_id(claimed.task_uuid),
                claimed.name,
                claimed.attempts,
                decision.to_state if stored else "discarded",
            )
        return stored

    def _context(self, claimed: ClaimedStep, step: Any) -> StepContext:
        return StepContext(
            task_uuid=claimed.task_uuid,
            step_uuid=claimed.step_uuid,
            step_name=claimed.name,
            handler_name=step.handler.callable,
            input_data=claimed.context,
            dependency_results=claimed.dependency_results,
            step_config=dict(step.handler.initialization or {}),
            step_inputs=claimed.inputs or {},
            retry_count=claimed.attempts - 1,
            max_retries=claimed.max_attempts,
            correlation_id=claimed.task_uuid,
            checkpoint=claimed.checkpoint,
        )

    async def _attempt(self, claimed: ClaimedStep, step: Any, ctx: StepContext) -> Outcome:
        try:
            resolved = self.registry.resolve(
                step.handler.callable,
                method=step.handler.method,
                resolver=step.handler.resolver,
                initialization=step.handler.initialization,
            )
        except HandlerNotFound as exc:
            return handler_not_found_outcome(exc)
        timeout_s = claimed.timeout_ms / 1000
        try:
            # A checkpoint_yield stores the checkpoint and calls the handler again at once
            # (each call with its own timeout); no attempt is counted.
            return await checkpoints.call_until_done(
                self.store, claimed, resolved, ctx, timeout_s, self.clock, self.deadlines
            )
        except TimeoutError:
            return Outcome.failure(
                StepError(
                    error_type=ErrorType.HANDLER_TIMEOUT,
                    message=f"handler {step.handler.callable} ran past {timeout_s:g} s",
                    retryable=True,
                )
            )
        except asyncio.CancelledError:
            if claimed.step_uuid not in self.cancel_requested:
                raise  # the worker is shutting down: the lease will bring the step back
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
            return Outcome.failure(
                StepError(
                    error_type=ErrorType.HANDLER_ERROR,
                    message="cancelled by an operator while running",
                    retryable=False,
                    error_code="cancelled",
                )
            )
