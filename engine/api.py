"""The Engine facade: the one door the CLI, ``tasker_core.client`` and the console use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from engine import identity, plan, search_query, shipped
from engine.clock import Clock, SystemClock
from engine.context_edit import ContextEditFacade
from engine.failure_actions import FailuresFacade
from engine.handlers import input_check
from engine.handlers.loading import import_handler_modules
from engine.handlers.registry import HandlerRegistry
from engine.ids import short_id
from engine.impact_preview import ImpactFacade
from engine.json_limits import MAX_CONTEXT_BYTES, MAX_RESULT_BYTES, NotStorable, stored_size
from engine.labels import default_operator
from engine.states import TaskState
from engine.store import Store, TaskPlan, open_store
from engine.task_created import TaskCreated, claimed_steps, new_task_view
from engine.task_waits import TaskWaits
from engine.templates import TaskTemplate, TemplateCatalog
from engine.worker import Worker


class EngineError(Exception):
    """A request the engine refuses; ``str()`` is one line saying what to fix."""


def _check_storable(value: Any, what: str, limit: int) -> None:
    try:
        stored_size(value, what, limit)
    except NotStorable as exc:
        raise EngineError(str(exc)) from None


class Engine(FailuresFacade, ImpactFacade, ContextEditFacade):
    def __init__(
        self,
        store: Store,
        catalog: TemplateCatalog,
        clock: Clock,
        handler_specs: Sequence[str] = (),
        registry: HandlerRegistry | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.registry = registry or HandlerRegistry.instance()
        self._handler_specs = list(handler_specs)
        self._handlers_loaded = False
        self._workers: list[Worker] = []
        self._waits = TaskWaits()

    # templates ---------------------------------------------------------------------------
    def templates(self) -> list[TaskTemplate]:
        return self.catalog.all()

    def template(self, namespace: str, name: str, version: str | None = None) -> TaskTemplate:
        return self.catalog.get(namespace, name, version)

    # handlers and workers ---------------------------------------------------------------------
    def load_handlers(self) -> None:
        """Import the shipped handler modules and the operator's ``--handlers`` modules."""
        if self._handlers_loaded:
            return
        modules = shipped.import_shipped_handlers()
        modules += import_handler_modules(self._handler_specs)
        self.registry.allow_modules(modules)
        self._handlers_loaded = True

    def input_problems(self, template: TaskTemplate, context: Any) -> list[str]:
        """What the template's handlers' ``@inputs`` models say of ``context`` (handlers not
        importable here are skipped): input_checks.input_problems."""
        self.load_handlers()
        steps = [(s.name, s.handler.callable, s.handler.resolver) for s in template.steps]
        return input_check.input_problems(self.registry, steps, context)

    def worker(self, concurrency: int = 4, **options: Any) -> Worker:
        self.load_handlers()
        options.setdefault("on_task_states", self._waits.moved)
        worker = Worker(self.store, self.registry, self.clock, concurrency=concurrency, **options)
        self._workers.append(worker)
        return worker

    async def run_until_idle(self, concurrency: int = 4, **options: Any) -> Worker:
        """Run a worker until no step is running, runnable or waiting for a retry."""
        worker = self.worker(concurrency, **options)
        try:
            await worker.run(until_idle=True)
        finally:
            self._workers.remove(worker)
        return worker

    def _wake_workers(self) -> None:
        for worker in self._workers:
            worker.wake()

    # tasks ---------------------------------------------------------------------------------------
    async def create_task(
        self,
        name: str,
        namespace: str,
        context: dict[str, Any] | None = None,
        version: str | None = None,
        initiator: str | None = None,
        source_system: str | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
    ) -> TaskCreated:
        """Create a task, or return the existing one with the same identity (created False)."""
        template = self.catalog.get(namespace, name, version)
        now = self.clock.now_ms()
        new = self._plan(template, context, now, initiator, source_system, reason, idempotency_key)
        task_uuid, created, claims = await self._create_for_workers(new, now)
        if created and new.steps:  # its view as its transaction committed it, when asked for
            return TaskCreated(task_uuid, created, build=lambda: new_task_view(new, now, claims))
        # An existing task, or one its creation moved on at once (no steps): read back.
        return TaskCreated(task_uuid, created, await self.store.get_task(task_uuid))

    async def _create_for_workers(
        self, new: TaskPlan, now: int
    ) -> tuple[str, bool, tuple[set[str], str, int]]:
        """Create the task; a worker of this engine with free slots claims the ready steps in
        the same transaction and starts them at once, and the others are woken to look.

        Also the new task's steps claimed so, with the claiming worker and its lease."""
        claimant, slots = next(
            ((w, n) for w in self._workers if (n := w.offer_slots()) > 0), (None, 0)
        )
        if claimant is None:
            task_uuid, created = await self.store.create_task(new, now)
            self._wake_workers()
            return task_uuid, created, (set(), "", 0)
        write = asyncio.ensure_future(
            self.store.create_and_claim(new, now, claimant.worker_id, slots, claimant.lease_ms)
        )
        write.add_done_callback(lambda done: claimant.take(slots, claimed_steps(done)))
        # Shielded: once sent, the creation completes and its claimed steps start even if the
        # caller is cancelled meanwhile (they would otherwise wait for their lease to expire).
        task_uuid, created, claimed = await asyncio.shield(write)
        for worker in self._workers:
            if worker is not claimant:
                worker.wake()
        mine = {c.step_uuid for c in claimed if c.task_uuid == task_uuid}
        return task_uuid, created, (mine, claimant.worker_id, claimant.lease_ms)

    async def create_tasks(
        self,
        name: str,
        namespace: str,
        contexts: Sequence[dict[str, Any]],
        version: str | None = None,
        initiator: str | None = None,
        source_system: str | None = None,
        reason: str | None = None,
    ) -> list[tuple[str, bool]]:
        """Create one task per context, a transaction per thousand, as ``create_task`` would one
        by one (duplicates give the existing uuid, created False): for imports and benchmarks."""
        template = self.catalog.get(namespace, name, version)
        now = self.clock.now_ms()
        plans = [
            self._plan(template, context, now, initiator, source_system, reason, None)
            for context in contexts
        ]
        bulk = getattr(self.store, "create_tasks", None)
        made: list[tuple[str, bool]]
        if bulk is not None:
            made = await bulk(plans, now)
        else:  # a backend without a bulk insert: the same rows, one transaction each
            made = [await self.store.create_task(p, now) for p in plans]
        self._wake_workers()
        return made

    def _plan(
        self,
        template: TaskTemplate,
        context: dict[str, Any] | None,
        now: int,
        initiator: str | None,
        source_system: str | None,
        reason: str | None,
        idempotency_key: str | None,
    ) -> TaskPlan:
        context = {} if context is None else context
        if not isinstance(context, dict):
            raise EngineError(
                f"the context must be a JSON object, not {type(context).__name__}; "
                'wrap it like {"key": value}'
            )
        _check_storable(context, "the context", MAX_CONTEXT_BYTES)
        try:
            ihash = identity.identity_hash(
                template.key, context, template.identity_strategy, idempotency_key
            )
        except identity.IdentityError as exc:
            raise EngineError(str(exc)) from None
        return plan.task_plan(
            template,
            context,
            ihash,
            now_ms=now,
            initiator=initiator,
            source_system=source_system,
            reason=reason,
            idempotency_key=idempotency_key,
        )

    async def resolve(self, uuid_or_prefix: str) -> str:
        """The full uuid of the one task whose uuid is, starts with or ends with the text.

        Raises TaskNotFound, or AmbiguousPrefix naming the matches' tails, in one line."""
        return await self.store.resolve_task_uuid(uuid_or_prefix)

    async def get_task(self, uuid_or_prefix: str) -> dict[str, Any]:
        return await self.store.get_task(await self.resolve(uuid_or_prefix))

    async def wait_for_task(self, uuid_or_prefix: str, timeout_s: float | None = None) -> str:
        """Wait until the task has settled and return its status: finished (complete, error,
        cancelled, resolved_manually) or blocked_by_failures (it waits for an operator).

        Ends with the commit that settles the task when this engine's worker runs it; a change
        made by another process is seen within ``task_waits.RECHECK_S``. Raises
        ``task_waits.NotSettled`` (a TimeoutError) after ``timeout_s``."""
        whole = len(uuid_or_prefix) == 36  # a whole uuid needs no lookup of its own
        task_uuid = uuid_or_prefix if whole else await self.resolve(uuid_or_prefix)
        status = await self._waits.wait(task_uuid, self.store.task_status, timeout_s)
        if status is None:  # no such task: resolve says so, in one line
            await self.resolve(uuid_or_prefix)
            raise EngineError(f"task {uuid_or_prefix} is gone")  # deleted while waited for
        return status

    async def list_tasks(
        self,
        namespace: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        return await self.store.list_tasks(namespace, status, limit, offset)

    async def task_summaries(self, task_uuids: list[str]) -> list[dict[str, Any]]:
        """The list rows (as ``list_tasks`` gives them) of these tasks, in one read."""
        return await self.store.task_summaries(task_uuids)

    async def search_tasks(self, query: str, limit: int = 1000) -> dict[str, Any]:
        """``Store.search_tasks`` for a query in ``engine.search_query``'s language."""
        try:
            return await self.store.search_tasks(search_query.parse(query), limit)
        except search_query.SearchQueryError as exc:
            raise EngineError(f"search: {exc}") from None

    async def task_counts(self) -> dict[str, int]:
        return await self.store.task_counts()

    async def task_grid(self, namespace: str, name: str, limit: int = 40) -> list[dict[str, Any]]:
        """The newest tasks of a template with their steps' states (``Store.task_grid``)."""
        return await self.store.task_grid(namespace, name, limit)

    async def step_audit(self, uuid_or_prefix: str, step_name: str) -> list[dict[str, Any]]:
        task = await self.get_task(uuid_or_prefix)
        names = [s["name"] for s in task["steps"]]
        if step_name not in names:
            raise EngineError(
                f"task {short_id(task['task_uuid'])} has no step '{step_name}'; "
                f"its steps: {', '.join(names)}"
            )
        return await self.store.step_audit(task["task_uuid"], step_name)

    async def task_audit(self, uuid_or_prefix: str) -> list[dict[str, Any]]:
        return await self.store.task_audit(await self.resolve(uuid_or_prefix))

    # operator actions --------------------------------------------------------------------------
    async def _step_action(
        self,
        action: str,
        uuid_or_prefix: str,
        step: str,
        reason: str,
        by: str | None,
        results: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        task_uuid = await self.resolve(uuid_or_prefix)
        await self.store.step_action(
            task_uuid,
            step,
            action,
            self.clock.now_ms(),
            by or default_operator(),
            reason,
            results,
        )
        self._wake_workers()
        return self._told(await self.store.get_task(task_uuid))

    def _told(self, task: dict[str, Any]) -> dict[str, Any]:
        """An operator action's result, its task's state passed on to whoever waits for it."""
        self._waits.moved({task["task_uuid"]: TaskState(task["status"])})
        return task

    async def reset_step(
        self, task: str, step: str, reason: str, by: str | None = None
    ) -> dict[str, Any]:
        """Retry a failed step: error → pending with a fresh attempts allowance."""
        return await self._step_action("reset", task, step, reason, by)

    async def retry_now(
        self, task: str, step: str, reason: str, by: str | None = None
    ) -> dict[str, Any]:
        """Run a step waiting for its retry now: its retry is due at once (audited)."""
        return await self._step_action("retry_now", task, step, reason, by)

    async def resolve_step(
        self, task: str, step: str, reason: str, by: str | None = None
    ) -> dict[str, Any]:
        """Declare a step done without results; its dependents may run."""
        return await self._step_action("resolve", task, step, reason, by)

    async def complete_step(
        self, task: str, step: str, results: dict[str, Any], reason: str, by: str | None = None
    ) -> dict[str, Any]:
        """Complete a step with results its dependents can read."""
        if not isinstance(results, dict):
            raise EngineError('step results must be a JSON object, like {"key": value}')
        _check_storable(results, "the step's results", MAX_RESULT_BYTES)
        return await self._step_action("complete", task, step, reason, by, results)

    async def _task_action(
        self, action: str, uuid_or_prefix: str, reason: str | None, by: str | None
    ) -> dict[str, Any]:
        task_uuid = await self.resolve(uuid_or_prefix)
        await self.store.task_action(
            task_uuid,
            action,
            self.clock.now_ms(),
            by or default_operator(),
            reason or f"{action.replace('_', ' ')} requested",
        )
        self._wake_workers()
        return self._told(await self.store.get_task(task_uuid))

    async def cancel_task(
        self, task: str, reason: str | None = None, by: str | None = None
    ) -> dict[str, Any]:
        """Cancel a task and its unfinished steps; running handlers are asked to stop."""
        result = await self._task_action("cancel", task, reason, by)
        for worker in self._workers:
            for step in result["steps"]:
                if step["cancel_requested"]:
                    await worker.cancel_step(step["step_uuid"])
        return result

    async def give_up(
        self, task: str, reason: str | None = None, by: str | None = None
    ) -> dict[str, Any]:
        """Close a task blocked by failures as ``error``."""
        return await self._task_action("give_up", task, reason, by)

    # change feed ---------------------------------------------------------------------------------
    async def change_cursor(self) -> int:
        return await self.store.change_cursor()

    async def changes_since(self, cursor: int) -> tuple[int, list[str]]:
        """Tasks changed after ``cursor`` (by any process), and the new cursor."""
        return await self.store.changed_tasks(cursor)

    async def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        await self.store.close()


@asynccontextmanager
async def open_engine(
    db: str | Path,
    *,
    templates: Sequence[str | Path] = (),
    handlers: Sequence[str] = (),
    clock: Clock | None = None,
    environment: str | None = None,
    registry: HandlerRegistry | None = None,
) -> AsyncIterator[Engine]:
    """Open the database and the template catalog (the shipped folder plus ``templates``).

    An invalid template file does not stop the engine: it is kept in ``catalog.problems``
    (for the caller to report) and only requests for its template fail, quoting it."""
    dirs = [shipped.TEMPLATES_DIR, *(Path(t) for t in templates)]
    catalog = TemplateCatalog.load(dirs, environment=environment, skip_invalid=True)
    store = await open_store(str(db))
    engine = Engine(store, catalog, clock or SystemClock(), handlers, registry)
    try:
        yield engine
    finally:
        await engine.close()
