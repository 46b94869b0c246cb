"""The failures view's reads and bulk actions, over the Store; the Engine facade delegates here.

``failure_groups`` groups ``Store.failed_steps`` (``engine.failures``) and masks each group's
sample message with its task's secrets. ``act`` retries, resolves or gives up the chosen failed
steps as one audited batch: every action is audited with the operator's one reason and the
batch's id (``reason [batch 3f2a9c]``), and each task gets an outcome of its own: a step that
another operator or a worker moved first is reported, and the batch goes on.

A retry resets a step in error (a fresh allowance of attempts) and brings forward the retry of
a step waiting for one; a resolve declares the step done without results; a give up closes its
task (blocked by failures) as ``error``. A step running now is skipped, as the preview said.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine import failure_preview
from engine.failures import Target, group_failures
from engine.labels import default_operator
from engine.masking import masked_text, secret_values
from engine.states import IllegalTransition, TaskState
from engine.store.base import Store, StoreError

if TYPE_CHECKING:
    from engine.clock import Clock

Progress = Callable[[int, int], None]  # (done, total)
STEP_ACTION = {"retry": "reset", "resolve": "resolve"}


async def failure_groups(store: Store, include_handled: bool = False) -> list[dict[str, Any]]:
    """The failures grouped by cause, as JSON; each sample message masked as task data."""
    groups = group_failures(await store.failed_steps(include_handled), include_handled)
    shown = []
    for group in groups:
        view = group.to_json()
        try:
            sample = await store.get_task(group.sample_task)
            view["sample_message"] = masked_text(group.sample_message, secret_values(sample))
        except StoreError:  # deleted meanwhile: mask what needs no task
            view["sample_message"] = masked_text(group.sample_message)
        shown.append(view)
    return shown


async def _tasks(store: Store, targets: Sequence[Target]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for task_uuid in dict.fromkeys(t.task_uuid for t in targets):
        try:
            found[task_uuid] = await store.get_task(task_uuid)
        except StoreError:
            continue  # gone: the preview counts it as no longer failed
    return found


async def preview(store: Store, action: str, targets: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """``failure_preview.preview`` of the targets as they are now, as JSON."""
    chosen = [Target(*t) for t in targets]
    return failure_preview.preview(action, chosen, await _tasks(store, chosen)).to_json()


@dataclass
class Batch:
    """What one bulk action did: an outcome per failed step (done, running, handled, lost)."""

    batch_id: str
    action: str
    reason: str
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    task_states: dict[str, TaskState] = field(default_factory=dict)

    def add(self, target: Target, outcome: str, detail: str = "") -> None:
        self.outcomes.append(
            {
                "task_uuid": target.task_uuid,
                "step": target.step,
                "outcome": outcome,
                "detail": detail,
            }
        )

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome["outcome"]] = counts.get(outcome["outcome"], 0) + 1
        return {
            "batch": self.batch_id,
            "action": self.action,
            "reason": self.reason,
            "counts": counts,
            "outcomes": self.outcomes,
        }


async def act(
    store: Store,
    clock: Clock,
    action: str,
    targets: Sequence[tuple[str, str]],
    reason: str,
    by: str,
    on_progress: Progress | None = None,
) -> Batch:
    """Do ``action`` to each target in turn, each as its own audited transaction."""
    if action not in failure_preview.ACTIONS:
        raise ValueError(f"unknown action '{action}'; use one of retry, give-up, resolve")
    if not reason.strip():
        raise ValueError("a bulk action needs a reason: say why, it is audited")
    chosen = [Target(*t) for t in targets]
    batch = Batch(secrets.token_hex(3), action, reason.strip())
    audited = f"{batch.reason} [batch {batch.batch_id}]"
    closed: set[str] = set()
    for number, target in enumerate(chosen, 1):
        await _act_on(store, clock, batch, target, audited, by, closed)
        if on_progress is not None:
            on_progress(number, len(chosen))
    return batch


async def _act_on(
    store: Store,
    clock: Clock,
    batch: Batch,
    target: Target,
    audited: str,
    by: str,
    closed: set[str],
) -> None:
    if target.task_uuid in closed:  # given up already, with another of its failed steps
        batch.add(target, "done", "task given up")
        return
    try:
        task = await store.get_task(target.task_uuid)
    except StoreError as gone:
        batch.add(target, "lost", str(gone))
        return
    verdict = failure_preview.verdict(batch.action, task, target.step)
    if verdict != "act":
        state = failure_preview.step_state(task, target.step)
        batch.add(target, verdict, f"step {state}, task {task['status']}")
        return
    now = clock.now_ms()
    try:
        if batch.action == "give_up":
            await store.task_action(target.task_uuid, "give_up", now, by, audited)
            closed.add(target.task_uuid)
        else:
            state = failure_preview.step_state(task, target.step)
            step_action = STEP_ACTION[batch.action]
            if batch.action == "retry" and state == "waiting_for_retry":
                step_action = "retry_now"
            await store.step_action(target.task_uuid, target.step, step_action, now, by, audited)
    except (StoreError, IllegalTransition) as lost:  # moved by someone else meanwhile
        batch.add(target, "lost", str(lost))
        return
    status = await store.task_status(target.task_uuid)
    if status is not None:
        batch.task_states[target.task_uuid] = TaskState(status)
    batch.add(target, "done")


class FailuresFacade:
    """The Engine facade's failures methods (``engine.api.Engine`` inherits them)."""

    if TYPE_CHECKING:  # provided by Engine
        from engine.task_waits import TaskWaits

        store: Store
        clock: Clock
        _waits: TaskWaits

        def _wake_workers(self) -> None: ...

    async def failures(self, include_handled: bool = False) -> list[dict[str, Any]]:
        """Outstanding failed steps grouped by template, step, error class and code (with
        ``include_handled``, the handled ones too), as ``failure_groups`` gives them."""
        return await failure_groups(self.store, include_handled)

    async def failure_preview(
        self, action: str, targets: Sequence[tuple[str, str]]
    ) -> dict[str, Any]:
        """What ``act_on_failures`` would do to these failed steps now (nothing changed)."""
        return await preview(self.store, action, targets)

    async def act_on_failures(
        self,
        action: str,
        targets: Sequence[tuple[str, str]],
        reason: str,
        by: str | None = None,
        on_progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Retry, resolve or give up these failed steps as one audited batch (``act``)."""
        batch = await act(
            self.store, self.clock, action, targets, reason, by or default_operator(), on_progress
        )
        self._wake_workers()
        self._waits.moved(batch.task_states)
        return batch.to_json()
