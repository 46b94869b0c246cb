"""``tasker task …``: create, inspect and repair tasks."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from engine import json_limits, retry
from engine.api import Engine, open_engine
from engine.attempt_history import Attempt, attempt_history
from engine.cli import impact_cmds, numbers, output, task_lists
from engine.cli.errors import UsageError
from engine.ids import short_id
from engine.masking import masked, secret_values
from engine.states import TaskState


def register(groups: argparse._SubParsersAction[Any]) -> None:
    group = groups.add_parser("task", help="create, inspect and repair tasks")
    commands = group.add_subparsers(dest="task_command", metavar="COMMAND")
    commands.required = True

    p = commands.add_parser("create", help="create a task from a template")
    p.add_argument("name")
    p.add_argument("--namespace", required=True)
    p.add_argument("--version")
    p.add_argument("--context", default="{}", help="JSON object, or @FILE")
    p.add_argument("--idempotency-key")
    p.add_argument("--initiator", default="tasker-cli")
    p.add_argument("--source-system", default="cli")
    p.add_argument("--reason", default="CLI task creation")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=create)

    p = commands.add_parser("list", help="tasks, newest first")
    p.add_argument("--namespace")
    p.add_argument("--status")
    p.add_argument(
        "--limit",
        type=numbers.whole("--limit", 1, numbers.MAX_LIST_LIMIT),
        default=20,
        help=f"at most this many tasks, 1 to {numbers.MAX_LIST_LIMIT} (default 20)",
    )
    p.add_argument(
        "--search",
        metavar="QUERY",
        help="tasks matching QUERY: words found in a context value, an error code or message,"
        " the id, name or state; code:CODE, step:NAME, state:STATE, ctx.KEY:VALUE",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=list_tasks)

    for name, run, text in (("get", get, "a task and its steps"), ("steps", steps, "its steps")):
        p = commands.add_parser(name, help=text)
        p.add_argument("uuid", metavar="UUID")
        p.add_argument("--json", action="store_true")
        p.add_argument("--reveal", action="store_true", help="show sensitive values unmasked")
        p.set_defaults(run=run)

    p = commands.add_parser("step-audit", help="a step's transitions: who did what and why")
    p.add_argument("uuid", metavar="UUID")
    p.add_argument("step", metavar="STEP")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=step_audit)

    p = commands.add_parser(
        "attempts", help="a step's attempts: worker, outcome, error, backoff; operators' actions"
    )
    p.add_argument("uuid", metavar="UUID")
    p.add_argument("step", metavar="STEP")
    p.add_argument("--json", action="store_true")
    p.add_argument("--reveal", action="store_true", help="show sensitive values unmasked")
    p.set_defaults(run=step_attempts)

    for name, text in (
        ("reset-step", "retry a failed step"),
        ("resolve-step", "mark a step resolved without results"),
        ("retry-now", "run a step waiting for its retry now"),
    ):
        p = commands.add_parser(name, help=text)
        p.add_argument("uuid", metavar="UUID")
        p.add_argument("step", metavar="STEP")
        p.add_argument("--reason", required=True)
        p.add_argument("--by")
        p.set_defaults(run=step_action, action=name)

    p = commands.add_parser("complete-step", help="complete a step with results")
    p.add_argument("uuid", metavar="UUID")
    p.add_argument("step", metavar="STEP")
    p.add_argument("--result", required=True, help="JSON object, or @FILE")
    p.add_argument("--reason", required=True)
    p.add_argument("--by")
    p.set_defaults(run=step_action, action="complete-step")

    for name, text in (
        ("cancel", "cancel a task and its unfinished steps"),
        ("give-up", "close a task blocked by failures as error"),
    ):
        p = commands.add_parser(name, help=text)
        p.add_argument("uuid", metavar="UUID")
        p.add_argument("--reason")
        p.add_argument("--by")
        p.set_defaults(run=task_action, action=name)
    impact_cmds.register(commands, _engine, read_json_object)  # --dry-run, edit-context


def read_json_object(text: str, what: str) -> dict[str, Any]:
    """A JSON object from ``text`` or from the file ``@path``; one-line errors otherwise."""
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {what} file {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{what} file {path} is not UTF-8 text; save it as UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_not_json(what))
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{what} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            'pass an object like \'{"key": "value"}\''
        ) from None
    except RecursionError:
        raise UsageError(json_limits.too_deep(what)) from None
    except ValueError:  # an integer past Python's 4,300-digit conversion limit
        number = "an integer of over 4300 digits"
        raise UsageError(json_limits.out_of_range(what, number)) from None
    if not isinstance(value, dict):
        raise UsageError(f'{what} must be a JSON object, like \'{{"key": "value"}}\'')
    return value


def _not_json(what: str) -> Any:
    """Python's json reads NaN and Infinity, which are not JSON: refuse them in one line."""

    def refuse(name: str) -> Any:
        raise UsageError(f"{what} holds {name}, which is not JSON; use null or a string")

    return refuse


