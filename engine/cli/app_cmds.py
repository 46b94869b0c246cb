"""``tasker console``, ``tasker serve`` and ``tasker demo``: entry points that live outside the engine.

They are found by name at run time, so the engine never depends on the console, the REST server
or the shipped workflows' code.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from engine.cli import numbers
from engine.cli.errors import UsageError

CONCURRENCY = numbers.whole("--concurrency", 1, numbers.MAX_CONCURRENCY)


def register(groups: argparse._SubParsersAction[Any]) -> None:
    p = groups.add_parser("console", help="the operations console")
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="only observe; other 'tasker worker' processes run the steps",
    )
    p.add_argument("--concurrency", type=CONCURRENCY, default=4)
    p.add_argument(
        "--url",
        help="a Tasker orchestration REST API (tasker serve, or any Tasker) instead of --db",
    )
    p.add_argument(
        "--api-key",
        help="the key sent as X-API-Key with --url (TASKER_API_KEY)",
    )
    p.set_defaults(run=lambda args: _entry("console.main", "run_console")(args))

    p = groups.add_parser(
        "serve",
        help="Tasker's orchestration REST API over this database",
        description="Serve Tasker's orchestration REST API (OpenAPI 3.1) over this database. "
        "Without --api-keys it listens on loopback only and asks no key.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument(
        "--api-keys",
        metavar="FILE",
        help='JSON {"keys": [{"name", "key", "permissions"}]} (TASKER_API_KEYS); '
        "required off loopback",
    )
    p.add_argument("--access-log", action="store_true", help="log every request on stderr")
    p.set_defaults(run=lambda args: _entry("server.main", "run_server")(args))

    p = groups.add_parser("demo", help="the checkout demo")
    p.add_argument("--orders", type=numbers.whole("--orders", 1, 5000), default=40)
    p.add_argument("--seed", type=numbers.whole("--seed", 0, 2**64 - 1), default=1)
    p.add_argument(
        "--headless",
        action="store_true",
        help="run to idle and print a summary instead of opening the console",
    )
    p.add_argument("--concurrency", type=CONCURRENCY, default=8)
    p.add_argument(
        "--pace",
        choices=("normal", "slow"),
        default="normal",
        help="slow: the gateway answers in 1 to 3 s and a failed payment retries after 4 s, "
        "so running steps and countdowns stay on screen (make demo uses it)",
    )
    p.set_defaults(run=lambda args: _entry("tasker_workflows_demo", "run_demo")(args))


def _entry(module: str, function: str) -> Any:
    if module == "tasker_workflows_demo":
        from engine import shipped

        shipped.install_package_alias()
        module = f"{shipped.PACKAGE}.demo.command"
    try:
        return getattr(importlib.import_module(module), function)
    except ModuleNotFoundError as exc:
        raise UsageError(f"{module} is not available ({exc}); reinstall tasker-console") from None
