"""Task lists in the CLI: the table of tasks, and ``task list --search``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from engine import search_query
from engine.api import Engine
from engine.cli import output
from engine.cli.errors import UsageError
from engine.ids import short_id
from engine.masking import masked

Opener = Callable[[argparse.Namespace], AbstractAsyncContextManager[Engine]]


async def search_tasks(args: argparse.Namespace, opened: Opener) -> int:
    """``task list --search``: the newest matching tasks, what matched, and how many match."""
    if args.namespace or args.status:
        raise UsageError("--search takes no --namespace or --status; write state:NAME in it")
    try:
        query = search_query.parse(args.search)
    except search_query.SearchQueryError as exc:
        raise UsageError(f"--search: {exc}") from None
    if not query:
        raise UsageError("--search needs a query, like code:PAYMENT_DECLINED or an e-mail")
    async with opened(args) as engine:
        found = await engine.search_tasks(query.text, args.limit)
    tasks = masked(found["tasks"])
    if args.json:
        output.print_json({"total": found["total"], "tasks": tasks, "note": found["note"]})
        return 0
    task_table(tasks, matched=True)
    shown = f"{len(tasks)} of {found['total']}" if found["total"] > len(tasks) else len(tasks)
    output.say(f"{shown} matching tasks" + (f" ({found['note']})" if found["note"] else ""))
    return 0


def task_table(tasks: list[dict[str, Any]], matched: bool = False) -> None:
    output.table(
        ["UUID", "TEMPLATE", "STATUS", "STEPS", "CREATED", "INITIATOR"]
        + (["MATCHED"] if matched else []),
        [
            (
                short_id(t["task_uuid"]),
                f"{t['namespace']}/{t['name']}@{t['version']}",
                output.styled(t["status"]),
                f"{t['completed_steps']}/{t['total_steps']}",
                output.clock_text(t["created_at"]),
                t["initiator"],
                *([t["matched"]] if matched else []),
            )
            for t in tasks
        ],
    )
