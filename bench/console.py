"""The console over big databases: first screen, one refresh cycle, and the queries behind them.

``measure(path_10k, path_100k)`` times, on databases built by ``bench.bulk`` (one task per
millisecond, nine in ten complete):

- ``first_screen_s``: open the engine and the console until the list shows its first rows
  and the selected task's steps are drawn (headless, the real app, its real queries);
  ``full_list_s``: until the newest 10,000 tasks are all in the list (added in chunks);
- ``refresh_ms`` (10k only): one poll cycle after 20 tasks changed elsewhere — the change
  feed, the changed rows, the counts (on the database thread) plus applying them to the list
  and header (on the UI's loop, which is what an operator would feel);
- ``list_query_ms`` / ``grid_query_ms`` / ``counts_ms`` / ``changes_ms``: the Engine calls
  alone (the grid's: the newest 40 tasks of a template with their steps, one read);
- ``failures_ms``: the failures view's read (``Engine.failures``: the outstanding failed steps
  grouped by cause, each group's sample masked) with three tasks in a hundred blocked by a
  failed step (the shop databases' one in 50, and ``fail_some``'s one in ``FAILED_EVERY``, each
  with its audit row and in the search index); ``failures_all_ms``: the same with the handled ones (``h``), which reads the
  whole audit trail;
- ``search_*_ms``: ``/`` searches (``SEARCHES``), the count and the newest matches the console
  lists, through the search index (budget: 100 ms at 100k tasks).

Goals (DESIGN and issue): refresh under 50 ms at 10k tasks, first screen under 1 s at 100k.
Run ``python -m bench.console`` (builds the databases in a temporary folder).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import bulk
from console.app import ConsoleApp
from console.messages import TasksRefreshed
from console.screens.main import LIST_LIMIT, MainScreen
from console.screens.task_search import SEARCH_LIMIT
from console.widgets.steps_table import StepsTable
from console.widgets.task_table import FIRST_ROWS, TaskTable
from engine.api import Engine, open_engine

SIZE = (150, 44)
CHANGED = 20  # tasks a busy worker moves between two polls (0.25 s)
REPEATS = 5
GRID_ROWS = 40  # the grid's (G) newest tasks of a template, with their steps
SCREEN_RUNS = 3  # first-screen figures are the median of this many openings
GOALS = {"refresh_ms_10k": 50.0, "first_screen_s_100k": 1.0}
FAILED_EVERY = 100  # one task in this many more is blocked by a failed step (pending ones)
FAILURE_CODES = ("PAYMENT_DECLINED", "GATEWAY_TIMEOUT", "RATE_LIMITED", "OUT_OF_STOCK")


async def _median_ms(call: Callable[[], Awaitable[Any]], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def _wait(condition: Callable[[], bool], pilot: Any, limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the console did not reach its first screen")
        await pilot.pause(0.005)


class _Frames:
    """When the app last drew its screen (wraps the screen's refresh: bench-only)."""

    def __init__(self, app: ConsoleApp) -> None:
        self.last = 0.0
        screen = app.screen
        draw = screen._compositor_refresh

        def counted() -> None:
            draw()
            self.last = time.perf_counter()

        screen._compositor_refresh = counted  # type: ignore[method-assign]


async def first_screen_s(db: Path) -> dict[str, float]:
    """Seconds from opening the engine to the first screen (the list's first rows and the
    selected task's steps drawn), and to every fetched row being in the list."""
    # Counted before the clock starts: counting 100k tasks beside the console would queue the
    # console's own first reads behind this one.
    with contextlib.closing(sqlite3.connect(db)) as side:
        rows = min(side.execute("SELECT COUNT(*) FROM tasks").fetchone()[0], LIST_LIMIT)
    start = time.perf_counter()
    async with open_engine(db) as engine:
        app = ConsoleApp(engine, db_label=db.name, poll_s=3600)  # no poll in the measurement
        async with app.run_test(size=SIZE) as pilot:
            frames = _Frames(app)
            screen = app.screen
            table, steps = screen.query_one(TaskTable), screen.query_one(StepsTable)
            first = min(rows, FIRST_ROWS)
            await _wait(lambda: table.row_count >= first and steps.row_count > 0, pilot)
            shown_at = time.perf_counter()
            await _wait(lambda: frames.last > shown_at, pilot)  # the frame that shows them
            first_s = frames.last - start
            await _wait(lambda: table.row_count == rows and not table.rows_to_come, pilot)
            return {"first_screen_s": first_s, "full_list_s": time.perf_counter() - start}


def first_screen_in_a_fresh_process(db: Path) -> dict[str, float]:
    """``first_screen_s`` in a new interpreter, as a user's ``tasker console`` would run: no
    caches or garbage left by building the databases or by the previous opening."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.console", "--first-screen", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def imports_s() -> float:
    """Seconds a fresh interpreter takes to import the console and the engine."""
    code = "import time; t = time.perf_counter(); import console.main, console.app, engine.api;"
    code += " print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


SEARCHES = {  # what an operator types at /, on the shop databases bench.bulk builds
    "search_email_ms": "shopper12345@example.com",
    "search_code_ms": "code:PAYMENT_DECLINED",
    "search_ctx_path_ms": "ctx.order_id:ORD-0012345",
    "search_word_ms": "gateway",
}


async def search_ms(engine: Engine) -> dict[str, float]:
    """One search each (count and the newest rows the console lists), median of REPEATS."""
    return {
        key: await _median_ms(functools.partial(engine.search_tasks, query, SEARCH_LIMIT))
        for key, query in SEARCHES.items()
    }


async def _queries(engine: Engine) -> dict[str, float]:
    cursor = await engine.change_cursor()
    [newest] = await engine.list_tasks(limit=1)
    template = (newest["namespace"], newest["name"])
    return {
        "list_query_ms": await _median_ms(lambda: engine.list_tasks(limit=LIST_LIMIT)),
        "grid_query_ms": await _median_ms(lambda: engine.task_grid(*template, GRID_ROWS)),
        "counts_ms": await _median_ms(engine.task_counts),
        "changes_ms": await _median_ms(lambda: engine.changes_since(cursor)),
        "failures_ms": await _median_ms(engine.failures),
        "failures_all_ms": await _median_ms(lambda: engine.failures(include_handled=True)),
        **await search_ms(engine),
    }


async def refresh_ms(db: Path) -> dict[str, float]:
    """One poll cycle after CHANGED tasks were cancelled by another hand."""
    async with open_engine(db) as engine:
        app = ConsoleApp(engine, db_label=db.name, poll_s=3600)
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, MainScreen)
            table = screen.query_one(TaskTable)
            total = min(sum((await engine.task_counts()).values()), LIST_LIMIT)
            await _wait(lambda: table.row_count == total, pilot)
            db_times, ui_times = [], []
            pending = [t["task_uuid"] for t in await engine.list_tasks(status="pending", limit=500)]
            for round_ in range(REPEATS):
                for uuid in pending[round_ * CHANGED : (round_ + 1) * CHANGED]:
                    await engine.cancel_task(uuid, "bench", "bench")
                start = time.perf_counter()
                cursor, changed = await engine.changes_since(screen.cursor or 0)
                rows = await engine.task_summaries(changed)
                counts = await engine.task_counts()
                db_times.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                screen.tasks_refreshed(TasksRefreshed(rows, counts, False, set(changed), cursor))
                ui_times.append((time.perf_counter() - start) * 1000)
                await pilot.pause()
            db_ms, ui_ms = statistics.median(db_times), statistics.median(ui_times)
            return {"refresh_db_ms": db_ms, "refresh_ui_ms": ui_ms, "refresh_ms": db_ms + ui_ms}


async def _measure(path_10k: Path, path_100k: Path) -> dict[str, Any]:
    results: dict[str, Any] = {
        "changed_per_refresh": CHANGED,
        "goals": GOALS,
        "imports_s": imports_s(),
    }
    for label, db in (("10k", path_10k), ("100k", path_100k)):
        async with open_engine(db) as engine:
            for key, value in (await _queries(engine)).items():
                results[f"{key}_{label}"] = value
        runs = [first_screen_in_a_fresh_process(db) for _ in range(SCREEN_RUNS)]
        for key in runs[0]:
            results[f"{key}_{label}"] = statistics.median(run[key] for run in runs)
    for key, value in (await refresh_ms(path_10k)).items():
        results[f"{key}_10k"] = value
    return results


def measure(path_10k: Path, path_100k: Path) -> dict[str, Any]:
    """Figures for two databases (built with ``bench.bulk.build``); see the module docstring."""
    return asyncio.run(_measure(Path(path_10k), Path(path_100k)))


def build_databases(folder: Path, small: int = 10_000, large: int = 100_000) -> tuple[Path, Path]:
    return fail_some(bulk.build(folder / "console_10k.db", small, shop=True)), fail_some(
        bulk.build(folder / "console_100k.db", large, shop=True)
    )


def fail_some(db: Path) -> Path:
    """Block one task in FAILED_EVERY (pending ones, apart from the shop's) on its first step,
    in error with one of FAILURE_CODES, as a worker would leave it (``bulk.fail_first_steps``)."""
    cx = sqlite3.connect(db, isolation_level=None)
    try:
        bulk.fail_first_steps(cx, FAILED_EVERY, 10, FAILURE_CODES, _failure_message)
    finally:
        cx.close()
    return db


def _failure_message(code: str, rowid: int) -> str:
    return f"{code.lower().replace('_', ' ')} for order {rowid}"


def table(results: dict[str, Any]) -> str:
    rows = [
        ("first screen", "s", "first_screen_s"),
        ("every listed row in the table", "s", "full_list_s"),
        ("refresh cycle (20 changed)", "ms", "refresh_ms"),
        ("  of which database", "ms", "refresh_db_ms"),
        ("  of which UI loop", "ms", "refresh_ui_ms"),
        ("list query (10,000 rows)", "ms", "list_query_ms"),
        ("grid query (newest 40)", "ms", "grid_query_ms"),
        ("counts per state", "ms", "counts_ms"),
        ("change feed (nothing new)", "ms", "changes_ms"),
        ("failures view (3% failed)", "ms", "failures_ms"),
        ("  with the handled ones", "ms", "failures_all_ms"),
        ("search: ctx e-mail", "ms", "search_email_ms"),
        ("search: code:", "ms", "search_code_ms"),
        ("search: ctx.order_id:", "ms", "search_ctx_path_ms"),
        ("search: a word (errors)", "ms", "search_word_ms"),
    ]
    lines = [f"{'console':<28} {'unit':>4} {'10k tasks':>10} {'100k tasks':>11}"]
    for label, unit, key in rows:
        cells = []
        for size in ("10k", "100k"):
            value = results.get(f"{key}_{size}")
            cells.append(
                "—" if value is None else f"{value:.3f}" if unit == "s" else f"{value:.1f}"
            )
        lines.append(f"{label:<28} {unit:>4} {cells[0]:>10} {cells[1]:>11}")
    verdicts = [
        f"python imports before any of this: {results['imports_s']:.2f} s",
        f"refresh at 10k: {results['refresh_ms_10k']:.1f} ms (goal < 50 ms)",
        f"first screen at 100k: {results['first_screen_s_100k']:.2f} s (goal < 1 s)",
    ]
    return "\n".join([*lines, "", *verdicts])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--first-screen"]:  # one measurement, for first_screen_in_a_fresh_process
        print(json.dumps(asyncio.run(first_screen_s(Path(args[1])))))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        print("building 10k and 100k task databases …", file=sys.stderr)
        small, large = build_databases(Path(tmp))
        results = measure(small, large)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
