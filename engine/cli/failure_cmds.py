"""``tasker failures``: outstanding failed steps grouped by cause, and bulk actions on them.

``tasker failures [--all] [--json]`` lists the groups (``--all`` adds the handled ones);
``tasker failures retry|give-up|resolve [GROUP …] [--template T] [--step S] [--code C]
[--task UUID …] --reason TEXT`` acts on the outstanding failed steps the groups and filters
select, as one audited batch, after printing its preview (``--dry-run``: the preview only).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from engine.cli import output
from engine.cli.errors import UsageError
from engine.cli.task_cmds import _engine
from engine.failures import FailureGroup, Target, select_targets
from engine.ids import short_id

ACTIONS = {"retry": "retry", "give-up": "give_up", "resolve": "resolve"}
ACTION_HELP = {
    "retry": "retry the failed steps (a step in error is reset, a waiting retry runs now)",
    "give-up": "give up the tasks of the failed steps (closed as error)",
    "resolve": "resolve the failed steps without results (their dependents run)",
}


def register(groups: argparse._SubParsersAction[Any]) -> None:
    p = groups.add_parser(
        "failures",
        help="outstanding failed steps grouped by cause; retry, give up, resolve",
        description="Without an ACTION: the outstanding failed steps grouped by template, step,"
        " error class and code. With one: act on the groups (their ids) or filters named, as"
        " one audited batch, after printing what it will do.",
    )
    p.add_argument("--all", action="store_true", help="handled failures too")
    p.add_argument("--json", action="store_true", help="print the groups as JSON")
    p.set_defaults(run=list_failures)
    sub = p.add_subparsers(dest="failures_command", metavar="ACTION", parser_class=type(p))
    for name, text in ACTION_HELP.items():
        a = sub.add_parser(name, help=text)
        a.add_argument("groups", nargs="*", metavar="GROUP", help="group ids (or their starts)")
        a.add_argument("--template", help="only this template (NAME or NAMESPACE.NAME)")
        a.add_argument("--step", help="only this step")
        a.add_argument("--code", help="only this error code")
        a.add_argument("--task", action="append", default=[], metavar="UUID", help="repeatable")
        a.add_argument("--reason", required=True, help="why: audited with every action")
        a.add_argument("--by", help="the operator (default: your user name)")
        a.add_argument("--dry-run", action="store_true", help="print the preview only")
        a.add_argument("--json", action="store_true", help="print the preview and outcomes")
        a.set_defaults(run=act_on_failures, action=ACTIONS[name])


async def list_failures(args: argparse.Namespace) -> int:
    async with _engine(args) as engine:
        groups = await engine.failures(include_handled=args.all)
    if args.json:
        output.print_json(groups)
        return 0
    if not groups:
        output.say("no outstanding failures" if not args.all else "no failures")
        return 0
    rows = [
        (
            g["group"],
            g["template"],
            g["step"],
            f"{g['error_code']} ({g['error_class']})",
            f"{g['outstanding']}/{g['count']}" if args.all else g["count"],
            f"{g['exhausted']}/{g['count']}",
            _span(g["oldest_at"], g["newest_at"]),
            g["sample_message"],
        )
        for g in groups
    ]
    tasks = "OPEN/ALL" if args.all else "TASKS"
    columns = ["GROUP", "TEMPLATE", "STEP", "CODE (CLASS)", tasks, "EXHAUSTED", "FAILED"]
    output.table([*columns, "SAMPLE MESSAGE"], rows)
    return 0


def _span(oldest: int | None, newest: int | None) -> str:
    """``12:01:07–12:09:55``: when the group's first and latest failures happened (local)."""
    first, last = (
        time.strftime("%H:%M:%S", time.localtime((t or 0) / 1000)) for t in (oldest, newest)
    )
    return first if first == last else f"{first}–{last}"


def _targets(args: argparse.Namespace, groups: list[FailureGroup]) -> list[Target]:
    if not (args.groups or args.template or args.step or args.code or args.task):
        raise UsageError(
            "name the failures to act on: GROUP ids, or --template/--step/--code/--task; "
            "'tasker failures' lists the groups"
        )
    try:
        targets = select_targets(
            groups, args.groups, args.template, args.step, args.code, args.task
        )
    except ValueError as wrong:
        raise UsageError(str(wrong)) from None
    if not targets:
        raise UsageError("no outstanding failure matches; 'tasker failures' lists the groups")
    return targets


async def act_on_failures(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise UsageError("--reason must say why (it is audited with every action)")
    async with _engine(args) as engine:
        targets = _targets(args, [FailureGroup.from_json(g) for g in await engine.failures()])
        preview = await engine.failure_preview(args.action, targets)
        if args.dry_run:
            batch = None
        else:
            batch = await engine.act_on_failures(args.action, targets, args.reason, args.by)
    if args.json:
        output.print_json({"preview": preview, "batch": batch})
        return 0
    output.say(preview["text"])
    if batch is None:
        output.say("dry run: nothing changed")
        return 0
    rows = [
        (short_id(o["task_uuid"]), o["step"], output.styled(o["outcome"]), o["detail"])
        for o in batch["outcomes"]
    ]
    output.table(["TASK", "STEP", "OUTCOME", "DETAIL"], rows)
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(batch["counts"].items()))
    output.say(f"batch {batch['batch']}: {counts}")
    return 0
