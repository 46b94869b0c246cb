"""``tasker db …``: create or upgrade a database's schema, and move everything to another one."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli import output
from engine.store import admin


def register(groups: argparse._SubParsersAction[Any]) -> None:
    group = groups.add_parser("db", help="create, upgrade and copy databases")
    commands = group.add_subparsers(dest="db_command", metavar="COMMAND")
    commands.required = True

    p = commands.add_parser(
        "migrate", help="create or upgrade the schema of --db (a file or a postgresql:// URL)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=migrate)

    p = commands.add_parser(
        "copy",
        help="copy every task, step, result and transition into an empty database",
        description="Copy every task, step, result and transition from one database into an "
        "empty one, e.g. --from sqlite:///tasker.db --to postgresql://host/tasker. Both are "
        "migrated first; the destination is written in one transaction.",
    )
    p.add_argument("--from", dest="source", metavar="URL", help="the database to read (--db)")
    p.add_argument(
        "--to", dest="destination", metavar="URL", required=True, help="an empty database"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=copy)


async def migrate(args: argparse.Namespace) -> int:
    before, after = await admin.migrate(args.db)
    if args.json:
        output.print_json({"database": admin.label(args.db), "from": before, "to": after})
        return 0
    if before == after:
        change = "already current"
    elif before == 0:
        change = "created"
    else:
        change = f"upgraded from version {before}"
    print(f"{admin.label(args.db)}: schema version {after} ({change})")
    return 0


async def copy(args: argparse.Namespace) -> int:
    source = args.source or args.db

    def progress(table: str, rows: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r{table}: {rows} rows", end="", file=sys.stderr, flush=True)

    counts = await admin.copy_database(source, args.destination, progress)
    if sys.stderr.isatty() and not args.json:
        print(file=sys.stderr)
    if args.json:
        output.print_json(
            {"from": admin.label(source), "to": admin.label(args.destination), "rows": counts}
        )
        return 0
    output.table(
        ["table", "rows"], sorted(counts.items(), key=lambda kv: admin.TABLES.index(kv[0]))
    )
    print(
        f"copied {counts['tasks']} tasks from {admin.label(source)} "
        f"to {admin.label(args.destination)}"
    )
    return 0
