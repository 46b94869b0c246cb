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
from engine.attempt_events import attempt_events
from engine.clock import Clock
from engine.deadlines import Deadlines
from engine.events.routing import RoutedEvent
from engine.handlers.context import StepContext
from engine.handlers.errors import HandlerNotFound
from engine.handlers.invoke import handler_not_found_outcome
from engine.handlers.registry import HandlerRegistry
from engine.handlers.threads import HandlerThreads
from engine.ids import short_id
from engine.literal import visible
from engine.outcomes import ErrorType, Outcome, StepError
from engine.store import ClaimedStep, Store
from engine.store.base import AttemptResult
from engine.templates import TaskTemplate
from engine.templates.cycle_collection import cycle_collection_paused

log = logging.getLogger("tasker.runner")


class TemplateUnreadable(Exception):
    """A task's stored template definition this engine cannot read; one line."""


class TemplateCache:
    """Parsed template definitions of the tasks in the database, by template id."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[str, TaskTemplate] = {}
        self._loading: dict[str, asyncio.Future[TaskTemplate]] = {}

    async def get(self, template_id: str) -> TaskTemplate:
        """The template, read and parsed once however many of its steps ask at the same time
        (a big template takes a second to parse: not once per step of a claimed batch)."""
        cached = self._cache.get(template_id)
        if cached is not None:
            return cached
        loading = self._loading.get(template_id)
        if loading is None:
            loading = self._loading[template_id] = asyncio.ensure_future(self._load(template_id))
            loading.add_done_callback(lambda _: self._loading.pop(template_id, None))
        return await asyncio.shield(loading)

    async def _load(self, template_id: str) -> TaskTemplate:
        if template_id not in self._cache:
            text = await self._store.template_definition(template_id)
            try:
                with cycle_collection_paused():  # thousands of steps' models at once
                    self._cache[template_id] = TaskTemplate.model_validate_json(text)
            except ValueError as exc:  # pydantic's ValidationError is one
                first = str(exc).splitlines()[1:3] or [str(exc)]
                raise TemplateUnreadable(
                    f"the template stored with this task ({template_id[:12]}) cannot be read "
                    f"by this tasker ({' '.join(' '.join(first).split())}); run a worker of the "
                    "version that created the task, or resolve the step by hand"
                ) from None
        return self._cache[template_id]


class StepRunner:
    def __init__(
        self,
        store: Store,
        registry: HandlerRegistry,
        clock: Clock,
        worker_id: str,
        threads: HandlerThreads | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self.worker_id = worker_id
        self.templates = TemplateCache(store)
        self.cancel_requested: set[str] = set()
        self.deadlines = Deadlines()  # the handlers' time limits, on one timer
        self.threads = threads or HandlerThreads(1)  # the sync handlers' (the worker's own)
        self.on_published: Callable[[tuple[RoutedEvent, ...]], None] | None = None

    async def run(
        self, claimed: ClaimedStep, store_result: Callable[[AttemptResult], Awaitable[bool]]
    ) -> bool:
        """Run one attempt and hand its outcome to ``store_result``; False if it was discarded."""
        try:
            template = await self.templates.get(claimed.template_id)
        except TemplateUnreadable as exc:  # this task's steps fail; the worker goes on
            return await self._store_unreadable(claimed, str(exc), store_result)
        step = template.step(claimed.template_step or claimed.name)  # a batch clone: its template
        policy = retry.RetryPolicy.from_json(claimed.retry_policy)
        ctx = self._context(claimed, step)
        outcome = dynamic.checked_outcome(template, step, await self._attempt(claimed, step, ctx))
        decision = lifecycle.decide(
            claimed.attempts,
            outcome,
            policy,
            self.clock.now_ms(),
            earlier_runs=claimed.run_count - claimed.attempts,
        )
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
                visible(claimed.name),
                claimed.run_count,  # numbered as the audit numbers it (never reset)
                decision.to_state if stored else "discarded",
            )
        return stored

    async def _store_unreadable(
        self,
        claimed: ClaimedStep,
        message: str,
        store_result: Callable[[AttemptResult], Awaitable[bool]],
    ) -> bool:
        error = StepError(
            ErrorType.PERMANENT_ERROR, message, retryable=False, error_code="template_unreadable"
        )
        policy = retry.RetryPolicy.from_json(claimed.retry_policy)
        now = self.clock.now_ms()
        decision = lifecycle.decide(claimed.attempts, Outcome.failure(error), policy, now)
        log.warning("! %s/%s: %s", short_id(claimed.task_uuid), claimed.name, message)
        return await store_result(AttemptResult(claimed.step_uuid, claimed.run_count, decision))

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
            resolved = self.registry.resolve_step(
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
                self.store, claimed, resolved, ctx, timeout_s, self.clock, self.deadlines,
                self.threads,
            )  # fmt: skip
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
