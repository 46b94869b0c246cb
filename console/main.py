"""``tasker console``: open the engine and, unless told not to, a worker beside the UI; or,
with ``--url``, a Tasker REST API (``console.remote``)."""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from console.app import ConsoleApp
from console.remote import RemoteEngine, RemoteError

REMOTE_POLL_S = 1.0


@asynccontextmanager
async def console_session(args: argparse.Namespace) -> AsyncIterator[ConsoleApp]:
    """The console app over ``args.db``, with its embedded worker running unless
    ``args.no_worker``; both are closed when the block ends."""
    from engine.api import open_engine
    from engine.cli.errors import UsageError
    from engine.embedded import EmbeddedWorker
    from engine.labels import database_label

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if getattr(args, "url", None):
        key = args.api_key or os.environ.get("TASKER_API_KEY") or None
        async with remote_session(args.url, key) as app:
            yield app
        return
    if getattr(args, "api_key", None):
        raise UsageError("--api-key goes with --url; a database needs no key")
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


@asynccontextmanager
async def remote_session(url: str, api_key: str | None) -> AsyncIterator[ConsoleApp]:
    """The console over a Tasker REST API: no embedded worker (the server's workers run the
    steps), a slower poll (each look re-reads the newest tasks over HTTP)."""
    from engine.cli.errors import UsageError

    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url {url!r} is not an http:// or https:// URL")
    remote = RemoteEngine(url, api_key)
    try:
        try:
            await remote.open()
        except RemoteError as exc:
            raise UsageError(str(exc)) from None
        yield ConsoleApp(remote, db_label=url, poll_s=REMOTE_POLL_S)
    finally:
        await remote.close()


async def run_console(args: argparse.Namespace) -> int:
    async with console_session(args) as app:
        await app.run_async()
    return 0
