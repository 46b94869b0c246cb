"""``--dry-run`` on the task actions, and ``tasker task edit-context``.

``--dry-run`` (``reset-step``, ``retry-now``, ``resolve-step``, ``complete-step``, ``cancel``,
``give-up``, ``edit-context``) prints what the action would do (``engine.impact``) and changes
nothing; without it the actions act as before and print one line (scripts read it).

``tasker task edit-context UUID [--file CTX.json] [--set KEY=VALUE ...] --reason R`` replaces
an unfinished task's context (``--file``: the whole new context; ``--set``: one key, dotted
for nested objects, its value JSON or else text) and retries its failed steps; the masked diff
is printed and audited (``engine.context_edit``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from typing import Any

from engine import context_edit
from engine.cli import output
from engine.cli.errors import UsageError
from engine.context_diff import context_diff, diff_lines
from engine.ids import short_id
from engine.masking import secret_values

Run = Callable[[argparse.Namespace], Awaitable[int]]
ReadJson = Callable[[str, str], dict[str, Any]]  # task_cmds.read_json_object
IMPACT_ACTIONS = {
    "reset-step": "retry_step",
    "retry-now": "retry_step",
    "resolve-step": "resolve_step",
    "complete-step": "complete_step",
    "cancel": "cancel_task",
    "give-up": "give_up",
}
DRY_RUN_HELP = "print what the action would do (runs, failures, what stays done); change nothing"


def register(
    commands: argparse._SubParsersAction[Any],
    engine_of: Callable[[argparse.Namespace], Any],
    read_json: ReadJson,
) -> None:
    """Add ``--dry-run`` to the task actions and the ``edit-context`` command.
    ``engine_of(args)``: the CLI's engine context manager (``task_cmds._engine``);
    ``read_json(text, what)``: a JSON object from text or ``@FILE``, one-line errors."""
    for name in IMPACT_ACTIONS:
        parser = commands.choices[name]
        parser.add_argument("--dry-run", action="store_true", help=DRY_RUN_HELP)
        parser.add_argument("--json", action="store_true", help="with --dry-run: as JSON")
        parser.set_defaults(run=_dry_run_or(parser.get_default("run"), engine_of, read_json))

    p = commands.add_parser("edit-context", help="edit a task's context and retry its failed steps")
    p.add_argument("uuid", metavar="UUID")
    p.add_argument("--file", help="the whole new context: a JSON object file")
    p.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="one key (a.b: nested)"
    )
    p.add_argument("--reason", required=True)
    p.add_argument("--by")
    p.add_argument("--dry-run", action="store_true", help=DRY_RUN_HELP)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=lambda args: edit_context(args, engine_of, read_json), action="edit-context")


def _dry_run_or(
    act: Run, engine_of: Callable[[argparse.Namespace], Any], read_json: ReadJson
) -> Run:
    async def run(args: argparse.Namespace) -> int:
        if not args.dry_run:
            return await act(args)
        results = None
        if args.action == "complete-step":
            results = read_json(args.result, "--result")
        async with engine_of(args) as engine:
            task = await engine.get_task(args.uuid)
            step = getattr(args, "step", None)
            names = [s["name"] for s in task["steps"]]
            if step is not None and step not in names:
                raise UsageError(
                    f"task {short_id(task['task_uuid'])} has no step '{step}'; "
                    f"its steps: {', '.join(names)}"
                )
            found = await engine.impact(
                task["task_uuid"], IMPACT_ACTIONS[args.action], step, results
            )
        _print_preview(args, task, found.lines(), found.as_json())
        return 0

    return run


def _print_preview(
    args: argparse.Namespace, task: dict[str, Any], lines: list[str], data: dict[str, Any]
) -> None:
    if args.json:
        output.print_json({"task_uuid": task["task_uuid"], "dry_run": True, **data})
        return
    output.plain_line(
        f"dry run: {args.action} on task {short_id(task['task_uuid'])} "
        f"({task['namespace']}/{task['name']}, {task['status']}); nothing was changed"
    )
    for line in lines:
        output.plain_line(line)


def _set_path(context: dict[str, Any], assignment: str) -> None:
    key, sep, text = assignment.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"--set takes KEY=VALUE, not {assignment!r}; e.g. --set email=a@b.co")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text  # plain text needs no quotes
    *parents, last = key.strip().split(".")
    node = context
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise UsageError(f"--set {key}: '{part}' holds a {type(child).__name__}, not an object")
        node = child
    node[last] = value


def new_context(
    args: argparse.Namespace, old: dict[str, Any], read_json: ReadJson
) -> dict[str, Any]:
    """The context ``--file`` and ``--set`` make of ``old``."""
    if args.file is None and not args.set:
        raise UsageError("give the new context: --file CTX.json, or --set KEY=VALUE (repeatable)")
    context = read_json("@" + args.file, "--file") if args.file else json.loads(json.dumps(old))
    for assignment in args.set:
        _set_path(context, assignment)
    return context


async def edit_context(
    args: argparse.Namespace, engine_of: Callable[..., Any], read_json: ReadJson
) -> int:
    async with engine_of(args) as engine:
        task = await engine.get_task(args.uuid)
        context = new_context(args, task["context"], read_json)
        if args.dry_run:
            template = engine.template(task["namespace"], task["name"], task["version"])
            problems = engine.input_problems(template, context)
            try:
                context_edit.planned_edit(task, context, template.input_schema, problems)
            except context_edit.ContextRejected as exc:
                raise UsageError(str(exc)) from None
            found = await engine.impact(task["task_uuid"], "edit_context")
            secrets = secret_values({"old": task["context"], "new": context})
            diff = diff_lines(context_diff(task["context"], context), secrets)
            _print_preview(args, task, ["diff:", *(f"  {d}" for d in diff), *found.lines()],
                           {"context_diff": diff, **found.as_json()})  # fmt: skip
            return 0
        edit = await engine.edit_context(task["task_uuid"], context, args.reason, args.by)
    if args.json:
        output.print_json(
            {"task_uuid": edit.task_uuid, "context_diff": edit.diff, "retried": edit.retried}
        )
        return 0
    retried = ", ".join(edit.retried) or "no failed step"
    output.plain_line(
        f"edit-context: task {short_id(edit.task_uuid)}: {len(edit.diff)} change(s); "
        f"retried: {retried}"
    )
    for line in edit.diff:
        output.plain_line(f"  {line}")
    return 0
