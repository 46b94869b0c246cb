"""``tasker template run-all DIR [--json]``: run every template of a folder end to end with
stub handlers (``engine.stub_handlers``) and report each task's final state.

Each template file becomes one task (created from the file itself, so two files that define
the same namespace/name@version both run). Tasks run in a scratch database unless ``--into``
names one to keep. Exit 0 when every task is complete, 1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine import identity, plan
from engine.cli import numbers, output
from engine.cli.errors import UsageError
from engine.clock import SystemClock
from engine.handlers.registry import HandlerRegistry
from engine.states import TERMINAL_TASK_STATES, TaskState
from engine.store import Store, open_store
from engine.stub_handlers import StubHandler
from engine.templates import TaskTemplate, TemplateError, load_template
from engine.worker import Worker

POLL_S = 0.1
UNFINISHED = "unfinished"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    p = commands.add_parser(
        "run-all",
        help="run every template in a folder with stub handlers; exit 1 unless all complete",
    )
    p.add_argument("folder", metavar="DIR", help="a folder of template files (searched deeply)")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--into", metavar="DB", help="keep the tasks in this database (default: a scratch one)"
    )
    p.add_argument(
        "--concurrency",
        type=numbers.whole("--concurrency", 1, numbers.MAX_CONCURRENCY),
        default=8,
        help="steps run at once (default 8)",
    )
    p.set_defaults(run=run_all)


@dataclass
class Run:
    """One template file and what became of its task."""

    path: Path
    template: TaskTemplate | None = None
    problem: str | None = None
    task: dict[str, Any] | None = None

    @property
    def status(self) -> str:
        if self.problem is not None:
            return "invalid"
        return self.task["status"] if self.task else UNFINISHED


def template_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder; give the folder that holds the templates")
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
    if not files:
        raise UsageError(f"{folder} holds no .yaml or .yml files; point at a templates folder")
    return files


def load_all(files: list[Path], environment: str | None) -> list[Run]:
    runs = []
    for path in files:
        try:
            runs.append(Run(path, load_template(path, environment=environment).template))
        except TemplateError as exc:
            runs.append(Run(path, problem=str(exc)))
    return runs


async def execute(runs: list[Run], db: str, concurrency: int, show_progress: bool) -> None:
    """Create one task per loaded template, run them all with stubs, fill in ``run.task``."""
    store = await open_store(db)
    try:
        clock = SystemClock()
        templates: dict[str, TaskTemplate] = {}
        stub = StubHandler(templates)
        registry = HandlerRegistry()
        by_uuid: dict[str, Run] = {}
        for run in runs:
            if run.template is None:
                continue
            for step in run.template.steps:
                registry.register(step.handler.callable, stub)
            key = identity.identity_hash(run.template.key, {}, "always_unique")
            made = plan.task_plan(
                run.template,
                {},
                key,
                now_ms=clock.now_ms(),
                initiator="tasker template run-all",
                reason=f"compat run of {run.path.name}",
            )
            uuid, _ = await store.create_task(made, clock.now_ms())
            templates[uuid] = run.template
            by_uuid[uuid] = run
        worker = Worker(store, registry, clock, concurrency=concurrency)
        await _run_with_progress(store, worker, list(by_uuid), show_progress)
        for uuid, run in by_uuid.items():
            run.task = await store.get_task(uuid)
    finally:
        await store.close()


async def _run_with_progress(
    store: Store, worker: Worker, uuids: list[str], show_progress: bool
) -> None:
    running = asyncio.ensure_future(worker.run(until_idle=True))
    if not show_progress:
        await running
        return
    columns = (
        TextColumn("running templates"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        bar = progress.add_task("run", total=len(uuids))
        while not running.done():
            await asyncio.wait([running], timeout=POLL_S)
            rows = await store.task_summaries(uuids)
            done = sum(1 for r in rows if TaskState(r["status"]) in TERMINAL_TASK_STATES)
            progress.update(bar, completed=done)
    await running


def _report_json(runs: list[Run]) -> None:
    output.print_json(
        [
            {
                "file": str(run.path),
                "namespace": run.template.namespace_name if run.template else None,
                "name": run.template.name if run.template else None,
                "version": run.template.version if run.template else None,
                "status": run.status,
                "problem": run.problem,
                "task_uuid": run.task["task_uuid"] if run.task else None,
                "total_steps": run.task["total_steps"] if run.task else 0,
                "completed_steps": run.task["completed_steps"] if run.task else 0,
                "steps": {s["name"]: s["current_state"] for s in (run.task or {}).get("steps", [])},
            }
            for run in runs
        ]
    )


def _report_lines(runs: list[Run]) -> None:
    width = max(len(run.status) for run in runs)
    for run in runs:
        if run.template is None:
            output.plain_line(f"{run.status:<{width}}  {run.problem}")
            continue
        task = run.task or {}
        steps = f"{task.get('completed_steps', 0)}/{task.get('total_steps', 0)} steps"
        output.plain_line(f"{run.status:<{width}}  {run.template.ref}  {steps}  {run.path.name}")
    counts = Counter(run.status for run in runs)
    print()
    output.table(
        ["STATUS", "TEMPLATES"], [(output.styled(state), n) for state, n in sorted(counts.items())]
    )
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    print(f"{len(runs)} templates: {summary}")


async def run_all(args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    runs = load_all(template_files(Path(args.folder)), args.environment)
    show_progress = not args.json and sys.stderr.isatty()
    if args.into:
        await execute(runs, args.into, args.concurrency, show_progress)
    else:
        with tempfile.TemporaryDirectory(prefix="tasker-run-all-") as scratch:
            db = os.path.join(scratch, "run-all.db")
            await execute(runs, db, args.concurrency, show_progress)
    if args.json:
        _report_json(runs)
    else:
        _report_lines(runs)
    return 0 if all(run.status == TaskState.COMPLETE for run in runs) else 1
