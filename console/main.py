"""``tasker console``: open the engine and, unless told not to, a worker beside the UI."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from console.app import ConsoleApp


@asynccontextmanager
async def console_session(args: argparse.Namespace) -> AsyncIterator[ConsoleApp]:
    """The console app over ``args.db``, with its embedded worker running unless
    ``args.no_worker``; both are closed when the block ends."""
    from engine.api import database_label, open_engine
    from engine.cli.errors import UsageError
    from engine.embedded import EmbeddedWorker

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    environment = getattr(args, "environment", None)
    async with open_engine(
        args.db, templates=args.templates, handlers=args.handlers, environment=environment
    ) as engine:  # opened first: a bad --db or template folder fails before any thread starts
        worker = None
        if not args.no_worker:
            worker = EmbeddedWorker(
                args.db,
                templates=args.templates,
                handlers=args.handlers,
                concurrency=args.concurrency,
                environment=environment,
            )
            worker.start()
        try:
            yield ConsoleApp(engine, embedded_worker=worker, db_label=database_label(args.db))
        finally:
            if worker is not None:
                worker.stop()


async def run_console(args: argparse.Namespace) -> int:
    async with console_session(args) as app:
        await app.run_async()
    return 0