def shown(task: dict[str, Any], reveal: bool = False) -> dict[str, Any]:
    """The task as the CLI prints it: secrets masked, also where a message quotes them."""
    return task if reveal else masked(task, secret_values(task))


@asynccontextmanager
async def _engine(args: argparse.Namespace) -> AsyncIterator[Engine]:
    """The engine on ``--db``; the template files it could not load are reported on the way
    out (after any error that quotes one, which is then not repeated)."""
    async with open_engine(
        args.db,
        templates=args.templates,
        handlers=args.handlers,
        environment=args.environment,
    ) as engine:
        try:
            yield engine
        finally:
            output.report_template_problems(engine.catalog)


async def create(args: argparse.Namespace) -> int:
    context = read_json_object(args.context, "--context")
    async with _engine(args) as engine:
        made = await engine.create_task(
            args.name,
            args.namespace,
            context,
            version=args.version,
            initiator=args.initiator,
            source_system=args.source_system,
            reason=args.reason,
            idempotency_key=args.idempotency_key,
        )
    task = shown(made.task)
    if args.json:
        output.print_json({**task, "created": made.created})
    else:
        verb = "created" if made.created else "exists (same identity; not created again)"
        output.plain_line(
            f"task {task['task_uuid']} {verb}: {task['namespace']}/{task['name']}"
            f"@{task['version']} {task['status']}"
        )
    return 0


async def list_tasks(args: argparse.Namespace) -> int:
    if args.status is not None and args.status not in set(TaskState):
        raise UsageError(
            f"--status {args.status!r} is not a task status; use one of: " + ", ".join(TaskState)
        )
    if args.search is not None:
        return await task_lists.search_tasks(args, _engine)
    async with _engine(args) as engine:
        tasks = masked(await engine.list_tasks(args.namespace, args.status, args.limit))
    if args.json:
        output.print_json(tasks)
        return 0
    task_lists.task_table(tasks)
    return 0


async def _task(args: argparse.Namespace) -> dict[str, Any]:
    async with _engine(args) as engine:
        task = await engine.get_task(args.uuid)
    return shown(task, args.reveal)


def _error_text(step: dict[str, Any]) -> str:
    error = step["error"]
    if not error:
        return ""
    code = f" [{error['error_code']}]" if error.get("error_code") else ""
    return f"{error['error_type']}{code}: {error['message']}"


def _print_steps(task: dict[str, Any]) -> None:
    output.table(
        ["STEP", "STATE", "ATTEMPTS", "NEXT RETRY", "ERROR"],
        [
            (
                s["name"],
                output.styled(s["current_state"]),
                retry.attempt_text(s["attempt"], s["attempts"], s["max_attempts"]),
                output.clock_text(s["next_retry_at"]) if s["next_retry_at"] else "",
                _error_text(s),
            )
            for s in task["steps"]
        ],
    )


async def get(args: argparse.Namespace) -> int:
    task = await _task(args)
    if args.json:
        output.print_json(task)
        return 0
    output.plain_line(
        f"task {task['task_uuid']}  {task['namespace']}/{task['name']}@{task['version']}"
    )
    output.say(
        "status ",
        output.styled(task["status"]),
        f" ({task['execution_status']}), {task['completed_steps']}/{task['total_steps']} steps, "
        f"created {output.clock_text(task['created_at'])} by {task['initiator']}",
    )
    context = json.dumps(task["context"], ensure_ascii=False)
    output.say("context ", output.clipped(context, output.CONTEXT_LIMIT))
    _print_steps(task)
    return 0


