"""The console over a PostgreSQL database: the showcase copied there with ``tasker db copy``,
driven by keys as on SQLite, and woken by NOTIFY when another process commits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from console.showcase import Showcase, showcase_clock
from engine.api import Engine, open_engine
from engine.store import admin
from tests.console.support import (
    OPERATOR,
    SIZE,
    confirm_with_reason,
    console,
    header_text,
    loaded,
    select_task,
    step_cell,
    task_cell,
    tasks,
    until,
)


@pytest.fixture
async def pg_showcase(showcase: Showcase, pg_url: str) -> Showcase:
    """The showcase database, copied into an empty PostgreSQL schema."""
    await admin.copy_database(str(showcase.db), pg_url)
    return Showcase(pg_url, showcase.now_ms, dict(showcase.tasks))  # type: ignore[arg-type]


@pytest.fixture
async def pg_engine(pg_showcase: Showcase) -> AsyncIterator[Engine]:
    async with open_engine(str(pg_showcase.db), clock=showcase_clock(pg_showcase)) as opened:
        yield opened


async def test_the_list_shows_every_task_and_the_counts(pg_engine: Engine, engine: Engine) -> None:
    on_sqlite = await engine.list_tasks(limit=500)
    app = console(pg_engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: tasks(app).row_count == len(on_sqlite), "every task")
        counts = await pg_engine.task_counts()
        assert counts == await engine.task_counts()
        for status, n in counts.items():
            assert f"{n} {status}" in header_text(app)


async def test_retry_by_key_is_stored_and_audited_on_postgresql(
    pg_engine: Engine, pg_showcase: Showcase
) -> None:
    declined = pg_showcase.tasks["declined"]
    app = console(pg_engine)
    async with app.run_test(size=SIZE) as pilot:
        await select_task(pilot, declined)
        await confirm_with_reason(pilot, "r", "customer updated the card")
        await until(
            pilot, lambda: step_cell(app, "process_payment", "state") == "· pending", "pending"
        )
    last = (await pg_engine.step_audit(declined, "process_payment"))[-1]
    assert (last["from_state"], last["to_state"]) == ("error", "pending")
    assert (last["by"], last["reason"]) == (OPERATOR, "customer updated the card")


async def test_a_commit_by_another_process_reaches_the_console(
    pg_engine: Engine, pg_showcase: Showcase
) -> None:
    blocked = pg_showcase.tasks["declined"]
    app = console(pg_engine)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert "blocked_by_failures" in task_cell(app, blocked, "state")
        elsewhere = open_engine(str(pg_showcase.db), clock=showcase_clock(pg_showcase))
        async with elsewhere as other:  # its own pool: its commits are another process's
            await other.give_up(blocked, "the customer went away", by="support")
        await until(pilot, lambda: "error" in task_cell(app, blocked, "state"), "the give-up")
