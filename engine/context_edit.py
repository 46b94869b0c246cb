"""Edit a task's context and retry its failed steps (the console's ``E``, ``tasker task
edit-context``).

What happens, in order:

1. the new context is checked: a JSON object, storable, different from the old one, valid
   against the template's ``input_schema`` (``engine.json_schema``) and its handlers'
   ``@inputs`` models (``Engine.input_problems``); the first problem refuses the edit with
   one line and nothing is written;
2. the context is replaced and a task audit row written in one transaction, its metadata the
   masked diff (``engine.context_diff``: ``{"context_diff": ["~ $.payment_token: …"]}``);
3. each failed (``error``) step is reset, as ``r`` does, audited with the same reason.

Steps that already completed with the old context are **not** re-run: their results stand
(a payment taken stays taken). Steps waiting for a retry, pending or running read the new
context on their next attempt. The task's identity hash stays that of its creation request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

from engine.context_diff import context_diff, diff_lines
from engine.json_limits import MAX_CONTEXT_BYTES, NotStorable, stored_size
from engine.json_schema import schema_errors
from engine.labels import default_operator
from engine.masking import secret_values
from engine.store import Store
from engine.templates import TaskTemplate, TemplateCatalog

FINISHED = ("complete", "error", "cancelled", "resolved_manually")
SHOWN_PROBLEMS = 3


class ContextRejected(ValueError):
    """The edited context cannot be used; ``str()`` is one line saying why (a user error:
    the CLI says it in one line, exit 2)."""


@dataclass(frozen=True)
class ContextEdit:
    task_uuid: str
    context: dict[str, Any]
    diff: list[str]  # masked lines, as audited
    retried: list[str]  # the failed steps to reset, in position order


def _one_line(problems: list[str], what: str) -> str:
    more = f" (+{len(problems) - SHOWN_PROBLEMS} more)" if len(problems) > SHOWN_PROBLEMS else ""
    return f"the new context fails {what}: " + "; ".join(problems[:SHOWN_PROBLEMS]) + more


def planned_edit(
    task: dict[str, Any],
    context: Any,
    input_schema: dict[str, Any] | None,
    input_problems: list[str],
) -> ContextEdit:
    """The edit to make, or ContextRejected. ``input_problems``: what the template's handlers'
    ``@inputs`` models say of ``context`` (Engine.input_problems)."""
    if task["status"] in FINISHED:
        raise ContextRejected(
            f"task {task['task_uuid'][:8]} is {task['status']}; only an unfinished task's "
            "context can be edited"
        )
    if not isinstance(context, dict):
        raise ContextRejected(
            f"the context must be a JSON object, not {type(context).__name__}; "
            'wrap it like {"key": value}'
        )
    try:
        stored_size(context, "the context", MAX_CONTEXT_BYTES)
    except NotStorable as exc:
        raise ContextRejected(str(exc)) from None
    old = task.get("context") or {}
    changes = context_diff(old, context)
    if not changes:
        raise ContextRejected("the context is unchanged: edit a value first")
    problems = schema_errors(context, input_schema)
    if problems:
        raise ContextRejected(_one_line(problems, "the template's input_schema"))
    if input_problems:
        raise ContextRejected(_one_line(input_problems, "its handlers' @inputs models"))
    secrets = secret_values({"old": old, "new": context})
    retried = [s["name"] for s in task.get("steps", []) if s.get("current_state") == "error"]
    return ContextEdit(task["task_uuid"], context, diff_lines(changes, secrets), retried)


class EditingEngine(Protocol):
    """What the edit needs of ``engine.api.Engine``."""

    store: Store
    catalog: TemplateCatalog

    @property
    def clock(self) -> Any: ...
    def input_problems(self, template: TaskTemplate, context: Any) -> list[str]: ...
    async def get_task(self, uuid_or_prefix: str, /) -> dict[str, Any]: ...
    def _wake_workers(self) -> None: ...


async def edit_context(
    engine: EditingEngine, task_uuid: str, context: Any, reason: str, by: str | None
) -> ContextEdit:
    """Check and make the edit (see the module docstring); ContextRejected names a problem."""
    task = await engine.get_task(task_uuid)
    template = engine.catalog.get(task["namespace"], task["name"], task["version"])
    problems = engine.input_problems(template, context) if isinstance(context, dict) else []
    edit = planned_edit(task, context, template.input_schema, problems)
    by, now = by or default_operator(), engine.clock.now_ms()
    metadata = {"context_diff": edit.diff}
    await engine.store.edit_context(edit.task_uuid, edit.context, now, by, reason, metadata)
    for name in edit.retried:
        await engine.store.step_action(edit.task_uuid, name, "reset", now, by, reason)
    engine._wake_workers()
    return edit


class ContextEditFacade:
    """The Engine facade's ``edit_context`` (``engine.api.Engine`` inherits it)."""

    async def edit_context(
        self, task: str, context: Any, reason: str, by: str | None = None
    ) -> ContextEdit:
        """Replace an unfinished task's context and retry its failed steps (see the module
        docstring); ContextRejected, with nothing written, for a context it cannot use."""
        return await edit_context(cast(EditingEngine, self), task, context, reason, by)
