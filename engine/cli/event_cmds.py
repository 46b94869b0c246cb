"""``tasker events``: the domain events steps published, their deliveries, and the counts."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape

from engine.api import open_engine
from engine.cli import output
from engine.cli.errors import UsageError
from engine.events import queries
from engine.ids import short_id

STATS_KEYS = ("routed", "durable", "fast", "delivered", "failed", "pending")
EVENT_STATE_STYLE = {"delivered": "green", "failed": "red", "pending": "yellow"}


def register(groups: argparse._SubParsersAction[Any]) -> None:
    p = groups.add_parser("events", help="domain events published by steps and their deliveries")
    sub = p.add_subparsers(dest="events_command", metavar="ACTION", parser_class=type(p))
    sub.required = True
    ls = sub.add_parser("list", help="domain events published and their deliveries")
    ls.add_argument("--task", metavar="UUID", help="only this task's events (any unique prefix)")
    ls.add_argument("--limit", type=int, default=queries.DEFAULT_LIMIT, help="newest N (100)")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.add_argument("--reveal", action="store_true", help="do not mask secret-looking values")
    ls.set_defaults(run=list_events)
    st = sub.add_parser("stats", help="routed, durable, fast, delivered, failed, pending")
    st.add_argument("--json", action="store_true", help='print {"total": …, "workers": …}')
    st.set_defaults(run=event_stats)


def _engine(args: argparse.Namespace) -> Any:
    return open_engine(args.db, templates=args.templates, environment=args.environment)


def plain(text: object) -> str:
    """Task text as a table cell: no markup, no control characters."""
    cleaned = "".join(ch if ch.isprintable() else "�" for ch in str(text))
    return escape(cleaned)


async def list_events(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    async with _engine(args) as engine:
        events = await queries.list_events(engine.store, args.task, args.limit, args.reveal)
    if args.json:
        output.print_json(events)
        return 0
    output.table(
        ["EVENT", "NAME", "MODE", "STATE", "TASK", "STEP", "DELIVERIES", "PUBLISHED", "ERROR"],
        [
            (
                short_id(e["event_id"]),
                plain(e["name"]),
                e["delivery_mode"],
                f"[{EVENT_STATE_STYLE.get(e['state'], 'white')}]{e['state']}[/]",
                short_id(e["task_uuid"]),
                plain(e["step_name"]),
                _deliveries_text(e["deliveries"]),
                output.clock_text(e["published_at"])[-8:],  # the time of day
                plain(e["last_error"] or ""),
            )
            for e in events
        ],
    )
    return 0


def _deliveries_text(deliveries: list[dict[str, Any]]) -> str:
    ok = sum(1 for d in deliveries if d["outcome"] == "delivered")
    failed = len(deliveries) - ok
    return f"{ok} ok" + (f"/{failed} failed" if failed else "")


async def event_stats(args: argparse.Namespace) -> int:
    async with _engine(args) as engine:
        stats = await queries.event_stats(engine.store)
    if args.json:
        output.print_json(stats)
        return 0
    rows = [(plain(worker), *(c[k] for k in STATS_KEYS)) for worker, c in stats["workers"].items()]
    rows.append(("[bold]total[/]", *(stats["total"][k] for k in STATS_KEYS)))
    output.table(["WORKER", *(k.upper() for k in STATS_KEYS)], rows)
    return 0
