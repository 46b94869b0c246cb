"""``tasker console``: open the engine and, unless told not to, a worker beside the UI."""

from __future__ import annotations

import argparse
from pathlib import Path

from console.app import ConsoleApp


async def run_console(args: argparse.Namespace) -> int:
    from engine.api import open_engine
    from engine.cli.errors import UsageError
    from engine.embedded import EmbeddedWorker

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    worker = None
    if not args.no_worker:
        worker = EmbeddedWorker(
            args.db,
            templates=args.templates,
            handlers=args.handlers,
            concurrency=args.concurrency,
            environment=getattr(args, "environment", None),
        )
        worker.start()
    try:
        async with open_engine(
            args.db,
            templates=args.templates,
            handlers=args.handlers,
            environment=getattr(args, "environment", None),
        ) as engine:
            app = ConsoleApp(engine, embedded_worker=worker, db_label=Path(args.db).name)
            await app.run_async()
    finally:
        if worker is not None:
            worker.stop()
    return 0