async def steps(args: argparse.Namespace) -> int:
    task = await _task(args)
    if args.json:
        output.print_json(task["steps"])
    else:
        _print_steps(task)
    return 0


async def step_audit(args: argparse.Namespace) -> int:
    async with _engine(args) as engine:
        rows = await engine.step_audit(args.uuid, args.step)
        task = await engine.get_task(args.uuid)
    rows = masked(rows, secret_values(task))
    if args.json:
        output.print_json(rows)
        return 0
    output.table(
        ["AT", "ATTEMPT", "FROM", "TO", "BY", "REASON"],
        [
            (
                output.clock_text(r["at"]),
                r["attempt"],
                r["from_state"] or "-",
                output.styled(r["to_state"]),
                r["by"],
                r["reason"],
            )
            for r in rows
        ],
    )
    return 0


def _local_minute(ms: int) -> str:
    return time.strftime("%H:%M", time.localtime(ms / 1000))


def _duration_text(ms: int | None) -> str:
    if ms is None:
        return "running"
    return f"{ms} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def _backoff_text(attempt: Attempt) -> str:
    if attempt.backoff_ms is None:
        return ""
    return f"{attempt.backoff_ms} ms ({attempt.backoff_rule})" if attempt.backoff_rule else ""


async def step_attempts(args: argparse.Namespace) -> int:
    async with _engine(args) as engine:
        rows = await engine.step_audit(args.uuid, args.step)
        task = await engine.get_task(args.uuid)
    if not args.reveal:
        rows = masked(rows, secret_values(task))
    step = next(s for s in task["steps"] if s["name"] == args.step)
    history = attempt_history(rows, step, _local_minute)  # as the table's times: local
    if args.json:
        output.print_json({"task_uuid": task["task_uuid"], "step": args.step, **history.to_json()})
        return 0
    output.say(f"{args.step}: {history.headline}")
    lines: list[tuple[object, ...]] = []
    for row in history.rows():
        if isinstance(row, Attempt):
            outcome = output.styled(row.outcome)
            if row.ended_by:
                outcome.append(f" by {row.ended_by}")
            lines.append((
                row.number, output.clock_text(row.started_at), _duration_text(row.duration_ms),
                row.worker, outcome, row.error_class, row.error_code or "", row.message or "",
                _backoff_text(row),
            ))  # fmt: skip
        else:
            verb = row.action.replace("_", " ")
            lines.append(("", output.clock_text(row.at), "", row.by, verb, "", "", row.reason, ""))
    columns = "ATTEMPT STARTED DURATION WORKER OUTCOME CLASS CODE MESSAGE BACKOFF"
    output.table(columns.split(), lines)
    return 0


async def step_action(args: argparse.Namespace) -> int:
    async with _engine(args) as engine:
        if args.action == "reset-step":
            task = await engine.reset_step(args.uuid, args.step, args.reason, args.by)
        elif args.action == "retry-now":
            task = await engine.retry_now(args.uuid, args.step, args.reason, args.by)
        elif args.action == "resolve-step":
            task = await engine.resolve_step(args.uuid, args.step, args.reason, args.by)
        else:
            results = read_json_object(args.result, "--result")
            task = await engine.complete_step(args.uuid, args.step, results, args.reason, args.by)
    step = next(s for s in task["steps"] if s["name"] == args.step)
    output.plain_line(
        f"{args.action}: task {short_id(task['task_uuid'])} step {args.step} is now "
        f"{step['current_state']}; task {task['status']}"
    )
    return 0


async def task_action(args: argparse.Namespace) -> int:
    async with _engine(args) as engine:
        if args.action == "cancel":
            task = await engine.cancel_task(args.uuid, args.reason, args.by)
        else:
            task = await engine.give_up(args.uuid, args.reason, args.by)
    print(f"{args.action}: task {short_id(task['task_uuid'])} is now {task['status']}")
    return 0


__all__ = ["Engine", "register"]
