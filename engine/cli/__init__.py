"""The ``tasker`` command line (DESIGN §4): global options, then one command group.

Every user mistake ends as one line on stderr and exit code 2; a failed check exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence

from engine.cli import (
    app_cmds,
    db_cmds,
    event_cmds,
    failure_cmds,
    task_cmds,
    template_cmds,
    worker_cmds,
)
from engine.cli.errors import USER_ERRORS, UsageError
from engine.json_limits import MAX_NESTING
from engine.literal import visible


class OneLineParser(argparse.ArgumentParser):
    """argparse with one-line errors that point at ``--help``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}; see '{self.prog} --help'")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="tasker",
        description="Run and operate Tasker workflows on a local database.",
    )
    env = os.environ
    parser.add_argument(
        "--db",
        default=env.get("TASKER_DB", "tasker.db"),
        help="a SQLite file or a postgresql:// URL (TASKER_DB; default ./tasker.db)",
    )
    parser.add_argument(
        "--templates",
        action="append",
        default=None,
        metavar="DIR",
        help="extra template folder, repeatable (TASKER_TEMPLATE_PATH, ':'-separated)",
    )
    parser.add_argument(
        "--handlers",
        action="append",
        default=None,
        metavar="MODULE_OR_FILE",
        help="handler module or .py file to import, repeatable (TASKER_HANDLER_MODULES)",
    )
    parser.add_argument(
        "--environment",
        default=env.get("TASKER_ENV"),
        help="apply the templates' environments overrides for this environment (TASKER_ENV)",
    )
    groups = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    groups.required = True
    template_cmds.register(groups)
    task_cmds.register(groups)
    worker_cmds.register(groups)
    app_cmds.register(groups)
    db_cmds.register(groups)
    event_cmds.register(groups)
    failure_cmds.register(groups)
    return parser


def _apply_environment_defaults(args: argparse.Namespace) -> None:
    env = os.environ
    if args.templates is None:
        args.templates = [p for p in env.get("TASKER_TEMPLATE_PATH", "").split(":") if p]
    if args.handlers is None:
        args.handlers = [m for m in env.get("TASKER_HANDLER_MODULES", "").split(",") if m]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(_utf8_arguments(sys.argv[1:] if argv is None else argv))
        _apply_environment_defaults(args)
        result = args.run(args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except USER_ERRORS as exc:
        print(f"tasker: error: {visible(_one_line(exc))}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"tasker: error: invalid JSON: {exc}", file=sys.stderr)
        return 2
    except RecursionError:  # a value stored before nesting was limited (json_limits)
        print(
            "tasker: error: a stored value is nested too deeply to show (a context or result "
            f"stored before tasker limited nesting to {MAX_NESTING} levels); "
            "cancel or repair that task",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130


def _utf8_arguments(argv: Sequence[str]) -> list[str]:
    """The arguments, unless one holds bytes that are not UTF-8 (Python keeps those as lone
    surrogates, which no database or JSON file can store)."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            raise UsageError(f"argument {shown!r} is not UTF-8 text; pass UTF-8") from None
    return list(argv)


def _one_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(text.split()) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
