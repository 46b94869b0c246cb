"""A batch worker's ``checkpoint_yield`` (tasker-behaviour §7.6): store it, call again.

The step stays ``in_progress`` under the same attempt; the checkpoint (``{cursor,
items_processed, timestamp, accumulated_results, history}``) is committed before the handler
runs again with it in ``context.checkpoint``, so a crash or a failed attempt resumes from the
last checkpoint instead of the start of the batch.
"""

from __future__ import annotations

from engine import batches
from engine.clock import Clock
from engine.deadlines import Deadlines
from engine.handlers.context import StepContext
from engine.handlers.invoke import call_handler
from engine.handlers.registry import ResolvedHandler
from engine.handlers.threads import HandlerThreads
from engine.outcomes import ErrorType, Outcome, StepError
from engine.store import ClaimedStep, Store


async def call_until_done(
    store: Store,
    claimed: ClaimedStep,
    resolved: ResolvedHandler,
    ctx: StepContext,
    timeout_s: float,
    clock: Clock,
    deadlines: Deadlines,
    threads: HandlerThreads | None = None,
) -> Outcome:
    """Call the handler until it returns something other than a checkpoint_yield.

    Each call has its own ``timeout_s`` (TimeoutError propagates to the runner), counted from
    when the handler's body starts (a sync handler's on one of ``threads``). A yield that
    moves neither cursor nor count is a permanent failure: it would be re-dispatched forever.
    """
    while True:
        async with deadlines.limit(timeout_s) as limit:
            outcome = await call_handler(resolved, ctx, threads, limit)
        if not batches.is_checkpoint_yield(outcome):
            return outcome
        record = batches.checkpoint_record(ctx.checkpoint, outcome.results or {}, clock.now_ms())
        if batches.stalled(ctx.checkpoint, record):
            return _failure(
                "checkpoint_stalled",
                f"handler {resolved.callable} yielded the same checkpoint twice (cursor "
                f"{record['cursor']!r}, {record['items_processed']} items); move the cursor on "
                "or return the batch's result",
                retryable=False,
            )
        saved = await store.save_checkpoint(
            claimed.step_uuid, claimed.run_count, record, clock.now_ms()
        )
        if not saved:  # an operator or a recovery took the step: this attempt is over
            return _failure(
                "checkpoint_not_saved",
                "the step is no longer this attempt's (cancelled or recovered)",
                retryable=True,
            )
        ctx.checkpoint = record


def _failure(code: str, message: str, retryable: bool) -> Outcome:
    return Outcome.failure(
        StepError(
            error_type=ErrorType.PERMANENT_ERROR if not retryable else ErrorType.HANDLER_ERROR,
            message=message,
            retryable=retryable,
            error_code=code,
        )
    )
