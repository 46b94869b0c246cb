"""The store contract: what the engine needs from a database, whatever the backend.

Every write is one transaction: a compare-and-set on the row's state, its audit row, its
results, and the re-evaluation of the task it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from engine.lifecycle import Decision

if TYPE_CHECKING:
    from engine.events.routing import RoutedEvent
    from engine.search_query import SearchQuery
from engine.states import TaskState


class StoreError(Exception):
    """A database problem a user can act on; ``str()`` is one line saying what to do."""


class TaskNotFound(StoreError):
    pass


class StepNotFound(StoreError):
    pass


class AmbiguousPrefix(StoreError):
    pass


class IllegalAction(StoreError):
    """An operator action the task's or step's current state does not allow."""


@dataclass(frozen=True)
class StepPlan:
    step_uuid: str
    name: str
    position: int
    handler_callable: str
    dependencies: tuple[str, ...]
    max_attempts: int
    retryable: bool
    retry_policy: dict[str, Any]
    timeout_ms: int
    # dependencies and retry_policy as stored (compact JSON), encoded once per template
    dependencies_json: str
    retry_policy_json: str


@dataclass(frozen=True)
class TaskPlan:
    """Everything needed to insert a new task and its steps in one transaction."""

    task_uuid: str
    template_id: str
    template_definition: str
    source_path: str | None
    namespace: str
    name: str
    version: str
    context: dict[str, Any]
    context_json: str  # the context as stored, encoded once: the insert and the view use it
    initiator: str | None
    source_system: str | None
    reason: str | None
    identity_hash: str
    idempotency_key: str | None
    steps: list[StepPlan] = field(default_factory=list)


@dataclass(frozen=True)
class AttemptResult:
    """One finished attempt to store: which step, which attempt, and what was decided."""

    step_uuid: str
    run_count: int
    decision: Decision
    # The events the attempt published; the durable ones are written with its outcome (or not
    # at all), the fast ones are the worker's to deliver after the commit.
    events: tuple[RoutedEvent, ...] = ()


@dataclass(frozen=True)
class ClaimedStep:
    """A step this worker now owns for one attempt, with what its handler needs."""

    task_uuid: str
    step_uuid: str
    name: str
    template_id: str
    attempts: int  # including this attempt
    run_count: int  # the attempt's identity: finish_attempt compares it
    max_attempts: int
    retry_policy: dict[str, Any]
    timeout_ms: int
    context: dict[str, Any]
    dependency_results: Mapping[str, dict[str, Any]]  # every ancestor's results, parsed on use
    template_step: str | None = None  # a batch clone's worker template (None: ``name``)
    inputs: dict[str, Any] | None = None  # a batch clone's cursor and settings
    checkpoint: dict[str, Any] | None = None  # the last checkpoint the step yielded
    failure_strategy: str | None = None  # a batch clone's failure_strategy


class Finished(NamedTuple):
    """What storing a batch of attempt results did."""

    stored: list[bool]  # per result: False where its attempt no longer owned its step
    claimed: list[ClaimedStep]  # the ready steps claimed in the same transaction
    task_states: dict[str, TaskState]  # each re-evaluated task's state after the batch


class LeaseRenewer(Protocol):
    """Lease renewal on a connection of its own, for a thread beside the event loop (a handler
    that blocks the loop must not let its step's lease expire). Blocking calls, one thread."""

    def renew(self, worker_id: str, step_uuids: list[str], lease_until_ms: int) -> set[str]:
        """As ``Store.renew_leases``."""
        ...

    def close(self) -> None: ...


class Store(Protocol):
    async def close(self) -> None: ...

    def lease_renewer(self) -> LeaseRenewer | None:
        """A renewer with a connection of its own (opened on first use, on the thread that
        uses it); None when the store cannot open a second connection (an in-memory SQLite)."""
        ...

    async def template_definition(self, template_id: str) -> str:
        """The JSON definition of a template in use."""
        ...

    async def create_task(self, plan: TaskPlan, now_ms: int) -> tuple[str, bool]:
        """Insert the task unless its identity hash exists; returns (task_uuid, created)."""
        ...

    async def claim_ready(
        self, worker_id: str, now_ms: int, limit: int, lease_ms: int
    ) -> list[ClaimedStep]:
        """Atomically move up to ``limit`` runnable steps to in_progress, counting an attempt."""
        ...

    async def create_and_claim(
        self, plan: TaskPlan, now_ms: int, worker_id: str, limit: int, lease_ms: int
    ) -> tuple[str, bool, list[ClaimedStep]]:
        """``create_task``, then ``claim_ready`` for ``worker_id`` in the same transaction: a
        worker in the creating process starts the new task's first steps without a commit and
        a look of its own."""
        ...

    async def finish_attempts(
        self,
        results: list[AttemptResult],
        now_ms: int,
        by: str,
        claim_limit: int = 0,
        lease_ms: int = 30_000,
    ) -> Finished:
        """Apply each result whose attempt still owns its step (False in its place on a lost
        race), re-evaluate each touched task once, then claim up to ``claim_limit`` ready steps
        for ``by``, all in one transaction (a group commit of concurrent steps).

        A decision or batchable step that completes with an outcome in its results creates,
        in the same transaction, the steps ``engine.dynamic.expansion_after`` plans (decision
        branches, batch worker clones, their dependents) with their audit rows and edges,
        re-wires the task's pending steps, and adds the new steps to ``total_steps``."""
        ...

    async def save_checkpoint(
        self, step_uuid: str, run_count: int, checkpoint: dict[str, Any], now_ms: int
    ) -> bool:
        """Store a batch worker's ``checkpoint_yield`` (``batches.checkpoint_record``) while
        attempt ``run_count`` still owns the step (in_progress, same run_count); False when
        it does not. No state changes and no attempt is counted; a later claim of the step
        hands the checkpoint to its handler so a retry resumes from it."""
        ...

    async def renew_leases(
        self, worker_id: str, step_uuids: list[str], lease_until_ms: int
    ) -> set[str]:
        """Extend this worker's leases; returns the steps an operator asked to cancel."""
        ...

    async def recover_expired(self, now_ms: int, by: str) -> int:
        """Send in_progress steps whose lease expired back through the normal failure path."""
        ...

    async def step_action(
        self,
        task_uuid: str,
        step_name: str,
        action: str,
        now_ms: int,
        by: str,
        reason: str,
        results: dict[str, Any] | None = None,
    ) -> None:
        """Operator step action: reset, resolve or complete; audited and re-evaluated.

        Resolving or completing a decision or batchable step closes it as a creator, as
        ``finish_attempts`` does: completed results with an outcome create its steps, and an
        outcome naming what it may not raises IllegalAction with nothing changed."""
        ...

    async def task_action(
        self, task_uuid: str, action: str, now_ms: int, by: str, reason: str
    ) -> None:
        """Operator task action: cancel or give_up; audited."""
        ...

    async def edit_context(
        self,
        task_uuid: str,
        context: dict[str, Any],
        now_ms: int,
        by: str,
        reason: str,
        metadata: dict[str, Any],
    ) -> None:
        """Replace an unfinished task's context and write a task audit row (from and to its
        current state) with ``metadata`` (the masked diff), in one transaction; IllegalAction
        for a finished task. Steps are not touched: the caller retries the failed ones."""
        ...

    async def resolve_task_uuid(self, prefix: str) -> str: ...
    async def get_task(self, task_uuid: str) -> dict[str, Any]: ...
    async def task_status(self, task_uuid: str) -> str | None:
        """The task's status alone (None: no such task), one indexed read."""
        ...

    async def list_tasks(
        self, namespace: str | None, status: str | None, limit: int, offset: int = 0
    ) -> list[dict[str, Any]]: ...
    async def task_summaries(self, task_uuids: list[str]) -> list[dict[str, Any]]:
        """The ``list_tasks`` rows of these tasks (unknown uuids are left out), in no order."""
        ...

    async def search_tasks(self, query: SearchQuery, limit: int) -> dict[str, Any]:
        """The tasks matching ``query`` (``engine.search_query``), read through the search
        index: ``{"total": how many match, "tasks": the newest ``limit`` as ``list_tasks``
        rows, each with ``matched`` (the fields that matched, as "code, ctx.email"), "note":
        None, or one line on how the search had to work (no full-text index)}``. The index
        holds what an operator may see: no value under a secret-naming key, masked secrets
        and card numbers; it follows every write of a context or a step's error in the same
        transaction."""
        ...

    async def step_audit(self, task_uuid: str, step_name: str) -> list[dict[str, Any]]: ...
    async def task_audit(self, task_uuid: str) -> list[dict[str, Any]]: ...
    async def task_counts(self) -> dict[str, int]: ...
    async def failed_steps(self, include_handled: bool = False) -> list[dict[str, Any]]:
        """The steps whose failure is outstanding: a step that carries an error (in error,
        waiting for its retry, or running it) in a task still open; one row per step
        (``engine.store.failure_rows.failed_step_row``). With ``include_handled`` every step
        that ever failed, its latest failure's error, whatever it and its task are now."""
        ...

    async def task_grid(self, namespace: str, name: str, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` tasks named ``namespace/name`` (any version), newest first,
        each ``{task_uuid, status, created_at, steps}`` with its steps in position order as
        ``{name, template_step, current_state, attempts, error_code, error_type}``; one read."""
        ...

    async def next_ready_at(self) -> int | None: ...
    async def has_live_work(self) -> bool: ...
    async def change_cursor(self) -> int: ...
    async def changed_tasks(self, cursor: int) -> tuple[int, list[str]]: ...
